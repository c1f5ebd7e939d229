"""The judge's first layer: deterministic checks of what kind of text an answer is (an account, a list, an echo,
numbers without a story, a self-description, an address to the scorer). The rules: docs/judge.md."""

from __future__ import annotations

import re

from jiping.perception.text import simplified, tagged
from jiping.scoring.judge.kinds import (
    CAPS,
    ECHO_NOVEL_WORDS,
    ECHO_SHARE,
    LIST_FLAG_SHARE,
    LIST_SHARE,
    NUMBERS_MIN,
    REUSE_MIN_CHARS,
    REUSE_SIMILARITY,
    AnswerKind,
    GamingCode,
    GamingFlag,
    Sentence,
    SentenceKind,
    TextChecks,
)
from jiping.scoring.judge.text import (
    _CJK,
    _NUMBER,
    _ZH_PAST_PARTICLES,
    _content_chars,
    _content_words,
    _en_past_verbs,
    _en_words,
    _is_echo,
    _person_en,
    _person_zh,
    _question_words,
    lexicon,
    list_kind,
    split_sentences,
    text_language,
)

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


def check_answer(text: str, question: str, *, language: str | None = None) -> TextChecks:
    """What kind of text ``text`` is, as an answer to ``question`` (see the module doc)."""
    text = simplified(text or "").strip()
    lang = language if language in ("zh", "en") else text_language(text)
    spans = split_sentences(text)
    if not spans:
        return TextChecks(
            language=lang,
            kind=AnswerKind.EMPTY,
            cap=1.0,
            flags=[GamingFlag(code=GamingCode.NO_NARRATIVE, detail="nothing was answered")],
        )
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
            any(
                w in _ZH_PAST_PARTICLES or (f.startswith("v") and len(w) > 1 and w[-1] in _ZH_PAST_PARTICLES)
                for w, f in tokens
            )
            or marker
        )
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
    n_instr = len(sentences) - len(judged)
    flags = _gaming_flags(kind, n_instr, list_share, echo_share, numbers)
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


_NO_NARRATIVE = {
    AnswerKind.SELF_DESCRIPTION: "describes the candidate instead of an episode",
    AnswerKind.THIN_CLAIM: "claims results in general terms, with no particular episode",
    AnswerKind.NO_NARRATIVE: "reports no action",
    AnswerKind.EMPTY: "nothing was answered",
}


def _gaming_flags(
    kind: AnswerKind, n_instr: int, list_share: float, echo_share: float, numbers: int
) -> list[GamingFlag]:
    """The gaming flags an answer of this kind and these shares carries, each with its detail."""
    flags: list[GamingFlag] = []
    if n_instr:
        flags.append(
            GamingFlag(
                code=GamingCode.SCORER_INSTRUCTION,
                detail=f"{n_instr} sentence(s) address the scorer; they are not evidence",
            )
        )
    if kind is AnswerKind.KEYWORD_LIST or list_share >= LIST_FLAG_SHARE:
        flags.append(
            GamingFlag(
                code=GamingCode.KEYWORD_LIST,
                detail=f"{list_share:.0%} of the answer is a list of words, not an account",
            )
        )
    if kind is AnswerKind.ECHO:
        flags.append(
            GamingFlag(
                code=GamingCode.ECHOED_QUESTION,
                detail=f"{echo_share:.0%} of the answer's words are the question's own",
            )
        )
    if kind is AnswerKind.NUMBERS:
        flags.append(
            GamingFlag(
                code=GamingCode.NUMBERS_WITHOUT_STORY,
                detail=f"{numbers} figures and no account of what was done",
            )
        )
    if kind in _NO_NARRATIVE:
        flags.append(
            GamingFlag(code=GamingCode.NO_NARRATIVE, detail=f"no narrative: the answer {_NO_NARRATIVE[kind]}")
        )
    return flags


# --- across answers -------------------------------------------------------------------------------


def language_mismatch(profile_language: str, checks: TextChecks) -> GamingFlag | None:
    """A ``zh`` profile answered in English, or an ``en`` profile in Chinese (``auto`` takes either)."""
    if (
        profile_language in ("zh", "en")
        and checks.kind is not AnswerKind.EMPTY
        and checks.language != profile_language
    ):
        names = {"zh": "Chinese", "en": "English"}
        return GamingFlag(
            code=GamingCode.LANGUAGE_MISMATCH,
            detail=f"answered in {names[checks.language]}; the job profile is in {names[profile_language]}",
        )
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
