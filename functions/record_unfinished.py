"""RecordUnfinished: an execution that ended FAILED, TIMED_OUT or ABORTED without recording its own end.

Step Functions puts a status change event on the default bus for every execution; a rule sends the
unsuccessful ones of the evaluate-interview state machine through an SQS queue here. The workflow
records every error it can catch itself; this records the rest (see ``stages.record_unfinished``) and
publishes ``interview.failed``, so no upload is left PROCESSING without a record.
"""

from __future__ import annotations

from functools import lru_cache

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from jiping import bootstrap
from jiping.domain.models import ExecutionEnded
from jiping.handlers import sqs_batch_handler
from jiping.observability import logger, metrics
from jiping.settings import RecordUnfinishedSettings, load
from jiping.workflow import stages
from pydantic import BaseModel, Json


class StatusChange(BaseModel):
    """The EventBridge envelope, only what is read (the emulator's events lack ``account``)."""

    source: str
    detail: ExecutionEnded


class StatusChangeRecord(SqsRecordModel):
    body: Json[StatusChange]  # type: ignore[assignment]


@lru_cache(maxsize=1)
def settings() -> RecordUnfinishedSettings:
    return load(RecordUnfinishedSettings)


def record_handler(record: StatusChangeRecord) -> None:
    ended = record.body.detail
    config = settings()

    def erase_leftovers(tenant_id: str, interview_id: str) -> None:
        from jiping.portal.erasure import erase_leftovers

        removed = erase_leftovers(
            tenant_id,
            interview_id,
            objects=bootstrap.object_store(),
            uploads_bucket=config.uploads_bucket,
            artifacts_bucket=config.artifacts_bucket,
        )
        logger.info("erased interview: leftovers deleted", object_versions=removed)

    event = stages.record_unfinished(
        ended, bootstrap.interview_repository(config.interviews_table), erase_leftovers
    )
    logger.info(
        "execution ended",
        status=ended.status,
        recorded=event is not None,
        media_id=ended.input.media_id,
        tenant_id=ended.input.tenant_id,
        interview_id=ended.input.interview_id,
    )
    if event is not None:
        stages.publish_event(event, bootstrap.event_publisher(settings()))
        metrics.add_metric(name="UnfinishedExecutionsRecorded", unit=MetricUnit.Count, value=1)


handler = sqs_batch_handler(StatusChangeRecord, record_handler)
