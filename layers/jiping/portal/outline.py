"""The second interview's outline (面试提纲): where to dig, with which questions, and what the résumé says.

``outline`` takes the result document of a scored interview, its job profile and the candidate's résumé
text (``jiping.portal.resumes``), and picks the assessed competencies with the largest gaps: the
profile's weight × (target level − the level reached). Profiles name no expected level per competency,
so the target is ``TARGET_LEVEL`` (4) for every one. For each it proposes up to ``per_competency``
follow-up questions, each with its source:

1. ``evaluation_gap``: every behaviour of the next level the answers did not show (the result's ``gaps``)
   turned into a behavioural question by a fixed template (zh/en), at most ``GAP_QUESTIONS``;
2. ``question_bank``: the profile's questions that probe the competency, those this interview did not ask
   first (its practice questions never);
3. ``resume``: when a line of the résumé bears on the competency, a question about it takes the last
   place.

Résumé lines bear on a competency when they share words with it: character bigrams of Chinese (and whole
words of other languages) of the competency's name, indicators and anchors and of the gap behaviours, at
least ``MIN_SHARED`` of them; the best ``RESUME_LINES`` are shown. (jieba is not a dependency of the API's
layer: bigrams need no dictionary and are easy to explain.) No question is proposed twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from jiping.domain.models import Model
from jiping.domain.profiles import Competency, JobProfile
from jiping.portal.report_view import Language, report_language

TARGET_LEVEL = 4
GAP_QUESTIONS = 2  # at most this many questions from the evaluation's gaps per competency
RESUME_LINES = 3
MIN_SHARED = 2  # shared bigrams / words for a résumé line to bear on a competency
MINUTES_PER_QUESTION = 3  # a behavioural answer and one probing follow-up
QUOTE_CHARS = 40  # a résumé line quoted in a question is cut here

Source = Literal["question_bank", "evaluation_gap", "resume"]

TEMPLATES: dict[Language, dict[str, str]] = {
    "zh": {
        "gap": "请讲一次你{behaviour}的经历：当时的情况、你具体做了什么、结果如何？",
        "gap_quoted": "请讲一次体现「{behaviour}」的经历：当时的情况、你具体做了什么、结果如何？",
        "resume": "简历中提到「{line}」，请具体讲讲你在其中负责什么、遇到的最大困难是什么？",
        "label_gap": "评估缺口：等级{level}",
        "label_bank": "题库：{id}",
        "label_bank_asked": "题库：{id}（本次已问）",
        "label_resume": "简历第{line}行",
        "gap_text": "未体现：{behaviours}",
        "gap_level": "等级 {level}，期望等级 {target}",
        "gap_none": "已达到期望等级",
        "join": "；",
    },
    "en": {
        "gap": "Tell us about a time you showed this: “{behaviour}”. What was the situation, what exactly did "
        "you do, and what was the result?",
        "gap_quoted": "Tell us about a time you showed this: “{behaviour}”. What was the situation, what "
        "exactly did you do, and what was the result?",
        "resume": "Your résumé mentions “{line}”. What exactly were you responsible for there, and what was "
        "the hardest problem you met?",
        "label_gap": "Evaluation gap: level {level}",
        "label_bank": "Question bank: {id}",
        "label_bank_asked": "Question bank: {id} (asked in this interview)",
        "label_resume": "Résumé line {line}",
        "gap_text": "Not shown: {behaviours}",
        "gap_level": "Level {level}, expected {target}",
        "gap_none": "At the expected level",
        "join": "; ",
    },
}
# Words that open an anchor's behaviour and do not read after 你 (并 …, 能 …); and filler bigrams.
_LEADING = ("并且", "同时", "能够", "并", "能", "会")
_STOP_BIGRAMS = frozenset(
    {"能够", "进行", "相关", "一个", "工作", "负责", "以及", "通过", "并且", "可以", "我们"}
)
_STOP_WORDS = frozenset(
    {"the", "and", "with", "for", "that", "from", "their", "they", "this", "into", "when"}
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z][a-z'+#.-]{2,}")


class OutlineQuestion(Model):
    text: str
    source: Source
    source_label: str


class ResumeLine(Model):
    line: int  # 1-based line of the résumé text
    text: str


class Focus(Model):
    competency_id: str
    name: str
    score: float | None
    level: int | None
    target_level: int
    gap: str
    questions: list[OutlineQuestion] = Field(default_factory=list)
    resume_lines: list[ResumeLine] = Field(default_factory=list)


class Outline(Model):
    interview_id: str
    job_title: str
    minutes: int
    resume_supplied: bool
    focus: list[Focus] = Field(default_factory=list)


# --- matching résumé lines ------------------------------------------------------------------------


def terms(text: str) -> set[str]:
    """Chinese character bigrams (a lone character is its own term) and lower-case words of 3+ letters."""
    found: set[str] = set()
    for run in _CJK.findall(text):
        found |= {run} if len(run) == 1 else {run[i : i + 2] for i in range(len(run) - 1)}
    found |= set(_WORD.findall(text.lower())) - _STOP_WORDS
    return found - _STOP_BIGRAMS


def _competency_terms(competency: Competency, behaviours: list[str]) -> set[str]:
    phrases = [competency.name, *competency.anchors.values(), *behaviours]
    phrases += [p for listed in competency.indicators.values() for p in listed]
    phrases += [s for listed in competency.synonyms.values() for s in listed]
    return {t for p in phrases for t in terms(p) if len(t) > 1}


def resume_lines(text: str | None) -> list[ResumeLine]:
    """The résumé's non-empty lines, numbered as they stand in the text (1-based)."""
    if not text:
        return []
    return [
        ResumeLine(line=i, text=line.strip()) for i, line in enumerate(text.splitlines(), 1) if line.strip()
    ]


