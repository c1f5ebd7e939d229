"""The HTTP API for HR portals. A skeleton in this release: only the health route.

Routes that read or write interviews arrive with per-tenant API keys (the integrations issue); until
then nothing here reads tenant data, so an unauthenticated route cannot leak any.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import __version__
from jiping.observability import logger, metrics, tracer

app = APIGatewayHttpResolver(enable_validation=True)


@app.get("/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(raise_on_empty_metrics=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
