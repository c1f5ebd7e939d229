"""What every route shares: the settings, the caller (tenant, key, scopes), Idempotency-Key, JSON responses.

``ROUTE_SCOPES`` says which key scopes may call each route; a route missing from it is refused to every
key (a test keeps it equal to the routes of the OpenAPI document)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from jiping import bootstrap
from jiping.domain.errors import IdempotencyConflict, PortalError
from jiping.domain.models import Interview, utcnow
from jiping.portal.interviews import SCOPES, Principal, Scope
from jiping.portal.quotas import REQUESTS_PER_MINUTE
from jiping.settings import ApiSettings, load

IDEMPOTENCY_TTL_S = 24 * 3600
LONGEST_REQUEST_S = 30.0  # API Gateway's integration timeout: no request runs longer

IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description="replays the first response")
]


@lru_cache(maxsize=1)
def settings() -> ApiSettings:
    return load(ApiSettings)


PORTAL: Scope = "portal"
EHR: Scope = "ehr"
ADMIN: Scope = "admin"
ROUTE_SCOPES: dict[str, frozenset[Scope]] = {
    route: frozenset(scopes)
    for route, scopes in {
        # the HR portal: interviews, their forms and answers, reports, the talent pool
        "POST /v1/interviews": {PORTAL},
        "GET /v1/interviews/{interview_id}": {PORTAL, EHR},
        "POST /v1/interviews/{interview_id}/consent": {PORTAL},
        "POST /v1/interviews/{interview_id}/answers/{question_id}": {PORTAL},
        "GET /v1/interviews/{interview_id}/report": {PORTAL},
        "GET /v1/jobs/{job_id}/interviews": {PORTAL},
        "POST /v1/interviews/{interview_id}/review-request": {PORTAL},
        "POST /v1/interviews/{interview_id}/invitations": {PORTAL},
        "POST /v1/practice-interviews": {PORTAL},
        "POST /v1/interviews/{interview_id}/resume": {PORTAL},
        "POST /v1/group-sessions": {PORTAL},
        "GET /v1/group-sessions/{session_id}": {PORTAL, EHR},
        "GET /v1/profiles": {PORTAL, ADMIN},
        "GET /v1/profiles/{profile_id}": {PORTAL, ADMIN},
        # the EHR: job performance and self-declared demographics, for validity and fairness
        "POST /v1/outcomes": {EHR},
        "POST /v1/demographics": {EHR},
        # the tenant's administrators: what changes scoring, where data goes, and people's rights
        "POST /v1/profiles": {ADMIN},
        "GET /v1/settings/candidates": {ADMIN},
        "GET /v1/workspace-members": {ADMIN},
        "PUT /v1/workspace-members/{login}/{user_id}": {ADMIN},
        "DELETE /v1/workspace-members/{login}/{user_id}": {ADMIN},
        "PUT /v1/settings/candidates": {ADMIN},
        "POST /v1/interviews/{interview_id}/override": {ADMIN},
        "POST /v1/interviews/{interview_id}/rescore": {ADMIN},
        "GET /v1/interviews/{interview_id}/audit": {ADMIN},
        "DELETE /v1/candidates/{candidate_ref}": {ADMIN},
        "GET /v1/webhooks": {ADMIN},
        "POST /v1/webhooks": {ADMIN},
        "GET /v1/webhooks/{endpoint_id}": {ADMIN},
        "DELETE /v1/webhooks/{endpoint_id}": {ADMIN},
        "POST /v1/webhooks/{endpoint_id}/rotate-secret": {ADMIN},
        "POST /v1/webhooks/{endpoint_id}/enable": {ADMIN},
        "GET /v1/webhooks/{endpoint_id}/deliveries": {ADMIN},
        "POST /v1/deliveries/{delivery_id}/replay": {ADMIN},
        "GET /v1/analytics/validity": {ADMIN},
        "GET /v1/analytics/impact": {ADMIN},
        "GET /v1/analytics/drift": {ADMIN},
        "POST /v1/analytics/reweighting": {ADMIN},
        "GET /v1/analytics/reweighting/{proposal_id}": {ADMIN},
        "POST /v1/analytics/reweighting/{proposal_id}/accept": {ADMIN},
    }.items()
}


def _pattern(route: str) -> tuple[str, re.Pattern[str]]:
    method, path = route.split(" ")
    return method, re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$")


_PATTERNS = [(*_pattern(route), scopes) for route, scopes in ROUTE_SCOPES.items()]


def scopes_for(method: str, path: str) -> frozenset[Scope]:
    """The scopes that may call the route (none: a route nobody may call)."""
    for route_method, pattern, scopes in _PATTERNS:
        if route_method == method and pattern.match(path):
            return scopes
    return frozenset()


def principal(event: APIGatewayProxyEventV2) -> Principal:
    """The caller, from the authorizer's context only, if its key holds a scope this route takes."""
    context = event.request_context.authorizer.get_lambda or {}
    if not context.get("tenant_id") or not context.get("key_id"):
        raise PortalError("UNAUTHENTICATED", "an API key is required", 401)
    held = tuple(s for s in str(context.get("scopes") or "").split() if s in SCOPES)
    caller = Principal(tenant_id=str(context["tenant_id"]), key_id=str(context["key_id"]), scopes=held)  # type: ignore[arg-type]
    needed = scopes_for(event.request_context.http.method, event.path)
    if not needed & set(caller.scopes):
        raise PortalError(
            "INSUFFICIENT_SCOPE",
            f"this API key may not call this route: it takes a key with scope {' or '.join(sorted(needed)) or '(none)'}",
            403,
        )
    return caller


