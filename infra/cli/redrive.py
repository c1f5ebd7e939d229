"""``jiping redrive``: evaluate again the uploads whose executions failed, timed out or were aborted."""

from __future__ import annotations

import sys
from typing import Any

from infra.cli.inputs import EXIT_OK, EXIT_USAGE


def redrive_cli(sfn: Any, state_machine: str, executions: list[str], since_hours: float | None) -> int:
    """``jiping redrive``: one line per execution, the exit status 1 when any could not be redriven."""
    from datetime import UTC, datetime, timedelta

    from jiping.adapters.redrive import NotRedrivable, redrive, unsuccessful_since

    arns = list(executions)
    if since_hours is not None:
        arns += unsuccessful_since(sfn, state_machine, datetime.now(UTC) - timedelta(hours=since_hours))
    if not arns:
        print("jiping: nothing to redrive (give --execution ARN or --since-hours H)", file=sys.stderr)
        return EXIT_USAGE
    status = EXIT_OK
    for arn in dict.fromkeys(arns):
        try:
            done = redrive(sfn, arn)
        except NotRedrivable as exc:
            print(f"{arn}\tskipped\t{exc.code}: {exc}")
            status = 1
            continue
        print(f"{arn}\t{'started' if done.started else 'already redriven'}\t{done.execution_arn}")
    return status
