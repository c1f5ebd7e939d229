"""Every change the local cloud makes to moto, in one place (moto is pinned exactly in pyproject).

1. ``LambdaSimpleBackend.invoke`` dispatches invokes of functions the local cloud registered to our
   own Python entrypoints (moto's simple backend would echo the payload back).
2. A ``.waitForTaskToken`` task's ``HeartbeatSeconds`` is scaled by the same kind of factor as retry
   waits, so that a lost pool worker times out in seconds locally (the definition says minutes). And the
   task is ready for its worker from the moment the token exists, as in AWS: moto sends the message
   first and sets up the task's heartbeat after, so a quick worker's first SendTaskHeartbeat was refused,
   and an answer that came before the heartbeat was set up was left waiting for a heartbeat timeout.
3. The Step Functions interpreter's service-integration parameter and response conversion (stubbed
   in moto's copy of the LocalStack interpreter) is restored from botocore's service model, which
   ``sqs:sendMessage`` needs ("QueueUrl", "MessageBody" as the API spells them).
4. Retry waits of the interpreter are scaled by a factor (local runs only; nothing else differs).
5. DynamoDB's single-item writes (put, update, delete, transactions) are serialised by one lock, so a
   condition is checked and the write made atomically, as DynamoDB does: moto checks and writes in two
   steps, and two threads (the local cloud runs executions and queue consumers on threads) could both
   pass an ``attribute_not_exists`` or version condition and lose an update.
6. When an execution ends, the status change event Step Functions sends to the default event bus
   ("Step Functions Execution Status Change", source ``aws.states``) is handed to the local cloud,
   which puts it on moto's default bus (moto's Step Functions sends none).
7. ``SendTaskFailure`` keeps its ``cause`` (moto's response handler passes the error only), so a pool
   worker's failure reaches the workflow's Catch with its message, as in AWS.

``check()`` verifies that the hooks still exist with the shape these patches expect;
``tests/integration/test_moto_patches.py`` calls it so that a moto upgrade that moves them fails with
a message naming the hook, instead of an execution that silently does nothing.
"""

from __future__ import annotations

import inspect
import json
import threading
import time as _time
import traceback
from collections.abc import Callable
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
from moto.dynamodb.models import DynamoDBBackend
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
    StateTaskService,
)
from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
from moto.stepfunctions.responses import StepFunctionResponse

LambdaDispatcher = Callable[[str, bytes | str | None], tuple[bytes, bool] | None]
ExecutionEnded = Callable[[Any], None]  # called with None as an execution ends, then with the execution

_lock = threading.Lock()
_state: dict[str, Any] = {
    "installed": False,
    "lambda": None,
    "retry_scale": 1.0,
    "heartbeat_scale": 1.0,
    "execution_ended": None,
}
_originals: dict[str, Any] = {}
_DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_dynamodb_lock = threading.RLock()


class HookMissing(RuntimeError):
    """A moto hook the local cloud relies on has moved or changed shape."""


def check() -> None:
    """Raise HookMissing, naming the hook, when moto no longer has what these patches patch."""
    expectations: list[tuple[str, Callable[[], bool]]] = [
        (
            "moto.awslambda_simple.models.LambdaSimpleBackend.invoke(function_name, qualifier, body, headers, "
            "response_headers)",
            lambda: (
                list(inspect.signature(LambdaSimpleBackend.invoke).parameters)
                == ["self", "function_name", "qualifier", "body", "headers", "response_headers"]
            ),
        ),
        (
            "moto.stepfunctions.responses.StepFunctionResponse.send_task_failure(self)",
            lambda: list(inspect.signature(StepFunctionResponse.send_task_failure).parameters) == ["self"],
        ),
        (
            "moto.stepfunctions.parser.asl.eval.callback.callback.CallbackEndpoint.notify_heartbeat(self) "
            "and its _heartbeat_endpoint",
            lambda: (
                list(inspect.signature(CallbackEndpoint.notify_heartbeat).parameters) == ["self"]
                and "_heartbeat_endpoint" in inspect.getsource(CallbackEndpoint.notify_heartbeat)
            ),
        ),
        (
            "moto.stepfunctions.parser.asl.eval.callback.callback.CallbackEndpoint.setup_heartbeat_endpoint"
            "(heartbeat_seconds)",
            lambda: (
                list(inspect.signature(CallbackEndpoint.setup_heartbeat_endpoint).parameters)
                == ["self", "heartbeat_seconds"]
            ),
        ),
        (
            "StateTaskService._normalise_parameters / _normalise_response / _to_boto_request / _from_boto_response",
            lambda: all(
                hasattr(StateTaskService, n)
                for n in (
                    "_normalise_parameters",
                    "_normalise_response",
                    "_to_boto_request",
                    "_from_boto_response",
                )
            ),
        ),
        (
            "retrier_decl uses time.sleep for retry waits",
            lambda: (
                "time.sleep(" in inspect.getsource(retrier_decl.RetrierDecl._eval_body)
                and retrier_decl.time is not None
            ),
        ),
        (
            "moto.dynamodb.models.DynamoDBBackend." + "/".join(_DYNAMODB_WRITES),
            lambda: all(callable(getattr(DynamoDBBackend, n, None)) for n in _DYNAMODB_WRITES),
        ),
        (
            "moto.stepfunctions.parser.backend.execution.BaseExecutionWorkerCommunication.terminated(self)",
            lambda: (
                list(inspect.signature(BaseExecutionWorkerCommunication.terminated).parameters) == ["self"]
            ),
        ),
        (
            "state_task_service imports botocore's session to load service models",
            lambda: hasattr(state_task_service, "StateTaskService"),
        ),
    ]
    for what, ok in expectations:
        try:
            good = ok()
        except Exception as exc:  # any failure here means the hook moved
            raise HookMissing(f"moto hook changed: {what} ({exc!r})") from exc
        if not good:
            raise HookMissing(f"moto hook changed: {what}")


