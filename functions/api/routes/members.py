"""The workspace's members (the tenant's administrators): who may sign in to the HR workspace, and as what
(``hr`` or ``manager``). A person removed here loses their open sessions at their next request."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.domain.errors import PortalError
from jiping.domain.models import check_id
from jiping.portal.workspace import Login, Member, MemberIn

from ..context import principal, settings

router = APIGatewayHttpRouter()


@lru_cache(maxsize=1)
def _table() -> str:
    table = settings().workspace_table
    if not table:
        raise PortalError("WORKSPACE_NOT_CONFIGURED", "this deployment has no HR workspace", 404)
    return table


@router.get("/v1/workspace-members")
def list_members() -> list[Member]:
    caller = principal(router.current_event)
    return bootstrap.workspace_store(_table()).members(caller.tenant_id)


@router.put(
    "/v1/workspace-members/<login>/<user_id>",
    description="Let a person into the HR workspace, or change their role: `login` is `wecom` (user_id: their "
    "WeCom userid) or `cognito` (their Cognito username, whose token must carry custom:tenant_id).",
)
def put_member(login: str, user_id: str, request: Annotated[MemberIn, Body()]) -> Member:
    caller = principal(router.current_event)
    if login not in ("wecom", "cognito"):
        raise PortalError("INVALID_LOGIN", "login is wecom or cognito", 422)
    try:
        check_id(user_id, "user_id")
    except ValueError:
        raise PortalError(
            "INVALID_USER_ID", "user_id is 1-64 letters, digits, '_', '-' or '.'", 422
        ) from None
    member = Member(tenant_id=caller.tenant_id, login=login, user_id=user_id, **request.model_dump())  # type: ignore[arg-type]
    bootstrap.workspace_store(_table()).put_member(member)
    return member


@router.delete("/v1/workspace-members/<login>/<user_id>", responses={204: {"description": "removed"}})
def delete_member(login: str, user_id: str) -> Response[Any]:
    caller = principal(router.current_event)
    login_: Login = "cognito" if login == "cognito" else "wecom"
    if login not in ("wecom", "cognito") or not bootstrap.workspace_store(_table()).delete_member(
        caller.tenant_id, login_, user_id
    ):
        raise PortalError("MEMBER_NOT_FOUND", "no such member of this workspace", 404)
    return Response(status_code=204)
