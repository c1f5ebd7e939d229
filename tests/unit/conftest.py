"""Unit tests run with the network disabled and use hand-written fakes of our ports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from jiping.domain.errors import InterviewErased, NotFound
from jiping.domain.models import DomainEvent, ExecutionInput, Interview, ObjectLocation
from pytest_socket import disable_socket

from tests.support.judge import FakeJudgeModel


def pytest_runtest_setup() -> None:
    disable_socket()


class FakeObjectStore:
    def __init__(self, files: dict[tuple[str, str], bytes] | None = None) -> None:
        self.objects: dict[tuple[str, str], bytes] = dict(files or {})
        self.downloads = 0

    def download(self, location: ObjectLocation, dest: Path) -> int:
        self.downloads += 1
        try:
            data = self.objects[(location.bucket, location.key)]
        except KeyError:
            raise NotFound(location.key) from None
        dest.write_bytes(data)
        return len(data)

    def put_json(self, location: ObjectLocation, document: Any) -> str | None:
        import json

        self.objects[(location.bucket, location.key)] = json.dumps(document).encode()
        return None

    def put_bytes(self, location: ObjectLocation, body: bytes, content_type: str) -> str | None:
        self.objects[(location.bucket, location.key)] = body
        return None

    def get_json(self, location: ObjectLocation) -> Any:
        import json

        try:
            return json.loads(self.objects[(location.bucket, location.key)])
        except KeyError:
            raise NotFound(location.key) from None


class FakeInterviewRepository:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Interview] = {}
        self.erased: set[tuple[str, str]] = set()  # tombstones
        self.writes = 0

    def get(self, tenant_id: str, interview_id: str) -> Interview | None:
        row = self.rows.get((tenant_id, interview_id))
        return row.model_copy(deep=True) if row else None

    def stored(self, tenant_id: str, interview_id: str) -> Interview:
        """The stored row, which the test expects to exist."""
        row = self.get(tenant_id, interview_id)
        assert row is not None, f"no row {tenant_id}/{interview_id}"
        return row

    def erase(self, tenant_id: str, interview_id: str) -> None:
        self.rows.pop((tenant_id, interview_id), None)
        self.erased.add((tenant_id, interview_id))

    def update(
        self, tenant_id: str, interview_id: str, change: Callable[[Interview | None], Interview]
    ) -> Interview:
        if (tenant_id, interview_id) in self.erased:
            raise InterviewErased(interview_id)
        updated = change(self.get(tenant_id, interview_id))
        self.rows[(tenant_id, interview_id)] = updated.model_copy(deep=True)
        self.writes += 1
        return updated


class FakePublisher:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def publish(self, events: Sequence[DomainEvent]) -> None:
        self.events.extend(events)


class FakeStarter:
    def __init__(self) -> None:
        self.started: dict[str, ExecutionInput] = {}

    def start(self, name: str, execution_input: ExecutionInput) -> bool:
        if name in self.started:
            return False
        self.started[name] = execution_input
        return True

    def started_with(self, name: str) -> ExecutionInput | None:
        return self.started.get(name)


@pytest.fixture
def store() -> FakeObjectStore:
    return FakeObjectStore()


@pytest.fixture
def repo() -> FakeInterviewRepository:
    return FakeInterviewRepository()


@pytest.fixture
def judge_model() -> FakeJudgeModel:
    return FakeJudgeModel()
