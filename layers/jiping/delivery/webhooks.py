"""Webhooks to the EHR, by the Standard Webhooks specification (v1): signed bodies, fan-out, retries with backoff,
disabling, replays. The behaviour in full: docs/webhooks.md."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import random
import secrets as _secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field, field_validator
from standardwebhooks.webhooks import Webhook

from jiping.domain.models import DomainEvent, Model, check_id, utcnow
from jiping.observability import logger, metrics
from jiping.ports import DeadLetters, WebhookAlerts, WebhookSender, WebhookStore

RETRY_SCHEDULE_S = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
"""Delay before attempt 2, 3, ... 10 (after the previous one). Attempt 1 is immediate."""
MAX_ATTEMPTS = len(RETRY_SCHEDULE_S) + 1
JITTER = 0.2
RETRY_AFTER_CAP_S = 86400
TIMEOUT_S = 15.0
# How long a sweeper holds a due delivery while it attempts it: another sweeper (an overlapping
# scheduled run, a second region's, an operator's) skips it meanwhile; a crashed one's lease runs out.
LEASE_S = TIMEOUT_S + 45.0
# The sweeper's fair share: at most this many of one tenant's due deliveries per sweep, attempted in
# turns across tenants (round-robin), so one tenant's backlog or slow receivers cannot starve the others.
SWEEP_PER_TENANT = 50
# A sweep takes no new delivery unless one whole attempt (the timeout) and this margin for its writes fit
# before its deadline (its Lambda's end): an attempt cut off there would have no outcome recorded.
SWEEP_MARGIN_S = 5.0
# The error recorded for an attempt started but never finished (the process sending it died or timed out).
INTERRUPTED = "interrupted: the attempt started but its outcome was never recorded"
DISABLE_AFTER = timedelta(days=5)
MAX_BODY_BYTES = 256 * 1024
ALL_EVENTS = (
    "interview.scored",
    "interview.rejected",
    "interview.failed",
    "interview.erased",
    "interview.commented",  # HR's or a hiring manager's comment in the workspace
    "interview.decided",  # a hiring manager's (or HR's) decision in the workspace
)
SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
ROTATION_OVERLAP = timedelta(hours=24)
# A count per endpoint disabled (the operations alarm watches it): no dimension but Powertools' "service".
ENDPOINT_DISABLED_METRIC = "WebhookEndpointDisabled"


class EndpointStatus(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    EXHAUSTED = "exhausted"  # every attempt failed: in the dead-letter queue, replayable
    DISCARDED = "discarded"  # the endpoint was disabled by a 410 on this delivery


class EndpointSecret(Model):
    secret: str  # whsec_...
    created_at: datetime
    expires_at: datetime | None = None  # set when a newer secret replaced it


class WebhookEndpoint(Model):
    tenant_id: str
    endpoint_id: str
    url: str
    description: str | None = None
    event_types: list[str] = Field(default_factory=lambda: list(ALL_EVENTS))
    include_transcripts: bool = False
    secrets: list[EndpointSecret]
    status: EndpointStatus = EndpointStatus.ENABLED
    disabled_reason: str | None = None
    failing_since: datetime | None = None  # first failure since the last success
    created_at: datetime
    updated_at: datetime

    _check_id = field_validator("endpoint_id")(lambda v: check_id(v, "endpoint_id"))

    def active_secrets(self, now: datetime) -> list[str]:
        return [s.secret for s in self.secrets if s.expires_at is None or s.expires_at > now]


class Attempt(Model):
    at: datetime
    status_code: int | None = None
    latency_ms: int
    error: str | None = None  # why it failed (never the response body)
    # recorded before the request is sent, cleared with the outcome: one still set on a delivery the sweeper
    # finds was cut off (the Lambda ended mid-send) and counts as a failed attempt
    in_flight: bool = False


class Delivery(Model):
    tenant_id: str
    delivery_id: str  # = webhook-id
    endpoint_id: str
    event_id: str
    event_type: str
    interview_id: str
    body: str  # the exact bytes sent, fixed at creation
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: list[Attempt] = Field(default_factory=list)
    next_attempt_at: datetime | None = None
    created_at: datetime
    replays: int = 0
    cycle_start: int = 0  # index of the first attempt of the current schedule (a replay starts one)


class Response(Model):
    status_code: int | None = None
    retry_after: str | None = None
    latency_ms: int = 0
    error: str | None = None


class WebhookError(ValueError):
    """An endpoint or request a tenant cannot register (bad URL, private address, ...), with a code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


