"""Operating the local cloud from tests and tools: uploads, consent, faults, waiting for executions, draining."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jiping import bootstrap

from infra import constants
from infra.localcloud import moto_patches
from infra.localcloud.pools import LocalPool
from infra.localcloud.runtime import LocalContainer, LocalFunction

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


@dataclass
class ExecutionResult:
    arn: str
    name: str
    status: str
    output: dict[str, Any] | None
    error: str | None
    cause: str | None
    history: list[dict[str, Any]]

    def states(self) -> list[dict[str, Any]]:
        """The states entered, in order, with their durations in seconds (from the history)."""
        out: list[dict[str, Any]] = []
        open_: dict[str, dict[str, Any]] = {}
        for ev in self.history:
            details = ev.get("stateEnteredEventDetails") or ev.get("stateExitedEventDetails")
            if not details:
                continue
            name = details["name"]
            if ev["type"].endswith("StateEntered"):
                entry = {"name": name, "type": ev["type"][: -len("StateEntered")], "started": ev["timestamp"]}
                open_[name] = entry
                out.append(entry)
            elif name in open_:
                entry = open_.pop(name)
                entry["seconds"] = round((ev["timestamp"] - entry["started"]).total_seconds(), 3)
        return out


@dataclass(frozen=True)
class Returns:
    """A fault: the function runs (its writes happen) and then answers with this payload (garbage)."""

    payload: Any


@dataclass(frozen=True)
class Delays:
    """A fault: the function starts this many seconds late (a slow stage), then runs."""

    seconds: float


@dataclass(frozen=True)
class LambdaServiceError:
    """A fault raised by the Lambda service itself rather than the code, e.g. a timeout
    (``Sandbox.Timedout``) or running out of memory (``Runtime.OutOfMemory``)."""

    error_type: str
    message: str


class Harness:
    """What tests and the CLI do with a running ``LocalCloud`` (the emulator itself is ``cloud.LocalCloud``)."""

    functions: dict[str, LocalFunction]
    containers: dict[str, LocalContainer]
    pools: dict[str, LocalPool]
    overrides: dict[str, dict[str, str]]
    faults: dict[str, list[BaseException | Returns | Delays | LambdaServiceError]]
    _faults_lock: threading.Lock
    _busy: int  # deliveries in flight (the pollers count them)
    outputs: dict[str, str]

    def client(self, service: str) -> Any:
        raise NotImplementedError

    @contextmanager
    def function_overrides(self, construct_id: str, env: Mapping[str, str]) -> Iterator[None]:
        """Run with extra environment for one function or pool (by construct id, e.g. ``ProbeMedia``,
        ``AsrCpuPool``), each starting cold so that settings are read again."""
        previous = self.overrides.get(construct_id)
        self.overrides[construct_id] = {**(previous or {}), **env}
        self._reset()
        try:
            yield
        finally:
            if previous is None:
                self.overrides.pop(construct_id, None)
            else:
                self.overrides[construct_id] = previous
            self._reset()

    def inject_faults(
        self, construct_id: str, *faults: BaseException | Returns | Delays | LambdaServiceError
    ) -> None:
        """Make the next invokes of a function, one each, raise these errors, fail as the Lambda service
        does (``LambdaServiceError``: a timeout, out of memory), return garbage (``Returns``) or start
        late (``Delays``)."""
        with self._faults_lock:
            self.faults.setdefault(construct_id, []).extend(faults)

    def throttle_table(self, output: str, writes: int) -> None:
        """Refuse the next ``writes`` writes to the table named by a stack output as throttled."""
        moto_patches.throttle(self.outputs[output], writes)

    def throttles_left(self, output: str) -> int:
        return moto_patches.throttles_left(self.outputs[output])

    def function(self, construct_id: str) -> LocalFunction:
        return next(f for f in self.functions.values() if f.construct_id == construct_id)

    def _reset(self) -> None:
        for fn in self.functions.values():
            fn.reset()
        for container in self.containers.values():
            container.reset()
        for pool in self.pools.values():
            pool.restart()

    @property
    def uploads_bucket(self) -> str:
        return self.outputs[constants.OUTPUT_UPLOADS_BUCKET]

    @property
    def state_machine_arn(self) -> str:
        return self.outputs[constants.OUTPUT_STATE_MACHINE]

    def upload(
        self, path: Path, tenant_id: str, interview_id: str, filename: str | None = None
    ) -> dict[str, Any]:
        """PUT a file to the uploads bucket as a portal would; return bucket, key and version id."""
        key = f"{constants.UPLOADS_PREFIX}{tenant_id}/{interview_id}/{filename or path.name}"
        resp = self.client("s3").put_object(Bucket=self.uploads_bucket, Key=key, Body=path.read_bytes())
        return {"bucket": self.uploads_bucket, "key": key, "version_id": resp.get("VersionId")}

    def register_consent(
        self, tenant_id: str, interview_id: str, consent: Mapping[str, Any] | None = None
    ) -> None:
        """Record the candidate's consent on the interview row, as the portal API does when it creates the
        interview (video analysis needs it). Default: biometric and audio, version ``local``."""
        from jiping.domain.models import Interview, InterviewStatus, utcnow

        record = dict(
            consent
            or {"biometric": True, "audio": True, "version": "local", "given_at": utcnow().isoformat()}
        )

        def apply(current: Interview | None) -> Interview:
            now = utcnow()
            row = current or Interview(
                tenant_id=tenant_id,
                interview_id=interview_id,
                status=InterviewStatus.CREATED,
                created_at=now,
                updated_at=now,
            )
            row.consent = record
            return row

        bootstrap.interview_repository(self.outputs[constants.OUTPUT_INTERVIEWS_TABLE]).update(
            tenant_id, interview_id, apply
        )

    def execution_arn(self, bucket: str, key: str, version_id: str | None) -> str:
        from jiping.domain.models import ExecutionInput, ObjectLocation

        name = ExecutionInput.execution_name(ObjectLocation(bucket=bucket, key=key, version_id=version_id))
        return self.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"

    def wait_for_start(self, execution_arn: str, timeout: float = 30) -> None:
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            try:
                sfn.describe_execution(executionArn=execution_arn)
                return
            except sfn.exceptions.ExecutionDoesNotExist:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no execution started within {timeout} s: {execution_arn}") from None
                time.sleep(0.05)

    def wait_for_execution(
        self, execution_arn: str, timeout: float = 600, on_state: Any = None
    ) -> ExecutionResult:
        """Follow an execution to its end; ``on_state(name)`` is called as each state is entered."""
        self.wait_for_start(execution_arn, timeout=min(timeout, 60))
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            desc = sfn.describe_execution(executionArn=execution_arn)
            if on_state is not None:
                events = self.history(execution_arn)
                entered = [
                    e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
                ]
                for name in entered[seen:]:
                    on_state(name)
                seen = len(entered)
            if desc["status"] in TERMINAL:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution still {desc['status']} after {timeout} s: {execution_arn}")
            time.sleep(0.1)
        return ExecutionResult(
            arn=execution_arn,
            name=desc["name"],
            status=desc["status"],
            output=json.loads(desc["output"]) if desc.get("output") else None,
            error=desc.get("error"),
            cause=desc.get("cause"),
            history=self.history(execution_arn),
        )

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def executions(self) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        return sfn.list_executions(stateMachineArn=self.state_machine_arn)["executions"]

    def drain(self, timeout: float = 30) -> None:
        """Wait until the queues with consumers (uploads, webhooks, WeCom, unfinished executions) are empty and
        no poller is delivering nor execution ending."""
        sqs = self.client("sqs")
        deadline = time.monotonic() + timeout
        urls = [
            self.outputs[k]
            for k in (
                constants.OUTPUT_BUFFER_QUEUE,
                constants.OUTPUT_WEBHOOK_QUEUE,
                constants.OUTPUT_WECOM_QUEUE,
                constants.OUTPUT_UNFINISHED_QUEUE,
            )
        ]
        while time.monotonic() < deadline:
            counts = [
                sqs.get_queue_attributes(
                    QueueUrl=u,
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                )["Attributes"]
                for u in urls
            ]
            if (
                all(
                    int(c["ApproximateNumberOfMessages"]) + int(c["ApproximateNumberOfMessagesNotVisible"])
                    == 0
                    for c in counts
                )
                and self._busy == 0
            ):
                return
            time.sleep(0.05)
        raise TimeoutError("queues did not drain")