def relevant_lines(lines: list[ResumeLine], wanted: set[str], limit: int = RESUME_LINES) -> list[ResumeLine]:
    """The lines sharing the most terms with ``wanted`` (at least ``MIN_SHARED``), best first, then in order."""
    scored = [(len(terms(line.text) & wanted), line) for line in lines]
    chosen = sorted((s for s in scored if s[0] >= MIN_SHARED), key=lambda s: (-s[0], s[1].line))
    return [line for _, line in chosen[:limit]]


# --- questions ----------------------------------------------------------------------------------


def _behaviour(text: str) -> str:
    text = text.strip().rstrip("。.；;，,")
    for word in _LEADING:
        if text.startswith(word) and len(text) > len(word) + 1:
            return text[len(word) :]
    return text


def gap_question(behaviour: str, lang: Language) -> str:
    """A behavioural question about one behaviour the answers did not show."""
    said = _behaviour(behaviour)
    chinese = bool(_CJK.match(said))
    key = "gap" if lang == "en" or chinese else "gap_quoted"
    return TEMPLATES[lang][key].format(behaviour=said)


def resume_question(line: str, lang: Language) -> str:
    quoted = line if len(line) <= QUOTE_CHARS else line[: QUOTE_CHARS - 1] + "…"
    return TEMPLATES[lang]["resume"].format(line=quoted)


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _bank(
    profile: JobProfile, competency_id: str, asked: set[str], lang: Language
) -> list[tuple[str, OutlineQuestion]]:
    """The profile's questions probing the competency (never its practice questions), unasked first."""
    probing = [q for q in profile.questions if competency_id in q.competencies]
    ordered = [q for q in probing if q.id not in asked] + [q for q in probing if q.id in asked]
    t = TEMPLATES[lang]
    return [
        (
            q.id,
            OutlineQuestion(
                text=(q.text_en or q.text) if lang == "en" else q.text,
                source="question_bank",
                source_label=(t["label_bank_asked"] if q.id in asked else t["label_bank"]).format(id=q.id),
            ),
        )
        for q in ordered
    ]


