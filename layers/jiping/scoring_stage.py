"""ScoreInterview: once every question of an interview has an analysed answer, score it.

Reads the job profile (per tenant and version), the answers' ``analysis.json`` files, computes the
answer features with the sentence encoder and the competency scores (``jiping.scoring``), writes the
result document (``{tenant}/{interview}/result.json``), marks the interview SCORED and returns the
``interview.scored`` event. Idempotent: the same answers give the same event id and result.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any, Protocol

from jiping.answers import AnswerAnalysis
from jiping.encoder import load_encoder
from jiping.errors import NotFound
from jiping.models import DomainEvent, Interview, InterviewStatus, Model, ObjectLocation, StatusChange, utcnow
from jiping.ports import InterviewRepository, ObjectStore
from jiping.profiles import JobProfile
from jiping.report import render_report
from jiping.scoring import answer_features_for, score_interview
from jiping.settings import ScoreSettings


class ProfileSource(Protocol):
    def get(self, tenant_id: str, profile_id: str, version: int | None = None) -> JobProfile | None: ...


class ScoreRequest(Model):
    tenant_id: str
    interview_id: str
    execution_id: str


def result_key(tenant_id: str, interview_id: str) -> str:
    return f"{tenant_id}/{interview_id}/result.json"


def score_stage(
    request: ScoreRequest,
    settings: ScoreSettings,
    repo: InterviewRepository,
    profiles: ProfileSource,
    store: ObjectStore,
) -> DomainEvent:
    started = time.perf_counter()
    interview = repo.get(request.tenant_id, request.interview_id)
    if interview is None or interview.job_id is None:
        raise NotFound(f"interview {request.interview_id} or its job")
    profile = profiles.get(request.tenant_id, interview.job_id, interview.job_version)
    if profile is None:
        raise NotFound(f"job profile {interview.job_id} v{interview.job_version} of this tenant")
    keys = sorted(m.analysis_key for m in interview.media.values() if m.analysis_key)
    answers = [
        AnswerAnalysis.model_validate(a)
        for key in keys
        for a in store.get_json(ObjectLocation(bucket=settings.artifacts_bucket, key=key))["answers"]
    ]
    encoder = load_encoder(
        Path(settings.encoder_model_dir) if settings.encoder_model_dir else None,
        Path(settings.model_cache_dir) if settings.model_cache_dir else None,
        settings.model_fetch,
    )
    features = answer_features_for(profile, answers, encoder)
    result = score_interview(profile, answers, features, encoder=encoder)
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
        if not any(h.execution_id == request.execution_id and h.status is InterviewStatus.SCORED
                   for h in current.status_history):  # fmt: skip
            current.status_history.append(
                StatusChange(status=InterviewStatus.SCORED, at=now, execution_id=request.execution_id)
            )
        current.status = InterviewStatus.SCORED
        current.overall_score = result.overall_score
        current.recommendation = result.recommendation.value
        current.result_key = location.key
        current.updated_at = now
        return current

    repo.update(interview.tenant_id, interview.interview_id, apply)
    digest = hashlib.sha256("|".join([interview.interview_id, result.versions.scoring_model, *keys]).encode())
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
            "competencies": [{"id": c.id, "score": c.score, "level": c.level} for c in result.competencies],
            "result": location.model_dump(),
            "report": report.model_dump(),
        },
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
        "recommendation": result.recommendation.value,
        "review_reasons": result.review_reasons,
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