# --- secrets, signing, bodies ---------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(32)).decode()


def check_secret(secret: str) -> str:
    """A ``whsec_`` secret of 24-64 bytes, as Standard Webhooks asks."""
    if not secret.startswith(SECRET_PREFIX):
        raise WebhookError("INVALID_SECRET", "a webhook secret starts with whsec_")
    try:
        raw = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except ValueError:
        raise WebhookError("INVALID_SECRET", "a webhook secret is whsec_ + base64") from None
    if not 24 <= len(raw) <= 64:
        raise WebhookError("INVALID_SECRET", "a webhook secret holds 24 to 64 random bytes")
    return secret


def delivery_id(event_id: str, endpoint_id: str) -> str:
    return "msg_" + hashlib.sha256(f"{event_id}|{endpoint_id}".encode()).hexdigest()[:32]


def sign(secrets: Sequence[str], msg_id: str, timestamp: datetime, body: str) -> str:
    """The ``webhook-signature`` header: one ``v1,`` signature per secret, space-separated."""
    return " ".join(Webhook(s).sign(msg_id, timestamp, body) for s in secrets)


def headers_for(delivery: Delivery, secrets: Sequence[str], now: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "Jiping-Webhooks/1",
        "webhook-id": delivery.delivery_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": sign(secrets, delivery.delivery_id, now, delivery.body),
    }


