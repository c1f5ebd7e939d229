"""Transcribe: the worker of the transcription pools (``AsrCpuPool``, ``AsrGpuPool``) and the local cloud.

- ECS service (asr-cpu / asr-gpu image): ``python3 /app/entrypoint.py --pool`` drains the pool's queue
  (``POOL_QUEUE_URL``): several clips a pass, their speech decoded in shared batches
  (``jiping.workflow.stages.transcribe_objects``), each answered to the workflow by its task token.
- One object: ``python3 /app/entrypoint.py --request '<TranscribeRequest JSON>'`` prints the summary as JSON
  (what ``make images-test`` runs in the image); the transcript lands at the request's output location.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from jiping import bootstrap
from jiping.domain.models import TranscribeRequest
from jiping.settings import PoolSettings, TranscribeSettings, load
from jiping.workflow import stages
from jiping.workflow.pool import PoolWorker
from jiping.workflow.tasks import task_main


@lru_cache(maxsize=1)
def settings() -> TranscribeSettings:
    return load(TranscribeSettings)


def run(request: TranscribeRequest) -> dict[str, Any]:
    summary = stages.transcribe_object(request, settings(), bootstrap.object_store())
    return summary.model_dump(mode="json")


def run_pass(requests: Sequence[TranscribeRequest]) -> list[dict[str, Any] | Exception]:
    """One pass of a pool worker: the clips' speech decoded in shared batches, one outcome per clip."""
    return stages.transcribe_objects(requests, settings(), bootstrap.object_store())


def worker() -> PoolWorker[TranscribeRequest]:
    """A warm worker of the asr pool (the ECS service runs ``entrypoint.py --pool``)."""
    return bootstrap.pool_worker(load(PoolSettings), TranscribeRequest, run_pass, name="asr")


def main(argv: Sequence[str] | None = None) -> int:
    return task_main(
        argv,
        description="Transcribe media: one object (--request), or serve a transcription pool (--pool)",
        request=TranscribeRequest,
        run=run,
        worker=worker,
    )


if __name__ == "__main__":
    raise SystemExit(main())
