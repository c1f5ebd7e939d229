"""The interview repository on DynamoDB, through pynamodb.

Stored shape (``InterviewItem``) and domain shape (``Interview``) are separate and converted here.
Writes use optimistic locking (a version attribute): answers of one interview are processed by
parallel executions, and a lost update would drop one of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBConnectionError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from jiping.adapters.dynamo.tables import THROTTLED, bind
from jiping.domain.errors import InterviewErased, StorageError, TransientError
from jiping.domain.models import (
    CandidateSide,
    Interview,
    InterviewStatus,
    MediaRecord,
    Question,
    ReasonCode,
    ScoreSnapshot,
    StatusChange,
    WecomRecipients,
    utcnow,
)

MAX_CONFLICT_RETRIES = 8
ERASED = "ERASED"  # the status of a tombstone row (never a domain Interview)
TOMBSTONE_DAYS = 15
SCORED_INDEX = "ScoredByJob"
# What the ScoredByJob index carries: what analytics reads of a scored interview, nothing about the person.
SCORED_PROJECTION = (
    "status",
    "created_at",
    "updated_at",
    "job_id",
    "job_version",
    "overall_score",
    "recommendation",
    "competency_scores",
    "score_history",
)
POOL_INDEX = "PoolByJob"
# What the PoolByJob index carries: a talent pool row and the job's funnel (no answers, no media).
POOL_PROJECTION = (
    "status",
    "created_at",
    "updated_at",
    "job_id",
    "job_version",
    "overall_score",
    "recommendation",
    "candidate_ref",
    "scored_at",
    "human_review",
    "candidate",
    "competency_scores",
)
SCORE_KEY_DIGITS = 4  # a score of 0.0-100.0 as tenths: "0000"-"1000"


def pool_rank(interview: Interview) -> str:
    """The PoolByJob sort key: scored rows ``1#{tenths}`` (read backwards: best first), then the rest
    ``0#{created}`` (newest first)."""
    if interview.status is InterviewStatus.SCORED and interview.overall_score is not None:
        return f"1#{score_key(interview.overall_score)}"
    return f"0#{interview.created_at.isoformat()}"


def score_key(score: float) -> str:
    return f"{round(max(0.0, min(100.0, score)) * 10):0{SCORE_KEY_DIGITS}d}"


class StatusChangeMap(MapAttribute[str, Any]):
    status = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    media_id = UnicodeAttribute(null=True)
    reason_code = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    execution_id = UnicodeAttribute(null=True)


class QuestionMap(MapAttribute[str, Any]):
    question_id = UnicodeAttribute()
    text = UnicodeAttribute(null=True)
    media_id = UnicodeAttribute(null=True)
    start_s = NumberAttribute(null=True)
    end_s = NumberAttribute(null=True)


class MediaMap(MapAttribute[str, Any]):
    media_id = UnicodeAttribute()
    status = UnicodeAttribute()
    key = UnicodeAttribute()
    version_id = UnicodeAttribute(null=True)
    execution_id = UnicodeAttribute(null=True)
    duration_s = NumberAttribute(null=True)
    language = UnicodeAttribute(null=True)
    transcript_key = UnicodeAttribute(null=True)
    analysis_key = UnicodeAttribute(null=True)
    questions = ListAttribute(of=UnicodeAttribute, null=True)
    flags = ListAttribute(of=UnicodeAttribute, null=True)
    reason_code = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()
    recorded_by = UnicodeAttribute(null=True)  # absent on rows written before it: "workflow"


class ScoredByJob(GlobalSecondaryIndex["InterviewItem"]):
    """Scored interviews per tenant and job (``job_key`` = ``{tenant}#{job}``), by time scored: the
    analytics reports query one job instead of reading the tenant's whole partition."""

    class Meta:
        index_name = SCORED_INDEX
        projection = IncludeProjection(list(SCORED_PROJECTION))

    job_key = UnicodeAttribute(hash_key=True)
    scored_at = UTCDateTimeAttribute(range_key=True)


class PoolByJob(GlobalSecondaryIndex["InterviewItem"]):
    """Every interview of a tenant's job (``pool_key`` = ``{tenant}#{job}``; practice ones never), by score:
    the talent pool reads one job's rows best first, a page at a time, and the job's funnel counts them."""

    class Meta:
        index_name = POOL_INDEX
        projection = IncludeProjection(list(POOL_PROJECTION))

    pool_key = UnicodeAttribute(hash_key=True)
    pool_rank = UnicodeAttribute(range_key=True)


