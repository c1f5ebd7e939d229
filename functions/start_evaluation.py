"""StartEvaluation: S3 Object Created events (via EventBridge and the SQS buffer) start the workflow.

The execution name is derived from bucket and key, so a duplicate event starts nothing, and a later
version of an upload key (a form used twice) starts no second evaluation: it is refused and recorded
in the interview's audit log.
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


METRICS = {
    stages.Started.STARTED: "EvaluationsStarted",
    stages.Started.DUPLICATE: "DuplicateUploadEvents",
    stages.Started.REFUSED: "LaterUploadVersionsRefused",
}


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
    s = settings()
    outcome = stages.start_evaluation(
        upload,
        record.body.time,
        s.uploads_prefix,
        bootstrap.workflow_starter(s),
        bootstrap.audit_log(s.audit_table),
        s.audit_retention_days,
    )
    logger.info("evaluation start", outcome=outcome.value, message_id=record.messageId)
    metrics.add_metric(name=METRICS[outcome], unit=MetricUnit.Count, value=1)


handler = sqs_batch_handler(UploadEventRecord, record_handler)
