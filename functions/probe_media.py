"""ProbeMedia: reject bad uploads early, with a reason code."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.domain.models import UploadRef
from jiping.observability import logger, metrics, tracer
from jiping.settings import ProbeSettings, load
from jiping.workflow import stages


@lru_cache(maxsize=1)
def settings() -> ProbeSettings:
    return load(ProbeSettings)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    upload = UploadRef.model_validate(event)
    result = stages.probe_upload(upload, settings(), bootstrap.object_store())
    logger.info(
        "probed",
        accepted=result.accepted,
        reason_code=result.reason_code,
        duration_s=result.duration_s,
        route=result.route,
    )
    metrics.add_metric(
        name="UploadsAccepted" if result.accepted else "UploadsRejected", unit=MetricUnit.Count, value=1
    )
    return result.model_dump(mode="json")
