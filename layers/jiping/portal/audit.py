"""The audit log: an immutable record of every score and every human decision about an interview.

EU AI Act art. 12 (automatic logs) and art. 14 (human oversight), and the deployer's duty to keep logs
for at least six months (art. 26): each record says what happened (``scored``, ``rescored``,
``review_requested``, ``override``, ``erased``), when, by whom (``system``, or the API key that asked:
``key:{key_id}``, with the reviewer the portal names if it names one), with which model versions and on which inputs (a SHA-256 over the artifacts the score was
computed from). Records are written once and never changed; they expire after the stack's retention
(``jiping:auditRetentionDays``). They hold ids, versions, scores and decisions, never a candidate's name,
answer text or face.

A candidate can ask for human review (``review_requested``): the recommendation turns to ``review`` until
a reviewer decides (``override``: advance, review or decline, with a reason).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import Field

from jiping.domain.errors import NotFound
from jiping.domain.models import Interview, Model, utcnow
from jiping.ports import InterviewRepository

AuditKind = Literal[
    "scored",
    "rescored",
    "review_requested",
    "override",
    "erased",
    "upload_refused",
    "consent_recorded",
    "invited",
    "pushed",  # HR handed the candidate to a hiring manager (the workspace)
    "commented",
    "decided",  # a hiring manager's or HR's decision in the workspace
]
SYSTEM = "system"
DECISIONS = ("advance", "review", "decline")


class AuditRecord(Model):
    tenant_id: str
    interview_id: str
    at: datetime
    kind: AuditKind
    actor: str = Field(min_length=1, max_length=128)
    key_id: str | None = Field(default=None, description="the API key that asked for it")
    reviewer: str | None = Field(default=None, description="the person the portal names, if any")
    details: dict[str, Any] = Field(default_factory=dict)
    expires_at: datetime | None = None


class AuditSink(Protocol):
    def append(self, record: AuditRecord) -> None: ...


class AuditLog(AuditSink, Protocol):
    def records(self, tenant_id: str, interview_id: str) -> list[AuditRecord]: ...


def input_digest(keys: Iterable[str]) -> str:
    """SHA-256 over the sorted artifact keys a result was computed from (which inputs, by name)."""
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()


def record(
    log: AuditSink,
    interview: Interview,
    kind: AuditKind,
    *,
    actor: str = SYSTEM,
    key_id: str | None = None,
    reviewer: str | None = None,
    retention_days: int,
    at: datetime | None = None,
    **details: Any,
) -> AuditRecord:
    """Append one record; done through an API key, the actor is that key (``key:{key_id}``)."""
    when = at or utcnow()
    if key_id is not None:
        actor = f"key:{key_id}"
    made = AuditRecord(
        tenant_id=interview.tenant_id,
        interview_id=interview.interview_id,
        at=when,
        kind=kind,
        actor=actor,
        key_id=key_id,
        reviewer=reviewer,
        details=details,
        expires_at=when + timedelta(days=retention_days),
    )
    log.append(made)
    return made


class ReviewError(ValueError):
    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


def request_review(
    repo: InterviewRepository,
    log: AuditLog,
    tenant_id: str,
    interview_id: str,
    *,
    reason: str | None,
    retention_days: int,
    key_id: str | None = None,
) -> Interview:
    """The candidate asks for a human to review the result: it stays ``review`` until someone decides."""

    def apply(current: Interview | None) -> Interview:
        if current is None:
            raise NotFound(f"interview {interview_id}")
        review = dict(current.human_review or {})
        if review.get("requested_at") and not review.get("decided_at"):
            return current  # already waiting for a reviewer
        now = utcnow()
        current.human_review = {
            "requested_at": now.isoformat(),
            "reason": reason,
            "recommendation_before": current.recommendation,
        }
        current.recommendation = "review" if current.recommendation else None
        current.updated_at = now
        return current

    updated = repo.update(tenant_id, interview_id, apply)
    record(
        log,
        updated,
        "review_requested",
        actor="candidate",
        key_id=key_id,
        retention_days=retention_days,
        reason=reason,
        on_behalf_of="candidate",
    )
    return updated


def override(
    repo: InterviewRepository,
    log: AuditLog,
    tenant_id: str,
    interview_id: str,
    *,
    decision: str,
    reviewer: str | None,
    reason: str,
    retention_days: int,
    key_id: str | None = None,
) -> Interview:
    """A reviewer's decision replaces the recommendation; the model's own stays in the audit log."""
    if decision not in DECISIONS:
        raise ReviewError("INVALID_DECISION", f"decision is one of {DECISIONS}", 422)
    before: dict[str, Any] = {}

    def apply(current: Interview | None) -> Interview:
        if current is None:
            raise NotFound(f"interview {interview_id}")
        if current.overall_score is None and current.recommendation is None:
            raise ReviewError("NOT_SCORED", "the interview has no result to review")
        now = utcnow()
        before["recommendation"] = current.recommendation
        review = dict(current.human_review or {})
        # what the model said, kept through review requests and later overrides (reports and exports show it)
        model = (
            review.get("model_recommendation")
            or review.get("recommendation_before")
            or current.recommendation
        )
        current.human_review = review | {
            "model_recommendation": model,
            "decided_at": now.isoformat(),
            "decided_by": reviewer or (f"key:{key_id}" if key_id else SYSTEM),
            "decision": decision,
            "decision_reason": reason,
        }
        current.recommendation = decision
        current.updated_at = now
        return current

    updated = repo.update(tenant_id, interview_id, apply)
    record(
        log,
        updated,
        "override",
        actor=reviewer or SYSTEM,
        key_id=key_id,
        reviewer=reviewer,
        retention_days=retention_days,
        decision=decision,
        reason=reason,
        recommendation_before=before.get("recommendation"),
        overall_score=updated.overall_score,
        versions=updated.score_versions,
    )
    return updated