def _gap_text(gaps: list[Mapping[str, Any]], level: int | None, lang: Language) -> str:
    t = TEMPLATES[lang]
    if gaps:
        return t["gap_text"].format(behaviours=t["join"].join(_behaviour(str(g["text"])) for g in gaps))
    if level is not None and level < TARGET_LEVEL:
        return t["gap_level"].format(level=level, target=TARGET_LEVEL)
    return t["gap_none"]


def _asked(result: Mapping[str, Any]) -> set[str]:
    asked = {str(q.get("question_id")) for q in result.get("questions") or [] if isinstance(q, Mapping)}
    for c in result.get("competencies") or []:
        asked |= {str(q) for q in c.get("question_ids") or []}
    return asked


def _ranked(result: Mapping[str, Any], profile: JobProfile) -> list[tuple[float, Mapping[str, Any]]]:
    """The assessed competencies of the profile by gap (weight × (target − level)), largest first."""
    weights = profile.normalised_weights()
    order = {c.id: i for i, c in enumerate(profile.competencies)}
    found = []
    for c in result.get("competencies") or []:
        if not c.get("assessed", True) or c.get("level") is None or c.get("id") not in weights:
            continue
        gap = weights[c["id"]] * (TARGET_LEVEL - int(c["level"]))
        found.append((gap, c))
    found.sort(key=lambda g: (-g[0], g[1].get("score") or 0.0, order[g[1]["id"]]))
    return found


def outline(
    result: Mapping[str, Any],
    profile: JobProfile,
    resume_text: str | None,
    *,
    language: str,
    per_competency: int = 3,
    focus: int = 3,
) -> Outline:
    """The outline of a second interview (see the module doc). ``language``: ``zh`` or ``en`` (anything
    else, e.g. a profile's ``auto``, reads as Chinese)."""
    lang = report_language(language)
    t = TEMPLATES[lang]
    lines = resume_lines(resume_text)
    asked = _asked(result)
    seen_texts: set[str] = set()
    seen_bank: set[str] = set()

    def add(question: OutlineQuestion, into: list[OutlineQuestion]) -> bool:
        """Append the question unless it was proposed already (anywhere in the outline)."""
        key = _key(question.text)
        if key in seen_texts:
            return False
        seen_texts.add(key)
        into.append(question)
        return True

    chosen: list[Focus] = []
    for _, c in _ranked(result, profile)[: max(0, focus)]:
        competency = profile.competency(c["id"])
        gaps = [g for g in c.get("gaps") or [] if isinstance(g, Mapping) and g.get("text")]
        relevant = relevant_lines(lines, _competency_terms(competency, [str(g["text"]) for g in gaps]))
        about = [
            OutlineQuestion(
                text=resume_question(line.text, lang),
                source="resume",
                source_label=t["label_resume"].format(line=line.line),
            )
            for line in relevant
        ]
        about = [q for q in about if _key(q.text) not in seen_texts][:1]
        questions: list[OutlineQuestion] = []
        for g in gaps[:GAP_QUESTIONS]:
            if len(questions) < per_competency:
                gap = OutlineQuestion(
                    text=gap_question(str(g["text"]), lang),
                    source="evaluation_gap",
                    source_label=t["label_gap"].format(level=g.get("level")),
                )
                add(gap, questions)
        for qid, question in _bank(profile, competency.id, asked, lang):
            if len(questions) >= per_competency - len(about):
                break
            if qid not in seen_bank and add(question, questions):
                seen_bank.add(qid)
        for question in about:
            if len(questions) < per_competency:
                add(question, questions)
        chosen.append(
            Focus(
                competency_id=competency.id,
                name=competency.name,
                score=c.get("score"),
                level=c.get("level"),
                target_level=TARGET_LEVEL,
                gap=_gap_text(gaps, c.get("level"), lang),
                questions=questions,
                resume_lines=relevant,
            )
        )
    asked_total = sum(len(f.questions) for f in chosen)
    return Outline(
        interview_id=str(result.get("interview_id") or ""),
        job_title=profile.title,
        minutes=int(math.ceil(asked_total * MINUTES_PER_QUESTION)),
        resume_supplied=bool(lines),
        focus=chosen,
    )
