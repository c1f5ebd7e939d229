"""The command line shared by the container tasks (AWS Batch runs them as ``--request '<json>'``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

R = TypeVar("R", bound=BaseModel)


def task_main(
    argv: Sequence[str] | None, *, description: str, request: type[R], run: Callable[[R], dict[str, Any]]
) -> int:
    """Parse ``--request`` into ``request``, run the task, print its summary as JSON on stdout."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--request", required=True, help=f"{request.__name__} as JSON (S3 locations as s3:// URIs)"
    )
    args = parser.parse_args(argv)
    result = run(request.model_validate_json(args.request))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0
