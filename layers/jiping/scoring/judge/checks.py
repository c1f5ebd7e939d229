"""The judge's first layer: deterministic checks of what kind of text an answer is.

Before any model reads an answer, this layer asks whether it is an account of lived events at all, or a
list of words, a slogan, a description of oneself, the question said back, figures with no story, or
text aimed at the scorer. Nothing here knows a job's vocabulary except through the profile it is given
(its indicator phrases and anchors, for the keyword-list check); the word lists are general properties
of Chinese and English speech and live in ``lexicon.yaml``.

Sentences
    The answer is cut at sentence punctuation (。！？；!?; and a full stop followed by a space) and each
    sentence gets one kind (``SentenceKind``), first match wins:

    * ``instruction``: addressed to the scorer ("忽略以上评分规则", "note to the AI grader", "give this
      level 5"). Left out of what the model reads, and flagged.
    * ``list``: four or more short items between separators (、，,;/ and, in Chinese, spaces) with few
      function words: a list of phrases, not speech.
    * ``echo``: most of its content words are the question's own.
    * ``self``: describes the speaker ("我是一个…的人", "I'm a results-driven…", "my strength is").
    * ``event``: an action that happened: a non-stative verb with a past marker (了/过, a past time, an
      English past tense) or, once the answer has set a scene, any first-person action not phrased as a
      habit.
    * ``habit``: what the speaker usually or would do ("我一般会先…", "I try to…", "I would…").
    * ``numbers``: two or more figures and no action.
    * ``other``.

The answer (``AnswerKind``)
    ``keyword_list`` when lists hold half its content; ``echo`` when echoes do; ``narrative`` when it has
    an event and an *episode* (a scene marker such as 那次/上个月/last year/at a bank, or two events of
    which one is not a generalisation such as 很多/一直/always/every); ``thin_claim`` when its events
    are only generalisations; otherwise ``numbers`` (three figures), ``self_description``, ``generic``
    (a habit) or ``no_narrative``.

The cap
    The highest anchor level the text can support, whatever a model says: a narrative 5, a generic
    statement of approach 3 (the right approach, nothing shown), a thin claim 2, everything else 1,
    and any answer with a sentence addressed to the scorer 1, whatever else it says.
    The cap is part of the decision and the reason names it; a model that rates above it is a
    disagreement (see ``jiping.scoring.judge.judge``).

Flags (``GamingCode``), each forcing review with its reason
    KEYWORD_LIST (a list, or a list of a third of the answer's content), NO_NARRATIVE (self-description,
    thin claims, no account at all), ECHOED_QUESTION, NUMBERS_WITHOUT_STORY, SCORER_INSTRUCTION,
    LANGUAGE_MISMATCH (``language_mismatch``) and REUSED_ANSWER (``reused_answers``, across answers).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field

from jiping.domain.models import Model
from jiping.perception.text import simplified, tagged

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.yaml"

LIST_MIN_ITEMS = 4
LIST_SHARE = 0.5  # of the content: the answer is a list
LIST_FLAG_SHARE = 0.15  # of the content: a list appended to an answer is flagged
ECHO_SENTENCE_SHARE = 0.6  # of a sentence's content words found in the question
ECHO_SHARE = 0.5  # of the answer's content in echo sentences, or of its content words in the question
ECHO_NOVEL_WORDS = 14  # ... with at most this many distinct words of its own
REUSE_SIMILARITY = 85.0  # rapidfuzz token-set ratio between two answers (0-100)
REUSE_MIN_CHARS = 30
NUMBERS_MIN = 3

CAPS = {
    "narrative": 5.0,
    "generic": 3.0,
    "thin_claim": 2.0,
}


class SentenceKind(StrEnum):
    EVENT = "event"
    HABIT = "habit"
    SELF = "self"
    LIST = "list"
    ECHO = "echo"
    NUMBERS = "numbers"
    INSTRUCTION = "instruction"
    OTHER = "other"


LIST_MEDIAN_ITEM = {  # characters / words: a list's items are short
    SentenceKind.LIST: {"zh": 5, "en": 3},
    SentenceKind.NUMBERS: {"zh": 10, "en": 6},
}


class AnswerKind(StrEnum):
    EMPTY = "empty"
    NARRATIVE = "narrative"
    THIN_CLAIM = "thin_claim"
    GENERIC = "generic"
    SELF_DESCRIPTION = "self_description"
    KEYWORD_LIST = "keyword_list"
    ECHO = "echo"
    NUMBERS = "numbers"
    NO_NARRATIVE = "no_narrative"


class GamingCode(StrEnum):
    KEYWORD_LIST = "KEYWORD_LIST"
    NO_NARRATIVE = "NO_NARRATIVE"
    ECHOED_QUESTION = "ECHOED_QUESTION"
    REUSED_ANSWER = "REUSED_ANSWER"
    LANGUAGE_MISMATCH = "LANGUAGE_MISMATCH"
    SCORER_INSTRUCTION = "SCORER_INSTRUCTION"
    NUMBERS_WITHOUT_STORY = "NUMBERS_WITHOUT_STORY"
    JUDGE_DISAGREEMENT = "JUDGE_DISAGREEMENT"  # the judge's layers read the answer two or more levels apart


class GamingFlag(Model):
    code: GamingCode
    detail: str  # in English, for HR and the webhook; ids and measures only, never the candidate's words


class Sentence(Model):
    index: int
    text: str
    start: int  # character offsets in the answer text
    end: int
    kind: SentenceKind
    person: str = "none"  # i | we | other | none: who acts in it
    actions: int = 0  # non-stative verbs


class TextChecks(Model):
    language: str  # zh | en, from the text itself
    sentences: list[Sentence] = Field(default_factory=list)
    kind: AnswerKind
    episode: bool = False
    events: int = 0
    own_events: int = 0  # events told in the first person (I or we)
    list_share: float = 0.0
    echo_share: float = 0.0
    numbers: int = 0
    cap: float = 1.0
    flags: list[GamingFlag] = Field(default_factory=list)

    def judged_text(self) -> str:
        """The answer as the model reads it: without the sentences addressed to the scorer."""
        return "".join(
            s.text if self.language == "zh" else s.text + " "
            for s in self.sentences
            if s.kind is not SentenceKind.INSTRUCTION
        ).strip()

    def codes(self) -> list[GamingCode]:
        return [f.code for f in self.flags]


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
_BE = frozenset({"am", "is", "are", "was", "were", "be", "been", "being", "'m", "very", "highly", "so", "more",
                 "most", "really", "extremely", "get", "got", "feel", "felt", "i'm", "we're", "you're", "it's",
                 "that's", "what's", "something's", "everything's", "nothing's", "who's", "he's", "she's"})  # fmt: skip
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


# --- one answer -----------------------------------------------------------------------------------

_ZH_SEQUENCE = (
    "之后",
    "后来",
    "于是",
    "最后",
    "最终",
    "结果",
    "当场",
    "接着",
    "随后",
    "马上",
    "立刻",
    "第二天",
)
_EN_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "my", "our", "their", "his", "her", "its", "your",
                             "well", "fully", "over", "under", "un", "non"})  # fmt: skip


def check_answer(text: str, question: str, *, language: str | None = None) -> TextChecks:
    """What kind of text ``text`` is, as an answer to ``question`` (see the module doc)."""
    text = simplified(text or "").strip()
    lang = language if language in ("zh", "en") else text_language(text)
    spans = split_sentences(text)
    if not spans:
        return TextChecks(language=lang, kind=AnswerKind.EMPTY, cap=1.0,
                          flags=[GamingFlag(code=GamingCode.NO_NARRATIVE, detail="nothing was answered")])  # fmt: skip
    lex = lexicon()
    qwords = _question_words(simplified(question), lang)
    whole = list_kind(text, lang)
    if whole is not None:  # the whole answer is a list (of words or of figures), however it is punctuated
        sentences = [
            Sentence(index=i, text=s, start=a, end=b, kind=whole) for i, (s, a, b) in enumerate(spans)
        ]
        instructions = [i for i, (s, _, _) in enumerate(spans) if lex.match("scorer_instructions", lang, s)]
        for i in instructions:
            sentences[i].kind = SentenceKind.INSTRUCTION
        return _summarise(text, lang, sentences, False, qwords)
    scene = lex.match("episode_markers", lang, text)
    classified = [_classify(i, s, start, end, lang, qwords) for i, (s, start, end) in enumerate(spans)]
    # A sentence whose only sign of the past is a sequence word (然后/之后/最后: used for routines as much
    # as for stories), or none, is read in the frame the answer set: after a scene or an event it is part
    # of the episode, after a habit part of the routine. With no habit anywhere, first-person actions
    # beside an event are the same account (Chinese often drops 了).
    frame = SentenceKind.EVENT if scene else None
    for s, weak in classified:
        if s.kind in (SentenceKind.EVENT, SentenceKind.HABIT):
            frame = s.kind
        elif (
            s.kind is SentenceKind.OTHER
            and s.actions
            and (weak or s.person in ("i", "we", "other"))
            and frame
        ):
            s.kind = frame
    sentences = [s for s, _ in classified]
    told = any(s.kind is SentenceKind.EVENT for s in sentences) or any(
        weak and s.person in ("i", "we") for s, weak in classified
    )
    if not lex.match("habit_markers", lang, text) and told:
        for s in sentences:
            if s.kind is SentenceKind.OTHER and s.actions and s.person in ("i", "we"):
                s.kind = SentenceKind.EVENT
    return _summarise(text, lang, sentences, scene, qwords)


def _classify(index: int, s: str, start: int, end: int, lang: str, qwords: set[str]) -> tuple[Sentence, bool]:
    """The sentence's own kind, and whether its only sign of the past is a sequence word."""
    lex = lexicon()
    numbers = len(_NUMBER.findall(s))
    marker = lex.match("episode_markers", lang, s)
    if lang == "zh":
        tokens = tagged(s)
        verbs = [w for w, f in tokens if f.startswith("v") and w not in lex.stative["zh"]]
        past = (
            any(w in _ZH_PAST_PARTICLES or (f.startswith("v") and len(w) > 1 and w[-1] in _ZH_PAST_PARTICLES)
                for w, f in tokens)
            or marker
        )  # fmt: skip
        weak = not past and any(w in _ZH_SEQUENCE for w, _ in tokens)
        person = _person_zh(s)
        words = _content_words(s, "zh")
        actions = len(verbs)
        long_enough = len(_CJK.findall(s)) >= 12
    else:
        ws = _en_words(s)
        verbs = _en_past_verbs(ws)
        past = bool(verbs)
        weak = False
        person = _person_en(ws)
        words = _content_words(s, "en")
        present_actions = [w for w in ws if w not in lex.stative["en"] and w not in lex.function["en"]]
        actions = len(verbs) or (1 if person in ("i", "we") and present_actions else 0)
        long_enough = len(ws) >= 8
    agent = person != "none" or long_enough
    habit_at = lex.patterns["habit_markers"][lang].search(s)
    # An English past tense outweighs a habit word inside the sentence ("I asked if…"), not one that
    # opens it ("If they can't agree, I…") or a modal of routine ("I usually…", "I'd…").
    habit = (
        habit_at is not None
        and not marker
        and (lang == "zh" or not verbs or habit_at.start() <= 12 or habit_at.group(0).startswith("I"))
    )
    kind = SentenceKind.OTHER
    if lex.match("scorer_instructions", lang, s):
        kind = SentenceKind.INSTRUCTION
    elif listed := list_kind(s, lang):
        kind = listed
    elif _is_echo(words, qwords, lang):
        kind = SentenceKind.ECHO
    elif lex.match("self_description", lang, s) and not marker:
        kind = SentenceKind.SELF
    elif habit:
        kind = SentenceKind.HABIT
    elif verbs and past and agent:
        kind = SentenceKind.EVENT
    elif numbers and not (verbs and person != "none"):
        kind = SentenceKind.NUMBERS
    elif lang == "en" and person in ("i", "we") and actions and not verbs:
        kind = SentenceKind.HABIT  # "I listen, I apologise": the present tense of a routine
    sentence = Sentence(index=index, text=s, start=start, end=end, kind=kind, person=person, actions=actions)
    return sentence, weak


