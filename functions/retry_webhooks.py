"""RetryWebhooks: every minute, attempt the webhook deliveries whose next attempt is due."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.observability import logger, metrics, tracer
from jiping.settings import WebhookSettings, load


@lru_cache(maxsize=1)
def settings() -> WebhookSettings:
    return load(WebhookSettings)


@lru_cache(maxsize=1)
def service() -> Any:
    return bootstrap.webhooks(settings())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    attempted = service().retry_due(limit=settings().webhook_sweep_limit)
    counts: dict[str, int] = {}
    for delivery in attempted:
        counts[delivery.status.value] = counts.get(delivery.status.value, 0) + 1
    logger.info("webhook retries", extra={"attempted": len(attempted), "outcomes": counts})
    metrics.add_metric(name="WebhookRetries", unit=MetricUnit.Count, value=len(attempted))
    return {"attempted": len(attempted), **counts}
