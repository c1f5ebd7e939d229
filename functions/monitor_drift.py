"""MonitorDrift: once a day, check every job profile version's score drift and alert on new drift."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.analytics.monitor import check_drift
from jiping.bootstrap import analytics as analytics_bootstrap
from jiping.observability import logger, metrics, tracer
from jiping.settings import DriftMonitorSettings, load


@lru_cache(maxsize=1)
def settings() -> DriftMonitorSettings:
    return load(DriftMonitorSettings)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    s = settings()
    raised = check_drift(
        bootstrap.profile_repository(s.profiles_table).scan(),
        interviews=bootstrap.interview_repository(s.interviews_table),
        claims=analytics_bootstrap.analytics_store(s.analytics_table),
        alerts=bootstrap.alerts(s.alerts_topic_arn),
    )
    logger.info("drift checked", extra={"alerts": len(raised)})
    metrics.add_metric(name="DriftAlerts", unit=MetricUnit.Count, value=len(raised))
    return {"alerts": len(raised)}
