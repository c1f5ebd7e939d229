"""The warm worker against fakes of its queue and of Step Functions' task callbacks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from jiping.ports import QueuedMessage
from jiping.settings import PoolSettings
from jiping.workflow.pool import INVALID_REQUEST, PoolWorker, each
from pydantic import BaseModel


class Clip(BaseModel):
    key: str


class FakeQueue:
    def __init__(self, bodies: Sequence[str]) -> None:
        self.waiting = [QueuedMessage(f"m{i}", f"r{i}", body, 1) for i, body in enumerate(bodies)]
        self.deleted: list[str] = []
        self.extended: list[str] = []
        self.asked: list[int] = []

    def receive(self, max_messages: int, wait_s: int, visibility_s: int) -> list[QueuedMessage]:
        self.asked.append(max_messages)
        taken, self.waiting = self.waiting[:max_messages], self.waiting[max_messages:]
        return taken

    def delete(self, receipt: str) -> None:
        self.deleted.append(receipt)

    def extend(self, receipt: str, visibility_s: int) -> None:
        self.extended.append(receipt)


class FakeCallbacks:
    """Step Functions: tokens in ``gone`` no longer wait; ``expire_after`` heartbeats end a token."""

    def __init__(self, gone: set[str] | None = None, expire_after: int | None = None) -> None:
        self.gone = set(gone or ())
        self.expire_after = expire_after
        self.beats: dict[str, int] = {}
        self.succeeded: dict[str, dict[str, Any]] = {}
        self.failed: dict[str, tuple[str, str]] = {}
        self.lock = threading.Lock()

    def heartbeat(self, token: str) -> bool:
        with self.lock:
            self.beats[token] = self.beats.get(token, 0) + 1
            if self.expire_after is not None and self.beats[token] > self.expire_after:
                self.gone.add(token)
            return token not in self.gone

    def succeed(self, token: str, output: dict[str, Any]) -> bool:
        if token in self.gone:
            return False
        self.succeeded[token] = output
        return True

    def fail(self, token: str, error: str, cause: str) -> bool:
        if token in self.gone:
            return False
        self.failed[token] = (error, cause)
        return True


def work(token: str, key: str) -> str:
    return json.dumps({"task_token": token, "request": {"key": key}})


def worker(queue: FakeQueue, callbacks: FakeCallbacks, process: Any, **settings: Any) -> PoolWorker[Clip]:
    config = PoolSettings(pool_queue_url="q", pool_wait_s=0, **settings)
    return PoolWorker(queue, callbacks, Clip, process, config, name="test")


def test_a_pass_takes_several_clips_processes_them_together_and_answers_each() -> None:
    queue = FakeQueue([work(f"t{i}", f"k{i}") for i in range(5)])
    callbacks = FakeCallbacks()
    batches: list[list[str]] = []

    def process(requests: Sequence[Clip]) -> list[dict[str, Any]]:
        batches.append([r.key for r in requests])
        return [{"output": f"s3://artifacts/{r.key}.json"} for r in requests]

    report = worker(queue, callbacks, process, pool_clips_per_pass=3).poll()

    assert batches == [["k0", "k1", "k2"]]  # one batch of three, not three calls
    assert report.answered == 3
    assert callbacks.succeeded == {f"t{i}": {"output": f"s3://artifacts/k{i}.json"} for i in range(3)}
    assert queue.deleted == ["r0", "r1", "r2"]
    assert [m.message_id for m in queue.waiting] == ["m3", "m4"]


def test_one_failing_clip_fails_alone_with_its_error_class_as_the_error_name() -> None:
    queue = FakeQueue([work("ok", "good"), work("bad", "broken")])
    callbacks = FakeCallbacks()

    def run(clip: Clip) -> dict[str, Any]:
        if clip.key == "broken":
            raise ValueError("the media cannot be decoded")
        return {"ok": True}

    report = worker(queue, callbacks, each(run)).poll()

    assert callbacks.succeeded == {"ok": {"ok": True}}
    error, cause = callbacks.failed["bad"]
    assert error == "ValueError"
    assert json.loads(cause) == {"errorType": "ValueError", "errorMessage": "the media cannot be decoded"}
    assert (report.answered, report.failed) == (1, 1)
    assert sorted(queue.deleted) == ["r0", "r1"]


def test_a_redelivered_message_whose_task_no_longer_waits_is_dropped_unprocessed() -> None:
    queue = FakeQueue([work("timed-out", "k"), work("live", "k2")])
    callbacks = FakeCallbacks(gone={"timed-out"})
    seen: list[str] = []

    def run(clip: Clip) -> dict[str, Any]:
        seen.append(clip.key)
        return {}

    report = worker(queue, callbacks, each(run)).poll()

    assert seen == ["k2"]
    assert report.stale == 1
    assert "r0" in queue.deleted and "timed-out" not in callbacks.succeeded


def test_a_message_nobody_can_answer_is_left_for_the_dead_letter_queue() -> None:
    queue = FakeQueue(["not json", json.dumps({"request": {"key": "no token"}})])
    callbacks = FakeCallbacks()
    report = worker(queue, callbacks, each(lambda clip: {})).poll()
    assert report.unreadable == 2
    assert queue.deleted == []  # SQS redelivers it until maxReceiveCount moves it to the DLQ
    assert callbacks.succeeded == {} and callbacks.failed == {}


def test_a_request_that_does_not_validate_is_answered_as_invalid() -> None:
    queue = FakeQueue([json.dumps({"task_token": "t", "request": {"wrong": 1}})])
    callbacks = FakeCallbacks()
    worker(queue, callbacks, each(lambda clip: {})).poll()
    error, cause = callbacks.failed["t"]
    assert error == INVALID_REQUEST
    assert "key" in json.loads(cause)["errorMessage"]  # names the missing field
    assert queue.deleted == ["r0"]


def test_a_long_clip_is_kept_alive_by_heartbeats_and_hidden_from_other_workers() -> None:
    queue = FakeQueue([work("t", "long")])
    callbacks = FakeCallbacks()

    def run(clip: Clip) -> dict[str, Any]:
        time.sleep(0.35)
        return {"done": True}

    worker(queue, callbacks, each(run), pool_heartbeat_every_s=0.1).poll()
    assert callbacks.beats["t"] >= 3  # once on taking it, then every 0.1 s while it ran
    assert queue.extended.count("r0") >= 2
    assert callbacks.succeeded == {"t": {"done": True}}


def test_a_task_that_timed_out_while_the_worker_ran_is_not_answered() -> None:
    queue = FakeQueue([work("t", "slow")])
    callbacks = FakeCallbacks(expire_after=1)  # the heartbeat on taking it passes, the next finds it gone

    def run(clip: Clip) -> dict[str, Any]:
        time.sleep(0.3)
        return {"late": True}

    report = worker(queue, callbacks, each(run), pool_heartbeat_every_s=0.05).poll()
    assert report.abandoned == 1
    assert callbacks.succeeded == {}
    assert queue.deleted == ["r0"]  # its retry carries a new message and a new token


def test_the_worker_stops_when_told_and_finishes_the_pass_under_way() -> None:
    queue = FakeQueue([work(f"t{i}", f"k{i}") for i in range(3)])
    callbacks = FakeCallbacks()
    stop = threading.Event()

    def run(clip: Clip) -> dict[str, Any]:
        stop.set()  # the stop arrives mid-pass
        return {"key": clip.key}

    worker(queue, callbacks, each(run), pool_clips_per_pass=2).run(stop)
    assert sorted(callbacks.succeeded) == ["t0", "t1"]
    assert [m.message_id for m in queue.waiting] == ["m2"]


@pytest.mark.parametrize("count", [0, 1])
def test_a_stage_that_answers_the_wrong_number_of_outcomes_is_a_bug_not_a_silent_loss(count: int) -> None:
    queue = FakeQueue([work("a", "k"), work("b", "k")])
    with pytest.raises(RuntimeError, match="outcomes"):
        worker(queue, FakeCallbacks(), lambda requests: [{}] * count).poll()
