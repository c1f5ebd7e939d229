"""TranscribeText: a written answer's words as the transcript (no model: transcription and vision are skipped)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.domain.models import TranscribeRequest
from jiping.observability import logger, metrics, tracer
from jiping.portal.text_answers import transcribe_text


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = TranscribeRequest.model_validate(event)
    summary = transcribe_text(request.source, request.output, bootstrap.object_store())
    logger.info("text answer read", language=summary.language, characters=summary.characters)
    metrics.add_metric(name="TextAnswers", unit=MetricUnit.Count, value=1)
    return summary.model_dump(mode="json")
