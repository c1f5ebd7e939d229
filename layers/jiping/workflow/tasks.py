"""The command line shared by the container tasks.

- ``--request '<json>'``: run one request, print its summary as JSON on stdout (a one-off run, the
  image checks of ``make images-test``);
- ``--pool``: be a warm worker of the task's pool (what the ECS services run): drain the queue named by
  ``POOL_QUEUE_URL`` until SIGTERM (``jiping.workflow.pool``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from jiping.workflow.pool import PoolWorker

R = TypeVar("R", bound=BaseModel)


def task_main(
    argv: Sequence[str] | None,
    *,
    description: str,
    request: type[R],
    run: Callable[[R], dict[str, Any]],
    worker: Callable[[], PoolWorker[R]] | None = None,
) -> int:
    """Run one ``--request``, or (``--pool``) serve the pool until told to stop."""
    parser = argparse.ArgumentParser(description=description)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--request", help=f"{request.__name__} as JSON (S3 locations as s3:// URIs)")
    if worker is not None:
        mode.add_argument("--pool", action="store_true", help="serve the pool's queue (POOL_QUEUE_URL)")
    args = parser.parse_args(argv)
    if getattr(args, "pool", False):
        assert worker is not None
        worker().run_until_signalled()
        return 0
    result = run(request.model_validate_json(args.request))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0
