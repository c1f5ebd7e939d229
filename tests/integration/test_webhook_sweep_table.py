"""The sweeper's reads and claims on the real webhooks table (issue 16, point 1): the ``Due`` index read with a
per-tenant share, and a claim that stores the attempt it starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jiping.adapters.dynamo.webhooks import DynamoWebhookStore
from jiping.delivery.webhooks import Attempt, Delivery, delivery_id

from infra import constants


def _store(cloud) -> DynamoWebhookStore:
    return DynamoWebhookStore(cloud.outputs[constants.OUTPUT_WEBHOOKS_TABLE])


def _delivery(tenant: str, i: int, due: datetime) -> Delivery:
    return Delivery(
        tenant_id=tenant,
        delivery_id=delivery_id(f"evt_{tenant}_{i}", "ehr"),
        endpoint_id="ehr",
        event_id=f"evt_{tenant}_{i}",
        event_type="interview.scored",
        interview_id=f"iv-{i}",
        body="{}",
        next_attempt_at=due + timedelta(milliseconds=i),
        created_at=due,
    )


def test_the_due_index_gives_a_small_tenant_its_deliveries_beside_a_large_backlog(cloud):
    store = _store(cloud)
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)  # older than anything other tests left due
    with cloud.schedules_paused():  # no scheduled sweeper takes them meanwhile
        for i in range(120):
            store.create_delivery(_delivery("t-sweep-big", i, long_ago))
        for i in range(3):
            store.create_delivery(_delivery("t-sweep-small", i, long_ago + timedelta(days=1)))
        due = store.due_deliveries(long_ago + timedelta(days=2), limit=30, per_tenant=10)
        for d in store.list_deliveries("t-sweep-big") + store.list_deliveries("t-sweep-small"):
            d.next_attempt_at = None  # out of the index again, for the other tests' sweeps
            store.put_delivery(d)
    tenants = [d.tenant_id for d in due]
    assert tenants.count("t-sweep-small") == 3 and tenants.count("t-sweep-big") == 10
    big = [d.next_attempt_at for d in due if d.tenant_id == "t-sweep-big"]
    assert big == sorted(big) and big[0] == long_ago  # a tenant's oldest first


def test_a_claim_stores_the_started_attempt_once(cloud):
    store = _store(cloud)
    due_at = datetime(2020, 2, 1, tzinfo=UTC)
    with cloud.schedules_paused():
        store.create_delivery(_delivery("t-sweep-claim", 0, due_at))
        (due,) = [
            d
            for d in store.due_deliveries(due_at + timedelta(seconds=1), 100)
            if d.tenant_id == "t-sweep-claim"
        ]
        due.attempts.append(Attempt(at=due_at, latency_ms=0, in_flight=True))
        until = due_at + timedelta(minutes=5)
        assert store.claim_delivery(due, until) is True
        assert store.claim_delivery(due, until) is False  # the same stale read loses
        stored = store.get_delivery("t-sweep-claim", due.delivery_id)
        assert stored is not None
        stored.next_attempt_at = None
        store.put_delivery(stored)
    assert [a.in_flight for a in stored.attempts] == [True]
