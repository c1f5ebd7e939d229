"""The workflow starter on Step Functions."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from jiping.domain.errors import TransientError
from jiping.domain.models import ExecutionInput


def _code(exc: ClientError, action: str) -> str:
    """The error's code; throttling and service errors are raised as ``TransientError`` (retried)."""
    code = str(exc.response["Error"]["Code"])
    if code in {"ThrottlingException", "ServiceUnavailable", "InternalServerError"}:
        raise TransientError(f"{action} {code}") from exc
    return code


class StepFunctionsStarter:
    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._sfn = client
        self._arn = state_machine_arn

    def start(self, name: str, execution_input: ExecutionInput) -> bool:
        try:
            self._sfn.start_execution(
                stateMachineArn=self._arn, name=name, input=execution_input.model_dump_json()
            )
        except ClientError as exc:
            if _code(exc, "StartExecution") == "ExecutionAlreadyExists":
                return False
            raise
        return True

    def started_with(self, name: str) -> ExecutionInput | None:
        arn = self._arn.replace(":stateMachine:", ":execution:", 1) + ":" + name
        try:
            found = self._sfn.describe_execution(executionArn=arn)
        except ClientError as exc:
            if _code(exc, "DescribeExecution") == "ExecutionDoesNotExist":
                return None
            raise
        return ExecutionInput.model_validate_json(found["input"])


# The task no longer waits for this token: it timed out (heartbeat or overall), was answered already,
# or its execution ended. Anything else (throttling, a network error) is raised for the caller's retry.
_GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


class StepFunctionsCallbacks:
    """``SendTaskHeartbeat`` / ``SendTaskSuccess`` / ``SendTaskFailure`` for the pools' workers."""

    def __init__(self, client: Any) -> None:
        self._sfn = client

    def _send(self, action: str, **kwargs: Any) -> bool:
        try:
            getattr(self._sfn, action)(**kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in _GONE:
                return False
            raise
        return True

    def heartbeat(self, token: str) -> bool:
        return self._send("send_task_heartbeat", taskToken=token)

    def succeed(self, token: str, output: dict[str, Any]) -> bool:
        return self._send("send_task_success", taskToken=token, output=json.dumps(output))

    def fail(self, token: str, error: str, cause: str) -> bool:
        return self._send("send_task_failure", taskToken=token, error=error[:256], cause=cause)