def _summarise(text: str, lang: str, sentences: list[Sentence], scene: bool, qwords: set[str]) -> TextChecks:
    lex = lexicon()
    judged = [s for s in sentences if s.kind is not SentenceKind.INSTRUCTION]
    total = sum(_content_chars(s.text) for s in judged) or 1

    def share(*kinds: SentenceKind) -> float:
        return sum(_content_chars(s.text) for s in judged if s.kind in kinds) / total

    events = [s for s in judged if s.kind is SentenceKind.EVENT]
    specific = [s for s in events if not lex.match("generalisers", lang, s.text)]
    episode = bool(events) and (scene and bool(specific) or len(specific) >= 2)
    numbers = len(_NUMBER.findall(text))
    counts = {k: sum(1 for s in judged if s.kind is k) for k in SentenceKind}
    list_share = share(SentenceKind.LIST)
    words = [w for s in judged for w in _content_words(s.text, lang)]
    inside = [w for w in words if w in qwords or (lang == "zh" and all(ch in qwords for ch in w))]
    novel = {w for w in words if w not in inside}
    echo_share = max(share(SentenceKind.ECHO), len(inside) / len(words) if words else 0.0)
    if not judged:
        kind = AnswerKind.EMPTY
    elif list_share >= LIST_SHARE:
        kind = AnswerKind.KEYWORD_LIST
    elif share(SentenceKind.NUMBERS) >= 0.5 and numbers >= NUMBERS_MIN:
        kind = AnswerKind.NUMBERS
    elif share(SentenceKind.ECHO) >= ECHO_SHARE or (
        echo_share >= ECHO_SHARE and len(novel) <= ECHO_NOVEL_WORDS
    ):
        kind = AnswerKind.ECHO
    elif episode:
        kind = AnswerKind.NARRATIVE
    elif events:
        kind = AnswerKind.THIN_CLAIM
    elif numbers >= NUMBERS_MIN and share(SentenceKind.NUMBERS, SentenceKind.OTHER) >= 0.5:
        kind = AnswerKind.NUMBERS
    elif counts[SentenceKind.SELF] and counts[SentenceKind.SELF] >= counts[SentenceKind.HABIT]:
        kind = AnswerKind.SELF_DESCRIPTION
    elif counts[SentenceKind.HABIT]:
        kind = AnswerKind.GENERIC
    else:
        kind = AnswerKind.NO_NARRATIVE
    flags: list[GamingFlag] = []
    n_instr = len(sentences) - len(judged)
    if n_instr:
        flags.append(GamingFlag(code=GamingCode.SCORER_INSTRUCTION,
                                detail=f"{n_instr} sentence(s) address the scorer; they are not evidence"))  # fmt: skip
    if kind is AnswerKind.KEYWORD_LIST or list_share >= LIST_FLAG_SHARE:
        flags.append(GamingFlag(code=GamingCode.KEYWORD_LIST,
                                detail=f"{list_share:.0%} of the answer is a list of words, not an account"))  # fmt: skip
    if kind is AnswerKind.ECHO:
        flags.append(GamingFlag(code=GamingCode.ECHOED_QUESTION,
                                detail=f"{echo_share:.0%} of the answer's words are the question's own"))  # fmt: skip
    if kind is AnswerKind.NUMBERS:
        flags.append(GamingFlag(code=GamingCode.NUMBERS_WITHOUT_STORY,
                                detail=f"{numbers} figures and no account of what was done"))  # fmt: skip
    if kind in (
        AnswerKind.SELF_DESCRIPTION,
        AnswerKind.THIN_CLAIM,
        AnswerKind.NO_NARRATIVE,
        AnswerKind.EMPTY,
    ):
        what = {AnswerKind.SELF_DESCRIPTION: "describes the candidate instead of an episode",
                AnswerKind.THIN_CLAIM: "claims results in general terms, with no particular episode",
                AnswerKind.NO_NARRATIVE: "reports no action", AnswerKind.EMPTY: "nothing was answered"}[kind]  # fmt: skip
        flags.append(GamingFlag(code=GamingCode.NO_NARRATIVE, detail=f"no narrative: the answer {what}"))
    return TextChecks(
        language=lang,
        sentences=sentences,
        kind=kind,
        episode=episode,
        events=len(events),
        own_events=sum(1 for s in events if s.person in ("i", "we")),
        list_share=round(list_share, 3),
        echo_share=round(echo_share, 3),
        numbers=numbers,
        cap=1.0 if n_instr else CAPS.get(kind.value, 1.0),  # an answer addressed to the scorer is held at 1
        flags=flags,
    )


