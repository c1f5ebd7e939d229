"""Human oversight: review requests, reviewers' decisions, the audit log."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.portal.audit import AuditRecord, override, request_review
from jiping.portal.interviews import InterviewView, view

from ..context import interview, principal, settings
from ..schemas import OverrideIn, ReviewRequestIn

router = APIGatewayHttpRouter()


@router.post("/v1/interviews/<interview_id>/review-request")
def review_request(interview_id: str, request: Annotated[ReviewRequestIn, Body()]) -> InterviewView:
    """The candidate asks for a human review: the recommendation is ``review`` until a reviewer decides."""
    s, event = settings(), router.current_event
    interview(event, interview_id)
    caller = principal(event)
    done = request_review(
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.audit_log(s.audit_table),
        caller.tenant_id,
        interview_id,
        reason=request.reason,
        retention_days=s.audit_retention_days,
        key_id=caller.key_id,
    )
    return view(done)


@router.post("/v1/interviews/<interview_id>/override")
def override_decision(interview_id: str, request: Annotated[OverrideIn, Body()]) -> InterviewView:
    """A reviewer's decision replaces the recommendation; the model's stays in the audit log."""
    s, event = settings(), router.current_event
    interview(event, interview_id)
    caller = principal(event)
    done = override(
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.audit_log(s.audit_table),
        caller.tenant_id,
        interview_id,
        decision=request.decision,
        reviewer=request.reviewer,
        reason=request.reason,
        retention_days=s.audit_retention_days,
        key_id=caller.key_id,
    )
    return view(done)


@router.get("/v1/interviews/<interview_id>/audit")
def audit_log(interview_id: str) -> list[AuditRecord]:
    """Every score, re-score, review request and decision about the interview, oldest first."""
    event = router.current_event
    interview(event, interview_id)
    records = bootstrap.audit_log(settings().audit_table).records(principal(event).tenant_id, interview_id)
    return sorted(records, key=lambda r: r.at)
