"""PlanAnswers: decide which stretch of the media answers which question, and what each stage reads and writes."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.domain.models import ExecutionInput
from jiping.observability import logger, metrics, tracer
from jiping.settings import PlanSettings, load
from jiping.workflow import stages


@lru_cache(maxsize=1)
def settings() -> PlanSettings:
    return load(PlanSettings)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    execution = ExecutionInput.model_validate(event)
    logger.append_keys(tenant_id=execution.tenant_id, interview_id=execution.interview_id)
    repo = bootstrap.interview_repository(settings().interviews_table)
    plan = stages.plan_answers(execution, repo, settings().artifacts_bucket, settings().asr_tier)
    logger.info("answers planned", media_id=execution.media_id, answers=len(plan.windows))
    metrics.add_metric(name="AnswersPlanned", unit=MetricUnit.Count, value=len(plan.windows))
    return plan.model_dump(mode="json")
