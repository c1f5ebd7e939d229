"""What every Lambda entrypoint shares: the Powertools decorator stack, and the SQS batch consumer.

``functions/*`` and ``containers/*/entrypoint.py`` wrap their handler in ``powertools_handler``; the SQS
consumers are ``sqs_batch_handler(Model, record_handler)``: a record that fails is reported back alone
(partial batch response) and, after the queue's receive limit, lands in its dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from jiping.observability import logger, metrics, tracer

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
R = TypeVar("R", bound=SqsRecordModel)


def powertools_handler(handler: Handler, correlation_id_path: str | None = None) -> Handler:
    """The logger (with the Lambda context and a correlation id), metrics and tracer around ``handler``."""
    traced = tracer.capture_lambda_handler(capture_response=False)(handler)
    measured = metrics.log_metrics(raise_on_empty_metrics=False)(traced)
    # clear_state: keys a previous invocation appended (tenant, interview) never reach this one's logs
    logged: Handler = logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(
        measured
    )
    return logged


def sqs_batch_handler(model: type[R], record_handler: Callable[[R], None]) -> Handler:
    """A Lambda handler for an SQS event source: each record parsed into ``model``, failures reported alone."""
    processor = BatchProcessor(event_type=EventType.SQS, model=model)

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        return dict(response)

    return powertools_handler(handler)