def body_for(
    event: DomainEvent,
    endpoint: WebhookEndpoint,
    links: dict[str, str],
    transcripts: list[dict[str, Any]] | None = None,
) -> str:
    """The Standard Webhooks payload ``{type, timestamp, data}``: the summary, links, no media; the
    answers' transcripts (``[{question_id, text}]``) only for an endpoint that opted in."""
    data = dict(event.data)
    transcripts = data.pop("transcripts", None) or transcripts
    for private in ("transcript", "analysis", "result", "report", "upload"):
        data.pop(private, None)  # object locations inside our account: the links replace them
    if endpoint.include_transcripts and transcripts is not None:
        data["transcripts"] = transcripts
    data |= {"tenant_id": event.tenant_id, "interview_id": event.interview_id, "links": links}
    body = json.dumps(
        {"type": event.type, "timestamp": event.time.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    if len(body.encode()) > MAX_BODY_BYTES:
        raise WebhookError("BODY_TOO_LARGE", f"the {event.type} body exceeds {MAX_BODY_BYTES} bytes")
    return body


# --- scheduling -----------------------------------------------------------------------------------


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def next_attempt_at(
    attempts_made: int, now: datetime, retry_after: float | None, rng: Callable[[], float]
) -> datetime | None:
    """When attempt ``attempts_made + 1`` is due, or None when none is left."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    base = RETRY_SCHEDULE_S[attempts_made - 1]
    delay = base * (1 + JITTER * (2 * rng() - 1))
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_AFTER_CAP_S))
    return now + timedelta(seconds=delay)


def fair_order(deliveries: Sequence[Delivery], per_tenant: int) -> list[Delivery]:
    """At most ``per_tenant`` of each tenant's deliveries, in turns: every tenant's first (oldest first by
    the order given), then every tenant's second, and so on."""
    queues: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        queue = queues.setdefault(delivery.tenant_id, [])
        if len(queue) < per_tenant:
            queue.append(delivery)
    longest = max((len(q) for q in queues.values()), default=0)
    return [q[i] for i in range(longest) for q in queues.values() if i < len(q)]


# --- the service ----------------------------------------------------------------------------------


class Webhooks:
    """Fan-out, attempts, retries, replays. ``clock`` and ``rng`` are injectable for tests."""

    def __init__(
        self,
        store: WebhookStore,
        sender: WebhookSender,
        dead_letters: DeadLetters,
        alerts: WebhookAlerts,
        *,
        links: Callable[[DomainEvent], dict[str, str]],
        transcripts: Callable[[DomainEvent], list[dict[str, Any]] | None] = lambda e: None,
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[], float] = random.random,
        timeout_s: float = TIMEOUT_S,
        disable_after: timedelta = DISABLE_AFTER,
    ) -> None:
        self.store, self.sender, self.dead_letters, self.alerts = store, sender, dead_letters, alerts
        self.links, self.transcripts, self.clock, self.rng = links, transcripts, clock, rng
        self.timeout_s, self.disable_after = timeout_s, disable_after

    def fan_out(self, event: DomainEvent, deadline: datetime | None = None) -> list[Delivery]:
        """One delivery per enabled endpoint of the tenant subscribed to the event, attempted now (or, when
        an attempt would not fit before ``deadline``, made due for the sweeper).

        Idempotent: a delivery that already exists (a redelivered event) is neither made nor sent again.
        """
        made = []
        links = self.links(event)
        transcripts = functools.cache(
            lambda: self.transcripts(event)
        )  # read once, only if an endpoint opted in
        for endpoint in self.store.list_endpoints(event.tenant_id):
            if endpoint.status is not EndpointStatus.ENABLED or event.type not in endpoint.event_types:
                continue
            now = self.clock()
            delivery = Delivery(
                tenant_id=event.tenant_id,
                delivery_id=delivery_id(event.id, endpoint.endpoint_id),
                endpoint_id=endpoint.endpoint_id,
                event_id=event.id,
                event_type=event.type,
                interview_id=event.interview_id,
                body=body_for(
                    event, endpoint, links, transcripts() if endpoint.include_transcripts else None
                ),
                created_at=now,
            )
            if not self._fits(deadline):
                delivery.next_attempt_at = now  # made, and due at once: the sweeper attempts it
                if self.store.create_delivery(delivery):
                    made.append(delivery)
                continue
            # stored with its first attempt already started and leased to it, not to a sweeper
            delivery.next_attempt_at = self._start(delivery, now)
            if self.store.create_delivery(delivery):
                made.append(self._send(delivery, endpoint, now))
        return made

    def retry_due(
        self, limit: int = 100, *, per_tenant: int = SWEEP_PER_TENANT, deadline: datetime | None = None
    ) -> list[Delivery]:
        """Attempt the pending deliveries that are due (the scheduled sweeper): at most ``per_tenant`` of
        each tenant, in turns across tenants, and none started unless it can end before ``deadline``.

        What a sweep leaves (over its limit, its share or its time) stays due, unclaimed, for the next one.
        """
        due = fair_order(self.store.due_deliveries(self.clock(), limit, per_tenant), per_tenant)
        done: list[Delivery] = []
        for taken, delivery in enumerate(due):
            if not self._fits(deadline):
                logger.info(
                    "webhook sweep stopped at its deadline", attempted=len(done), left=len(due) - taken
                )
                break
            endpoint = self.store.get_endpoint(delivery.tenant_id, delivery.endpoint_id)
            if endpoint is None:  # deleted: nothing left to deliver to
                delivery.status, delivery.next_attempt_at = DeliveryStatus.DISCARDED, None
                self.store.put_delivery(delivery)
                continue
            now = self.clock()
            if delivery.attempts and delivery.attempts[-1].in_flight:  # its sender died mid-attempt
                delivery.attempts[-1] = delivery.attempts[-1].model_copy(
                    update={"in_flight": False, "error": INTERRUPTED}
                )
            if endpoint.status is not EndpointStatus.ENABLED:
                self._park(delivery, now)
                continue
            if len(delivery.attempts) - delivery.cycle_start >= MAX_ATTEMPTS:  # the last one was cut off
                if self.store.claim_delivery(delivery, now + timedelta(seconds=LEASE_S)):
                    done.append(self._exhaust(delivery))
                continue
            if not self.store.claim_delivery(delivery, until := self._start(delivery, now)):
                continue  # another sweeper is attempting it: one attempt, one log entry
            delivery.next_attempt_at = until
            done.append(self._send(delivery, endpoint, now))
        return done

    def _fits(self, deadline: datetime | None) -> bool:
        """Whether one more attempt (its timeout and its writes) ends before ``deadline``."""
        margin = timedelta(seconds=self.timeout_s + SWEEP_MARGIN_S)
        return deadline is None or self.clock() + margin <= deadline

    def _park(self, delivery: Delivery, now: datetime) -> None:
        """Take a disabled endpoint's due delivery out of the sweep (pending, no next attempt), so that a
        backlog of them is not read again every minute; ``enable_endpoint`` makes them due again."""
        if self.store.claim_delivery(delivery, now + timedelta(seconds=LEASE_S)):
            delivery.next_attempt_at = None
            self.store.put_delivery(delivery)

    def replay(self, tenant_id: str, delivery_id_: str) -> Delivery:
        """Send a delivery again now (same webhook-id and body), with a fresh retry schedule."""
        delivery = self.store.get_delivery(tenant_id, delivery_id_)
        if delivery is None:
            raise WebhookError("DELIVERY_NOT_FOUND", "no such delivery for this tenant")
        endpoint = self.store.get_endpoint(tenant_id, delivery.endpoint_id)
        if endpoint is None or endpoint.status is not EndpointStatus.ENABLED:
            raise WebhookError("ENDPOINT_DISABLED", "enable the endpoint before replaying its deliveries")
        delivery.replays += 1
        if delivery.attempts and delivery.attempts[-1].in_flight:  # cut off: it ended without an outcome
            delivery.attempts[-1] = delivery.attempts[-1].model_copy(
                update={"in_flight": False, "error": INTERRUPTED}
            )
        delivery.cycle_start = len(delivery.attempts)
        delivery.status = DeliveryStatus.PENDING
        return self.attempt(delivery, endpoint)

    def attempt(self, delivery: Delivery, endpoint: WebhookEndpoint) -> Delivery:
        """One attempt, stored as started before it is sent, then stored with its outcome."""
        now = self.clock()
        delivery.next_attempt_at = self._start(delivery, now)
        self.store.put_delivery(delivery)
        return self._send(delivery, endpoint, now)

    def _start(self, delivery: Delivery, now: datetime) -> datetime:
        """Record an attempt as started (in flight) at ``now``; returns when the delivery is due again if
        this attempt never records an outcome: after the lease, and no sooner than the retry schedule says
        (the attempt counts), so a sender dying mid-attempt neither loses it nor makes it retried early."""
        delivery.attempts.append(Attempt(at=now, latency_ms=0, in_flight=True))
        lease = now + timedelta(seconds=LEASE_S)
        retry = next_attempt_at(len(delivery.attempts) - delivery.cycle_start, now, None, self.rng)
        return lease if retry is None else max(lease, retry)

    def _exhaust(self, delivery: Delivery) -> Delivery:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.EXHAUSTED, None
        self.store.put_delivery(delivery)
        self.dead_letters.send(delivery)
        return delivery

    def _send(self, delivery: Delivery, endpoint: WebhookEndpoint, now: datetime) -> Delivery:
        """Send the attempt ``_start`` recorded and store its outcome (the schedule, 410, exhaustion)."""
        headers = headers_for(delivery, endpoint.active_secrets(now), now)
        response = self.sender.post(endpoint.url, headers, delivery.body.encode(), self.timeout_s)
        delivery.attempts[-1] = Attempt(
            at=now, status_code=response.status_code, latency_ms=response.latency_ms, error=response.error
        )
        code = response.status_code
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
            if endpoint.failing_since is not None:
                endpoint.failing_since, endpoint.updated_at = None, now
                self.store.put_endpoint(endpoint)
            self.store.put_delivery(delivery)
            return delivery
        if code == 410:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.DISCARDED, None
            self.store.put_delivery(delivery)
            self._disable(endpoint, now, "the endpoint answered 410 Gone")
            return delivery
        made = len(delivery.attempts) - delivery.cycle_start
        when = next_attempt_at(made, now, retry_after_seconds(response.retry_after, now), self.rng)
        if when is None:
            self._exhaust(delivery)
        else:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, when
            self.store.put_delivery(delivery)
        if endpoint.failing_since is None:
            endpoint.failing_since, endpoint.updated_at = now, now
            self.store.put_endpoint(endpoint)
        elif now - endpoint.failing_since >= self.disable_after:
            self._disable(endpoint, now, f"no successful delivery for {self.disable_after.days} days")
        return delivery

    def _disable(self, endpoint: WebhookEndpoint, now: datetime, reason: str) -> None:
        endpoint.status, endpoint.disabled_reason, endpoint.updated_at = EndpointStatus.DISABLED, reason, now
        self.store.put_endpoint(endpoint)
        self.alerts.endpoint_disabled(endpoint)
        metrics.add_metric(name=ENDPOINT_DISABLED_METRIC, unit=MetricUnit.Count, value=1)


def register_endpoint(
    store: WebhookStore,
    tenant_id: str,
    endpoint_id: str,
    url: str,
    *,
    validate_url: Callable[[str], str],
    secret: str | None = None,
    event_types: Sequence[str] = ALL_EVENTS,
    include_transcripts: bool = False,
    description: str | None = None,
    now: datetime | None = None,
) -> WebhookEndpoint:
    """Create an endpoint (an id already taken is ``ENDPOINT_EXISTS``: re-posting never replaces a URL or
    secret); returns it with its secret (shown to the tenant once)."""
    now = now or utcnow()
    unknown = sorted(set(event_types) - set(ALL_EVENTS))
    if unknown:
        raise WebhookError("UNKNOWN_EVENT_TYPE", f"no such event type: {', '.join(unknown)}")
    endpoint = WebhookEndpoint(
        tenant_id=tenant_id,
        endpoint_id=endpoint_id,
        url=validate_url(url),
        description=description,
        event_types=list(event_types),
        include_transcripts=include_transcripts,
        secrets=[EndpointSecret(secret=check_secret(secret) if secret else new_secret(), created_at=now)],
        created_at=now,
        updated_at=now,
    )
    store.add_endpoint(endpoint)
    return endpoint


def rotate_secret(
    store: WebhookStore,
    tenant_id: str,
    endpoint_id: str,
    *,
    now: datetime | None = None,
    overlap: timedelta = ROTATION_OVERLAP,
) -> WebhookEndpoint:
    """A new secret signs from now on; the current ones keep signing for ``overlap``, then expire."""
    now = now or utcnow()
    endpoint = store.get_endpoint(tenant_id, endpoint_id)
    if endpoint is None:
        raise WebhookError("ENDPOINT_NOT_FOUND", "no such endpoint for this tenant")
    for s in endpoint.secrets:
        if s.expires_at is None or s.expires_at > now + overlap:
            s.expires_at = now + overlap
    endpoint.secrets = [s for s in endpoint.secrets if s.expires_at is None or s.expires_at > now]
    endpoint.secrets.append(EndpointSecret(secret=new_secret(), created_at=now))
    endpoint.updated_at = now
    store.put_endpoint(endpoint)
    return endpoint


def enable_endpoint(
    store: WebhookStore, tenant_id: str, endpoint_id: str, *, now: datetime | None = None
) -> WebhookEndpoint:
    """Enable an endpoint; the pending deliveries the sweeper parked while it was disabled are due now."""
    now = now or utcnow()
    endpoint = store.get_endpoint(tenant_id, endpoint_id)
    if endpoint is None:
        raise WebhookError("ENDPOINT_NOT_FOUND", "no such endpoint for this tenant")
    endpoint.status, endpoint.disabled_reason, endpoint.failing_since = EndpointStatus.ENABLED, None, None
    endpoint.updated_at = now
    store.put_endpoint(endpoint)
    for delivery in store.list_deliveries(tenant_id, endpoint_id):
        if delivery.status is DeliveryStatus.PENDING and delivery.next_attempt_at is None:
            delivery.next_attempt_at = now
            store.put_delivery(delivery)
    return endpoint


def summary(delivery: Delivery) -> dict[str, Any]:
    """The delivery log entry the API shows (no body: it may hold transcripts)."""
    return delivery.model_dump(mode="json", exclude={"body"})
