"""A behavioural anchor cut into the behaviours it names, and matched against an answer's sentences.

An anchor such as "主动挖掘客户未说出的需求，超出预期地解决问题，并通过回访确认客户满意" names three behaviours;
a reason says which of them the answer showed and which it lacked ("未体现：通过回访确认客户满意"). Chinese
anchors are cut at ，；。 and before 并/并且/同时; English ones at ; and full stops and before ", and" /
", so". Fragments of fewer than 3 characters (Chinese) or 2 words stay with their neighbour.

Support (``support``): how well a sentence of the answer shows one element, 0–1: the larger of the encoder's
cosine (when an encoder is given) and rapidfuzz's partial ratio between the two texts with pronouns made
neutral (他/她/它 → 他, he/she → they…), so that "听她说完" supports "听他说完" exactly as well.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from jiping.scoring.encoder import SentenceEncoder

_ZH_CUT = re.compile(r"[，；。,;]+|(?=并且|(?<!合)并(?!发|非|不)|同时)")
_EN_CUT = re.compile(r"[;.]+\s*|,\s+(?=and\b|so\b|then\b)")
# Gendered words and their neutral stand-ins (longest first). What the judge's model reads and what the
# grounding matches is the same whichever gender a story names: swapping 他/她, he/she, 先生/女士 or
# mother/father in an answer cannot move a score.
_ZH_GENDERED = [
    ("她们", "他们"),
    ("女士", "先生"),
    ("小姐", "先生"),
    ("太太", "先生"),
    ("夫人", "先生"),
    ("女同事", "同事"),
    ("男同事", "同事"),
    ("女生", "同学"),
    ("男生", "同学"),
    ("大姐", "大哥"),
    ("阿姨", "叔叔"),
    ("妈妈", "家长"),
    ("爸爸", "家长"),
    ("母亲", "家长"),
    ("父亲", "家长"),
    ("老太太", "老人家"),
    ("老大爷", "老人家"),
    ("女儿", "孩子"),
    ("儿子", "孩子"),
    ("妻子", "爱人"),
    ("丈夫", "爱人"),
    ("老婆", "爱人"),
    ("老公", "爱人"),
    ("姐姐", "哥哥"),
    ("妹妹", "弟弟"),
    ("她", "他"),
    ("它", "他"),
]
_EN_GENDERED = {
    "she": "they",
    "he": "they",
    "him": "them",
    "his": "their",
    "hers": "theirs",
    "herself": "themselves",
    "himself": "themselves",
    "woman": "person",
    "man": "person",
    "women": "people",
    "men": "people",
    "mr": "",
    "mrs": "",
    "ms": "",
    "miss": "",
    "sir": "",
    "madam": "",
    "lady": "person",
    "gentleman": "person",
    "mother": "parent",
    "father": "parent",
    "mom": "parent",
    "mum": "parent",
    "dad": "parent",
    "wife": "partner",
    "husband": "partner",
    "girlfriend": "partner",
    "boyfriend": "partner",
    "daughter": "child",
    "son": "child",
    "girl": "child",
    "boy": "child",
    "sister": "sibling",
    "brother": "sibling",
    "aunt": "relative",
    "uncle": "relative",
    "actress": "actor",
    "waitress": "server",
    "waiter": "server",
    "chairman": "chair",
    "chairwoman": "chair",
    "businessman": "businessperson",
    "businesswoman": "businessperson",
    "salesman": "salesperson",
    "saleswoman": "salesperson",
}
_EN_WORD = re.compile(r"[A-Za-z]+")
_NOT_A_NOUN = frozenset(
    {
        "to",
        "for",
        "with",
        "at",
        "on",
        "in",
        "about",
        "that",
        "the",
        "a",
        "an",
        "and",
        "but",
        "so",
        "if",
        "when",
        "as",
        "from",
        "back",
        "up",
        "down",
        "off",
        "out",
        "again",
        "too",
    }
)


def elements(anchor: str, language: str) -> list[str]:
    """The behaviours an anchor names, in order."""
    text = anchor.strip().rstrip("。.")
    parts = [p.strip(" ，,、") for p in (_ZH_CUT if language == "zh" else _EN_CUT).split(text)]
    parts = [re.sub(r"^(?:并且|并|同时|and|so|then)\s*", "", p) for p in parts if p]
    out: list[str] = []
    for part in parts:
        small = len(part) < 3 if language == "zh" else len(part.split()) < 2
        if out and small:
            out[-1] = f"{out[-1]}，{part}" if language == "zh" else f"{out[-1]}, {part}"
        elif part:
            out.append(part)
    return out or [text]


def neutral(text: str) -> str:
    """The text with gendered pronouns and words made neutral (what the judge reads; never shown)."""
    for gendered, neutral_word in _ZH_GENDERED:
        text = text.replace(gendered, neutral_word)
    words = list(_EN_WORD.finditer(text))
    out: list[str] = []
    pos = 0
    for i, m in enumerate(words):
        word = m.group(0)
        lower = word.lower()
        plain: str | None
        if lower == "her":  # "told her" -> them, "her manager" -> their
            following = words[i + 1].group(0).lower() if i + 1 < len(words) else ""
            adjacent = i + 1 < len(words) and text[m.end() : words[i + 1].start()].strip() == ""
            plain = "their" if adjacent and following not in _NOT_A_NOUN else "them"
        else:
            plain = _EN_GENDERED.get(lower)
        if plain is None:
            continue
        if plain and word[0].isupper():
            plain = plain[0].upper() + plain[1:]
        out += [text[pos : m.start()], plain]
        pos = m.end()
        if not plain and text[pos : pos + 1] in (".", " "):  # "Mr. Liang" -> "Liang"
            pos += 1 if text[pos : pos + 1] == "." else 0
    out.append(text[pos:])
    return re.sub(r"  +", " ", "".join(out))


def support(
    sentences: Sequence[str], targets: Sequence[str], encoder: SentenceEncoder | None = None
) -> np.ndarray:
    """``[len(sentences), len(targets)]``: how well each sentence shows each target behaviour (0–1)."""
    from rapidfuzz import fuzz

    if not sentences or not targets:
        return np.zeros((len(sentences), len(targets)))
    ns, nt = [neutral(s).lower() for s in sentences], [neutral(t).lower() for t in targets]
    lexical = np.array(
        [
            [fuzz.partial_ratio(t, s) / 100.0 if len(t) <= len(s) else fuzz.ratio(t, s) / 100.0 for t in nt]
            for s in ns
        ]
    )
    if encoder is None:
        return lexical
    vectors = encoder.encode([*ns, *nt])
    semantic = np.clip(vectors[: len(ns)] @ vectors[len(ns) :].T, 0.0, 1.0)
    return np.maximum(lexical, semantic)
