"""DeliverWebhooks: domain events (EventBridge -> SQS) become signed deliveries to the tenants' endpoints.

Each event makes one delivery per subscribed endpoint (id stable per event and endpoint, so a
redelivered event sends nothing twice) and attempts it at once; failed attempts are retried on
schedule by RetryWebhooks. A record whose delivery cannot even be stored is reported back to SQS
alone (partial batch response) and ends in the queue's dead-letter queue after its receive limit.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.delivery.webhooks import ALL_EVENTS
from jiping.domain.events import DomainEventRecord
from jiping.domain.models import utcnow
from jiping.handlers import sqs_batch_handler
from jiping.observability import logger, metrics
from jiping.settings import WebhookSettings, load


@lru_cache(maxsize=1)
def settings() -> WebhookSettings:
    return load(WebhookSettings)


@lru_cache(maxsize=1)
def service() -> Any:
    return bootstrap.webhooks(settings())


def record_handler(record: DomainEventRecord, lambda_context: LambdaContext | None = None) -> None:
    event = record.body.detail
    if event.type not in ALL_EVENTS:
        return  # interview.transcribed is an internal milestone, not a webhook event
    # an attempt that would not end before this function's timeout is left to RetryWebhooks
    remaining = lambda_context.get_remaining_time_in_millis() if lambda_context is not None else None
    deadline = utcnow() + timedelta(milliseconds=remaining) if remaining is not None else None
    deliveries = service().fan_out(event, deadline=deadline)
    delivered = sum(d.status == "delivered" for d in deliveries)
    logger.info(
        "webhooks fanned out",
        event_id=event.id,
        event_type=event.type,
        deliveries=len(deliveries),
        delivered=delivered,
    )
    metrics.add_metric(name="WebhookDeliveries", unit=MetricUnit.Count, value=len(deliveries))


handler = sqs_batch_handler(DomainEventRecord, record_handler)
