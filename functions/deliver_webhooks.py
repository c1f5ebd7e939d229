"""DeliverWebhooks: domain events (EventBridge -> SQS) become signed deliveries to the tenants' endpoints.

Each event makes one delivery per subscribed endpoint (id stable per event and endpoint, so a
redelivered event sends nothing twice) and attempts it at once; failed attempts are retried on
schedule by RetryWebhooks. A record whose delivery cannot even be stored is reported back to SQS
alone (partial batch response) and ends in the queue's dead-letter queue after its receive limit.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.delivery.webhooks import ALL_EVENTS
from jiping.domain.events import DomainEventRecord
from jiping.observability import logger, metrics, tracer
from jiping.settings import WebhookSettings, load

processor = BatchProcessor(event_type=EventType.SQS, model=DomainEventRecord)


@lru_cache(maxsize=1)
def settings() -> WebhookSettings:
    return load(WebhookSettings)


@lru_cache(maxsize=1)
def service() -> Any:
    return bootstrap.webhooks(settings())


def record_handler(record: DomainEventRecord) -> None:
    event = record.body.detail
    if event.type not in ALL_EVENTS:
        return  # interview.transcribed is an internal milestone, not a webhook event
    deliveries = service().fan_out(event)
    delivered = sum(d.status == "delivered" for d in deliveries)
    logger.info(
        "webhooks fanned out",
        event_id=event.id,
        event_type=event.type,
        deliveries=len(deliveries),
        delivered=delivered,
    )
    metrics.add_metric(name="WebhookDeliveries", unit=MetricUnit.Count, value=len(deliveries))


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
