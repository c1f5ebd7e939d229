"""RetryWebhooks: every minute, attempt the webhook deliveries whose next attempt is due, a fair share
of each tenant's, and none started that could not end before this function's own timeout."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.domain.models import utcnow
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
    deadline = utcnow() + timedelta(milliseconds=context.get_remaining_time_in_millis())
    attempted = service().retry_due(limit=settings().webhook_sweep_limit, deadline=deadline)
    counts: dict[str, int] = {}
    for delivery in attempted:
        counts[delivery.status.value] = counts.get(delivery.status.value, 0) + 1
    logger.info("webhook retries", extra={"attempted": len(attempted), "outcomes": counts})
    metrics.add_metric(name="WebhookRetries", unit=MetricUnit.Count, value=len(attempted))
    return {"attempted": len(attempted), **counts}
