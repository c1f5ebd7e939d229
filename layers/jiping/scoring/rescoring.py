"""Re-score an interview under another version of its job profile, only when someone asks.

A re-weighting (``jiping.analytics``) makes a new profile version with new weights; results scored
before keep their version. Asked to (``POST /v1/interviews/{id}/rescore``), this combines the stored
competency scores under the new version's weights and thresholds (``jiping.scoring.results.rescore``), writes a
new result document and report under ``{tenant}/{interview}/rescores/{profile}@v{N}/`` and points the
interview at them. The result it replaces stays where it was, and the row keeps a snapshot of it in
``score_history``. Re-scoring to the version the interview already has changes nothing.
"""

from __future__ import annotations

from jiping.domain.errors import NotFound
from jiping.domain.models import Interview, InterviewStatus, ObjectLocation, ScoreSnapshot, utcnow
from jiping.domain.profiles import Recommendation, profile_version_id
from jiping.portal.audit import SYSTEM, AuditLog, record
from jiping.ports import InterviewRepository, ObjectStore, ProfileSource
from jiping.reports.interview import render_report
from jiping.scoring.results import CompetencyScore, ReviewFlag, ScoreResult, ScoreVersions, rescore


class NotScored(NotFound):
    """The interview has no result to re-score."""


def rescore_interview(
    tenant_id: str,
    interview_id: str,
    version: int,
    *,
    repo: InterviewRepository,
    profiles: ProfileSource,
    store: ObjectStore,
    artifacts_bucket: str,
    audit: AuditLog | None = None,
    audit_retention_days: int = 1095,
    actor: str = SYSTEM,
    key_id: str | None = None,
) -> Interview:
    interview = repo.get(tenant_id, interview_id)
    if interview is None:
        raise NotFound(f"interview {interview_id}")
    if interview.status is not InterviewStatus.SCORED or not interview.result_key or not interview.job_id:
        raise NotScored(f"interview {interview_id} has no result")
    if interview.job_version == version:
        return interview
    profile = profiles.get(tenant_id, interview.job_id, version)
    if profile is None:
        raise NotFound(f"job profile {interview.job_id} v{version}")
    document = store.get_json(ObjectLocation(bucket=artifacts_bucket, key=interview.result_key))
    before = ScoreResult(
        overall_score=document["overall_score"],
        assessed_weight=document.get("assessed_weight", 1.0),
        recommendation=Recommendation(document["recommendation"]),
        review_reasons=document.get("review_reasons", []),
        review_flags=[ReviewFlag.model_validate(f) for f in document.get("review_flags", [])],  # scoring-v2
        competencies=[CompetencyScore.model_validate(c) for c in document["competencies"]],
        versions=ScoreVersions.model_validate(document["versions"]),
    )
    after = rescore(before, profile)  # raises IncompatibleProfile when the competencies differ
    rescored = document | {
        "job_version": profile.version,
        "overall_score": after.overall_score,
        "assessed_weight": after.assessed_weight,
        "recommendation": after.recommendation.value,
        "review_reasons": after.review_reasons,
        "review_flags": [f.model_dump(mode="json") for f in after.review_flags],
        "versions": document["versions"] | after.versions.model_dump(mode="json"),
        "rescored_from": {
            "job_version": interview.job_version,
            "result_key": interview.result_key,
            "overall_score": interview.overall_score,
        },
    }
    prefix = f"{tenant_id}/{interview_id}/rescores/{profile_version_id(profile)}"
    location = ObjectLocation(bucket=artifacts_bucket, key=f"{prefix}/result.json")
    store.put_json(location, rescored)
    languages = {q["transcript"]["language"] for q in document.get("questions", []) if q.get("transcript")}
    language = profile.language if profile.language != "auto" else ("en" if languages == {"en"} else "zh")
    html = render_report(rescored, title=profile.title, language=language)
    store.put_bytes(
        location.model_copy(update={"key": f"{prefix}/report.html"}),
        html.encode(),
        "text/html; charset=utf-8",
    )

    def apply(current: Interview | None) -> Interview:
        if current is None:
            raise NotFound(f"interview {interview_id}")
        if current.job_version == profile.version:
            return current  # a concurrent re-score got there first
        now = utcnow()
        current.score_history.append(
            ScoreSnapshot(
                job_version=current.job_version,
                overall_score=current.overall_score,
                recommendation=current.recommendation,
                competency_scores=current.competency_scores,
                score_versions=current.score_versions,
                result_key=current.result_key,
                scored_at=current.scored_at,
            )
        )
        current.job_version = profile.version
        current.overall_score = after.overall_score
        current.recommendation = after.recommendation.value
        current.result_key = location.key
        current.score_versions = after.versions.model_dump()
        current.scored_at = now
        current.updated_at = now
        return current

    done = repo.update(tenant_id, interview_id, apply)
    if audit is not None:
        record(
            audit,
            done,
            "rescored",
            actor=actor,
            key_id=key_id,
            retention_days=audit_retention_days,
            from_version=interview.job_version,
            to_version=profile.version,
            overall_score=after.overall_score,
            recommendation=after.recommendation.value,
            versions=done.score_versions,
        )
    return done
