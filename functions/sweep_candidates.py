"""SweepCandidates: every 15 minutes, the candidate links table's due work: a WeCom reminder to candidates who
have not finished before their deadline, and the deletion of practice interviews past the tenant's
retention (``jiping.portal.candidates.sweep``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.domain.models import utcnow
from jiping.observability import logger, metrics, tracer
from jiping.portal.candidates import sweep
from jiping.settings import SweepCandidatesSettings, load


@lru_cache(maxsize=1)
def settings() -> SweepCandidatesSettings:
    return load(SweepCandidatesSettings)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    s = settings()
    repo = bootstrap.interview_repository(s.interviews_table)
    report = sweep(
        bootstrap.candidate_links(s.candidate_links_table),
        repo,
        now=utcnow(),
        remind=bootstrap.candidate_messenger(  # None without WeCom: nobody to remind there
            s.wecom_secret_arn, s.wecom_state_table, s.alerts_topic_arn, s.wecom_api_base, s.wecom_timeout_s
        ),
        objects=bootstrap.object_store(),
        uploads_bucket=s.uploads_bucket,
        artifacts_bucket=s.artifacts_bucket,
        erase=repo.erase,
    )
    logger.info("candidate sweep", extra=report.model_dump())
    metrics.add_metric(name="CandidateReminders", unit=MetricUnit.Count, value=report.reminded)
    metrics.add_metric(name="PracticeInterviewsDeleted", unit=MetricUnit.Count, value=report.purged)
    return report.model_dump()
