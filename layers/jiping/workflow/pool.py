"""A warm worker of a pool: keeps its model loaded, drains a work queue, answers by task token.

The workflow hands a clip over with ``sqs:sendMessage.waitForTaskToken`` and waits; the message is::

    {"task_token": "<$$.Task.Token>", "request": {...the stage's request...}}

A worker takes up to ``pool_clips_per_pass`` messages at once, so that the stage can batch across
clips, and while it works it sends ``SendTaskHeartbeat`` and keeps the messages hidden. Each clip is
answered on its own: ``SendTaskSuccess`` with the stage's summary (S3 references, never the payload),
or ``SendTaskFailure`` with the error's class name, which the workflow's retry and catch rules read as
they read a Lambda's ``errorType``. Then the message is deleted.

What can go wrong, and where it ends:

- The worker dies (Spot reclaim, out of memory, a kill): its heartbeats stop, the task times out
  (``States.HeartbeatTimeout``) and the workflow retries with a new message and a new token; the old
  message, visible again later, is found stale (its task no longer waits) and dropped unprocessed.
- A message that is not a work message (no token, not JSON) cannot be answered: it is left alone, and
  after the queue's ``maxReceiveCount`` it goes to the dead-letter queue, which alarms.
- A message whose request does not validate is answered ``SendTaskFailure`` (``InvalidRequest``).
- The same message delivered twice (SQS is at least once): the first answer wins, the second is
  refused by Step Functions and dropped; both wrote the same output object.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from jiping.observability import logger
from jiping.ports import QueuedMessage, TaskCallbacks, WorkQueue
from jiping.settings import PoolSettings

R = TypeVar("R", bound=BaseModel)
MAX_CAUSE_CHARS = 32_000  # Step Functions' limit on a failure's cause is 32,768 characters
INVALID_REQUEST = "InvalidRequest"

# The stage behind a pool: a batch of requests in, one outcome per request out (a summary, or the
# exception that clip raised), so that one bad clip fails alone.
Outcome = dict[str, Any] | Exception
Process = Callable[[Sequence[R]], Sequence[Outcome]]


class WorkMessage(BaseModel):
    task_token: str
    request: dict[str, Any]


@dataclass
class _Job:
    message: QueuedMessage
    token: str
    request: Any = None
    live: bool = True  # False once Step Functions said the task no longer waits


@dataclass
class PassReport:
    """What one pass over the queue did (for logs, tests and the load test)."""

    received: int = 0
    answered: int = 0
    failed: int = 0
    stale: int = 0
    unreadable: int = 0
    abandoned: int = 0
    seconds: float = 0.0


@dataclass
class PoolWorker(Generic[R]):
    queue: WorkQueue
    callbacks: TaskCallbacks
    request_model: type[R]
    process: Process[R]
    settings: PoolSettings
    name: str = "worker"
    passes: list[PassReport] = field(default_factory=list)

    # -- the loop ---------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Take and answer work until ``stop`` is set; the pass under way is finished first."""
        logger.info("pool worker started", worker=self.name)
        while not stop.is_set():
            report = self.poll()
            if report.received == 0 and self.settings.pool_wait_s == 0:
                stop.wait(0.05)
        logger.info("pool worker stopped", worker=self.name)

    def run_until_signalled(self) -> None:
        """Run as a container's main process: SIGTERM (ECS scaling in, Spot reclaim) stops taking work."""
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.run(stop)

    def poll(self) -> PassReport:
        """One pass: take up to ``pool_clips_per_pass`` messages, process them together, answer each."""
        s = self.settings
        started = time.monotonic()
        messages = self.queue.receive(s.pool_clips_per_pass, s.pool_wait_s, s.pool_visibility_timeout_s)
        report = PassReport(received=len(messages))
        jobs = [job for job in (self._job(m, report) for m in messages) if job is not None]
        if jobs:
            done = threading.Event()
            beat = threading.Thread(
                target=self._heartbeats, args=(jobs, done), name=f"{self.name}-heartbeat", daemon=True
            )
            beat.start()
            try:
                outcomes = self._run(jobs)
            finally:
                done.set()
                beat.join()
            for job, outcome in zip(jobs, outcomes, strict=True):
                self._answer(job, outcome, report)
        report.seconds = round(time.monotonic() - started, 3)
        if messages:
            self.passes.append(report)
            logger.info(
                "pool pass",
                worker=self.name,
                received=report.received,
                answered=report.answered,
                failed=report.failed,
                stale=report.stale,
                unreadable=report.unreadable,
                abandoned=report.abandoned,
                seconds=report.seconds,
            )
        return report

    # -- steps ------------------------------------------------------------------------------------

    def _job(self, message: QueuedMessage, report: PassReport) -> _Job | None:
        try:
            work = WorkMessage.model_validate_json(message.body)
        except ValidationError:
            # Nobody to answer: leave it; after maxReceiveCount the queue moves it to its DLQ.
            report.unreadable += 1
            logger.warning("unreadable work message", worker=self.name, receive_count=message.receive_count)
            return None
        job = _Job(message, work.task_token)
        if not self.callbacks.heartbeat(job.token):
            # A redelivery of a task that has already timed out, been answered or been stopped.
            report.stale += 1
            self.queue.delete(message.receipt)
            return None
        try:
            job.request = self.request_model.model_validate(work.request)
        except ValidationError as exc:
            self._fail(job, INVALID_REQUEST, _cause(INVALID_REQUEST, exc.errors(include_input=False)))
            report.failed += 1
            return None
        return job

    def _run(self, jobs: list[_Job]) -> list[Outcome]:
        try:
            outcomes = list(self.process([job.request for job in jobs]))
        except Exception as exc:  # noqa: BLE001 - the whole batch failed: every clip gets the error
            outcomes = [exc] * len(jobs)
        if len(outcomes) != len(jobs):
            raise RuntimeError(f"the stage answered {len(outcomes)} outcomes for {len(jobs)} requests")
        return outcomes

    def _heartbeats(self, jobs: list[_Job], done: threading.Event) -> None:
        every = self.settings.pool_heartbeat_every_s
        visibility = self.settings.pool_visibility_timeout_s
        while not done.wait(every):
            for job in jobs:
                if job.live and not self.callbacks.heartbeat(job.token):
                    job.live = False
                if job.live:
                    self.queue.extend(job.message.receipt, visibility)

    def _answer(self, job: _Job, outcome: Outcome, report: PassReport) -> None:
        if not job.live:
            report.abandoned += 1  # the task gave up on us (heartbeat timeout): its retry has it
        elif isinstance(outcome, Exception):
            error = type(outcome).__name__
            if self._fail(job, error, _cause(error, str(outcome))):
                report.failed += 1
            else:
                report.abandoned += 1
            return
        elif self.callbacks.succeed(job.token, outcome):
            report.answered += 1
        else:
            report.abandoned += 1
        self.queue.delete(job.message.receipt)

    def _fail(self, job: _Job, error: str, cause: str) -> bool:
        answered = self.callbacks.fail(job.token, error, cause)
        self.queue.delete(job.message.receipt)
        return answered


def _cause(error: str, message: Any) -> str:
    """The failure's cause in the shape a Lambda error has, which the workflow's Persist reads."""
    text = message if isinstance(message, str) else json.dumps(message, default=str)
    return json.dumps({"errorType": error, "errorMessage": text[: MAX_CAUSE_CHARS - 200]})


def each(run: Callable[[R], dict[str, Any]]) -> Process[R]:
    """A stage that takes one request at a time, as a pool stage: each clip's error is its own."""

    def process(requests: Sequence[R]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for request in requests:
            try:
                outcomes.append(run(request))
            except Exception as exc:  # noqa: BLE001 - one clip's failure is answered for that clip
                outcomes.append(exc)
        return outcomes

    return process
