"""Shared fixtures. The emulated cloud is session scoped: synthesized and deployed once per run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events"
SAMPLE_MEDIA = EVENTS / "media"


@pytest.fixture(scope="session")
def sample_interview() -> list[dict]:
    return json.loads((SAMPLE_MEDIA / "sample_interview.json").read_text())


@pytest.fixture(scope="session")
def cloud() -> Iterator[object]:
    """The synthesized Jiping stack running on moto (see infra/localcloud)."""
    from infra.localcloud.cloud import LocalCloud

    with LocalCloud() as local:
        yield local


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())
