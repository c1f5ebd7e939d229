"""Vision: one entrypoint for the CPU Batch job (Fargate), the container-image Lambda and the local cloud.

- AWS Batch: ``python3 /app/entrypoint.py --request '<VisionRequest JSON>'``; the summary is printed as
  JSON on stdout and the track (``VisionTrack`` JSON) lands at the request's output location.
- Lambda (short clips): ``entrypoint.handler`` with the VisionRequest as the event.

Both call ``jiping.workflow.vision.run_vision``, the function the local cloud runs as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.handlers import powertools_handler
from jiping.observability import logger
from jiping.perception import vision
from jiping.settings import PoolSettings, VisionSettings, load
from jiping.workflow.pool import PoolWorker, each
from jiping.workflow.tasks import task_main
from jiping.workflow.vision import run_vision


@lru_cache(maxsize=1)
def settings() -> VisionSettings:
    return load(VisionSettings)


def run(request: vision.VisionRequest) -> dict[str, Any]:
    summary = run_vision(request, settings(), bootstrap.object_store())
    return summary.model_dump(mode="json")


def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = run(vision.VisionRequest.model_validate(event))
    logger.info(
        "vision analysed",
        duration_s=result["duration_s"],
        frames_sampled=result["frames_sampled"],
        face_frames=result["face_frames"],
        face_missing=result["face_missing"],
        pose_missing=result["pose_missing"],
        total_s=result["timings"].get("total_s"),
    )
    return result


handler = powertools_handler(_handle)


def worker() -> PoolWorker[vision.VisionRequest]:
    """A warm worker of the vision pool (the ECS service runs ``entrypoint.py --pool``)."""
    return bootstrap.pool_worker(load(PoolSettings), vision.VisionRequest, each(run), name="vision")


def main(argv: Sequence[str] | None = None) -> int:
    return task_main(
        argv,
        description="Analyse the video of one media object (Batch job entrypoint)",
        request=vision.VisionRequest,
        run=run,
        worker=worker,
    )


if __name__ == "__main__":
    raise SystemExit(main())
