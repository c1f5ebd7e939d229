"""An answer read against a profile: its language, its measures, the question's text and the competencies'
indicator phrases, and the answer features of every answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jiping.domain.answers import AnswerAnalysis
from jiping.domain.profiles import Competency, JobProfile
from jiping.perception.text import is_chinese
from jiping.scoring.features import AnswerFeatures, analyze_answer

if TYPE_CHECKING:
    from jiping.scoring.encoder import SentenceEncoder


# --- features -----------------------------------------------------------------------------------


def _lang(language: str | None) -> str:
    return "zh" if is_chinese(language) else "en"


def _measure(d: dict[str, Any] | None, key: str) -> tuple[float | None, str | None]:
    """A ``Measure`` inside a stage's dict: (value, None) or (None, why missing)."""
    if not d:
        return None, "signal not available"
    m = d.get(key)
    if not isinstance(m, dict):
        return None, f"{key} not reported"
    if m.get("value") is None:
        return None, m.get("missing") or f"{key} missing"
    return float(m["value"]), None


def competency_phrases(competency: Competency, language: str | None) -> list[str]:
    """The indicator phrases (and their synonyms) of a competency in the answer's language."""
    lang = _lang(language)
    phrases = competency.indicators.get(lang) or next(iter(competency.indicators.values()))
    extra = [alt for p in phrases for alt in competency.synonyms.get(p, [])]
    return [*phrases, *(e for e in extra if e not in phrases)]


def question_text(profile: JobProfile, question_id: str, language: str | None) -> str:
    question = next(q for q in profile.questions if q.id == question_id)
    if _lang(language) == "en" and question.text_en and profile.language != "en":
        return question.text_en
    return question.text


def answer_features_for(
    profile: JobProfile, answers: list[AnswerAnalysis], encoder: SentenceEncoder | None
) -> dict[str, AnswerFeatures]:
    """``analyze_answer`` for every answer to a profile question, with that question's competencies."""
    known = {q.id: q for q in profile.questions}
    out: dict[str, AnswerFeatures] = {}
    for answer in answers:
        question = known.get(answer.question_id)
        if question is None:
            continue
        lang = answer.transcript.language
        comps = {cid: competency_phrases(profile.competency(cid), lang) for cid in question.competencies}
        out[answer.question_id] = analyze_answer(
            answer.transcript.text, lang, question_text(profile, question.id, lang), comps, encoder
        )
    return out
