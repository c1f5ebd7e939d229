"""Webhooks: Standard Webhooks signatures, the retry schedule, 410, exhaustion, replay, SSRF."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jiping.adapters.http import UrlPolicy
from jiping.delivery.webhooks import (
    MAX_ATTEMPTS,
    RETRY_SCHEDULE_S,
    Delivery,
    DeliveryStatus,
    EndpointStatus,
    Response,
    WebhookEndpoint,
    WebhookError,
    Webhooks,
    check_secret,
    delivery_id,
    enable_endpoint,
    new_secret,
    register_endpoint,
    retry_after_seconds,
    rotate_secret,
)
from jiping.domain.models import DomainEvent

from tests.conftest import native_env

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


class Store:
    def __init__(self) -> None:
        self.endpoints: dict[tuple[str, str], str] = {}
        self.deliveries: dict[tuple[str, str], str] = {}

    def add_endpoint(self, e: WebhookEndpoint) -> None:
        if (e.tenant_id, e.endpoint_id) in self.endpoints:
            raise WebhookError("ENDPOINT_EXISTS", "taken")
        self.put_endpoint(e)

    def put_endpoint(self, e: WebhookEndpoint) -> None:
        self.endpoints[(e.tenant_id, e.endpoint_id)] = e.model_dump_json()

    def get_endpoint(self, t: str, eid: str) -> WebhookEndpoint | None:
        raw = self.endpoints.get((t, eid))
        return WebhookEndpoint.model_validate_json(raw) if raw else None

    def list_endpoints(self, t: str) -> list[WebhookEndpoint]:
        return [
            WebhookEndpoint.model_validate_json(v) for (tt, _), v in sorted(self.endpoints.items()) if tt == t
        ]

    def delete_endpoint(self, t: str, eid: str) -> None:
        self.endpoints.pop((t, eid), None)

    def create_delivery(self, d: Delivery) -> bool:
        if (d.tenant_id, d.delivery_id) in self.deliveries:
            return False
        self.put_delivery(d)
        return True

    def put_delivery(self, d: Delivery) -> None:
        self.deliveries[(d.tenant_id, d.delivery_id)] = d.model_dump_json()

    def get_delivery(self, t: str, did: str) -> Delivery | None:
        raw = self.deliveries.get((t, did))
        return Delivery.model_validate_json(raw) if raw else None

    def list_deliveries(self, t: str, endpoint_id: str | None = None) -> list[Delivery]:
        out = [Delivery.model_validate_json(v) for (tt, _), v in self.deliveries.items() if tt == t]
        return [d for d in out if endpoint_id in (None, d.endpoint_id)]

    def due_deliveries(self, now: datetime, limit: int, per_tenant: int | None = None) -> list[Delivery]:
        out = [Delivery.model_validate_json(v) for v in self.deliveries.values()]
        due = sorted(
            (
                d
                for d in out
                if d.status is DeliveryStatus.PENDING and d.next_attempt_at and d.next_attempt_at <= now
            ),
            key=lambda d: d.next_attempt_at or now,
        )
        kept: list[Delivery] = []
        for d in due:
            if sum(k.tenant_id == d.tenant_id for k in kept) < (per_tenant or limit):
                kept.append(d)
        return kept[:limit]

    def claim_delivery(self, d: Delivery, until: datetime) -> bool:
        stored = self.get_delivery(d.tenant_id, d.delivery_id)
        if (
            stored is None
            or stored.status is not DeliveryStatus.PENDING
            or stored.next_attempt_at != d.next_attempt_at
        ):
            return False
        self.put_delivery(d.model_copy(update={"next_attempt_at": until}))
        return True


class Receiver:
    """Answers from a script of responses (then 200), recording what it was sent."""

    def __init__(self, *script: Response) -> None:
        self.script = list(script)
        self.requests: list[tuple[str, dict[str, str], bytes]] = []

    def post(self, url: str, headers: dict[str, str], body: bytes, timeout_s: float) -> Response:
        assert timeout_s == 15.0
        self.requests.append((url, headers, body))
        return self.script.pop(0) if self.script else Response(status_code=200, latency_ms=3)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Recorder:
    def __init__(self) -> None:
        self.items: list = []

    def send(self, delivery: Delivery) -> None:
        self.items.append(delivery.delivery_id)

    def endpoint_disabled(self, endpoint: WebhookEndpoint) -> None:
        self.items.append((endpoint.endpoint_id, endpoint.disabled_reason))


def event(
    n: int = 1, type_: str = "interview.scored", tenant: str = "acme", time: datetime = T0
) -> DomainEvent:
    return DomainEvent(
        id=f"evt_{n}",
        type=type_,
        time=time,
        tenant_id=tenant,
        interview_id=f"iv-{n}",
        data={
            "overall_score": 81.5,
            "recommendation": "advance",
            "transcripts": [{"question_id": "q1", "text": "我…"}],
            "result": {"bucket": "b", "key": "acme/iv-1/result.json"},
        },
    )


def setup(*script: Response, include_transcripts: bool = False, rng: float = 0.5, start: datetime = T0):
    """A registered endpoint and the webhook service on a clock that starts at ``start`` (T0 unless a test
    talks to a library that checks timestamps against the real clock)."""
    store, receiver, clock, dlq, alerts = Store(), Receiver(*script), Clock(start), Recorder(), Recorder()
    endpoint = register_endpoint(
        store,
        "acme",
        "ehr",
        "https://ehr.example.com/hooks",
        validate_url=lambda u: u,
        include_transcripts=include_transcripts,
        now=start,
    )
    hooks = Webhooks(
        store,
        receiver,
        dlq,
        alerts,
        clock=clock,
        rng=lambda: rng,
        links=lambda e: {"interview": f"https://api.example.com/v1/interviews/{e.interview_id}"},
    )
    return hooks, store, receiver, clock, dlq, alerts, endpoint


def spec_verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks v1 verification written from the spec, independent of the signer."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        v == "v1" and hmac.compare_digest(sig, expected)
        for v, _, sig in (s.partition(",") for s in headers["webhook-signature"].split(" "))
    )


# --- signatures -----------------------------------------------------------------------------------


def test_deliveries_verify_with_the_spec_and_with_the_svix_library() -> None:
    from svix.webhooks import Webhook as SvixWebhook

    # svix checks the timestamp against its own clock: the whole test runs on the real one
    now = datetime.now(UTC)
    hooks, _, receiver, _, _, _, endpoint = setup(start=now)
    hooks.fan_out(event(time=now))
    ((_, headers, body),) = receiver.requests
    secret = endpoint.secrets[0].secret
    assert spec_verify(secret, headers, body)
    assert not spec_verify(secret, headers, body.replace(b"81.5", b"99.5"))
    assert not spec_verify(new_secret(), headers, body)
    SvixWebhook(secret).verify(body, headers)
    assert headers["webhook-id"] == delivery_id("evt_1", "ehr") and headers["webhook-timestamp"] == str(
        int(now.timestamp())
    )


def test_a_rotated_secret_signs_beside_the_old_one_until_the_old_one_expires() -> None:
    hooks, store, receiver, clock, _, _, endpoint = setup()
    old = endpoint.secrets[0].secret
    rotated = rotate_secret(store, "acme", "ehr", now=T0, overlap=timedelta(hours=24))
    new = rotated.secrets[-1].secret
    hooks.fan_out(event(1))
    _, headers, body = receiver.requests[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert spec_verify(old, headers, body) and spec_verify(new, headers, body)
    clock.now = T0 + timedelta(hours=25)
    hooks.fan_out(event(2))
    _, headers, body = receiver.requests[-1]
    assert spec_verify(new, headers, body) and not spec_verify(old, headers, body)


NODE_VERIFY = """
const { Webhook } = require("standardwebhooks");
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = input.cases.map(({ secret, body, headers }) => {
  try { new Webhook(secret).verify(body, headers); return "ok"; } catch (e) { return e.message; }
});
console.log(JSON.stringify(out));
"""


def test_deliveries_verify_with_the_typescript_reference_library() -> None:
    import shutil
    import subprocess
    from pathlib import Path

    from jiping.delivery.webhooks import headers_for

    root = Path(__file__).resolve().parents[3] / ".cache" / "node"
    node = shutil.which("node")
    assert node and (root / "node_modules" / "standardwebhooks").is_dir(), (
        "run `make node-tools` (part of make setup)"
    )
    # The library checks the timestamp against its own clock: one clock, the real one, for the rotation and
    # the signing (a fixed rotation time expired the old secret 24 h later, and the test with it).
    now = datetime.now(UTC)
    hooks, store, _, _, _, _, endpoint = setup(start=now)
    rotated = rotate_secret(store, "acme", "ehr", now=now)
    hooks.fan_out(event(time=now))
    delivery = store.list_deliveries("acme")[0]
    headers = headers_for(delivery, rotated.active_secrets(now), now)
    tampered = delivery.body.replace("81.5", "99.5")
    cases = [
        {"secret": endpoint.secrets[0].secret, "body": delivery.body, "headers": headers},  # the old secret
        {"secret": rotated.secrets[-1].secret, "body": delivery.body, "headers": headers},  # the new one
        {"secret": rotated.secrets[-1].secret, "body": tampered, "headers": headers},
        {"secret": new_secret(), "body": delivery.body, "headers": headers},
    ]
    proc = subprocess.run(
        [node, "-e", NODE_VERIFY],
        input=json.dumps({"cases": cases}),
        capture_output=True,
        text=True,
        env=native_env(NODE_PATH=str(root / "node_modules")),
        timeout=60,
        check=True,
    )
    assert json.loads(proc.stdout) == [
        "ok",
        "ok",
        "No matching signature found",
        "No matching signature found",
    ]


@pytest.mark.parametrize("bad", ["plain", "whsec_!!!", "whsec_" + base64.b64encode(b"short").decode()])
def test_a_secret_that_is_not_whsec_base64_of_24_to_64_bytes_is_refused(bad: str) -> None:
    with pytest.raises(WebhookError) as exc:
        check_secret(bad)
    assert exc.value.code == "INVALID_SECRET"
    assert check_secret(new_secret()).startswith("whsec_")


# --- retries --------------------------------------------------------------------------------------


def test_a_receiver_failing_five_times_then_succeeding_gets_one_accepted_delivery_on_schedule() -> None:
    fails = [
        Response(status_code=503, latency_ms=5),
        Response(error="timeout after 15 s", latency_ms=15000),
    ] * 2
    hooks, store, receiver, clock, dlq, _, _ = setup(*fails, Response(status_code=500, latency_ms=4))
    hooks.fan_out(event())
    for _ in range(20):  # the sweeper, every minute of a day
        d = store.list_deliveries("acme")[0]
        if d.next_attempt_at is None:
            break
        clock.now = d.next_attempt_at
        hooks.retry_due()
    (d,) = store.list_deliveries("acme")
    assert d.status is DeliveryStatus.DELIVERED and len(d.attempts) == 6 and dlq.items == []
    accepted = [r for r, a in zip(receiver.requests, d.attempts, strict=True) if a.status_code == 200]
    assert len(accepted) == 1
    assert len({h["webhook-id"] for _, h, _ in receiver.requests}) == 1  # the same id every time
    assert len({b for _, _, b in receiver.requests}) == 1  # and the same bytes
    gaps = [(b.at - a.at).total_seconds() for a, b in zip(d.attempts, d.attempts[1:], strict=False)]
    assert gaps == list(RETRY_SCHEDULE_S[:5])  # rng 0.5: no jitter
    assert d.attempts[1].error == "timeout after 15 s" and d.attempts[0].status_code == 503


def test_jitter_stays_within_twenty_percent() -> None:
    for r, factor in ((0.0, 0.8), (1.0, 1.2)):
        hooks, store, *_ = setup(Response(status_code=500), rng=r)
        hooks.fan_out(event())
        (d,) = store.list_deliveries("acme")
        assert (d.next_attempt_at - T0).total_seconds() == pytest.approx(RETRY_SCHEDULE_S[0] * factor)


def test_retry_after_is_honoured_when_longer_than_the_schedule() -> None:
    hooks, store, *_ = setup(Response(status_code=429, retry_after="3600"))
    hooks.fan_out(event())
    (d,) = store.list_deliveries("acme")
    assert d.next_attempt_at == T0 + timedelta(seconds=3600)
    assert retry_after_seconds("Sun, 22 Nov 2026 09:00:00 GMT", T0) == 3600
    assert retry_after_seconds("soon", T0) is None


def test_410_disables_the_endpoint_with_an_alert_and_no_new_deliveries_are_made() -> None:
    hooks, store, receiver, _, dlq, alerts, _ = setup(Response(status_code=410))
    hooks.fan_out(event(1))
    assert store.get_endpoint("acme", "ehr").status is EndpointStatus.DISABLED
    assert alerts.items == [("ehr", "the endpoint answered 410 Gone")]
    assert store.list_deliveries("acme")[0].status is DeliveryStatus.DISCARDED
    assert hooks.fan_out(event(2)) == [] and len(receiver.requests) == 1


def test_exhausted_deliveries_go_to_the_dead_letter_queue_and_replay_with_the_same_id() -> None:
    hooks, store, receiver, clock, dlq, _, _ = setup(*[Response(status_code=502)] * MAX_ATTEMPTS)
    hooks.fan_out(event())
    while (d := store.list_deliveries("acme")[0]).next_attempt_at is not None:
        clock.now = d.next_attempt_at
        hooks.retry_due()
    assert d.status is DeliveryStatus.EXHAUSTED and len(d.attempts) == MAX_ATTEMPTS
    assert (d.attempts[-1].at - d.attempts[0].at) >= timedelta(hours=24)
    assert dlq.items == [d.delivery_id]
    replayed = hooks.replay("acme", d.delivery_id)
    assert replayed.status is DeliveryStatus.DELIVERED and replayed.replays == 1
    assert (
        receiver.requests[-1][1]["webhook-id"] == d.delivery_id
        and receiver.requests[-1][2] == receiver.requests[0][2]
    )
    with pytest.raises(WebhookError) as exc:
        hooks.replay("other-tenant", d.delivery_id)
    assert exc.value.code == "DELIVERY_NOT_FOUND"


def test_an_endpoint_failing_for_five_days_is_disabled_and_resumes_when_enabled() -> None:
    hooks, store, receiver, clock, _, alerts, _ = setup(*[Response(status_code=500)] * 40)
    for day in range(6):
        clock.now = T0 + timedelta(days=day)
        hooks.fan_out(event(day))
    endpoint = store.get_endpoint("acme", "ehr")
    assert endpoint.status is EndpointStatus.DISABLED and alerts.items == [
        ("ehr", "no successful delivery for 5 days")
    ]
    sent = len(receiver.requests)
    clock.now += timedelta(days=2)
    hooks.retry_due()
    assert len(receiver.requests) == sent  # disabled: pending deliveries wait
    receiver.script.clear()
    enable_endpoint(store, "acme", "ehr", now=clock.now)
    hooks.retry_due()
    assert len(receiver.requests) > sent


def test_a_redelivered_event_makes_no_second_delivery() -> None:
    hooks, store, receiver, *_ = setup()
    hooks.fan_out(event())
    assert hooks.fan_out(event()) == []
    assert len(receiver.requests) == 1 and len(store.list_deliveries("acme")) == 1


def test_two_sweepers_due_at_once_make_one_attempt_and_log_it_once() -> None:
    # GIVEN a delivery that failed once and is now due, and a second sweeper (an overlapping scheduled run)
    hooks, store, receiver, clock, dlq, alerts, _ = setup(Response(status_code=503, latency_ms=5))
    hooks.fan_out(event())
    clock.now = store.list_deliveries("acme")[0].next_attempt_at
    other = Webhooks(store, receiver, dlq, alerts, clock=clock, rng=lambda: 0.5, links=hooks.links)
    real = store.due_deliveries

    def listed_then_overtaken(now: datetime, limit: int, per_tenant: int | None = None) -> list[Delivery]:
        listed = real(now, limit, per_tenant)  # the first sweeper reads the due delivery ...
        store.due_deliveries = real  # type: ignore[method-assign]
        assert len(other.retry_due()) == 1  # ... and the other attempts it before the first gets to it
        return listed

    store.due_deliveries = listed_then_overtaken  # type: ignore[method-assign]
    # WHEN the first sweeper goes on with what it listed
    assert hooks.retry_due() == []
    # THEN the EHR got one retry, and the log holds it once
    (d,) = store.list_deliveries("acme")
    assert len(receiver.requests) == 2 and [a.status_code for a in d.attempts] == [503, 200]
    assert d.status is DeliveryStatus.DELIVERED


def test_a_new_delivery_is_leased_to_its_first_attempt_so_no_sweeper_sends_it_too() -> None:
    hooks, store, receiver, clock, *_ = setup(Response(error="connection reset", latency_ms=1))
    sent: list[int] = []
    real_post = receiver.post

    def post(url: str, headers: dict[str, str], body: bytes, timeout_s: float) -> Response:
        sent.append(len(hooks.retry_due()))  # a sweeper running while the first attempt is in flight
        return real_post(url, headers, body, timeout_s)

    receiver.post = post  # type: ignore[method-assign]
    hooks.fan_out(event())
    assert sent[0] == 0 and len(receiver.requests) == 1


# --- bodies ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("opted_in", [False, True])
def test_the_body_carries_the_summary_and_links_and_transcripts_only_on_opt_in(opted_in: bool) -> None:
    hooks, _, receiver, *_ = setup(include_transcripts=opted_in)
    hooks.fan_out(event())
    body = json.loads(receiver.requests[0][2])
    assert body["type"] == "interview.scored" and body["data"]["overall_score"] == 81.5
    assert body["data"]["links"]["interview"].endswith("/v1/interviews/iv-1")
    assert "result" not in body["data"]  # our bucket's keys stay inside
    assert ("transcripts" in body["data"]) is opted_in


def test_re_registering_an_endpoint_id_never_replaces_its_url_or_secret() -> None:
    _, store, *_ = setup()
    before = store.get_endpoint("acme", "ehr")
    with pytest.raises(WebhookError) as taken:
        register_endpoint(store, "acme", "ehr", "https://attacker.example.com", validate_url=lambda u: u)
    assert taken.value.code == "ENDPOINT_EXISTS"
    assert store.get_endpoint("acme", "ehr") == before


def test_endpoints_subscribe_to_event_types() -> None:
    hooks, store, receiver, *_ = setup()
    store.delete_endpoint("acme", "ehr")
    register_endpoint(
        store,
        "acme",
        "ehr",
        "https://e.example.com",
        validate_url=lambda u: u,
        event_types=["interview.rejected"],
        now=T0,
    )
    hooks.fan_out(event(1, "interview.scored"))
    hooks.fan_out(event(2, "interview.rejected"))
    assert [json.loads(b)["type"] for _, _, b in receiver.requests] == ["interview.rejected"]
    with pytest.raises(WebhookError) as exc:
        register_endpoint(
            store, "acme", "x", "https://e.example.com", validate_url=lambda u: u, event_types=["x.y"]
        )
    assert exc.value.code == "UNKNOWN_EVENT_TYPE"


# --- SSRF -----------------------------------------------------------------------------------------


def _policy(*addresses: str, **kw: bool) -> UrlPolicy:
    return UrlPolicy(resolver=lambda host, port: list(addresses), **kw)


@pytest.mark.parametrize(
    ("url", "addresses", "code"),
    [
        ("http://ehr.example.com/h", ["93.184.216.34"], "URL_NOT_HTTPS"),
        ("ftp://ehr.example.com/h", ["93.184.216.34"], "URL_NOT_HTTPS"),
        ("https://user:pw@ehr.example.com/h", ["93.184.216.34"], "URL_HAS_CREDENTIALS"),
        ("https://ehr.example.com/h", ["10.0.0.8"], "URL_PRIVATE_ADDRESS"),
        ("https://ehr.example.com/h", ["93.184.216.34", "192.168.1.1"], "URL_PRIVATE_ADDRESS"),
        ("https://metadata.example.com/", ["169.254.169.254"], "URL_PRIVATE_ADDRESS"),
        ("https://localhost/", ["127.0.0.1"], "URL_PRIVATE_ADDRESS"),
        ("https://v6.example.com/", ["::1"], "URL_PRIVATE_ADDRESS"),
        ("https://v6.example.com/", ["::ffff:10.1.2.3"], "URL_PRIVATE_ADDRESS"),
        ("https://v6.example.com/", ["fd00::1"], "URL_PRIVATE_ADDRESS"),
        # IPv6 forms that embed an IPv4 address: NAT64 (well-known and local), 6to4, Teredo,
        # IPv4-compatible and IPv4-translated, each here wrapping the instance metadata address
        ("https://v6.example.com/", ["64:ff9b::a9fe:a9fe"], "URL_PRIVATE_ADDRESS"),
        ("https://v6.example.com/", ["64:ff9b:1::a9fe:a9fe"], "URL_PRIVATE_ADDRESS"),
        ("https://v6.example.com/", ["2002:a9fe:a9fe::1"], "URL_PRIVATE_ADDRESS"),
        ("https://v6.example.com/", ["2001:0:4136:e378:8000:63bf:5601:5601"], "URL_PRIVATE_ADDRESS"),
        ("https://v6.example.com/", ["::a9fe:a9fe"], "URL_PRIVATE_ADDRESS"),
        ("https://v6.example.com/", ["::ffff:0:a9fe:a9fe"], "URL_PRIVATE_ADDRESS"),
        ("https://v6.example.com/", ["64:ff9b::5db8:d822"], "URL_PRIVATE_ADDRESS"),  # even a public one
        ("https://ehr.example.com:99999/", ["93.184.216.34"], "URL_BAD_PORT"),
    ],
)
def test_urls_a_webhook_must_not_reach_are_refused_with_a_code(
    url: str, addresses: list[str], code: str
) -> None:
    with pytest.raises(WebhookError) as exc:
        _policy(*addresses).check_url(url)
    assert exc.value.code == code


# The explicit table (adapters/http.py), address by address: the answer the sender gives on any Python.
SSRF_TABLE = [
    ("93.184.216.34", True),  # public IPv4
    ("8.8.8.8", True),
    ("192.0.1.1", True),  # right next to 192.0.0.0/24 and 192.0.2.0/24
    ("0.0.0.0", False),  # noqa: S104 - an address refused, not one bound to
    ("10.255.255.255", False),
    ("100.64.0.1", False),  # carrier-grade NAT
    ("127.0.0.1", False),
    ("169.254.169.254", False),  # instance metadata
    ("172.31.255.255", False),
    ("192.0.0.9", False),  # IETF assignments (some call it global; the table refuses it on every Python)
    ("192.0.2.1", False),
    ("192.88.99.1", False),
    ("192.168.0.1", False),
    ("198.19.0.1", False),
    ("198.51.100.7", False),
    ("203.0.113.7", False),
    ("224.0.0.1", False),
    ("255.255.255.255", False),
    ("2606:2800:220:1:248:1893:25c8:1946", True),  # public IPv6
    ("2a00:1450:4001:81c::200e", True),
    ("::ffff:93.184.216.34", True),  # an IPv4-mapped public address is that address
    ("::ffff:169.254.169.254", False),
    ("::", False),
    ("::1", False),
    ("fe80::1", False),
    ("fd00::1", False),
    ("ff02::1", False),
    ("100::1", False),  # discard-only
    ("2001:db8::1", False),
    ("2001:2::1", False),  # benchmarking
    ("3fff::1", False),
    ("64:ff9b::5db8:d822", False),  # NAT64 of a public address: still a gateway into IPv4
    ("2002:5db8:d822::1", False),  # 6to4
    ("2001:0:4136:e378:8000:63bf:5601:5601", False),  # Teredo
]


@pytest.mark.parametrize(("address", "allowed"), SSRF_TABLE)
def test_the_ssrf_table_decides_without_pythons_own_address_tables(
    address: str, allowed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN Python's own idea of "global" and "private" unavailable (it differs between versions)
    import ipaddress

    def unavailable(self: object) -> bool:
        raise AssertionError("the SSRF guard must not ask ipaddress whether an address is global")

    for cls in (ipaddress.IPv4Address, ipaddress.IPv6Address):
        for prop in ("is_global", "is_private", "is_reserved", "is_link_local", "is_loopback"):
            monkeypatch.setattr(cls, prop, property(unavailable))
    # THEN the explicit table alone decides
    url = "https://ehr.example.com/h"
    if allowed:
        assert _policy(address).check_url(url) == url
    else:
        with pytest.raises(WebhookError) as refused:
            _policy(address).check_url(url)
        assert refused.value.code == "URL_PRIVATE_ADDRESS"


def test_public_https_urls_pass_and_local_receivers_need_both_allowances() -> None:
    assert _policy("93.184.216.34").check_url("https://ehr.example.com/h") == "https://ehr.example.com/h"
    assert _policy("2606:2800:220:1:248:1893:25c8:1946").check_url("https://v6.example.com/")  # public IPv6
    assert _policy("::ffff:93.184.216.34").check_url("https://ehr.example.com/h")  # a mapped public IPv4
    local = "http://127.0.0.1:8080/h"
    with pytest.raises(WebhookError):
        _policy("127.0.0.1", allow_http=True).check_url(local)
    assert _policy("127.0.0.1", allow_http=True, allow_private=True).check_url(local) == local


def test_transcripts_are_read_only_for_endpoints_that_opted_in() -> None:
    store, receiver, dlq, alerts = Store(), Receiver(), Recorder(), Recorder()
    register_endpoint(store, "acme", "plain", "https://a.example.com", validate_url=lambda u: u, now=T0)
    for name in ("full", "full2"):
        register_endpoint(
            store,
            "acme",
            name,
            f"https://{name}.example.com",
            validate_url=lambda u: u,
            include_transcripts=True,
            now=T0,
        )
    reads: list[str] = []

    def transcripts(e: DomainEvent) -> list[dict]:
        reads.append(e.id)
        return [{"question_id": "q1", "text": "我先耐心听他说完。"}]

    hooks = Webhooks(
        store, receiver, dlq, alerts, links=lambda e: {}, transcripts=transcripts, clock=lambda: T0
    )
    plain_event = event()
    plain_event.data.pop("transcripts")  # scored events carry no transcript: it is read from the result
    hooks.fan_out(plain_event)
    bodies = {url: json.loads(body)["data"] for url, _, body in receiver.requests}
    for url in ("https://full.example.com", "https://full2.example.com"):
        assert bodies[url]["transcripts"] == [{"question_id": "q1", "text": "我先耐心听他说完。"}]
    assert "transcripts" not in bodies["https://a.example.com"] and reads == ["evt_1"]  # one read for both


def test_a_disabled_endpoint_is_counted_once_with_no_tenant_or_url_in_a_dimension() -> None:
    from jiping.delivery.webhooks import ENDPOINT_DISABLED_METRIC
    from jiping.observability import metrics

    metrics.clear_metrics()
    hooks, *_ = setup(Response(status_code=410))
    hooks.fan_out(event(1))
    try:
        doc: dict[str, Any] = dict(metrics.serialize_metric_set())  # EMF: the metrics and metadata by name
    finally:
        metrics.clear_metrics()
    (directive,) = doc["_aws"]["CloudWatchMetrics"]
    assert [m["Name"] for m in directive["Metrics"]] == [ENDPOINT_DISABLED_METRIC]
    assert directive["Dimensions"] == [["service"]] and doc["service"] == "jiping"
    assert doc[ENDPOINT_DISABLED_METRIC] in (1.0, [1.0])
    assert not any("acme" in str(v) or "http" in str(v) for k, v in doc.items() if k != "_aws")


def test_a_receiver_whose_dns_does_not_answer_is_cut_off_at_the_deadline() -> None:
    import threading
    import time

    from jiping.adapters.http import HttpxSender

    release = threading.Event()

    def hanging(host: str, port: int) -> list[str]:  # a tenant-controlled name server that never answers
        release.wait(30)
        return ["93.184.216.34"]

    started = time.monotonic()
    answer = HttpxSender(UrlPolicy(resolver=hanging)).post("https://slow-dns.example/h", {}, b"{}", 0.5)
    release.set()
    assert answer.status_code is None and "DNS lookup timed out" in (answer.error or "")
    assert time.monotonic() - started < 2.5
