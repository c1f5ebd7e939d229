"""Group discussions (无领导小组讨论): a session with one track per participant on a shared clock."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.domain.errors import PortalError
from jiping.observability import logger
from jiping.portal.groups import CreateGroupSession, GroupSession, GroupSessionCreated, create_group_session
from jiping.portal.interviews import QuestionIn

from ..context import json_response, settings, tenant

router = APIGatewayHttpRouter()


def _table() -> str:
    table = settings().group_sessions_table
    if not table:
        raise PortalError("GROUPS_NOT_CONFIGURED", "this deployment has no group sessions", 404)
    return table


@router.post(
    "/v1/group-sessions",
    description="A group discussion: the group profile (a job profile whose one question is the discussion) "
    "and its participants, each with the name the others call them, their consent and their track's offset "
    "on the session's clock. Returns one upload form per participant's track; each track is an interview "
    "(`{session}.{participant}`) evaluated on that participant's contributions. A participant without consent "
    "gets no form and a CONSENT_MISSING flag; the others are evaluated.",
    responses={
        201: {"description": "created", "content": {"application/json": {"model": GroupSessionCreated}}}
    },
)
def create(request: Annotated[CreateGroupSession, Body()]) -> Response[Any]:
    s, t = settings(), tenant(router.current_event)
    profile = bootstrap.profile_repository(s.profiles_table).get(t, request.job_id, request.job_version)
    if profile is None:
        raise PortalError("PROFILE_NOT_FOUND", "no such group profile version for this tenant", 404)
    if len(profile.questions) != 1:
        raise PortalError(
            "NOT_A_GROUP_PROFILE", "a group profile has exactly one question: the discussion", 422
        )
    (question,) = profile.questions
    created = create_group_session(
        request,
        t,
        QuestionIn(question_id=question.id, text=question.text),
        sessions=bootstrap.group_sessions(_table()),
        interviews=bootstrap.interview_repository(s.interviews_table),
        presigner=bootstrap.presigner(),
        uploads_bucket=s.uploads_bucket,
    )
    logger.info("group session created", tracks=len(created.tracks), flags=len(created.flags))
    return json_response(201, created.model_dump(mode="json"))


@router.get("/v1/group-sessions/<session_id>")
def get(session_id: str) -> GroupSession:
    found = bootstrap.group_sessions(_table()).get(tenant(router.current_event), session_id)
    if found is None:
        raise PortalError("GROUP_SESSION_NOT_FOUND", "no such group session for this tenant", 404)
    return found
