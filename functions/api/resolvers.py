"""What the API's Lambda entrypoints share: a Powertools resolver over some of the routers, with the one
error table, and the handler that serves it (the same decorators and the same client-error guard)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import __version__
from jiping.observability import logger, metrics, tracer

from .errors import register_errors

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def resolver(*modules: ModuleType) -> APIGatewayHttpResolver:
    """A resolver serving the routers of ``modules`` (each a module with a ``router``)."""
    app = APIGatewayHttpResolver(enable_validation=True)
    app.configure_openapi(
        title="Jiping API",
        version=__version__,
        description="AI interview evaluation for HR portals: interviews, reports, talent pool, job profiles, "
        "webhooks.",
        security_schemes={
            "apiKey": HTTPBearer(description="Authorization: Bearer jp_{key_id}_{secret}"),
            "candidateSession": HTTPBearer(
                description="the candidate page: Authorization: Bearer jc_… (POST /v1/candidate/sessions)"
            ),
            "workspaceSession": APIKey(
                name="jw_session",
                in_=APIKeyIn.cookie,
                description="the HR workspace: an HttpOnly cookie from WeCom or Cognito sign-in; every "
                "POST also carries X-Jiping-Workspace: 1",
            ),
        },
        security=[{"apiKey": []}],
    )
    for module in modules:
        app.include_router(module.router)
    register_errors(app)
    return app


def entrypoint(app: APIGatewayHttpResolver) -> Handler:
    """The Lambda handler of a function that serves ``app``."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @metrics.log_metrics(raise_on_empty_metrics=False)
    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            return app.resolve(event, context)
        except RecursionError:
            # json's decoder recurses once per level: a body nested thousands deep is the client's mistake
            if not nested_too_deep(event):
                raise
            body = {"error": {"code": "BODY_TOO_DEEP", "message": "the JSON body is nested too deeply"}}
            return {
                "statusCode": 400,
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps(body),
            }

    return handler


def nested_too_deep(event: dict[str, Any], limit: int = 500) -> bool:
    """Whether the request body opens more than ``limit`` JSON arrays or objects inside one another."""
    body = event.get("body") or ""
    text = base64.b64decode(body).decode("utf-8", "replace") if event.get("isBase64Encoded") else body
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False