class InterviewItem(Model):
    """The stored interview. ``Meta.table_name`` is bound per table by ``tables.bind``."""

    class Meta:
        table_name = "unbound"

    tenant_id = UnicodeAttribute(hash_key=True)
    interview_id = UnicodeAttribute(range_key=True)
    job_id = UnicodeAttribute(null=True)
    job_version = NumberAttribute(null=True)
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    questions = ListAttribute(of=QuestionMap, default=list)
    status_history = ListAttribute(of=StatusChangeMap, default=list)
    media = ListAttribute(of=MediaMap, default=list)
    overall_score = NumberAttribute(null=True)
    recommendation = UnicodeAttribute(null=True)
    result_key = UnicodeAttribute(null=True)
    competency_scores = UnicodeAttribute(null=True)  # JSON: competency id -> score
    scored_at = UTCDateTimeAttribute(null=True)
    score_versions = UnicodeAttribute(null=True)  # JSON
    score_history = UnicodeAttribute(null=True)  # JSON: list of ScoreSnapshot
    human_review = UnicodeAttribute(null=True)  # JSON
    wecom = UnicodeAttribute(null=True)  # WecomRecipients as JSON
    candidate_ref = UnicodeAttribute(null=True)
    consent = UnicodeAttribute(null=True)  # JSON
    consent_history = UnicodeAttribute(null=True)  # JSON list, append-only
    request_sha256 = UnicodeAttribute(null=True)
    asr_tier = UnicodeAttribute(null=True)  # the job profile's transcription tier (cpu | gpu)
    expires_at = NumberAttribute(null=True)  # TTL, set by the retention policy
    practice = UnicodeAttribute(null=True)  # "1" for a practice interview (never in ScoredByJob)
    candidate = UnicodeAttribute(null=True)  # CandidateSide as JSON
    job_key = UnicodeAttribute(null=True)  # "{tenant}#{job}" once scored: the ScoredByJob index
    scored_by_job = ScoredByJob()
    pool_key = UnicodeAttribute(
        null=True
    )  # "{tenant}#{job}" for every interview of a job: the PoolByJob index
    pool_rank = UnicodeAttribute(null=True)
    pool_by_job = PoolByJob()
    version = VersionAttribute()


def _to_domain(item: InterviewItem) -> Interview:
    return Interview(
        tenant_id=item.tenant_id,
        interview_id=item.interview_id,
        job_id=item.job_id,
        job_version=int(item.job_version) if item.job_version is not None else None,
        questions=[Question(**q.as_dict()) for q in item.questions or []],
        status=InterviewStatus(item.status),
        created_at=item.created_at,
        updated_at=item.updated_at,
        status_history=[
            StatusChange(
                status=InterviewStatus(h.status),
                at=h.at,
                media_id=h.media_id,
                reason_code=ReasonCode(h.reason_code) if h.reason_code else None,
                error=h.error,
                execution_id=h.execution_id,
            )
            for h in item.status_history or []
        ],
        media={
            m.media_id: MediaRecord(
                **(
                    m.as_dict()
                    | {
                        "flags": m.flags or [],
                        "questions": m.questions or [],
                        "recorded_by": m.recorded_by or "workflow",
                    }
                )
            )
            for m in item.media or []
        },
        overall_score=float(item.overall_score) if item.overall_score is not None else None,
        recommendation=item.recommendation,
        result_key=item.result_key,
        competency_scores=json.loads(item.competency_scores) if item.competency_scores else {},
        scored_at=item.scored_at,
        score_versions=json.loads(item.score_versions) if item.score_versions else {},
        score_history=[ScoreSnapshot.model_validate(s) for s in json.loads(item.score_history or "[]")],
        human_review=json.loads(item.human_review) if item.human_review else None,
        wecom=WecomRecipients.model_validate_json(item.wecom) if item.wecom else None,
        candidate_ref=item.candidate_ref,
        consent=json.loads(item.consent) if item.consent else None,
        consent_history=json.loads(item.consent_history) if item.consent_history else [],
        request_sha256=item.request_sha256,
        asr_tier=item.asr_tier,
        practice=item.practice == "1",
        candidate=CandidateSide.model_validate_json(item.candidate) if item.candidate else None,
        expires_at=datetime.fromtimestamp(int(item.expires_at), UTC) if item.expires_at else None,
    )


