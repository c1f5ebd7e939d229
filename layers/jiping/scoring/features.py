"""Text features of one answer, computed only from what the candidate said: relevance, indicator coverage
with negation, STAR structure, specificity. The rules, measured thresholds and word lists: docs/answer-features.md
and ``lexicons/{zh,en}.yaml``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import Field

from jiping.domain.measures import Measure
from jiping.domain.models import Model
from jiping.perception.text import BREAK, is_chinese, segment, simplified

if TYPE_CHECKING:
    from jiping.scoring.encoder import SentenceEncoder

OFF_TOPIC_THRESHOLD = 0.12
NEGATION_WINDOW = 3
NUMBERS_FULL = 3  # numbers for a full numbers component of the specificity score
ACTIONS_FULL = 4  # concrete action verbs for a full actions component

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"  # the word lists, as data: zh.yaml, en.yaml


def _lexicon(lang: str) -> dict[str, Any]:
    return dict(yaml.safe_load((LEXICON_DIR / f"{lang}.yaml").read_text(encoding="utf-8")))


_LEXICONS = {lang: _lexicon(lang) for lang in ("zh", "en")}
NEGATORS = {lang: frozenset(lex["negators"]) for lang, lex in _LEXICONS.items()}
_ZH_NEG_PREFIX = tuple(_LEXICONS["zh"]["negator_prefixes"])
STAR_CUES = {
    lang: {part: tuple(cues) for part, cues in lex["star_cues"].items()} for lang, lex in _LEXICONS.items()
}
_ACTION_WORDS = {lang: " ".join(lex["action_words"]) for lang, lex in _LEXICONS.items()}
_EN_NUMBER_WORDS = frozenset(_LEXICONS["en"]["number_words"])
_I_WORDS = {"en": frozenset(_LEXICONS["en"]["i_words"])}
_WE_WORDS = {"en": frozenset(_LEXICONS["en"]["we_words"])}

_ARABIC = re.compile(r"\d+(?:[.,]\d+)*\s*[%％]?")
_ZH_NUMERAL = re.compile(
    r"第?([零〇一二三四五六七八九十百千万亿两]+)(?:个|位|名|次|天|年|月|周|小时|分钟|倍|成|元|块|单|家|人|项|点)?"
)
_ZH_AGO = re.compile(r"[一二三四五六七八九十两几\d]+个?(?:年|月|周|星期|天)前")
_SENTENCE_END = re.compile(r"[。！？!?.;；\n]+")
_HAS_WORD = re.compile(r"[\w\u3400-\u9fff]")


# --- models -------------------------------------------------------------------------------------


class StarStructure(Model):
    situation: bool = False
    task: bool = False
    action: bool = False
    result: bool = False
    score: Measure  # share of the four components present, n = sentences
    cues: dict[str, list[str]] = Field(default_factory=dict)  # component -> cues found


class Specificity(Model):
    numbers: Measure  # count, n = tokens
    action_verbs: Measure  # count, n = tokens
    ownership: Measure  # I / (I + we), n = first-person pronouns
    score: Measure  # 0-1, see the module doc


class AnswerFeatures(Model):
    """What one answer's text shows; every value carries its support or why it is missing."""

    language: str
    tokens: Measure
    characters: Measure
    sentences: int = 0
    relevance_to_question: Measure
    relevance_to_competency: dict[str, Measure] = Field(default_factory=dict)
    indicator_coverage: dict[str, Measure] = Field(default_factory=dict)
    indicator_hits: dict[str, list[str]] = Field(default_factory=dict)  # competency -> phrases found
    negated_indicators: dict[str, list[str]] = Field(default_factory=dict)  # found, but negated
    star: StarStructure
    specificity: Specificity
    is_empty: bool = False
    empty_reason: str | None = None
    is_off_topic: bool = False
    off_topic_reason: str | None = None
    encoder: str | None = None  # EncoderInfo.label of the encoder used, if any


# --- helpers ------------------------------------------------------------------------------------


_IRREGULAR: dict[str, str] = _LEXICONS["en"]["irregular_past"]


