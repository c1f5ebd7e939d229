"""Ports: the small interfaces behind which every external system sits.

Adapters (``jiping.adapters``) implement them against AWS; tests use hand-written fakes. Domain code
depends on these only, and the composition root (``jiping.bootstrap``) picks the adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from jiping.domain.models import DomainEvent, ExecutionInput, Interview, ObjectLocation
from jiping.domain.profiles import JobProfile


class ObjectStore(Protocol):
    def download(self, location: ObjectLocation, dest: Path) -> int:
        """Write the object to ``dest``; return its size in bytes. Raises NotFound."""

    def put_json(self, location: ObjectLocation, document: Any) -> str | None:
        """Store a JSON document; return the new version id, if the bucket versions objects."""

    def get_json(self, location: ObjectLocation) -> Any:
        """Read a JSON document. Raises NotFound."""

    def put_bytes(self, location: ObjectLocation, body: bytes, content_type: str) -> str | None:
        """Store bytes (a report); return the new version id, if the bucket versions objects."""


class InterviewRepository(Protocol):
    def get(self, tenant_id: str, interview_id: str) -> Interview | None: ...

    def update(
        self, tenant_id: str, interview_id: str, change: Callable[[Interview | None], Interview]
    ) -> Interview:
        """Apply ``change`` to the stored interview atomically (re-reading on a concurrent write)."""


class EventPublisher(Protocol):
    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Publish every event or raise; a partial failure raises TransientError."""


class WorkflowStarter(Protocol):
    def start(self, name: str, execution_input: ExecutionInput) -> bool:
        """Start an execution; False when one with this name already exists (a duplicate)."""


class ProfileSource(Protocol):
    """Job profiles per tenant and version (None: the latest)."""

    def get(self, tenant_id: str, profile_id: str, version: int | None = None) -> JobProfile | None: ...
