"""Inviting candidates to the candidate page: an invitation link for an interview, a practice interview
(模拟面试), and the tenant's candidate options (feedback, practice retention)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.delivery.wecom import WecomError
from jiping.domain.errors import PortalError, TransientError
from jiping.domain.models import Interview, utcnow
from jiping.domain.profiles import JobProfile
from jiping.observability import logger
from jiping.portal import candidates
from jiping.portal.audit import record
from jiping.portal.candidates import CandidateOptions, Invitation, InvitationIn, PracticeIn, WecomOutcome

from ..context import interview, json_response, principal, settings

router = APIGatewayHttpRouter()


def _profile(tenant_id: str, job_id: str | None, version: int | None) -> JobProfile:
    if job_id is None or version is None:
        raise PortalError(
            "PROFILE_REQUIRED", "the candidate page asks a job profile's questions: give job_version", 422
        )
    found = bootstrap.profile_repository(settings().profiles_table).get(tenant_id, job_id, version)
    if found is None:
        raise PortalError("UNKNOWN_JOB_PROFILE", f"no job profile {job_id} v{version} for this tenant", 422)
    return found


def _send(invited: Interview, url: str) -> WecomOutcome:
    """The invitation in WeCom when the candidate is an external contact (the token cache, limits and retry
    policy of ``jiping.delivery.wecom``); the link is returned either way."""
    s = settings()
    notifier = bootstrap.candidate_messenger(
        s.wecom_secret_arn, s.wecom_state_table, s.alerts_topic_arn, s.wecom_api_base
    )
    if notifier is None:
        return WecomOutcome(status="skipped", reason="WeCom is not configured")
    message_id = "invite#" + url.rsplit("/", 1)[-1][:12]  # one message per link (a prefix names it, no more)
    try:
        notice = notifier.tell_candidate(invited, message_id, candidates.invitation_text(invited, url))
    except (TransientError, WecomError) as exc:
        return WecomOutcome(
            status="failed",
            reason=f"WeCom did not take it now ({type(exc).__name__}): "
            "send the link yourself or invite again",
        )
    return WecomOutcome(status=notice.status if notice.status != "sending" else "sent", reason=notice.reason)  # type: ignore[arg-type]


def _created(invited: Interview, token: str) -> Response[Any]:
    base = settings().candidate_base_url.rstrip("/")
    url = f"{base}/c/{token}"
    side = invited.candidate
    assert side is not None and side.deadline is not None
    outcome = _send(invited, url)
    logger.info("candidate invited", practice=invited.practice, wecom=outcome.status)
    body = Invitation(
        interview_id=invited.interview_id,
        url=url,
        expires_at=side.deadline,
        practice=invited.practice,
        wecom=outcome,
    )
    return json_response(201, body.model_dump(mode="json"))


@router.post(
    "/v1/interviews/<interview_id>/invitations",
    description="A single-use link to the candidate page for this interview, expiring at its deadline. It is "
    "sent in WeCom when the candidate is an external contact, and returned so that the portal can send it by "
    "SMS or e-mail. The interview must name its job profile version (its questions' settings come from it). "
    "A reminder goes out in WeCom before the deadline.",
    responses={201: {"description": "invited", "content": {"application/json": {"model": Invitation}}}},
)
def invite(interview_id: str, request: Annotated[InvitationIn, Body()]) -> Response[Any]:
    s, caller = settings(), principal(router.current_event)
    found = interview(router.current_event, interview_id)
    profile = _profile(caller.tenant_id, found.job_id, found.job_version)
    token, invited = candidates.invite(
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.candidate_links(s.candidate_links_table),
        profile,
        caller.tenant_id,
        interview_id,
        request,
        utcnow(),
    )
    record(
        bootstrap.audit_log(s.audit_table),
        invited,
        "invited",
        key_id=caller.key_id,
        retention_days=s.audit_retention_days,
        deadline=invited.candidate.deadline.isoformat()
        if invited.candidate and invited.candidate.deadline
        else None,
    )
    return _created(invited, token)


@router.post(
    "/v1/practice-interviews",
    description="A practice interview (模拟面试) on the job profile's practice questions, with its link. It is "
    "scored for the candidate's own feedback only: never in the talent pool, analytics, webhooks or HR "
    "notices, and deleted after the tenant's practice retention.",
    responses={201: {"description": "invited", "content": {"application/json": {"model": Invitation}}}},
)
def practice(request: Annotated[PracticeIn, Body()]) -> Response[Any]:
    s, caller = settings(), principal(router.current_event)
    profile = _profile(caller.tenant_id, request.job_id, request.job_version)
    token, invited = candidates.practice_interview(
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.candidate_links(s.candidate_links_table),
        profile,
        caller.tenant_id,
        request,
        utcnow(),
    )
    return _created(invited, token)


@router.get("/v1/settings/candidates")
def get_options() -> CandidateOptions:
    return bootstrap.candidate_links(settings().candidate_links_table).options(
        principal(router.current_event).tenant_id
    )


@router.put(
    "/v1/settings/candidates",
    description="The tenant's candidate options: feedback to candidates after scoring (off by default), with "
    "or without the overall score, and how long practice interviews are kept.",
)
def put_options(request: Annotated[CandidateOptions, Body()]) -> CandidateOptions:
    tenant_id = principal(router.current_event).tenant_id
    bootstrap.candidate_links(settings().candidate_links_table).put_options(tenant_id, request)
    return request
