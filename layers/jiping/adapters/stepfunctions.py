"""The workflow starter on Step Functions."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from jiping.domain.errors import TransientError
from jiping.domain.models import ExecutionInput


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
            code = exc.response["Error"]["Code"]
            if code == "ExecutionAlreadyExists":
                return False
            if code in {"ThrottlingException", "ServiceUnavailable", "InternalServerError"}:
                raise TransientError(f"StartExecution {code}") from exc
            raise
        return True