def stem(word: str) -> str:
    """A deliberately small English stemmer: common irregular past forms (led -> lead), plural,
    -ed, -ing, final -e, doubled consonant."""
    w = word.lower().replace("’", "'")
    w = _IRREGULAR.get(w, w)
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies") or len(w) > 4 and w.endswith("ied"):
        w = w[:-3] + "y"
    elif len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif (
        len(w) > 4
        and w.endswith("ed")
        or len(w) > 4
        and w.endswith("es")
        and (w[-3] in "sxz" or w[-4:-2] in ("ch", "sh"))
    ):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]
    return w


_ACTION_STEMS = {
    "zh": frozenset(_ACTION_WORDS["zh"].split()),
    "en": frozenset(stem(w) for w in _ACTION_WORDS["en"].split()),
}


ASPECT_PARTICLES = frozenset(_LEXICONS["zh"]["aspect_particles"])


def _lang(language: str) -> str:
    return "zh" if is_chinese(language) else "en"


def _is_negator(token: str, lang: str) -> bool:
    if lang == "zh":
        return token in NEGATORS["zh"]
    t = token.lower().replace("’", "'")
    return t in NEGATORS["en"] or t.endswith("n't")


def _negated(tokens: Sequence[str], index: int, prefix: str, lang: str) -> bool:
    """Whether the occurrence starting in ``tokens[index]`` (after ``prefix`` of it) is negated."""
    if lang == "zh" and prefix.endswith(_ZH_NEG_PREFIX):
        return True
    for k in range(index - 1, max(index - 1 - NEGATION_WINDOW, -1), -1):
        if tokens[k] == BREAK:
            break
        if _is_negator(tokens[k], lang):
            return True
    return False


def _find_zh(tokens: Sequence[str], phrase: str) -> tuple[bool, bool]:
    """(found un-negated, found only negated) for a Chinese phrase in the tokens, also with the aspect
    particles (``ASPECT_PARTICLES``: 了 过 着 as whole tokens) left out, so 安排补发 matches 安排了补发."""
    phrase = simplified(phrase).replace(" ", "")
    if not phrase:
        return False, False
    found, only_negated = _find_zh_exact(tokens, phrase)
    if found or not any(t in ASPECT_PARTICLES for t in tokens):
        return found, only_negated
    bare = [t for t in tokens if t not in ASPECT_PARTICLES or t == phrase]
    found_bare, negated_bare = _find_zh_exact(bare, phrase)
    return found_bare, (only_negated or negated_bare) and not found_bare


def _find_zh_exact(tokens: Sequence[str], phrase: str) -> tuple[bool, bool]:
    starts: list[int] = []
    pos = 0
    for tok in tokens:
        starts.append(pos)
        pos += len(tok)
    joined = "".join(tokens)
    seen_negated = False
    if len(phrase) == 1:
        positions = [(i, "") for i, tok in enumerate(tokens) if tok == phrase]
    else:
        positions = []
        at = joined.find(phrase)
        while at >= 0:
            i = max(k for k, s in enumerate(starts) if s <= at)
            positions.append((i, joined[starts[i] : at]))
            at = joined.find(phrase, at + 1)
    for i, prefix in positions:
        if _negated(tokens, i, prefix, "zh"):
            seen_negated = True
        else:
            return True, False
    return False, seen_negated


def _find_en(stems: Sequence[str], phrase: str) -> tuple[bool, bool]:
    words = [stem(w) for w in segment(phrase, "en")]
    if not words:
        return False, False
    seen_negated = False
    size = len(words)
    for i in range(len(stems) - size + 1):
        if list(stems[i : i + size]) == words:
            if _negated(stems, i, "", "en"):
                seen_negated = True
            else:
                return True, False
    return False, seen_negated


