"""Scoring: once every question of an interview has an analysed answer, score it.

Three steps of the workflow, one container image (the sentence encoder lives there):

- ``PlanScoring`` (``plan_scoring``): the interview's asked questions and, for each, the
  ``analysis.json`` holding its answer: the items of the Map state.
- ``AnalyseAnswers`` (a Map state, one ``AnalyseAnswer`` per question, ``analyse_answer``): the
  answer's text features (``jiping.scoring.features``: relevance with the encoder, indicators, STAR,
  specificity), written to ``{tenant}/{interview}/features/{question_id}.json``.
- ``ScoreInterview`` (``score_stage``): reads the job profile (per tenant and version), the answers
  and their features, computes the competency scores (``jiping.scoring.v1``), writes the result document
  (``{tenant}/{interview}/result.json``) and the HTML report, marks the interview SCORED and returns
  the ``interview.scored`` event. Without features (a direct run) it computes them itself.

Idempotent: the same answers give the same feature files, event id and result.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from jiping.domain.answers import AnswerAnalysis
from jiping.domain.errors import InvalidInput, NotFound
from jiping.domain.models import (
    DomainEvent,
    Interview,
    InterviewStatus,
    Model,
    ObjectLocation,
    StatusChange,
    utcnow,
)
from jiping.domain.profiles import JobProfile
from jiping.portal.audit import AuditLog, input_digest, record
from jiping.ports import InterviewRepository, ObjectStore, ProfileSource
from jiping.reports.interview import render_report
from jiping.scoring.answers import answer_features_for, question_text
from jiping.scoring.encoder import load_encoder
from jiping.scoring.features import AnswerFeatures
from jiping.scoring.judge.calibration import load_calibration
from jiping.scoring.judge.judge import AnswerJudgement, JudgeModel, LazyModel, judge_answer
from jiping.scoring.judge.score import score_judged
from jiping.settings import ScoreSettings


class FeaturesRef(Model):
    question_id: str
    features_key: str
    judgement_key: str | None = None  # scoring-v2: the judge's reading of the answer


class PlanScoringRequest(Model):
    step: Literal["plan"] = "plan"
    tenant_id: str
    interview_id: str
    execution_id: str


class AnalyseAnswerRequest(Model):
    step: Literal["analyse"] = "analyse"
    tenant_id: str
    interview_id: str
    question_id: str
    analysis_key: str


class ScoreRequest(Model):
    step: Literal["score"] = "score"
    tenant_id: str
    interview_id: str
    execution_id: str
    features: list[FeaturesRef] = []  # from AnalyseAnswers; empty: computed here


# The three scoring states' requests, told apart by ``step`` (a request without one is ScoreInterview's).
SCORING_STEP: TypeAdapter[PlanScoringRequest | AnalyseAnswerRequest | ScoreRequest] = TypeAdapter(
    Annotated[PlanScoringRequest | AnalyseAnswerRequest | ScoreRequest, Field(discriminator="step")]
)


def result_key(tenant_id: str, interview_id: str) -> str:
    return f"{tenant_id}/{interview_id}/result.json"


def features_key(tenant_id: str, interview_id: str, question_id: str) -> str:
    return f"{tenant_id}/{interview_id}/features/{question_id}.json"


def judgement_key(tenant_id: str, interview_id: str, question_id: str) -> str:
    return f"{tenant_id}/{interview_id}/judgement/{question_id}.json"


def _interview_and_profile(
    repo: InterviewRepository, profiles: ProfileSource, tenant_id: str, interview_id: str
) -> tuple[Interview, JobProfile]:
    interview = repo.get(tenant_id, interview_id)
    if interview is None or interview.job_id is None:
        raise NotFound(f"interview {interview_id} or its job")
    profile = profiles.get(tenant_id, interview.job_id, interview.job_version)
    if profile is None:
        raise NotFound(f"job profile {interview.job_id} v{interview.job_version} of this tenant")
    if interview.practice:  # a practice interview asks the profile's practice questions, scored alike
        profile = profile.model_copy(update={"questions": profile.practice_questions})
    return interview, profile


def _encoder(settings: ScoreSettings) -> Any:
    return load_encoder(
        Path(settings.encoder_model_dir) if settings.encoder_model_dir else None,
        Path(settings.model_cache_dir) if settings.model_cache_dir else None,
        settings.model_fetch,
    )


def _judge_model(settings: ScoreSettings) -> Any:
    from jiping.scoring.judge.llm import load_judge_model

    return load_judge_model(
        Path(settings.judge_model_dir) if settings.judge_model_dir else None,
        Path(settings.model_cache_dir) if settings.model_cache_dir else None,
        settings.model_fetch,
        threads=settings.judge_threads,
    )


def judge_model(settings: ScoreSettings) -> JudgeModel:
    """The judge's model, loaded on first use (an answer the checks hold at level 1 never loads it)."""
    return LazyModel(lambda: _judge_model(settings))


