"""The sweeper under one slow or crashing receiver (issue 16, point 1): every attempt is stored before it is
sent, so a sender cut off mid-send still counts it; each tenant gets a fair share of a sweep; and a sweep
starts no attempt it cannot finish before its deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from jiping.delivery.webhooks import (
    INTERRUPTED,
    LEASE_S,
    MAX_ATTEMPTS,
    RETRY_SCHEDULE_S,
    SWEEP_MARGIN_S,
    TIMEOUT_S,
    Delivery,
    DeliveryStatus,
    EndpointStatus,
    Response,
    Webhooks,
    delivery_id,
    enable_endpoint,
    fair_order,
    register_endpoint,
)

from tests.unit.delivery.test_webhooks import T0, Clock, Recorder, Store, event, setup


class Died(BaseException):
    """The Lambda ending mid-send: nothing after it in the process runs."""


def _die(*args: object) -> Response:
    raise Died


# --- the attempt is recorded before it is sent ---------------------------------------------------------


def test_the_first_attempt_is_stored_as_started_before_the_post() -> None:
    hooks, store, receiver, *_ = setup()
    seen: list[Delivery] = []
    real_post = receiver.post

    def post(url: str, headers: dict[str, str], body: bytes, timeout_s: float) -> Response:
        seen.extend(store.list_deliveries("acme"))  # what a sweeper would find if we died now
        return real_post(url, headers, body, timeout_s)

    receiver.post = post  # type: ignore[method-assign]
    hooks.fan_out(event())
    (during,) = seen
    assert [(a.at, a.in_flight) for a in during.attempts] == [(T0, True)]
    assert during.next_attempt_at == T0 + timedelta(seconds=LEASE_S)  # leased to this attempt
    (after,) = store.list_deliveries("acme")
    assert after.status is DeliveryStatus.DELIVERED and [
        (a.status_code, a.in_flight) for a in after.attempts
    ] == [(200, False)]


def test_a_retry_is_stored_as_started_before_the_post() -> None:
    hooks, store, receiver, clock, *_ = setup(Response(status_code=503))
    hooks.fan_out(event())
    clock.now = store.list_deliveries("acme")[0].next_attempt_at
    seen: list[Delivery] = []
    due_meanwhile: list[Delivery] = []
    real_post = receiver.post

    def post(url: str, headers: dict[str, str], body: bytes, timeout_s: float) -> Response:
        seen.extend(store.list_deliveries("acme"))
        due_meanwhile.extend(store.due_deliveries(clock.now + timedelta(seconds=LEASE_S), 10))
        return real_post(url, headers, body, timeout_s)

    receiver.post = post  # type: ignore[method-assign]
    assert len(hooks.retry_due()) == 1
    (during,) = seen
    assert [(a.status_code, a.in_flight) for a in during.attempts] == [(503, False), (None, True)]
    assert during.attempts[1].at == clock.now
    # hidden from other sweepers for the attempt, and due again no sooner than the schedule says
    assert during.next_attempt_at == clock.now + timedelta(seconds=RETRY_SCHEDULE_S[1])
    assert due_meanwhile == []


def test_an_attempt_cut_off_mid_send_counts_and_the_next_follows_the_schedule() -> None:
    # GIVEN a delivery that failed once, whose retry is cut off mid-send (the sweeper's Lambda ended)
    hooks, store, receiver, clock, *_ = setup(Response(status_code=503, latency_ms=5))
    hooks.fan_out(event())
    clock.now = store.list_deliveries("acme")[0].next_attempt_at
    cut_at = clock.now
    receiver.post = _die  # type: ignore[method-assign]
    with pytest.raises(Died):
        hooks.retry_due()
    del receiver.post  # the real one again
    # WHEN sweepers run after the lease (but before the schedule's next step) and then after it
    clock.now = cut_at + timedelta(seconds=LEASE_S + 1)
    assert hooks.retry_due() == [] and len(receiver.requests) == 1
    clock.now = cut_at + timedelta(seconds=RETRY_SCHEDULE_S[1])
    assert len(hooks.retry_due()) == 1
    # THEN the cut-off attempt is in the log, counted, and the third attempt delivered
    (d,) = store.list_deliveries("acme")
    assert d.status is DeliveryStatus.DELIVERED
    assert [(a.status_code, a.error, a.in_flight) for a in d.attempts] == [
        (503, None, False),
        (None, INTERRUPTED, False),
        (200, None, False),
    ]
    assert d.attempts[1].at == cut_at and len(receiver.requests) == 2


def test_a_delivery_whose_last_attempt_was_cut_off_is_exhausted_without_another_send() -> None:
    hooks, store, receiver, clock, dlq, *_ = setup(*[Response(status_code=500)] * (MAX_ATTEMPTS - 1))
    hooks.fan_out(event())
    while len((d := store.list_deliveries("acme")[0]).attempts) < MAX_ATTEMPTS - 1:
        clock.now = d.next_attempt_at
        hooks.retry_due()
    clock.now = d.next_attempt_at
    receiver.post = _die  # type: ignore[method-assign]
    with pytest.raises(Died):
        hooks.retry_due()  # the last attempt, cut off
    del receiver.post
    clock.now = store.list_deliveries("acme")[0].next_attempt_at
    (done,) = hooks.retry_due()
    assert done.status is DeliveryStatus.EXHAUSTED and dlq.items == [done.delivery_id]
    assert len(done.attempts) == MAX_ATTEMPTS and done.attempts[-1].error == INTERRUPTED
    assert len(receiver.requests) == MAX_ATTEMPTS - 1  # no eleventh send


# --- a fair sweep --------------------------------------------------------------------------------------


def _due(store: Store, tenant: str, n: int, at: datetime) -> None:
    register_endpoint(
        store, tenant, "ehr", f"https://{tenant}.example.com/h", validate_url=lambda u: u, now=T0
    )
    for i in range(n):
        store.create_delivery(
            Delivery(
                tenant_id=tenant,
                delivery_id=delivery_id(f"evt_{tenant}_{i}", "ehr"),
                endpoint_id="ehr",
                event_id=f"evt_{tenant}_{i}",
                event_type="interview.scored",
                interview_id=f"iv-{i}",
                body="{}",
                next_attempt_at=at + timedelta(milliseconds=i),
                created_at=at,
            )
        )


def _sweeper(store: Store, clock: Clock, sent: list[str], seconds_per_post: float = 0.0) -> Webhooks:
    class Sender:
        def post(self, url: str, headers: dict[str, str], body: bytes, timeout_s: float) -> Response:
            sent.append(url.split("//")[1].split(".")[0])  # the tenant
            clock.now += timedelta(seconds=seconds_per_post)
            return Response(status_code=200, latency_ms=int(seconds_per_post * 1000))

    return Webhooks(store, Sender(), Recorder(), Recorder(), links=lambda e: {}, clock=clock, rng=lambda: 0.5)


def test_a_tenant_with_a_backlog_leaves_room_for_the_others_in_one_sweep() -> None:
    # GIVEN tenant a with 500 due deliveries, older than tenant b's 3
    store, clock, sent = Store(), Clock(T0 + timedelta(hours=1)), list[str]()
    _due(store, "a", 500, T0)
    _due(store, "b", 3, T0 + timedelta(minutes=5))
    # WHEN one sweep runs with a limit of 100 and a share of 20 per tenant
    done = _sweeper(store, clock, sent).retry_due(limit=100, per_tenant=20)
    # THEN b's three are delivered, a's share with them, in turns
    assert sent.count("b") == 3 and sent.count("a") == 20 and len(done) == 23
    assert sent[:6] == ["a", "b", "a", "b", "a", "b"]
    assert all(d.status is DeliveryStatus.DELIVERED for d in store.list_deliveries("b"))
    assert len(store.due_deliveries(clock.now, 1000)) == 480  # a's rest: due for the next sweeps


def test_a_sweep_starts_no_attempt_that_cannot_end_before_its_deadline() -> None:
    # GIVEN two tenants' due deliveries and receivers taking the whole 15 s timeout each
    store, clock, sent = Store(), Clock(T0 + timedelta(hours=1)), list[str]()
    _due(store, "a", 10, T0)
    _due(store, "b", 10, T0)
    start = clock.now
    deadline = start + timedelta(seconds=60)  # the Lambda's remaining time
    # WHEN a sweep runs
    done = _sweeper(store, clock, sent, seconds_per_post=TIMEOUT_S).retry_due(deadline=deadline)
    # THEN it started only attempts that fit (timeout + margin) and shared them; the rest stay due, unclaimed
    fits = int((60 - TIMEOUT_S - SWEEP_MARGIN_S) // TIMEOUT_S) + 1
    assert len(done) == fits == 3 and sent == ["a", "b", "a"]
    assert clock.now <= deadline
    left = store.due_deliveries(clock.now, 100)
    assert len(left) == 17 and all(d.attempts == [] for d in left)


def test_an_event_with_no_time_left_makes_its_delivery_due_for_the_sweeper() -> None:
    hooks, store, receiver, clock, *_ = setup()
    (made,) = hooks.fan_out(event(), deadline=clock.now + timedelta(seconds=TIMEOUT_S))
    assert receiver.requests == [] and made.attempts == []
    assert [d.delivery_id for d in store.due_deliveries(clock.now, 10)] == [made.delivery_id]
    (sent,) = hooks.retry_due()
    assert sent.status is DeliveryStatus.DELIVERED and len(receiver.requests) == 1


def test_a_disabled_endpoints_backlog_leaves_the_sweep_and_returns_when_it_is_enabled() -> None:
    # GIVEN a disabled endpoint with due deliveries
    store, clock, sent = Store(), Clock(T0 + timedelta(hours=1)), list[str]()
    _due(store, "a", 30, T0)
    endpoint = store.get_endpoint("a", "ehr")
    assert endpoint is not None
    endpoint.status = EndpointStatus.DISABLED
    store.put_endpoint(endpoint)
    hooks = _sweeper(store, clock, sent)
    # WHEN a sweep finds them
    assert hooks.retry_due() == [] and sent == []
    # THEN they are pending but out of the due set (not read again every minute) ...
    assert store.due_deliveries(clock.now + timedelta(days=30), 100) == []
    assert {d.status for d in store.list_deliveries("a")} == {DeliveryStatus.PENDING}
    # ... and enabling the endpoint makes them due again
    enable_endpoint(store, "a", "ehr", now=clock.now)
    assert len(hooks.retry_due()) == 30 and sent.count("a") == 30


def test_fair_order_takes_turns_and_caps_each_tenant() -> None:
    def d(tenant: str, n: int) -> Delivery:
        return Delivery(
            tenant_id=tenant,
            delivery_id=f"msg_{tenant}{n}",
            endpoint_id="e",
            event_id="x",
            event_type="interview.scored",
            interview_id="iv",
            body="{}",
            created_at=T0,
        )

    got = fair_order([d("a", 1), d("a", 2), d("a", 3), d("b", 1), d("c", 1), d("c", 2)], per_tenant=2)
    assert [x.delivery_id for x in got] == ["msg_a1", "msg_b1", "msg_c1", "msg_a2", "msg_c2"]
