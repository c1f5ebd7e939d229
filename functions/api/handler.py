"""The API's Lambda entrypoint (API Gateway HTTP API, Powertools resolver).

Every route but the health check and the WeCom callback runs behind the ``Authorizer`` function, which
resolves ``Authorization: Bearer jp_…`` to its tenant. Errors have one shape, from ``errors.py``.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import __version__
from jiping.observability import logger, metrics, tracer

from .errors import register_errors
from .routes import analytics, interviews, oversight, profiles, webhooks, wecom

app = APIGatewayHttpResolver(enable_validation=True)
app.configure_openapi(
    title="Jiping API",
    version=__version__,
    description="AI interview evaluation for HR portals: interviews, reports, talent pool, job profiles, webhooks.",
    security_schemes={"apiKey": HTTPBearer(description="Authorization: Bearer jp_{key_id}_{secret}")},
    security=[{"apiKey": []}],
)
for module in (interviews, profiles, webhooks, analytics, oversight, wecom):
    app.include_router(module.router)
register_errors(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(raise_on_empty_metrics=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


def openapi_document() -> str:
    """The OpenAPI document generated from the routes (committed as docs/openapi.json)."""
    return json.dumps(json.loads(app.get_openapi_json_schema()), indent=2, ensure_ascii=False) + "\n"