def install(
    lambda_dispatcher: LambdaDispatcher,
    retry_scale: float,
    execution_ended: ExecutionEnded | None = None,
    heartbeat_scale: float = 1.0,
) -> None:
    """Install the patches (once per process) and point them at this local cloud's dispatchers."""
    check()
    with _lock:
        _state.update(
            {
                "lambda": lambda_dispatcher,
                "retry_scale": retry_scale,
                "heartbeat_scale": heartbeat_scale,
                "execution_ended": execution_ended,
            }
        )
        if _state["installed"]:
            return
        _originals["invoke"] = LambdaSimpleBackend.invoke
        _originals["heartbeat"] = CallbackEndpoint.setup_heartbeat_endpoint
        _originals["notify_heartbeat"] = CallbackEndpoint.notify_heartbeat
        _originals["send_task_failure"] = StepFunctionResponse.send_task_failure
        _originals["normalise_parameters"] = StateTaskService._normalise_parameters
        _originals["normalise_response"] = StateTaskService._normalise_response
        _originals["time"] = retrier_decl.time
        LambdaSimpleBackend.invoke = _invoke  # type: ignore[method-assign]
        CallbackEndpoint.setup_heartbeat_endpoint = _setup_heartbeat_endpoint  # type: ignore[method-assign]
        CallbackEndpoint.notify_heartbeat = _notify_heartbeat  # type: ignore[method-assign]
        StepFunctionResponse.send_task_failure = _send_task_failure  # type: ignore[method-assign]
        StateTaskService._normalise_parameters = _normalise_parameters  # type: ignore[method-assign]
        StateTaskService._normalise_response = _normalise_response  # type: ignore[method-assign]
        retrier_decl.time = _ScaledTime()  # type: ignore[assignment]
        _originals["terminated"] = BaseExecutionWorkerCommunication.terminated
        BaseExecutionWorkerCommunication.terminated = _terminated  # type: ignore[method-assign]
        for name in _DYNAMODB_WRITES:
            _originals[f"dynamodb.{name}"] = getattr(DynamoDBBackend, name)
            setattr(DynamoDBBackend, name, _atomic(getattr(DynamoDBBackend, name)))
        _state["installed"] = True


def uninstall() -> None:
    with _lock:
        if not _state["installed"]:
            return
        LambdaSimpleBackend.invoke = _originals["invoke"]  # type: ignore[method-assign]
        CallbackEndpoint.setup_heartbeat_endpoint = _originals["heartbeat"]  # type: ignore[method-assign]
        CallbackEndpoint.notify_heartbeat = _originals["notify_heartbeat"]  # type: ignore[method-assign]
        StepFunctionResponse.send_task_failure = _originals["send_task_failure"]  # type: ignore[method-assign]
        StateTaskService._normalise_parameters = _originals["normalise_parameters"]  # type: ignore[method-assign]
        StateTaskService._normalise_response = _originals["normalise_response"]  # type: ignore[method-assign]
        retrier_decl.time = _originals["time"]
        BaseExecutionWorkerCommunication.terminated = _originals["terminated"]  # type: ignore[method-assign]
        for name in _DYNAMODB_WRITES:
            setattr(DynamoDBBackend, name, _originals[f"dynamodb.{name}"])
        _state.update(
            {
                "installed": False,
                "lambda": None,
                "retry_scale": 1.0,
                "heartbeat_scale": 1.0,
                "execution_ended": None,
            }
        )


class Throttled(DynamodbException):
    """What DynamoDB answers when a table's throughput is exceeded (botocore retries it as throttling)."""

    def __init__(self) -> None:
        super().__init__(
            ERROR_TYPE_PREFIX + "ProvisionedThroughputExceededException",
            message="The level of configured provisioned throughput for the table was exceeded (injected)",
        )


