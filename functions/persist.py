"""Persist: store an execution's outcome on the interview row; return the domain event to publish."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.domain.models import PersistRequest
from jiping.observability import logger, metrics, tracer
from jiping.settings import PersistSettings, load
from jiping.workflow import stages


@lru_cache(maxsize=1)
def settings() -> PersistSettings:
    return load(PersistSettings)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = PersistRequest.model_validate(event)
    logger.append_keys(tenant_id=request.input.tenant_id, interview_id=request.input.interview_id)
    event_out = stages.record_outcome(
        request, bootstrap.interview_repository(settings().interviews_table), bootstrap.object_store()
    )
    logger.info("outcome recorded", outcome=request.outcome, media_id=request.input.media_id)
    metrics.add_metric(name=f"Interviews{request.outcome.title()}", unit=MetricUnit.Count, value=1)
    return event_out.model_dump(mode="json")
