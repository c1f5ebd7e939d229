"""Ports: the small interfaces behind which every external system sits.

Adapters (``jiping.adapters``) implement them against AWS; tests use hand-written fakes. Domain code
depends on these only, and the composition root (``jiping.bootstrap``) picks the adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from jiping.domain.models import DomainEvent, ExecutionInput, Interview, ObjectLocation
from jiping.domain.profiles import JobProfile

if TYPE_CHECKING:
    from jiping.delivery.webhooks import Delivery, Response, WebhookEndpoint


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

    def started_with(self, name: str) -> ExecutionInput | None:
        """The input of the execution of this name, if there is one."""


class ProfileSource(Protocol):
    """Job profiles per tenant and version (None: the latest)."""

    def get(self, tenant_id: str, profile_id: str, version: int | None = None) -> JobProfile | None: ...


# --- webhooks (jiping.delivery.webhooks) ----------------------------------------------------------------------------------------


class WebhookSender(Protocol):
    def post(self, url: str, headers: dict[str, str], body: bytes, timeout_s: float) -> Response:
        """POST once; never follows redirects; never raises for HTTP or network failures."""


class WebhookStore(Protocol):
    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        """Store a new endpoint; ``WebhookError("ENDPOINT_EXISTS")`` when its id is taken."""

    def put_endpoint(self, endpoint: WebhookEndpoint) -> None: ...

    def get_endpoint(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None: ...

    def list_endpoints(self, tenant_id: str) -> list[WebhookEndpoint]: ...

    def delete_endpoint(self, tenant_id: str, endpoint_id: str) -> None: ...

    def create_delivery(self, delivery: Delivery) -> bool:
        """Store a new delivery; False (and nothing written) when its id already exists."""

    def put_delivery(self, delivery: Delivery) -> None: ...

    def get_delivery(self, tenant_id: str, delivery_id: str) -> Delivery | None: ...

    def list_deliveries(self, tenant_id: str, endpoint_id: str | None = None) -> list[Delivery]: ...

    def due_deliveries(self, now: datetime, limit: int, per_tenant: int | None = None) -> list[Delivery]:
        """Pending deliveries whose next attempt is at or before ``now``, oldest first: at most ``limit``,
        and at most ``per_tenant`` of one tenant (its oldest), so that one tenant's backlog leaves room
        for the others' (an adapter may bound how far past a large backlog it looks)."""

    def claim_delivery(self, delivery: Delivery, until: datetime) -> bool:
        """Store ``delivery`` with its next attempt at ``until`` only if it is still pending and still due
        at the time ``delivery.next_attempt_at`` says (a conditional write); False, and nothing written,
        when another sweeper got there first."""


class DeadLetters(Protocol):
    def send(self, delivery: Delivery) -> None:
        """Park an exhausted delivery (its tenant and id) for operators."""


class WebhookAlerts(Protocol):
    def endpoint_disabled(self, endpoint: WebhookEndpoint) -> None: ...


# --- warm worker pools --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedMessage:
    """A message taken from a work queue: hidden from other workers until deleted or its time runs out."""

    message_id: str
    receipt: str
    body: str
    receive_count: int


class WorkQueue(Protocol):
    def receive(self, max_messages: int, wait_s: int, visibility_s: int) -> list[QueuedMessage]:
        """Take up to ``max_messages`` (long polling for ``wait_s``), hidden for ``visibility_s``."""
        ...

    def delete(self, receipt: str) -> None: ...

    def extend(self, receipt: str, visibility_s: int) -> None:
        """Keep a message hidden for ``visibility_s`` more seconds (the worker is still on it)."""
        ...


class TaskCallbacks(Protocol):
    """Step Functions' answer channel for a waiting task; each call says whether the task still waits."""

    def heartbeat(self, token: str) -> bool: ...

    def succeed(self, token: str, output: dict[str, Any]) -> bool: ...

    def fail(self, token: str, error: str, cause: str) -> bool: ...