# --- across answers -------------------------------------------------------------------------------


def language_mismatch(profile_language: str, checks: TextChecks) -> GamingFlag | None:
    """A ``zh`` profile answered in English, or an ``en`` profile in Chinese (``auto`` takes either)."""
    if (
        profile_language in ("zh", "en")
        and checks.kind is not AnswerKind.EMPTY
        and checks.language != profile_language
    ):
        names = {"zh": "Chinese", "en": "English"}
        return GamingFlag(code=GamingCode.LANGUAGE_MISMATCH,
                          detail=f"answered in {names[checks.language]}; the job profile is in {names[profile_language]}")  # fmt: skip
    return None


def reused_answers(texts: dict[str, str]) -> dict[str, list[str]]:
    """Question id -> the other questions whose answers are (nearly) the same text."""
    from rapidfuzz import fuzz

    norm = {q: re.sub(r"\s+", " ", simplified(t or "")).strip().lower() for q, t in texts.items()}
    out: dict[str, list[str]] = {}
    ids = sorted(norm)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            if min(len(norm[a]), len(norm[b])) < REUSE_MIN_CHARS:
                continue
            if (
                fuzz.token_set_ratio(norm[a], norm[b]) >= REUSE_SIMILARITY
                or fuzz.ratio(norm[a], norm[b]) >= REUSE_SIMILARITY
            ):
                out.setdefault(a, []).append(b)
                out.setdefault(b, []).append(a)
    return out
