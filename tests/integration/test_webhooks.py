"""Webhooks on the emulated cloud: bus -> queue -> DeliverWebhooks -> the local EHR, and the retry path
with the real table, sender, dead-letter queue and alerts topic (time driven by an injected clock)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from jiping.adapters.dynamo.webhooks import DynamoWebhookStore
from jiping.adapters.eventbridge import EventBridgePublisher
from jiping.adapters.http import HttpxSender, UrlPolicy
from jiping.adapters.notify import SnsAlerts, SqsDeadLetters
from jiping.delivery.webhooks import (
    MAX_ATTEMPTS,
    DeliveryStatus,
    EndpointStatus,
    Webhooks,
    delivery_id,
    new_secret,
    register_endpoint,
)
from jiping.domain.models import DomainEvent

from infra import constants


@pytest.fixture
def ehr(cloud):
    cloud.ehr.reset()
    secret = new_secret()
    cloud.ehr.secrets[:] = [secret]
    yield cloud.ehr, secret
    cloud.ehr.reset()


def _store(cloud) -> DynamoWebhookStore:
    return DynamoWebhookStore(cloud.outputs[constants.OUTPUT_WEBHOOKS_TABLE])


def _register(cloud, tenant: str, secret: str, **kw) -> None:
    local = UrlPolicy(allow_http=True, allow_private=True)
    register_endpoint(
        _store(cloud), tenant, "ehr", cloud.ehr.url, validate_url=local.check_url, secret=secret, **kw
    )


def _event(tenant: str, interview: str, type_: str = "interview.scored") -> DomainEvent:
    return DomainEvent(
        id=f"evt_{tenant}_{interview}",
        type=type_,
        time=datetime.now(UTC),
        tenant_id=tenant,
        interview_id=interview,
        data={"overall_score": 77.0, "recommendation": "review", "result": {"bucket": "b", "key": "k"}},
    )


def _service(cloud, clock) -> Webhooks:
    return Webhooks(
        _store(cloud),
        HttpxSender(UrlPolicy(allow_http=True, allow_private=True)),
        SqsDeadLetters(cloud.client("sqs"), cloud.outputs[constants.OUTPUT_WEBHOOK_DLQ]),
        SnsAlerts(cloud.client("sns"), cloud.outputs[constants.OUTPUT_ALERTS_TOPIC]),
        links=lambda e: {"interview": f"http://api.local/v1/interviews/{e.interview_id}"},
        clock=clock,
        rng=lambda: 0.5,
    )


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_published_event_reaches_the_ehr_signed_once_even_when_published_twice(cloud, ehr):
    receiver, secret = ehr
    # GIVEN a tenant with an endpoint at the local EHR
    _register(cloud, "t-wh-1", secret)
    publisher = EventBridgePublisher(
        cloud.client("events"), cloud.outputs[constants.OUTPUT_EVENT_BUS], "jiping"
    )
    # WHEN the same event is published twice (EventBridge and SQS deliver at least once)
    publisher.publish([_event("t-wh-1", "iv-wh-1")])
    cloud.drain()
    publisher.publish([_event("t-wh-1", "iv-wh-1")])
    cloud.drain()
    # THEN the EHR verified and accepted exactly one delivery, with the summary and links, no object keys
    (got,) = list(receiver.for_interview("iv-wh-1"))
    assert got.status == 204 and got.headers["webhook-id"] == delivery_id("evt_t-wh-1_iv-wh-1", "ehr")
    body = got.json()
    assert body["type"] == "interview.scored" and body["data"]["overall_score"] == 77.0
    assert body["data"]["links"]["report"] == "http://127.0.0.1:8787/v1/interviews/iv-wh-1/report"
    assert "result" not in body["data"]
    (delivery,) = _store(cloud).list_deliveries("t-wh-1")
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts[0].status_code == 204


def test_a_tenant_without_endpoints_and_internal_events_make_no_delivery(cloud, ehr):
    receiver, secret = ehr
    _register(cloud, "t-wh-2", secret)
    publisher = EventBridgePublisher(
        cloud.client("events"), cloud.outputs[constants.OUTPUT_EVENT_BUS], "jiping"
    )
    publisher.publish([_event("t-wh-none", "iv-x"), _event("t-wh-2", "iv-y", "interview.transcribed")])
    cloud.drain()
    assert receiver.received == [] and _store(cloud).list_deliveries("t-wh-2") == []


def test_five_failures_then_success_give_one_accepted_delivery_with_every_attempt_logged(cloud, ehr):
    receiver, secret = ehr
    _register(cloud, "t-wh-3", secret)
    clock = Clock()
    receiver.clock = clock  # the EHR's clock moves with ours
    hooks = _service(cloud, clock)
    receiver.fail_next(4, status=503)
    receiver.fail_next(1, status=429, retry_after="120")
    store = _store(cloud)
    with cloud.schedules_paused():  # this test's clock, not the wall clock, says when a retry is due
        hooks.fan_out(_event("t-wh-3", "iv-wh-3"))
        for _ in range(10):
            (d,) = store.list_deliveries("t-wh-3")
            if d.next_attempt_at is None:
                break
            assert hooks.retry_due() == []  # not due yet: the sweeper waits
            clock.now = d.next_attempt_at + timedelta(seconds=1)
            hooks.retry_due()
    (d,) = store.list_deliveries("t-wh-3")
    assert d.status is DeliveryStatus.DELIVERED
    assert [a.status_code for a in d.attempts] == [503, 503, 503, 503, 429, 204]
    assert all(a.latency_ms >= 0 for a in d.attempts)
    assert (d.attempts[5].at - d.attempts[4].at) >= timedelta(seconds=120)  # Retry-After honoured
    assert receiver.accepted_ids == [d.delivery_id] and len(receiver.received) == 6


def test_410_disables_the_endpoint_and_alerts_the_operators(cloud, ehr):
    receiver, secret = ehr
    sqs, sns = cloud.client("sqs"), cloud.client("sns")
    alerts = sqs.create_queue(QueueName="alerts-subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=alerts, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=cloud.outputs[constants.OUTPUT_ALERTS_TOPIC],
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    _register(cloud, "t-wh-4", secret)
    receiver.gone()
    _service(cloud, Clock()).fan_out(_event("t-wh-4", "iv-wh-4"))
    assert _store(cloud).get_endpoint("t-wh-4", "ehr").status is EndpointStatus.DISABLED
    (msg,) = sqs.receive_message(QueueUrl=alerts, MaxNumberOfMessages=10)["Messages"]
    alert = json.loads(msg["Body"])
    assert alert == {
        "alert": "webhook_endpoint_disabled",
        "tenant_id": "t-wh-4",
        "endpoint_id": "ehr",
        "reason": "the endpoint answered 410 Gone",
    }


def test_exhausted_deliveries_land_in_the_dead_letter_queue_and_replay(cloud, ehr):
    receiver, secret = ehr
    _register(cloud, "t-wh-5", secret)
    clock = Clock()
    receiver.clock = clock
    hooks = _service(cloud, clock)
    receiver.fail_next(MAX_ATTEMPTS, status=500)
    store = _store(cloud)
    with cloud.schedules_paused():
        hooks.fan_out(_event("t-wh-5", "iv-wh-5"))
        while (d := store.list_deliveries("t-wh-5")[0]).next_attempt_at is not None:
            clock.now = d.next_attempt_at
            hooks.retry_due()
    assert d.status is DeliveryStatus.EXHAUSTED and len(d.attempts) == MAX_ATTEMPTS
    sqs = cloud.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=cloud.outputs[constants.OUTPUT_WEBHOOK_DLQ], MaxNumberOfMessages=10
    )
    parked = [json.loads(m["Body"]) for m in messages["Messages"]]
    assert {"tenant_id": "t-wh-5", "delivery_id": d.delivery_id}.items() <= parked[-1].items()
    # WHEN the operator replays it once the EHR is back
    replayed = hooks.replay("t-wh-5", d.delivery_id)
    assert replayed.status is DeliveryStatus.DELIVERED and receiver.accepted_ids == [d.delivery_id]


def test_the_retry_function_attempts_due_deliveries(cloud, ehr):
    receiver, secret = ehr
    _register(cloud, "t-wh-6", secret)
    receiver.fail_next(1, status=502)
    _service(cloud, Clock()).fan_out(_event("t-wh-6", "iv-wh-6"))
    store = _store(cloud)
    (d,) = store.list_deliveries("t-wh-6")
    d.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)  # as if its 5 s had passed
    # WHEN the scheduled RetryWebhooks function runs (the local schedule paused, so that this run is the one that
    # finds the due delivery, not a scheduled tick racing it)
    with cloud.schedules_paused():
        store.put_delivery(d)
        out = cloud.client("lambda").invoke(FunctionName=cloud.function("RetryWebhooks").name, Payload=b"{}")
    assert json.loads(out["Payload"].read())["delivered"] == 1
    (d,) = store.list_deliveries("t-wh-6")
    assert d.status is DeliveryStatus.DELIVERED and [a.status_code for a in d.attempts] == [502, 204]


def test_the_local_ehr_refuses_forged_stale_and_unsigned_requests(cloud, ehr):
    import httpx
    from jiping.delivery.webhooks import Delivery, headers_for

    receiver, secret = ehr
    now = datetime.now(UTC)
    d = Delivery(
        tenant_id="t",
        delivery_id="msg_x",
        endpoint_id="e",
        event_id="evt",
        event_type="interview.scored",
        interview_id="iv-forged",
        body='{"data":{"interview_id":"iv-forged"}}',
        created_at=now,
    )
    cases = {
        "genuine": headers_for(d, [secret], now),
        "forged": headers_for(d, [new_secret()], now),
        "stale": headers_for(d, [secret], now - timedelta(minutes=6)),
        "unsigned": {"content-type": "application/json"},
    }
    codes = {
        name: httpx.post(receiver.url, content=d.body, headers=h).status_code for name, h in cases.items()
    }
    assert codes == {"genuine": 204, "forged": 401, "stale": 401, "unsigned": 401}
    assert receiver.accepted_ids == ["msg_x"]


def test_the_table_lets_one_sweeper_claim_a_due_delivery(cloud, ehr):
    receiver, secret = ehr
    _register(cloud, "t-wh-7", secret)
    receiver.fail_next(1, status=503)
    clock = Clock()
    store = _store(cloud)
    with cloud.schedules_paused():
        _service(cloud, clock).fan_out(_event("t-wh-7", "iv-wh-7"))
        (d,) = store.list_deliveries("t-wh-7")
        (due,) = [x for x in store.due_deliveries(d.next_attempt_at, 100) if x.tenant_id == "t-wh-7"]
        until = d.next_attempt_at + timedelta(seconds=60)
        # one conditional write wins; the same stale read loses; the lease hides it from the due index
        assert store.claim_delivery(due, until) is True
        assert store.claim_delivery(due, until) is False
        assert [x for x in store.due_deliveries(d.next_attempt_at, 100) if x.tenant_id == "t-wh-7"] == []
        (again,) = [x for x in store.due_deliveries(until, 100) if x.tenant_id == "t-wh-7"]
        assert again.next_attempt_at == until  # a crashed sweeper's lease runs out and it is due again
