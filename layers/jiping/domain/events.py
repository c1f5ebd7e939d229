"""The SQS record of a domain event (EventBridge -> SQS), parsed at the edge by the queue consumers."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import Json

from jiping.domain.models import EventEnvelope


class DomainEventRecord(SqsRecordModel):
    body: Json[EventEnvelope]  # type: ignore[assignment]