def _star(text_norm: str, lang: str, sentences: int) -> StarStructure:
    cues: dict[str, list[str]] = {}
    for component, phrases in STAR_CUES[lang].items():
        found: list[str] = []
        for cue in phrases:
            if lang == "zh" or not cue[0].isalnum():
                hit = cue in text_norm
            else:
                hit = re.search(rf"(?<![\w']){re.escape(cue)}(?![\w'])", text_norm) is not None
            if hit:
                found.append(cue)
        if lang == "zh" and component == "situation":
            found.extend(m.group(0) for m in _ZH_AGO.finditer(text_norm))
        if found:
            cues[component] = found
    present = {c: c in cues for c in ("situation", "task", "action", "result")}
    return StarStructure(**present, score=Measure.of(sum(present.values()) / 4, sentences), cues=cues)


def _count_numbers(text_norm: str, words: Sequence[str], lang: str) -> int:
    count = len(_ARABIC.findall(text_norm))
    if lang == "zh":
        for i, tok in enumerate(words):
            if tok == "百分之" and i + 1 < len(words) and _ZH_NUMERAL.fullmatch(words[i + 1]):
                continue  # 百分之三十: counted once, as 三十
            m = _ZH_NUMERAL.fullmatch(tok)
            if m and m.group(1) != "一":
                count += 1
    else:
        count += sum(1 for w in words if w.lower() in _EN_NUMBER_WORDS)
    return count


def _specificity(text_norm: str, words: Sequence[str], lang: str) -> Specificity:
    n = len(words)
    numbers = _count_numbers(text_norm, words, lang)
    if lang == "zh":  # a reduplicated verb (听听, 查查) counts as the verb
        keyed = [w[0] if len(w) == 2 and w[0] == w[1] else w for w in words]
    else:
        keyed = [stem(w) for w in words]
    actions = sum(1 for w in keyed if w in _ACTION_STEMS[lang])
    if lang == "zh":  # jieba keeps 我先, 我就… as one token: count 我 inside tokens, apart from 我们
        ours = sum(w.count("我们") + w.count("咱们") for w in words)
        mine = sum(w.count("我") - w.count("我们") for w in words)
    else:
        lowered = [w.lower() for w in words]
        mine = sum(1 for w in lowered if w in _I_WORDS[lang])
        ours = sum(1 for w in lowered if w in _WE_WORDS[lang])
    ownership = (
        Measure.of(mine / (mine + ours), mine + ours, "share")
        if mine + ours
        else Measure.absent("no first-person pronoun (I / we)")
    )
    score = (min(numbers / NUMBERS_FULL, 1.0) + min(actions / ACTIONS_FULL, 1.0)) / 2
    return Specificity(
        numbers=Measure.of(numbers, n, "count"),
        action_verbs=Measure.of(actions, n, "count"),
        ownership=ownership,
        score=Measure.of(score, n),
    )


def _empty(language: str, competencies: dict[str, list[str]], chars: int) -> AnswerFeatures:
    reason = "empty answer: no words"
    absent = Measure.absent(reason)
    return AnswerFeatures(
        language=language,
        tokens=Measure.of(0, 0, "tokens"),
        characters=Measure.of(chars, chars, "characters"),
        relevance_to_question=absent,
        relevance_to_competency={cid: absent for cid in competencies},
        indicator_coverage={cid: absent for cid in competencies},
        star=StarStructure(score=absent),
        specificity=Specificity(numbers=absent, action_verbs=absent, ownership=absent, score=absent),
        is_empty=True,
        empty_reason=reason,
        off_topic_reason="not judged: the answer is empty",
    )


def joined(phrases: Iterable[str], lang: str) -> str:
    """Indicator phrases as one text, the way ``relevance_to_competency`` embeds them."""
    return ("、" if lang == "zh" else ", ").join(phrases)


def _clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


# --- the feature function ------------------------------------------------------------------------