def _fill(item: InterviewItem, interview: Interview) -> None:
    item.job_id = interview.job_id
    item.job_version = interview.job_version
    item.overall_score = interview.overall_score
    item.recommendation = interview.recommendation
    item.result_key = interview.result_key
    item.competency_scores = json.dumps(interview.competency_scores) if interview.competency_scores else None
    item.scored_at = interview.scored_at
    item.human_review = json.dumps(interview.human_review) if interview.human_review else None
    scored = (
        interview.status is InterviewStatus.SCORED
        and interview.job_id
        and interview.scored_at
        and not interview.practice  # a practice result stays out of analytics
    )
    item.job_key = f"{interview.tenant_id}#{interview.job_id}" if scored else None
    pooled = interview.job_id and not interview.practice  # a practice interview is the candidate's own
    item.pool_key = f"{interview.tenant_id}#{interview.job_id}" if pooled else None
    item.pool_rank = pool_rank(interview) if pooled else None
    item.score_versions = json.dumps(interview.score_versions) if interview.score_versions else None
    item.score_history = (
        json.dumps([h.model_dump(mode="json") for h in interview.score_history])
        if interview.score_history
        else None
    )
    item.wecom = interview.wecom.model_dump_json() if interview.wecom else None
    item.candidate_ref = interview.candidate_ref
    item.consent = json.dumps(interview.consent) if interview.consent else None
    item.consent_history = json.dumps(interview.consent_history) if interview.consent_history else None
    item.request_sha256 = interview.request_sha256
    item.asr_tier = interview.asr_tier
    item.practice = "1" if interview.practice else None
    item.candidate = interview.candidate.model_dump_json() if interview.candidate else None
    item.expires_at = int(interview.expires_at.timestamp()) if interview.expires_at else None
    item.questions = [QuestionMap(**q.model_dump(exclude_none=True)) for q in interview.questions]
    item.status = interview.status.value
    item.created_at = interview.created_at
    item.updated_at = interview.updated_at
    item.status_history = [
        StatusChangeMap(**h.model_dump(mode="python", exclude_none=True) | {"status": h.status.value})
        for h in interview.status_history
    ]
    item.media = [
        MediaMap(
            **m.model_dump(mode="json", exclude_none=True, exclude={"updated_at", "flags", "questions"})
            | {"updated_at": m.updated_at, "flags": m.flags or None, "questions": m.questions or None}
        )
        for m in interview.media.values()
    ]