_throttles: dict[str, int] = {}  # table name -> how many of its next writes are refused


def throttle(table_name: str, writes: int) -> None:
    """Refuse the next ``writes`` single-item writes to a table as throttled (fault injection)."""
    with _dynamodb_lock:
        _throttles[table_name] = _throttles.get(table_name, 0) + writes


def throttles_left(table_name: str) -> int:
    with _dynamodb_lock:
        return _throttles.get(table_name, 0)


def _throttled(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    table = kwargs.get("table_name", args[1] if len(args) > 1 and isinstance(args[1], str) else None)
    if table is None or not _throttles.get(table):
        return False
    _throttles[table] -= 1
    return True


def _atomic(method: Callable[..., Any]) -> Callable[..., Any]:
    def write(*args: Any, **kwargs: Any) -> Any:
        with _dynamodb_lock:
            if _throttled(args, kwargs):
                raise Throttled()
            return method(*args, **kwargs)

    write.__wrapped__ = method  # type: ignore[attr-defined]
    return write


# --- 1. Lambda ----------------------------------------------------------------------------------


def _invoke(
    self: LambdaSimpleBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> bytes | str | None:
    dispatcher: LambdaDispatcher | None = _state["lambda"]
    result = dispatcher(function_name, body) if dispatcher else None
    if result is None:
        return _originals["invoke"](self, function_name, qualifier, body, headers, response_headers)
    payload, failed = result
    if failed:
        response_headers["x-amz-function-error"] = "Unhandled"
    return payload


def error_payload(exc: BaseException) -> bytes:
    """A function error as the Lambda runtime reports it (``errorType`` drives Retry and Catch)."""
    return json.dumps(
        {
            "errorType": type(exc).__name__,
            "errorMessage": str(exc),
            "stackTrace": traceback.format_tb(exc.__traceback__)[-5:],
        }
    ).encode()


# --- 2. Heartbeats ------------------------------------------------------------------------------


def _setup_heartbeat_endpoint(self: CallbackEndpoint, heartbeat_seconds: int) -> Any:
    scaled = max(0.5, float(heartbeat_seconds) * float(_state["heartbeat_scale"]))
    endpoint = _originals["heartbeat"](self, scaled)
    if self.get_outcome() is not None:  # answered already: the wait must see it, not time out
        endpoint.notify()
    return endpoint


def _send_task_failure(self: StepFunctionResponse) -> Any:
    from moto.core.responses import EmptyResult

    # With execute_state_machine on, the backend is moto's Step Functions parser backend, which takes the cause.
    backend: Any = self.stepfunction_backend
    backend.send_task_failure(
        self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
    )
    return EmptyResult()


def _notify_heartbeat(self: CallbackEndpoint) -> bool:
    """The task exists (its token was handed out): the heartbeat is accepted, as AWS accepts it."""
    if self._heartbeat_endpoint is not None:
        self._heartbeat_endpoint.notify()
    return True


# --- 3. Service integration conversion ----------------------------------------------------------


def _operation_model(
    self: StateTaskService, boto_service_name: str | None, service_action_name: str | None
) -> Any:
    import botocore.session

    service = self._get_boto_service_name(boto_service_name)
    action = service_action_name or self.resource.api_action
    model = botocore.session.get_session().get_service_model(service)
    wanted = action.replace("_", "").lower()
    for op in model.operation_names:
        if op.lower() == wanted:
            return model.operation_model(op)
    return None


def _normalise_parameters(
    self: StateTaskService,
    parameters: dict,
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    op = _operation_model(self, boto_service_name, service_action_name)
    if op is not None and op.input_shape is not None:
        self._to_boto_request(parameters, op.input_shape)


def _normalise_response(
    self: StateTaskService,
    response: Any,
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    op = _operation_model(self, boto_service_name, service_action_name)
    if op is not None and op.output_shape is not None:
        self._from_boto_response(response, op.output_shape)


# --- 4. Retry waits -----------------------------------------------------------------------------


class _ScaledTime:
    """Stands in for the ``time`` module inside the retrier: waits are scaled, all else is time's."""

    def sleep(self, seconds: float) -> None:
        _time.sleep(max(0.0, seconds * float(_state["retry_scale"])))

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)


# --- 6. Execution status change events -----------------------------------------------------------


def _terminated(self: BaseExecutionWorkerCommunication) -> None:
    hook: ExecutionEnded | None = _state["execution_ended"]
    if hook is None:
        _originals["terminated"](self)
        return
    hook(None)  # ending: the local cloud counts it busy before the status shows, so drain() waits for it
    try:
        _originals["terminated"](self)
    finally:
        hook(self.execution)
