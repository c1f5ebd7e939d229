"""Publish: put one domain event on the Jiping event bus."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.domain.models import DomainEvent
from jiping.observability import logger, metrics, tracer
from jiping.settings import PublishSettings, load
from jiping.workflow import stages


@lru_cache(maxsize=1)
def settings() -> PublishSettings:
    return load(PublishSettings)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    domain_event = DomainEvent.model_validate(event)
    if not stages.publish_event(domain_event, bootstrap.event_publisher(settings())):
        logger.info("practice interview: not published", event_id=domain_event.id)
        return {"event_id": domain_event.id, "published": False}
    logger.info("published", event_id=domain_event.id, event_type=domain_event.type)
    metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=1)
    return {"event_id": domain_event.id}
