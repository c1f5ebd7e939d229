"""The checks' reading of text: the lexicon (``lexicon.yaml``), sentences, person, lists, echoes of the question."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import yaml

from jiping.perception.text import tagged
from jiping.scoring.judge.kinds import (
    ECHO_SENTENCE_SHARE,
    LEXICON_PATH,
    LIST_MEDIAN_ITEM,
    LIST_MIN_ITEMS,
    SentenceKind,
)

# --- the lexicon ----------------------------------------------------------------------------------


class Lexicon:
    def __init__(self, data: dict[str, Any]) -> None:
        self.stative = {lang: frozenset(words) for lang, words in data["stative_verbs"].items()}
        self.function = {lang: frozenset(words) for lang, words in data["function_words"].items()}
        self.stop = {lang: frozenset(words) for lang, words in data["stopwords"].items()}
        self.irregular_past = frozenset(data["irregular_past"])
        self.patterns = {
            key: {
                lang: re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE)
                for lang, pats in data[key].items()
            }
            for key in (
                "episode_markers",
                "habit_markers",
                "self_description",
                "generalisers",
                "scorer_instructions",
                "follow_up",
                "improvement",
            )
        }
        # Text aimed at the scorer is looked for in both languages, whatever the answer's language.
        both = "|".join(f"(?:{p})" for pats in data["scorer_instructions"].values() for p in pats)
        self.patterns["scorer_instructions"] = dict.fromkeys(("zh", "en"), re.compile(both, re.IGNORECASE))

    def match(self, key: str, lang: str, text: str) -> bool:
        return self.patterns[key][lang].search(text) is not None


@functools.cache
def lexicon() -> Lexicon:
    return Lexicon(yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8")))


# --- text -----------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
_SENTENCE = re.compile(r"[^。！？；!?;\n]+?(?:[。！？；!?;\n]+|\.(?=\s|$)|$)", re.S)
_ITEM_SEPARATORS = re.compile(r"[、，,;；/|·•。！？!?\n]+|\s+-\s+|^\s*-\s*|(?<=\s)-\s", re.M)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*\s*[%％]?|百分之[一二三四五六七八九十几]+")
_EN_WORD = re.compile(r"[a-z]+(?:['’][a-z]+)?")
_BE = frozenset(
    {
        "am",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "'m",
        "very",
        "highly",
        "so",
        "more",
        "most",
        "really",
        "extremely",
        "get",
        "got",
        "feel",
        "felt",
        "i'm",
        "we're",
        "you're",
        "it's",
        "that's",
        "what's",
        "something's",
        "everything's",
        "nothing's",
        "who's",
        "he's",
        "she's",
    }
)
_ZH_PAST_PARTICLES = frozenset({"了", "过"})
_ZH_I = ("我",)
_ZH_WE = ("我们", "咱们", "我们组", "我们团队")
_EN_I = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "myself"})
_EN_WE = frozenset({"we", "we're", "we've", "we'd", "we'll", "us", "our", "ourselves"})
_EN_OTHER = frozenset({"he", "she", "they", "him", "her", "them", "his", "their"})


def text_language(text: str) -> str:
    """``zh`` when Chinese characters outnumber Latin words, else ``en``."""
    return "zh" if len(_CJK.findall(text)) >= len(_LATIN_WORD.findall(text)) and _CJK.search(text) else "en"


def _content_chars(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch)[0] in "LN")


def split_sentences(text: str) -> list[tuple[str, int, int]]:
    """(sentence, start, end) spans covering the text's sentences, punctuation kept."""
    out = []
    for m in _SENTENCE.finditer(text):
        chunk = m.group(0)
        stripped = chunk.strip()
        if stripped and _content_chars(stripped):
            start = m.start() + chunk.index(stripped[0])
            out.append((stripped, start, start + len(stripped)))
    return out


def _en_words(text: str) -> list[str]:
    return _EN_WORD.findall(text.lower().replace("’", "'"))


def _zh_content(tokens: list[tuple[str, str]]) -> list[str]:
    return [w for w, f in tokens if f != "x" and _content_chars(w)]


