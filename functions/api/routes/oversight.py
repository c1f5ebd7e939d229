"""People's rights and human oversight: review requests, reviewers' decisions, the audit log, erasure."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.bootstrap import analytics as analytics_bootstrap
from jiping.domain.errors import PortalError
from jiping.portal.audit import AuditRecord, override, request_review
from jiping.portal.erasure import erase_candidate
from jiping.portal.interviews import InterviewView, view

from ..context import interview, settings, tenant
from ..schemas import OverrideIn, ReviewRequestIn

router = APIGatewayHttpRouter()


@router.post("/v1/interviews/<interview_id>/review-request")
def review_request(interview_id: str, request: Annotated[ReviewRequestIn, Body()]) -> InterviewView:
    """The candidate asks for a human review: the recommendation is ``review`` until a reviewer decides."""
    s, event = settings(), router.current_event
    interview(event, interview_id)
    done = request_review(
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.audit_log(s.audit_table),
        tenant(event),
        interview_id,
        reason=request.reason,
        retention_days=s.audit_retention_days,
    )
    return view(done)


@router.post("/v1/interviews/<interview_id>/override")
def override_decision(interview_id: str, request: Annotated[OverrideIn, Body()]) -> InterviewView:
    """A reviewer's decision replaces the recommendation; the model's stays in the audit log."""
    s, event = settings(), router.current_event
    interview(event, interview_id)
    done = override(
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.audit_log(s.audit_table),
        tenant(event),
        interview_id,
        decision=request.decision,
        reviewer=request.reviewer,
        reason=request.reason,
        retention_days=s.audit_retention_days,
    )
    return view(done)


@router.get("/v1/interviews/<interview_id>/audit")
def audit_log(interview_id: str) -> list[AuditRecord]:
    """Every score, re-score, review request and decision about the interview, oldest first."""
    event = router.current_event
    interview(event, interview_id)
    records = bootstrap.audit_log(settings().audit_table).records(tenant(event), interview_id)
    return sorted(records, key=lambda r: r.at)


@router.delete("/v1/candidates/<candidate_ref>")
def erase(candidate_ref: str) -> Any:
    """Erase the candidate's interviews everywhere (media and artifacts with all versions, deliveries,
    notices, rows) and publish ``interview.erased`` for each."""
    s = settings()
    report = erase_candidate(
        tenant(router.current_event),
        candidate_ref,
        interviews=bootstrap.interview_repository(s.interviews_table),
        objects=bootstrap.object_store(),
        uploads_bucket=s.uploads_bucket,
        artifacts_bucket=s.artifacts_bucket,
        deliveries=bootstrap.webhook_store(s.webhooks_table),
        notices=bootstrap.wecom_store(s.wecom_state_table),
        outcomes=analytics_bootstrap.analytics_store(s.analytics_table),
        demographics=analytics_bootstrap.demographics_store(s.demographics_table),
        audit=bootstrap.audit_log(s.audit_table),
        audit_retention_days=s.audit_retention_days,
        publisher=bootstrap.event_publisher(s.publish_settings()),
    )
    if not report.interviews:
        raise PortalError(
            "CANDIDATE_NOT_FOUND", "no interview of this tenant has this candidate reference", 404
        )
    return report.model_dump()
