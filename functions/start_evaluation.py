"""StartEvaluation: S3 Object Created events (via EventBridge and the SQS buffer) start the workflow.

The execution name is derived from bucket, key and version, so a duplicate event starts nothing.
A record that fails is reported back to SQS alone (partial batch response) and, after the queue's
receive limit, lands in its dead-letter queue: nothing is dropped.
"""

from __future__ import annotations

from functools import lru_cache

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel, SqsRecordModel
from jiping import bootstrap
from jiping.domain.models import UploadRef
from jiping.handlers import sqs_batch_handler
from jiping.observability import logger, metrics
from jiping.settings import StarterSettings, load
from jiping.workflow import stages
from pydantic import Json


class UploadEventRecord(SqsRecordModel):
    body: Json[S3EventNotificationEventBridgeModel]  # type: ignore[assignment]


@lru_cache(maxsize=1)
def settings() -> StarterSettings:
    return load(StarterSettings)


def record_handler(record: UploadEventRecord) -> None:
    detail = record.body.detail
    upload = UploadRef(
        bucket=detail.bucket.name,
        key=detail.object.key,
        version_id=detail.object.version_id,
        size=int(detail.object.size or 0),
        etag=detail.object.etag or None,
        sequencer=detail.object.sequencer,
    )
    started = stages.start_evaluation(
        upload, record.body.time, settings().uploads_prefix, bootstrap.workflow_starter(settings())
    )
    logger.info("evaluation start", started=started, duplicate=not started, message_id=record.messageId)
    metrics.add_metric(
        name="EvaluationsStarted" if started else "DuplicateUploadEvents", unit=MetricUnit.Count, value=1
    )


handler = sqs_batch_handler(UploadEventRecord, record_handler)