def analyze_answer(
    text: str,
    language: str,
    question: str,
    competencies: dict[str, list[str]],
    encoder: SentenceEncoder | None,
) -> AnswerFeatures:
    """Text features of one answer; see the module doc for every rule and threshold."""
    lang = _lang(language)
    raw = text or ""
    text_norm = simplified(raw) if lang == "zh" else raw.lower()
    tokens = segment(raw, language if lang == "zh" else "en", breaks=True)
    words = [t for t in tokens if t != BREAK]
    chars = len(re.sub(r"\s+", "", text_norm))
    if not words or not _HAS_WORD.search(text_norm):
        return _empty(language, competencies, chars)

    n = len(words)
    sentences = max(1, len([s for s in _SENTENCE_END.split(text_norm) if _HAS_WORD.search(s)]))

    keyed = tokens if lang == "zh" else [t if t == BREAK else stem(t) for t in tokens]
    coverage, hits, negated = _coverage(keyed, competencies, lang)
    rel_q, rel_comp = _relevance(encoder, raw, question, competencies, lang, n)
    off_topic, off_reason = _off_topic(rel_q, any(hits.values()))

    return AnswerFeatures(
        language=language,
        tokens=Measure.of(n, n, "tokens"),
        characters=Measure.of(chars, chars, "characters"),
        sentences=sentences,
        relevance_to_question=rel_q,
        relevance_to_competency=rel_comp,
        indicator_coverage=coverage,
        indicator_hits=hits,
        negated_indicators=negated,
        star=_star(text_norm, lang, sentences),
        specificity=_specificity(text_norm, words, lang),
        is_off_topic=off_topic,
        off_topic_reason=off_reason,
        encoder=encoder.info.label if encoder is not None else None,
    )


def _coverage(
    keyed: Sequence[str], competencies: dict[str, list[str]], lang: str
) -> tuple[dict[str, Measure], dict[str, list[str]], dict[str, list[str]]]:
    """Indicator coverage per competency, negation-aware: (coverage, phrases found, phrases only negated)."""
    coverage: dict[str, Measure] = {}
    hits: dict[str, list[str]] = {}
    negated: dict[str, list[str]] = {}
    for cid, phrases in competencies.items():
        found: list[str] = []
        neg: list[str] = []
        for phrase in phrases:
            ok, only_negated = _find_zh(keyed, phrase) if lang == "zh" else _find_en(keyed, phrase)
            if ok:
                found.append(phrase)
            elif only_negated:
                neg.append(phrase)
        hits[cid] = found
        if neg:
            negated[cid] = neg
        coverage[cid] = (
            Measure.of(len(found) / len(phrases), len(phrases), "share")
            if phrases
            else Measure.absent("the competency has no indicator phrases")
        )
    return coverage, hits, negated


def _relevance(
    encoder: SentenceEncoder | None,
    raw: str,
    question: str,
    competencies: dict[str, list[str]],
    lang: str,
    n: int,
) -> tuple[Measure, dict[str, Measure]]:
    """Relevance to the question and to each competency's joined indicator phrases (absent without an encoder)."""
    if encoder is None:
        absent = {cid: Measure.absent("no sentence encoder", n) for cid in competencies}
        return Measure.absent("no sentence encoder", n), absent
    comp_ids = [cid for cid, phrases in competencies.items() if phrases]
    vectors = encoder.encode([raw, question or ""] + [joined(competencies[cid], lang) for cid in comp_ids])
    answer_vec = vectors[0]
    rel_q = (
        Measure.of(_clip01(float(answer_vec @ vectors[1])), n, "cosine")
        if (question or "").strip()
        else Measure.absent("no question text", n)
    )
    rel_comp: dict[str, Measure] = {}
    for k, cid in enumerate(comp_ids):
        rel_comp[cid] = Measure.of(_clip01(float(answer_vec @ vectors[2 + k])), n, "cosine")
    for cid in competencies:
        rel_comp.setdefault(cid, Measure.absent("the competency has no indicator phrases", n))
    return rel_q, rel_comp


def _off_topic(rel_q: Measure, any_hit: bool) -> tuple[bool, str | None]:
    """Off-topic: relevance to the question under the threshold and no indicator phrase found."""
    if rel_q.value is None:
        return False, f"not judged: {rel_q.missing}"
    if rel_q.value < OFF_TOPIC_THRESHOLD and not any_hit:
        reason = f"relevance to the question {rel_q.value:.2f} < {OFF_TOPIC_THRESHOLD} and no indicator phrase found"
        return True, reason
    if rel_q.value < OFF_TOPIC_THRESHOLD:
        return False, f"low relevance {rel_q.value:.2f}, but indicator phrases found"
    return False, None
