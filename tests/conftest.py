"""Shared fixtures. The emulated cloud is session scoped: synthesized and deployed once per run."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events"
SAMPLE_MEDIA = EVENTS / "media"
LIBFAKETIME = next(
    (p for p in Path("/usr/lib").glob("*-linux-gnu/faketime/libfaketime.so.1")),
    Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
)
CLOCK_SITE = Path(__file__).resolve().parent / "support" / "clock_site"


# --- the clock moved forward ----------------------------------------------------------------------


def clock_offset(text: str) -> timedelta:
    """``+1d``, ``+31d``, ``+366d``, ``+4y`` (a year is 365.25 days) or ``+90m`` as a timedelta."""
    match = re.fullmatch(r"\+?(\d+)([mhdy])", text.strip())
    if not match:
        raise pytest.UsageError(f"--clock-offset {text!r}: expected +N followed by m, h, d or y, e.g. +31d")
    n, unit = int(match[1]), match[2]
    return {
        "m": timedelta(minutes=n),
        "h": timedelta(hours=n),
        "d": timedelta(days=n),
        "y": timedelta(days=365.25 * n),
    }[unit]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-offset",
        default=None,
        metavar="+31d",
        help="run the tests with the clock moved forward (time-machine in this process and the Python processes "
        "it starts; libfaketime, when installed, for node): finds tests that only pass until some date",
    )


def pytest_configure(config: pytest.Config) -> None:
    text = config.getoption("--clock-offset")
    if not text:
        return
    import time_machine

    offset = clock_offset(text)
    # tick=True: time runs on from the moved start; time.monotonic is left alone, so timeouts still work
    traveller = time_machine.travel(datetime.now(UTC) + offset, tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller
    # Python processes the tests start travel the same way (tests/support/clock_site/sitecustomize.py) ...
    os.environ["JIPING_CLOCK_OFFSET_S"] = str(int(offset.total_seconds()))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(CLOCK_SITE), os.environ.get("PYTHONPATH", "")) if p
    )
    # ... and other programs (node) through libfaketime, when installed: ``native_env`` adds it. Not for
    # Python: libfaketime's timed waits spin Python's threads.
    if LIBFAKETIME.exists():
        os.environ["FAKETIME"] = f"+{int(offset.total_seconds())}"
        os.environ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"


def native_env(**extra: str) -> dict[str, str]:
    """The environment for a program that is not Python (node, chromium), on the tests' clock: with
    ``--clock-offset``, libfaketime is preloaded; without libfaketime such a test cannot follow the moved
    clock and is skipped (``make setup`` installs it on Debian)."""
    env = {**os.environ, **extra}
    if env.get("JIPING_CLOCK_OFFSET_S"):
        if not LIBFAKETIME.exists():
            pytest.skip("the clock is moved and libfaketime is not installed: node cannot follow it")
        env["LD_PRELOAD"] = str(LIBFAKETIME)
    return env


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    text = config.getoption("--clock-offset")
    return f"clock moved forward by {text}: now is {datetime.now(UTC):%Y-%m-%d %H:%M} UTC" if text else None


_TRAVELLER = pytest.StashKey[Any]()


@pytest.fixture(scope="session")
def sample_interview() -> list[dict]:
    """The sample interview: the strong answers (the file also holds vague and off-topic ones)."""
    return [
        c
        for c in json.loads((SAMPLE_MEDIA / "sample_interview.json").read_text())
        if c.get("quality", "strong") == "strong"
    ]


@pytest.fixture(autouse=True)
def _fake_judge(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The judge's model port is faked in every test but those marked ``real_judge`` (the fixed subset that
    runs the real model: about 15 s an answer here). The fake reaches the emulated cloud's functions too,
    which run in this process."""
    if request.node.get_closest_marker("real_judge") is None:
        from jiping.workflow import score as scoring_stage

        from tests.support.judge import FakeJudgeModel

        monkeypatch.setattr(scoring_stage, "judge_model", lambda settings: FakeJudgeModel())


@pytest.fixture(scope="session")
def cloud() -> Iterator[object]:
    """The synthesized Jiping stack running on moto (see infra/localcloud)."""
    from infra.localcloud.cloud import LocalCloud

    with LocalCloud() as local:
        # the suite calls the API faster than any tenant may (tests/integration/test_quotas.py lowers it
        # again to test the limit itself)
        local.overrides["Api"] = local.overrides.get("Api", {}) | {"QUOTA_REQUESTS_PER_MINUTE": "1000000"}
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