def judge(profile: JobProfile, answer: AnswerAnalysis, model: JudgeModel, encoder: Any) -> AnswerJudgement:
    """The judge's reading of one answer (``jiping.scoring.judge``), on the competencies its question probes."""
    question = next(q for q in profile.questions if q.id == answer.question_id)
    text = answer.transcript.text
    checks_language = None if text.strip() else "zh"
    return judge_answer(
        question.id,
        question_text(profile, question.id, answer.transcript.language),
        text,
        [profile.competency(c) for c in question.competencies],
        profile_language=profile.language,
        model=model,
        encoder=encoder,
        calibration=load_calibration(),
        language=checks_language,
    )


def plan_scoring(
    request: PlanScoringRequest, repo: InterviewRepository, profiles: ProfileSource
) -> dict[str, Any]:
    """The Map's items: one ``AnalyseAnswerRequest`` per asked question that is in the profile."""
    interview, profile = _interview_and_profile(repo, profiles, request.tenant_id, request.interview_id)
    known = {q.id for q in profile.questions}
    holder = {q: m.analysis_key for m in interview.media.values() if m.analysis_key for q in m.questions}
    items = [
        AnalyseAnswerRequest(
            tenant_id=interview.tenant_id,
            interview_id=interview.interview_id,
            question_id=q.question_id,
            analysis_key=holder[q.question_id],
        ).model_dump()
        for q in interview.questions
        if q.question_id in known and q.question_id in holder
    ]
    return {"answers": items, "job_id": profile.id, "job_version": profile.version}


def analyse_answer(
    request: AnalyseAnswerRequest,
    settings: ScoreSettings,
    repo: InterviewRepository,
    profiles: ProfileSource,
    store: ObjectStore,
    model: JudgeModel | None = None,
) -> dict[str, Any]:
    """One answer's text features, stored beside its analysis; returns a ``FeaturesRef``."""
    _, profile = _interview_and_profile(repo, profiles, request.tenant_id, request.interview_id)
    doc = store.get_json(ObjectLocation(bucket=settings.artifacts_bucket, key=request.analysis_key))
    answers = [
        AnswerAnalysis.model_validate(a) for a in doc["answers"] if a["question_id"] == request.question_id
    ]
    if len(answers) != 1:
        raise InvalidInput(f"{len(answers)} answers to question {request.question_id} in its analysis")
    encoder = _encoder(settings)
    features = answer_features_for(profile, answers, encoder)[request.question_id]
    key = features_key(request.tenant_id, request.interview_id, request.question_id)
    store.put_json(
        ObjectLocation(bucket=settings.artifacts_bucket, key=key), features.model_dump(mode="json")
    )
    judged = judge(profile, answers[0], model or judge_model(settings), encoder)
    jkey = judgement_key(request.tenant_id, request.interview_id, request.question_id)
    store.put_json(ObjectLocation(bucket=settings.artifacts_bucket, key=jkey), judged.model_dump(mode="json"))
    return FeaturesRef(question_id=request.question_id, features_key=key, judgement_key=jkey).model_dump()


def score_stage(
    request: ScoreRequest,
    settings: ScoreSettings,
    repo: InterviewRepository,
    profiles: ProfileSource,
    store: ObjectStore,
    audit: AuditLog | None = None,
    model: JudgeModel | None = None,
) -> DomainEvent:
    started = time.perf_counter()
    interview, profile = _interview_and_profile(repo, profiles, request.tenant_id, request.interview_id)
    keys = sorted(m.analysis_key for m in interview.media.values() if m.analysis_key)
    answers = [
        AnswerAnalysis.model_validate(a)
        for key in keys
        for a in store.get_json(ObjectLocation(bucket=settings.artifacts_bucket, key=key))["answers"]
    ]
    encoder = _encoder(settings)
    if request.features:
        features = {
            ref.question_id: AnswerFeatures.model_validate(
                store.get_json(ObjectLocation(bucket=settings.artifacts_bucket, key=ref.features_key))
            )
            for ref in request.features
        }
    else:
        features = answer_features_for(profile, answers, encoder)
    known = {q.id for q in profile.questions}
    judgements = {
        ref.question_id: AnswerJudgement.model_validate(
            store.get_json(ObjectLocation(bucket=settings.artifacts_bucket, key=ref.judgement_key))
        )
        for ref in request.features
        if ref.judgement_key
    }
    for answer in answers:  # a direct run, or features written before the judge: judge here
        if answer.question_id in known and answer.question_id not in judgements:
            judgements[answer.question_id] = judge(profile, answer, model or judge_model(settings), encoder)
    asked = [q.question_id for q in interview.questions]
    encoder_label = next((f.encoder for f in features.values() if f.encoder), None)
    result = score_judged(
        profile, answers, judgements, load_calibration(), asked=asked, encoder_label=encoder_label
    )
    versions = perception_versions(interview, settings, store)
    document = result_document(
        interview, profile, answers, features, result, time.perf_counter() - started, versions
    )
    location = ObjectLocation(
        bucket=settings.artifacts_bucket, key=result_key(interview.tenant_id, interview.interview_id)
    )
    store.put_json(location, document)
    html = render_report(document, title=profile.title, language=_report_language(profile, answers))
    report = location.model_copy(update={"key": location.key.rsplit("/", 1)[0] + "/report.html"})
    store.put_bytes(report, html.encode(), "text/html; charset=utf-8")

    def apply(current: Interview | None) -> Interview:
        assert current is not None
        now = utcnow()
        if not any(
            h.execution_id == request.execution_id and h.status is InterviewStatus.SCORED
            for h in current.status_history
        ):
            current.status_history.append(
                StatusChange(status=InterviewStatus.SCORED, at=now, execution_id=request.execution_id)
            )
        current.status = InterviewStatus.SCORED
        current.overall_score = result.overall_score
        current.recommendation = result.recommendation.value
        current.result_key = location.key
        current.competency_scores = {c.id: c.score for c in result.competencies}
        current.score_versions = result.versions.model_dump()
        current.scored_at = now
        current.updated_at = now
        return current

    scored = repo.update(interview.tenant_id, interview.interview_id, apply)
    digest = hashlib.sha256("|".join([interview.interview_id, result.versions.scoring_model, *keys]).encode())
    if audit is not None:  # once per execution: a retried step writes no second record for the same result
        inputs = [*keys, *(ref.features_key for ref in request.features)]
        if not any(
            r.kind == "scored" and r.details.get("execution_id") == request.execution_id
            for r in audit.records(interview.tenant_id, interview.interview_id)
        ):
            record(
                audit,
                scored,
                "scored",
                retention_days=settings.audit_retention_days,
                execution_id=request.execution_id,
                overall_score=result.overall_score,
                recommendation=result.recommendation.value,
                review_reasons=len(result.review_reasons),
                versions=document["versions"],
                input_sha256=input_digest(inputs),
            )
    return DomainEvent(
        id="evt_" + digest.hexdigest()[:32],
        type="interview.scored",
        time=utcnow(),
        tenant_id=interview.tenant_id,
        interview_id=interview.interview_id,
        data={
            "status": InterviewStatus.SCORED.value,
            "job_id": profile.id,
            "job_version": profile.version,
            "overall_score": result.overall_score,
            "recommendation": result.recommendation.value,
            "review_reasons": result.review_reasons,
            "review_flags": [f.model_dump(mode="json") for f in result.review_flags],
            "competencies": [{"id": c.id, "score": c.score, "level": c.level} for c in result.competencies],
            "result": location.model_dump(),
            "report": report.model_dump(),
        }
        | ({"practice": True} if interview.practice else {}),
    )


