"""The stack's worker pools, run locally as threads that poll the emulated SQS queues.

Each ECS service of the template (``infra/constructs/pools.py``) becomes a ``LocalPool`` of worker
threads. A worker is the very object the image's ``entrypoint.py --pool`` runs (the entrypoint's
``worker()``: ``jiping.workflow.pool.PoolWorker`` on the SQS and Step Functions adapters), with the
environment the task definition gives it plus the local overrides; it takes the messages the
workflow's ``sqs:sendMessage.waitForTaskToken`` tasks put on the queue and answers with the task
token, as in AWS. The one local difference: a thread cannot receive SIGTERM, so it is stopped by an
event (``PoolWorker.run(stop)``), which is what the SIGTERM handler of ``run_until_signalled`` sets.

``kill()`` stands in for a worker's process dying mid-clip (Spot reclaim, out of memory): from that
moment the worker sends nothing, neither heartbeats nor answers nor deletes, and its thread ends
with the local cloud, so the clip is recovered only the way AWS recovers it (heartbeat timeout, the
workflow's retry, another worker).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiping.settings import function_environment

from infra.localcloud.runtime import LocalContainer


class WorkerKilled(BaseException):
    """The local stand-in for a worker's process dying: nothing after it reaches any service."""


_excepthook = threading.excepthook


def _quiet_killed(args: Any) -> None:
    """A killed worker's heartbeat thread ends with WorkerKilled at shutdown: that is not an error."""
    if args.exc_type is not WorkerKilled:
        _excepthook(args)


threading.excepthook = _quiet_killed


class _Severable:
    """An adapter that dies with its worker: once severed, every call hangs until the cloud stops."""

    def __init__(self, inner: Any, severed: threading.Event, shutdown: threading.Event) -> None:
        self._inner, self._severed, self._shutdown = inner, severed, shutdown

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            if self._severed.is_set():
                self._shutdown.wait()  # a dead process never answers
                raise WorkerKilled
            return attr(*args, **kwargs)

        return call


@dataclass(frozen=True)
class Answer:
    worker: str
    token: str
    kind: str  # "success" | "failure"
    accepted: bool  # False: Step Functions no longer waited for it (timed out, answered already)


@dataclass
class LocalWorker:
    name: str
    stop: threading.Event = field(default_factory=threading.Event)
    severed: threading.Event = field(default_factory=threading.Event)
    busy: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    worker: Any = None  # the jiping.workflow.pool.PoolWorker this thread runs (its pass reports)


class _Callbacks:
    """The worker's Step Functions callbacks, recording who answered what (for tests and the load test)."""

    def __init__(self, inner: Any, pool: LocalPool, worker: LocalWorker) -> None:
        self._inner, self._pool, self._worker = inner, pool, worker

    def heartbeat(self, token: str) -> bool:
        return bool(self._inner.heartbeat(token))

    def succeed(self, token: str, output: dict[str, Any]) -> bool:
        return self._record(token, "success", self._inner.succeed(token, output))

    def fail(self, token: str, error: str, cause: str) -> bool:
        return self._record(token, "failure", self._inner.fail(token, error, cause))

    def _record(self, token: str, kind: str, accepted: Any) -> bool:
        with self._pool.lock:
            self._pool.answers.append(Answer(self._worker.name, token, kind, bool(accepted)))
        return bool(accepted)


@dataclass
class LocalPool:
    name: str
    container: LocalContainer
    command: Sequence[str]
    environment: dict[str, str]
    size: int
    shutdown: threading.Event
    overrides: Callable[[], Mapping[str, str]] = dict
    workers: list[LocalWorker] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _started: int = 0

    def start(self) -> None:
        for _ in range(self.size):
            self._started += 1
            worker = LocalWorker(f"{self.name}-{self._started}")
            worker.thread = threading.Thread(
                target=self._serve, args=(worker,), name=worker.name, daemon=True
            )
            self.workers.append(worker)
            worker.thread.start()

    def stop(self, timeout: float = 60) -> None:
        """Stop every worker (each finishes its pass); severed ones end when the cloud shuts down."""
        for worker in self.workers:
            worker.stop.set()
        for worker in self.workers:
            if worker.thread is not None and not worker.severed.is_set():
                worker.thread.join(timeout)
        self.workers.clear()

    def restart(self) -> None:
        """New workers, loading the entrypoint afresh (settings read again), as a new deployment does."""
        self.stop()
        self.container.reset()
        self.start()

    def kill(self, worker: LocalWorker) -> None:
        worker.severed.set()
        worker.stop.set()

    def busy_worker(self, timeout: float) -> LocalWorker:
        """The first worker seen in the middle of a clip (waits up to ``timeout`` seconds)."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not deadline.is_set():
                for worker in list(self.workers):
                    if worker.busy.is_set() and not worker.severed.is_set():
                        return worker
                deadline.wait(0.02)
        finally:
            timer.cancel()
        raise TimeoutError(f"no worker of {self.name} took a clip within {timeout} s")

    def _serve(self, local: LocalWorker) -> None:
        script = Path(self.command[1]).name if len(self.command) > 1 else "entrypoint.py"
        try:
            with function_environment(self.environment | dict(self.overrides())):
                worker = self.container.module(script).worker()
                worker.name = local.name
                local.worker = worker
                worker.queue = _Severable(worker.queue, local.severed, self.shutdown)
                worker.callbacks = _Callbacks(
                    _Severable(worker.callbacks, local.severed, self.shutdown), self, local
                )
                process = worker.process

                def tracked(requests: Sequence[Any]) -> Any:
                    local.busy.set()
                    try:
                        return process(requests)
                    finally:
                        local.busy.clear()

                worker.process = tracked
                worker.run(local.stop)
        except WorkerKilled:
            pass