def rate_limit(app: Any, next_middleware: Callable[[Any], Response[Any]]) -> Response[Any]:
    """Middleware: each tenant's requests a minute (``quota_requests_per_minute``), so that one tenant's
    flood is that tenant's 429s alone, well below the stage's throttle that every tenant shares."""
    context = app.current_event.request_context.authorizer.get_lambda or {}
    if context.get("tenant_id"):
        s = settings()
        counter = bootstrap.quota_counter(s.idempotency_table)
        REQUESTS_PER_MINUTE.take(counter, str(context["tenant_id"]), s.quota_requests_per_minute, utcnow())
    return next_middleware(app)


def tenant(event: APIGatewayProxyEventV2) -> str:
    """The caller's tenant (see ``principal``)."""
    return principal(event).tenant_id


def json_response(status: int, body: Any) -> Response[Any]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def idempotent(
    event: APIGatewayProxyEventV2, key: str | None, route: str, body: Any, make: Callable[[], tuple[int, Any]]
) -> Response[Any]:
    """The response of ``make()``, or of its first run for the same tenant, key and route."""
    if not key:
        return json_response(*make())
    if not 1 <= len(key) <= 255:
        raise PortalError("INVALID_IDEMPOTENCY_KEY", "Idempotency-Key holds 1 to 255 characters", 422)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    store = bootstrap.idempotency(settings().idempotency_table)
    try:
        return json_response(
            *store.remember(f"{tenant(event)}#{route}#{key}", digest, make, IDEMPOTENCY_TTL_S, _remaining_s())
        )
    except IdempotencyConflict:
        raise PortalError(
            "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with another request body", 422
        ) from None


def _remaining_s() -> float:
    """How long this invocation can still run: after that, an unfinished first run is dead."""
    context = getattr(BaseRouter, "lambda_context", None)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return min(remaining() / 1000, LONGEST_REQUEST_S) if callable(remaining) else LONGEST_REQUEST_S


def interview(event: APIGatewayProxyEventV2, interview_id: str) -> Interview:
    """The tenant's interview, or 404."""
    found = bootstrap.interview_repository(settings().interviews_table).get(tenant(event), interview_id)
    if found is None:
        raise PortalError("INTERVIEW_NOT_FOUND", "no such interview for this tenant", 404)
    return found
