"""What every route shares: the settings, the caller's tenant, Idempotency-Key, and JSON responses."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from jiping import bootstrap
from jiping.domain.errors import IdempotencyConflict, PortalError
from jiping.domain.models import Interview
from jiping.settings import ApiSettings, load

IDEMPOTENCY_TTL_S = 24 * 3600

IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description="replays the first response")
]


@lru_cache(maxsize=1)
def settings() -> ApiSettings:
    return load(ApiSettings)


def tenant(event: APIGatewayProxyEventV2) -> str:
    """The caller's tenant, from the authorizer's context only."""
    context = event.request_context.authorizer.get_lambda or {}
    tenant_id = context.get("tenant_id")
    if not tenant_id:
        raise PortalError("UNAUTHENTICATED", "an API key is required", 401)
    return str(tenant_id)


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
            *store.remember(f"{tenant(event)}#{route}#{key}", digest, make, IDEMPOTENCY_TTL_S)
        )
    except IdempotencyConflict:
        raise PortalError(
            "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with another request body", 422
        ) from None


def interview(event: APIGatewayProxyEventV2, interview_id: str) -> Interview:
    """The tenant's interview, or 404."""
    found = bootstrap.interview_repository(settings().interviews_table).get(tenant(event), interview_id)
    if found is None:
        raise PortalError("INTERVIEW_NOT_FOUND", "no such interview for this tenant", 404)
    return found
