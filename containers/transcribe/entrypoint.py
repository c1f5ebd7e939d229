"""Transcribe: one entrypoint for the GPU Batch job, the CPU container-image Lambda and the local cloud.

- AWS Batch (GPU image): ``python3 /app/entrypoint.py --request '<TranscribeRequest JSON>'``;
  the summary is printed as JSON on stdout and the transcript lands at the request's output location.
- Lambda (CPU image): ``entrypoint.handler`` with the TranscribeRequest as the event.

Both call ``jiping.workflow.stages.transcribe_object``, the function the local cloud runs as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.domain.models import TranscribeRequest
from jiping.handlers import powertools_handler
from jiping.observability import logger
from jiping.settings import PoolSettings, TranscribeSettings, load
from jiping.workflow import stages
from jiping.workflow.pool import PoolWorker, each
from jiping.workflow.tasks import task_main


@lru_cache(maxsize=1)
def settings() -> TranscribeSettings:
    return load(TranscribeSettings)


def run(request: TranscribeRequest) -> dict[str, Any]:
    summary = stages.transcribe_object(request, settings(), bootstrap.object_store())
    return summary.model_dump(mode="json")


def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = run(TranscribeRequest.model_validate(event))
    logger.info(
        "transcribed",
        language=result["language"],
        duration_s=result["duration_s"],
        segments=result["segments"],
        transcribe_s=result["timings"].get("transcribe_s"),
    )
    return result


handler = powertools_handler(_handle)


def worker() -> PoolWorker[TranscribeRequest]:
    """A warm worker of the asr pool (the ECS service runs ``entrypoint.py --pool``)."""
    return bootstrap.pool_worker(load(PoolSettings), TranscribeRequest, each(run), name="asr")


def main(argv: Sequence[str] | None = None) -> int:
    return task_main(
        argv,
        description="Transcribe one media object (Batch job entrypoint)",
        request=TranscribeRequest,
        run=run,
        worker=worker,
    )


if __name__ == "__main__":
    raise SystemExit(main())