def _en_past_verbs(words: list[str]) -> list[str]:
    lex = lexicon()
    out = []
    for i, w in enumerate(words):
        prev = words[i - 1] if i else ""
        if w in lex.stative["en"]:
            continue
        if w in lex.irregular_past or (
            len(w) > 4 and w.endswith("ed") and prev not in _BE and prev not in _EN_DETERMINERS
        ):
            out.append(w)
    return out


def _person_zh(text: str) -> str:
    if any(w in text for w in _ZH_WE):
        return "we" if not re.search(r"我(?!们)", text) else "i"
    if any(w in text for w in _ZH_I):
        return "i"
    return "other" if re.search(r"[他她]", text) else "none"


def _person_en(words: list[str]) -> str:
    if any(w in _EN_I for w in words):
        return "i"
    if any(w in _EN_WE for w in words):
        return "we"
    return "other" if any(w in _EN_OTHER for w in words) else "none"


_EN_DETERMINERS = frozenset(
    {
        "the",
        "a",
        "an",
        "this",
        "that",
        "my",
        "our",
        "their",
        "his",
        "her",
        "its",
        "your",
        "well",
        "fully",
        "over",
        "under",
        "un",
        "non",
    }
)

_SUBJECTS = {"zh": ("我", "他", "她", "他们", "她们"), "en": frozenset({"i", "we", "he", "she", "they"})}


def _items(text: str, lang: str) -> list[str]:
    items = [i for i in _ITEM_SEPARATORS.split(text) if i and _content_chars(i)]
    if lang == "zh" and len(items) < LIST_MIN_ITEMS:  # a list of words with spaces between them
        items = [i for i in re.split(r"\s+", text) if _content_chars(i)]
    return items


def list_kind(text: str, lang: str) -> SentenceKind | None:
    """``list`` when the text is four or more bare items (no subject, and no verb or very short), ``numbers``
    when most of those items are figures; None for speech."""
    items = _items(text, lang)
    if len(items) < LIST_MIN_ITEMS:
        return None
    lex = lexicon()
    bare = 0
    figures = 0
    told = 0  # items that are a clause someone acts in ("I kept a risk list with…"): speech, not a list
    for item in items:
        if lang == "zh":
            tokens = tagged(item)
            subject = "我" in item or (bool(tokens) and tokens[0][0] in _SUBJECTS["zh"])
            verb = any(f.startswith("v") and w not in lex.stative["zh"] for w, f in tokens)
            short = len(_CJK.findall(item)) <= 4
        else:
            words = _en_words(item)
            subject = any(w in _SUBJECTS["en"] for w in words)
            verb = bool(_en_past_verbs(words)) and len(words) > 3
            short = len(words) <= 4
        told += subject and verb
        figure = bool(_NUMBER.search(item))
        bare += (not subject) and (not verb or short or figure)  # a metric ("效率提升200%") is an item too
        figures += figure
    sizes = sorted(len(_CJK.findall(i)) if lang == "zh" else len(_en_words(i)) for i in items)
    kind = SentenceKind.NUMBERS if figures / len(items) >= 0.5 else SentenceKind.LIST
    if bare / len(items) < 0.7 or sizes[len(sizes) // 2] > LIST_MEDIAN_ITEM[kind][lang]:
        return None
    if told and len(items) < 8:
        return None
    return kind


def _content_words(text: str, lang: str) -> list[str]:
    lex = lexicon()
    if lang == "zh":
        return [w for w in _zh_content(tagged(text)) if w not in lex.stop["zh"]]
    return [w for w in _en_words(text) if w not in lex.stop["en"]]


def _question_words(question: str, lang: str) -> set[str]:
    words = set(_content_words(question, lang))
    if lang == "zh":  # a rephrased echo reuses the question's characters in other cuts
        words |= {ch for w in words for ch in w if _CJK.match(ch)}
    return words


def _is_echo(words: list[str], question: set[str], lang: str) -> bool:
    if not words or not question:
        return False
    if lang == "zh":
        inside = sum(1 for w in words if w in question or all(ch in question for ch in w))
    else:
        inside = sum(1 for w in words if w in question or w.rstrip("s") in question)
    return inside / len(words) >= ECHO_SENTENCE_SHARE
