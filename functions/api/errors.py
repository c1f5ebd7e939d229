"""The one table from exceptions to HTTP responses: every error is ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from jiping.analytics.service import AnalyticsError
from jiping.delivery.webhooks import WebhookError
from jiping.delivery.wecom import CallbackNotConfigured, CallbackRefused
from jiping.domain.errors import (
    IdempotencyInProgress,
    InterviewErased,
    NotFound,
    PortalError,
    ProfileVersionExists,
    QuotaExceeded,
)
from jiping.domain.profiles import ProfileError
from jiping.portal.audit import ReviewError
from jiping.scoring.results import IncompatibleProfile

WEBHOOK_STATUS = {
    "ENDPOINT_NOT_FOUND": 404,
    "DELIVERY_NOT_FOUND": 404,
    "ENDPOINT_DISABLED": 409,
    "ENDPOINT_EXISTS": 409,
}


def _validation(exc: Any) -> tuple[int, str, str]:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    return 422, "INVALID_REQUEST", f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request"


def _own(exc: Any) -> tuple[int, str, str]:
    """Errors that carry their own status, code and message."""
    return exc.status, exc.code, exc.message


# exception type -> (status, code, message); the most specific class wins (Powertools walks the MRO)
ERRORS: dict[type[Exception], Callable[[Any], tuple[int, str, str]]] = {
    RequestValidationError: _validation,
    PortalError: _own,
    ReviewError: _own,
    AnalyticsError: _own,
    WebhookError: lambda e: (WEBHOOK_STATUS.get(e.code, 422), e.code, e.detail),
    ProfileError: lambda e: (422, "INVALID_PROFILE", str(e)[:500]),
    ProfileVersionExists: lambda e: (409, "PROFILE_VERSION_EXISTS", str(e)),
    IncompatibleProfile: lambda e: (409, "PROFILE_INCOMPATIBLE", str(e)),
    InterviewErased: lambda e: (409, "INTERVIEW_ERASED", "this interview id was erased; use a new one"),
    NotFound: lambda e: (404, "NOT_FOUND", "no such resource for this tenant"),
    IdempotencyInProgress: lambda e: (
        409,
        "IDEMPOTENCY_IN_PROGRESS",
        "the first request with this key is still running",
    ),
    CallbackRefused: lambda e: (403, e.code, str(e)),  # CALLBACK_REFUSED, _STALE or _REPLAYED
    # the operator's set-up, not the caller's mistake: a 503 that says what is missing
    CallbackNotConfigured: lambda e: (503, "CALLBACK_NOT_CONFIGURED", str(e)),
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response[Any]:
    body = {"error": {"code": code, "message": message, **extra}}
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, ensure_ascii=False),
        headers=headers,
    )


def _quota(exc: QuotaExceeded) -> Response[Any]:
    """429 with the seconds until the tenant's window turns."""
    return error_response(429, exc.code, exc.message, headers={"Retry-After": str(exc.retry_after_s)})


def _handler(mapper: Callable[[Any], tuple[int, str, str]]) -> Callable[[Exception], Response[Any]]:
    def handle(exc: Exception) -> Response[Any]:
        rows = getattr(exc, "rows", None)  # a batch's per-row reasons (analytics)
        return error_response(*mapper(exc), **({"rows": rows} if rows else {}))

    return handle


def register_errors(app: APIGatewayHttpResolver) -> None:
    for exc_type, mapper in ERRORS.items():
        app.exception_handler(exc_type)(_handler(mapper))
    app.exception_handler(QuotaExceeded)(_quota)
    app.not_found(lambda _exc: error_response(404, "NO_SUCH_ROUTE", "no such route"))
