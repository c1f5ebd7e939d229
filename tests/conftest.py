"""Shared fixtures. The emulated cloud is session scoped: synthesized and deployed once per run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events"
SAMPLE_MEDIA = EVENTS / "media"


@pytest.fixture(scope="session")
def sample_interview() -> list[dict]:
    """The sample interview: the strong answers (the file also holds vague and off-topic ones)."""
    return [
        c
        for c in json.loads((SAMPLE_MEDIA / "sample_interview.json").read_text())
        if c.get("quality", "strong") == "strong"
    ]


@pytest.fixture(scope="session")
def cloud() -> Iterator[object]:
    """The synthesized Jiping stack running on moto (see infra/localcloud)."""
    from infra.localcloud.cloud import LocalCloud

    with LocalCloud() as local:
        yield local


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def delivered_events(cloud: Any, interview: str, output: str | None = None) -> list[dict[str, Any]]:
    """The events a queue holds for one interview (the local cloud's tap of the bus, or the queue named by
    ``output``); those are consumed, the others left visible."""
    sqs = cloud.client("sqs")
    url = cloud.outputs[output] if output else cloud.event_tap_url
    found: list[dict[str, Any]] = []
    others: list[str] = []
    for _ in range(100):
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get(
            "Messages", []
        )
        if not msgs:
            break
        for m in msgs:
            body = json.loads(m["Body"])
            if body["detail"]["interview_id"] == interview:
                found.append(body)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            else:
                others.append(m["ReceiptHandle"])
    for handle in others:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    return found
