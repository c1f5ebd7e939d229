"""scoring-v2: an interview's competency scores from the judge's per-answer judgements.

A competency's score is the mean, over the asked questions that probe it, of ``score_of(level)`` (level 1
→ 10, 3 → 50, 5 → 90); its level is the level of that score; the overall score and the recommendation
combine them under the profile's weights exactly as scoring-v1 did (``jiping.scoring.results._combine``), so
re-weighting, re-scoring and the analytics work unchanged on either version.

Review: every gaming or integrity flag of an answer (``GamingCode``), the same text reused across
questions (REUSED_ANSWER), an empty or short answer, a transcript the recogniser was unsure of, a face
or gaze integrity flag, and an asked question with no answer each force the recommendation to
``review`` with a stable code (``ReviewFlag``) and a reason. None of them changes a score.

Non-verbal signals are reported beside the result and never enter a scoring-v2 score, whatever the
profile's ``nonverbal_contributes`` says: the judge scores what the candidate did, from what they said.
"""

from __future__ import annotations

import hashlib
import re

from jiping.domain.answers import AnswerAnalysis, AnswerTranscript
from jiping.domain.models import Transcript
from jiping.domain.profiles import JobProfile, profile_version_id
from jiping.scoring.answers import _measure
from jiping.scoring.judge.calibration import Calibration, level_of, score_of
from jiping.scoring.judge.checks import reused_answers
from jiping.scoring.judge.judge import AnswerJudgement, CompetencyJudgement
from jiping.scoring.judge.kinds import LEXICON_PATH, AnswerKind, SentenceKind
from jiping.scoring.judge.reasons import compose, no_answer, not_assessed
from jiping.scoring.judge.text import text_language
from jiping.scoring.results import (
    ASR_CONFIDENCE_MIN,
    INTEGRITY_FLAGS,
    MAX_EVIDENCE,
    CompetencyScore,
    EvidenceQuote,
    ReasonItem,
    ReviewFlag,
    ScoreResult,
    ScoreVersions,
    _combine,
    anchor_of,
)

SHORT_CHARS = {"zh": 15, "en": 40}  # content characters below which an answer is too short to judge


def checks_version() -> str:
    return "checks@sha256:" + hashlib.sha256(LEXICON_PATH.read_bytes()).hexdigest()[:12]


def _lang(profile: JobProfile, judgements: list[AnswerJudgement]) -> str:
    if profile.language in ("zh", "en"):
        return profile.language
    langs = [j.language for j in judgements]
    return "en" if langs and all(lang == "en" for lang in langs) else "zh"


def quote_times(transcript: Transcript | AnswerTranscript, quote: str) -> tuple[float | None, float | None]:
    """The first and last word times of ``quote`` in the transcript (None for a text answer)."""
    words = [w for s in transcript.segments for w in s.words]
    if not words:
        return None, None
    squash = re.compile(r"\s+")
    joined, owner = "", []
    for i, w in enumerate(words):
        piece = squash.sub("", w.word)
        joined += piece
        owner += [i] * len(piece)
    target = squash.sub("", quote)
    at = joined.find(target) if target else -1
    if at < 0 or not owner:
        return None, None
    first, last = owner[at], owner[min(at + len(target), len(owner)) - 1]
    return words[first].start, words[last].end


def review_flags(
    profile: JobProfile,
    answers: dict[str, AnswerAnalysis],
    judgements: dict[str, AnswerJudgement],
    asked: list[str],
) -> list[ReviewFlag]:
    flags: list[ReviewFlag] = []
    for qid in asked:
        answer, judged = answers.get(qid), judgements.get(qid)
        if answer is None or judged is None:
            flags.append(
                ReviewFlag(code="NO_ANSWER", question_id=qid, detail="an asked question has no answer")
            )
            continue
        checks = judged.checks
        content = sum(len(s.text) for s in checks.sentences)
        if checks.kind is AnswerKind.EMPTY:
            flags.append(
                ReviewFlag(code="EMPTY_ANSWER", question_id=qid, detail="nothing was said or written")
            )
        elif content < SHORT_CHARS[checks.language]:
            flags.append(ReviewFlag(code="SHORT_ANSWER", question_id=qid, detail=f"{content} characters"))
        for f in judged.flags:
            flags.append(ReviewFlag(code=f.code.value, question_id=qid, detail=f.detail))
        asr, _ = _measure(answer.speech, "asr_confidence")
        if asr is not None and asr < ASR_CONFIDENCE_MIN:
            flags.append(
                ReviewFlag(
                    code="LOW_ASR_CONFIDENCE",
                    question_id=qid,
                    detail=f"ASR confidence {asr:.2f} < {ASR_CONFIDENCE_MIN}",
                )
            )
        for code in INTEGRITY_FLAGS:
            flagged = [f for f in answer.flags if f.code == code]
            if flagged:
                flags.append(ReviewFlag(code=code.value, question_id=qid, detail=flagged[0].detail))
    reused = reused_answers({q: answers[q].transcript.text for q in asked if q in answers})
    for qid, others in sorted(reused.items()):
        flags.append(
            ReviewFlag(
                code="REUSED_ANSWER",
                question_id=qid,
                detail=f"the same text answers {', '.join(sorted(others))}",
            )
        )
    return flags


