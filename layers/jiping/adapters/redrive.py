"""Redrive: evaluate again an upload whose execution ended FAILED, TIMED_OUT or ABORTED.

Why not Step Functions' own ``RedriveExecution``: it restarts an execution at the state that failed,
and every stage error here is caught, recorded and ends in the ``Failed`` state, so a redrive would
only run ``Failed`` again (and moto, the local cloud, has no redrive). A Jiping redrive starts a new
execution of the same state machine with the same input, named ``{original}-r{n}``: the name makes it
happen once (a second redrive of the same failure finds ``-r1`` running or done and starts nothing),
the stages are idempotent, and the new execution's outcome replaces the FAILED record of that media.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from jiping.domain.models import UNSUCCESSFUL_EXECUTION_STATUSES as UNSUCCESSFUL
from jiping.domain.models import ExecutionInput

MAX_REDRIVES = 9
_SUFFIX = re.compile(r"-r\d+$")


class NotRedrivable(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Redriven:
    original_arn: str
    execution_arn: str
    started: bool  # False: an earlier redrive of this failure is running or succeeded


def _execution_arn(state_machine_arn: str, name: str) -> str:
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + name


def _describe(sfn: Any, execution_arn: str) -> dict[str, Any] | None:
    try:
        return dict(sfn.describe_execution(executionArn=execution_arn))
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ExecutionDoesNotExist":
            return None
        raise


def redrive(sfn: Any, execution_arn: str) -> Redriven:
    """Start the next attempt of one unsuccessful execution (or find the one already started)."""
    original = _describe(sfn, execution_arn)
    if original is None:
        raise NotRedrivable("EXECUTION_NOT_FOUND", "no such execution")
    if original["status"] not in UNSUCCESSFUL:
        raise NotRedrivable("NOT_REDRIVABLE", f"the execution is {original['status']}, not failed")
    state_machine_arn = original["stateMachineArn"]
    payload = ExecutionInput.model_validate_json(original["input"]).model_dump_json()
    base = _SUFFIX.sub("", original["name"])
    for n in range(1, MAX_REDRIVES + 1):
        name = f"{base}-r{n}"
        arn = _execution_arn(state_machine_arn, name)
        if arn == execution_arn:
            continue
        attempt = _describe(sfn, arn)
        if attempt is None:
            sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=payload)
            return Redriven(execution_arn, arn, True)
        if attempt["status"] not in UNSUCCESSFUL:
            return Redriven(execution_arn, arn, False)
    raise NotRedrivable("TOO_MANY_REDRIVES", f"{MAX_REDRIVES} redrives of this upload failed already")


def unsuccessful_since(sfn: Any, state_machine_arn: str, since: datetime) -> list[str]:
    """The executions that ended unsuccessfully at or after ``since`` (each status newest first)."""
    arns: list[str] = []
    paginator = sfn.get_paginator("list_executions")
    for status in UNSUCCESSFUL:
        for page in paginator.paginate(stateMachineArn=state_machine_arn, statusFilter=status):
            arns += [
                e["executionArn"] for e in page["executions"] if e.get("stopDate") and e["stopDate"] >= since
            ]
    return arns