def _report_language(profile: JobProfile, answers: list[AnswerAnalysis]) -> str:
    """Chinese by default, English for English profiles (and "auto" profiles answered in English)."""
    if profile.language != "auto":
        return profile.language
    return "en" if answers and all(a.transcript.language == "en" for a in answers) else "zh"


def _label(name: str | None, sha256: str | None) -> str | None:
    return f"{name}@sha256:{sha256[:12]}" if name and sha256 else name


def perception_versions(
    interview: Interview, settings: ScoreSettings, store: ObjectStore
) -> dict[str, str | None]:
    """The ASR and vision model versions the answers were measured with (from their artifacts)."""
    asr = vision = None
    for media in interview.media.values():
        if media.transcript_key and asr is None:
            model = store.get_json(
                ObjectLocation(bucket=settings.artifacts_bucket, key=media.transcript_key)
            )["model"]
            asr = _label(model.get("name"), model.get("sha256"))
        if media.analysis_key and vision is None:
            key = media.analysis_key.rsplit("/", 1)[0] + "/vision.json"
            try:
                track = store.get_json(ObjectLocation(bucket=settings.artifacts_bucket, key=key))
            except NotFound:
                continue
            vision = _label("mediapipe-face-landmarker", track.get("face_model_sha256"))
    return {"asr_model": asr, "vision_model": vision}


def result_document(
    interview: Interview,
    profile: JobProfile,
    answers: list[AnswerAnalysis],
    features: dict[str, Any],
    result: Any,
    seconds: float,
    model_versions: dict[str, str | None],
) -> dict[str, Any]:
    """The result document: what a portal shows and an HR professional checks."""
    return {
        "status": InterviewStatus.SCORED.value,
        "interview_id": interview.interview_id,
        "tenant_id": interview.tenant_id,
        "job_id": profile.id,
        "job_version": profile.version,
        "overall_score": result.overall_score,
        "assessed_weight": result.assessed_weight,
        "recommendation": result.recommendation.value,
        "review_reasons": result.review_reasons,
        "review_flags": [f.model_dump(mode="json") for f in result.review_flags],
        "competencies": [c.model_dump(mode="json") for c in result.competencies],
        "questions": [
            {
                "question_id": a.question_id,
                "media_id": a.media_id,
                "start": a.start,
                "end": a.end,
                "transcript": a.transcript.model_dump(mode="json"),
                "relevance": features[a.question_id].relevance_to_question.model_dump(mode="json")
                if a.question_id in features
                else None,
                "signals": {"speech": a.speech, "vision": a.vision},
                "timeline": a.vision_seconds,
            }
            for a in answers
        ],
        "flags": [f.model_dump(mode="json") for a in answers for f in a.flags],
        "versions": result.versions.model_dump(mode="json") | model_versions,
        "timings": {"score_s": round(seconds, 3)},
    }