def _is_conflict(exc: PutError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


class DynamoInterviewRepository:
    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(InterviewItem, table_name, region, host)

    def get(self, tenant_id: str, interview_id: str) -> Interview | None:
        try:
            item = self._item.get(tenant_id, interview_id, consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBConnectionError as exc:
            raise self._translate(exc) from exc
        return None if item.status == ERASED else _to_domain(item)

    def erase(self, tenant_id: str, interview_id: str, keep_days: int = TOMBSTONE_DAYS) -> None:
        """Replace the row by a tombstone: the ids, ERASED and when, nothing about the person. Until it
        expires (longer than Step Functions' 14-day redrive window) no execution still running, or
        redriven, can write the interview again: ``update`` raises ``InterviewErased``."""
        now = utcnow()
        tombstone = self._item(
            tenant_id,
            interview_id,
            status=ERASED,
            created_at=now,
            updated_at=now,
            expires_at=int(now.timestamp()) + keep_days * 86400,
        )
        try:
            tombstone.save(add_version_condition=False)  # erasure wins over any writer
        except (PutError, PynamoDBConnectionError) as exc:
            raise self._translate(exc) from exc  # type: ignore[arg-type]

    def list_for_tenant(self, tenant_id: str, limit: int = 1000) -> list[Interview]:
        """The tenant's interviews (one partition: no other tenant's rows can be read)."""
        try:
            items = list(self._item.query(tenant_id, limit=limit))
        except PynamoDBConnectionError as exc:
            raise self._translate(exc) from exc
        return [_to_domain(i) for i in items if i.status != ERASED]

    def list_scored(self, tenant_id: str, job_id: str) -> list[Interview]:
        """The tenant's scored interviews of one job (every version), from the ScoredByJob index.

        Read models: only the projected attributes (``SCORED_PROJECTION``) are filled; questions, media
        and the status history come back empty."""
        try:
            return [_to_domain(i) for i in self._item.scored_by_job.query(f"{tenant_id}#{job_id}")]
        except PynamoDBConnectionError as exc:
            raise self._translate(exc) from exc

    def pool_page(
        self,
        tenant_id: str,
        job_id: str,
        *,
        status: str | None = None,
        recommendation: str | None = None,
        min_score: float | None = None,
        max_score: float | None = None,
        limit: int = 50,
        after: dict[str, str] | None = None,
    ) -> tuple[list[Interview], dict[str, str] | None]:
        """One page of a job's interviews from the PoolByJob index, best score first (unscored last), and
        the key to go on from (None: the last page). A score band is a key condition (so it reads only the
        band); status and recommendation filter the rows read. Read models: the projected attributes only."""
        index = self._item.pool_by_job
        lo = score_key(min_score) if min_score is not None else None
        hi = score_key(max_score) if max_score is not None else None
        band = None
        if lo is not None or hi is not None:
            band = PoolByJob.pool_rank.between(
                f"1#{lo or '0' * SCORE_KEY_DIGITS}", f"1#{hi or '9' * SCORE_KEY_DIGITS}"
            )
        wanted = None
        if status is not None:
            wanted = InterviewItem.status == status
        if recommendation is not None:
            same = InterviewItem.recommendation == recommendation
            wanted = same if wanted is None else wanted & same
        try:
            found = list(
                index.query(
                    f"{tenant_id}#{job_id}",
                    band,
                    filter_condition=wanted,
                    scan_index_forward=False,
                    limit=limit + 1,  # one more than asked: is there a next page at all?
                    last_evaluated_key={k: {"S": v} for k, v in after.items()} if after else None,
                )
            )
        except PynamoDBConnectionError as exc:
            raise self._translate(exc) from exc
        page, more = found[:limit], len(found) > limit
        last = page[-1] if more else None
        key = (
            {"tenant_id": last.tenant_id, "interview_id": last.interview_id}
            | {"pool_key": str(last.pool_key), "pool_rank": str(last.pool_rank)}
            if last is not None
            else None
        )
        return [_to_domain(i) for i in page if i.status != ERASED], key

    def existing(self, tenant_id: str, interview_ids: Iterable[str]) -> set[str]:
        """Which of ``interview_ids`` the tenant has (batched reads of the keys only)."""
        keys = [(tenant_id, i) for i in dict.fromkeys(interview_ids)]
        try:
            found = self._item.batch_get(keys, attributes_to_get=["interview_id", "status"])
            return {i.interview_id for i in found if i.status != ERASED}
        except PynamoDBConnectionError as exc:
            raise self._translate(exc) from exc

    def update(
        self, tenant_id: str, interview_id: str, change: Callable[[Interview | None], Interview]
    ) -> Interview:
        for _ in range(MAX_CONFLICT_RETRIES):
            try:
                item = self._item.get(tenant_id, interview_id, consistent_read=True)
                current: Interview | None = None if item.status == ERASED else _to_domain(item)
            except DoesNotExist:
                item, current = self._item(tenant_id, interview_id), None
            except PynamoDBConnectionError as exc:
                raise self._translate(exc) from exc
            if item.status == ERASED:
                raise InterviewErased(f"interview {interview_id} was erased")
            updated = change(current)
            _fill(item, updated)
            try:
                item.save()
            except PutError as exc:
                if _is_conflict(exc):
                    continue  # another execution wrote first: re-read and re-apply
                raise self._translate(exc) from exc
            return updated
        raise TransientError(f"interview row kept changing under {MAX_CONFLICT_RETRIES} attempts")

    @staticmethod
    def _translate(exc: PynamoDBConnectionError) -> Exception:
        code = getattr(exc, "cause_response_code", None)
        if code in THROTTLED:
            return TransientError(f"DynamoDB {code}")
        return StorageError(f"DynamoDB {code or type(exc).__name__}")