def score_judged(
    profile: JobProfile,
    answers: list[AnswerAnalysis],
    judgements: dict[str, AnswerJudgement],
    calibration: Calibration,
    *,
    asked: list[str] | None = None,
    encoder_label: str | None = None,
) -> ScoreResult:
    by_question = {a.question_id: a for a in answers}
    questions = [q for q in profile.questions if asked is None or q.id in asked]
    asked_ids = [q.id for q in questions]
    probed = {cid for q in questions for cid in q.competencies}
    lang = _lang(profile, [judgements[q] for q in asked_ids if q in judgements])
    flags = review_flags(profile, by_question, judgements, asked_ids)
    reasons = [
        f"{f.question_id}: {f.code} ({f.detail})" if f.question_id else f"{f.code} ({f.detail})"
        for f in flags
    ]
    competencies: list[CompetencyScore] = []
    for competency in profile.competencies:
        qids = [q.id for q in questions if competency.id in q.competencies]
        judged = [
            (q, judgements[q].competency(competency.id)) for q in qids if q in judgements and q in by_question
        ]
        if competency.id not in probed:
            competencies.append(
                CompetencyScore(
                    id=competency.id,
                    name=competency.name,
                    assessed=False,
                    reason=not_assessed(lang, competency.name),
                )
            )
            continue
        if not judged:
            competencies.append(
                CompetencyScore(
                    id=competency.id,
                    name=competency.name,
                    score=0.0,
                    level=1,
                    anchor=anchor_of(competency, 1),
                    question_ids=qids,
                    reason=no_answer(lang, competency.name),
                )
            )
            continue
        score = round(sum(score_of(c.level) for _, c in judged) / len(judged), 1)
        level = level_of(score)
        # an "auto" profile: the reason speaks its anchors' language (it quotes them), whatever the answer's
        own = (
            lang if profile.language in ("zh", "en") else text_language(" ".join(competency.anchors.values()))
        )
        competencies.append(
            _competency_score(profile, competency.id, score, level, judged, judgements, by_question, own)
        )
    versions = ScoreVersions(
        rubric=profile_version_id(profile),
        scoring_model=calibration.label,
        encoder=encoder_label,
        judge_model=next((j.model for j in judgements.values() if j.model), None),
        judge_checks=checks_version(),
    )
    return _combine(profile, competencies, reasons, versions, flags)


def _competency_score(
    profile: JobProfile,
    competency_id: str,
    score: float,
    level: int,
    judged: list[tuple[str, CompetencyJudgement]],
    judgements: dict[str, AnswerJudgement],
    answers: dict[str, AnswerAnalysis],
    lang: str,
) -> CompetencyScore:
    competency = profile.competency(competency_id)
    ranked = sorted(judged, key=lambda qc: -qc[1].level)
    quotes: list[EvidenceQuote] = []
    strengths: list[ReasonItem] = []
    for qid, c in ranked:
        sentences = judgements[qid].checks.sentences
        for index in c.evidence:
            text = sentences[index].text
            if len(quotes) < MAX_EVIDENCE and all(q.text != text for q in quotes):
                start, end = quote_times(answers[qid].transcript, text)
                quotes.append(EvidenceQuote(question_id=qid, text=text, start=start, end=end))
        for e in c.strengths:
            if e.sentence is not None and all(s.text != e.text for s in strengths):
                strengths.append(
                    ReasonItem(level=e.level, text=e.text, quote=sentences[e.sentence].text, question_id=qid)
                )
    best_q, best = ranked[0]
    defined = sorted(competency.anchors)
    next_level = next((lv for lv in defined if lv > level), None)
    gaps = [ReasonItem(level=e.level, text=e.text) for e in best.gaps if next_level and e.level == next_level]
    if (
        next_level and not gaps
    ):  # the decision stopped short of a level whose behaviours all appear: say which
        gaps = [ReasonItem(level=next_level, text=competency.anchors[next_level].rstrip("。."))]
    held = list(
        dict.fromkeys(
            judgements[q].checks.kind for q, c in judged if c.cap < 5 and c.predicted > c.cap - 1e-9
        )
    )
    held += [
        judgements[q].checks.kind for q, c in judged if c.cap <= 1 and judgements[q].checks.kind not in held
    ]
    reason = compose(
        lang,
        competency.name,
        level,
        anchor_of(competency, level),
        [q.text for q in quotes],
        [k for k in held if k is not AnswerKind.NARRATIVE],
        [g.text for g in gaps[:3]],
        next_level,
        nearest=bool(quotes) and all(c.evidence_near for _, c in judged if c.evidence),
    )
    return CompetencyScore(
        id=competency.id,
        name=competency.name,
        score=score,
        level=level,
        anchor=anchor_of(competency, level),
        evidence=quotes,
        question_ids=[q for q, _ in judged],
        reason=reason,
        strengths=strengths[:MAX_EVIDENCE],
        gaps=gaps[:3],
        judgement={
            q: {
                "kind": judgements[q].checks.kind.value,
                "cap": c.cap,
                "predicted_level": c.predicted,
                "level": c.level,
                "anchor_fit": {str(k): v for k, v in c.anchor_fit.items()},
                "features": c.features,
                "events": judgements[q].checks.events,
                "event_sentences": sum(
                    1 for s in judgements[q].checks.sentences if s.kind is SentenceKind.EVENT
                ),
            }
            for q, c in judged
        },
    )
