"""WeCom on the emulated cloud: wechatpy against the local WeCom stand-in, the token cache, the notice log
and the member counters on DynamoDB, and the NotifyWecom consumer fed by the bus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
from jiping.adapters.dynamo.wecom import DynamoWecomStore
from jiping.adapters.eventbridge import EventBridgePublisher
from jiping.adapters.wechat import DynamoSessionStorage, JipingWecomClient
from jiping.delivery.wecom import Notifier, WecomConfig
from jiping.domain.errors import TransientError
from jiping.domain.models import DomainEvent, WecomRecipients
from jiping.portal.interviews import create_interview

from infra import constants


class Alerts:
    def __init__(self) -> None:
        self.stopped: list[int | None] = []

    def wecom_stopped(self, tenant_id: str, errcode: int | None, detail: str) -> None:
        self.stopped.append(errcode)


@pytest.fixture
def wecom(cloud):
    cloud.wecom.reset()
    yield cloud.wecom
    cloud.wecom.reset()


def _store(cloud) -> DynamoWecomStore:
    return DynamoWecomStore(cloud.outputs[constants.OUTPUT_WECOM_STATE_TABLE])


def _notifier(cloud, alerts: Alerts | None = None, clock=None, config: WecomConfig | None = None) -> Notifier:
    store = _store(cloud)
    config = config or WecomConfig.model_validate(cloud.wecom.config())
    client = JipingWecomClient(config, DynamoSessionStorage(store), cloud.wecom.api_base)
    return Notifier(
        client,
        config.agent_id,
        store,
        store,
        alerts or Alerts(),
        report_url=lambda e: f"http://api.local/v1/interviews/{e.interview_id}/report",
        clock=clock or (lambda: datetime.now(UTC)),
        sleep=lambda s: None,
    )


def _event(n: int, tenant: str = "t-wc", type_: str = "interview.scored") -> DomainEvent:
    return DomainEvent(
        id=f"evt_wc_{tenant}_{n}",
        type=type_,
        time=datetime.now(UTC),
        tenant_id=tenant,
        interview_id=f"iv-wc-{n}",
        data={"overall_score": 70.0, "recommendation": "review"},
    )


def _interview(cloud, tenant: str, n: int, recipients: WecomRecipients | None):
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    return create_interview(repo, tenant, f"iv-wc-{n}", "job-x", wecom=recipients)


def test_a_hundred_notifications_fetch_the_token_once_across_clients(cloud, wecom):
    recipients = WecomRecipients(hr_user_ids=[f"hr{i}" for i in range(10)])
    for n in range(10):  # 10 events x 10 HR members = 100 app messages, through 10 separate clients
        notifier = _notifier(cloud)  # a fresh client: as each Lambda container would be
        interview = _interview(cloud, "t-wc-100", n, recipients)
        notifier.notify(_event(n, "t-wc-100"), interview, "客服专员")
    sent = [m for m in wecom.messages if m["api"] == "message/send"]
    assert len(sent) == 100 and wecom.token_fetches == 1 and wecom.dropped == 0
    assert sent[0]["textcard"]["title"] == "AI面试评估完成：客服专员"


def test_an_expired_token_causes_exactly_one_refresh(cloud, wecom):
    recipients = WecomRecipients(hr_user_ids=["zhangsan"])
    _notifier(cloud).notify(_event(200, "t-wc-exp"), _interview(cloud, "t-wc-exp", 200, recipients), "t")
    fetches = wecom.token_fetches
    wecom.expire_token()  # WeCom invalidates tokens early: the cached one now gets 42001
    out = _notifier(cloud).notify(
        _event(201, "t-wc-exp"), _interview(cloud, "t-wc-exp", 201, recipients), "t"
    )
    assert wecom.token_fetches == fetches + 1 and out[0].status == "sent"


def test_a_wrong_secret_stops_alerts_and_records_the_failure(cloud, wecom):
    alerts = Alerts()
    config = WecomConfig.model_validate(wecom.config() | {"corp_secret": "not-the-secret"})
    notifier = _notifier(cloud, alerts, config=config)
    interview = _interview(cloud, "t-wc-bad", 300, WecomRecipients(hr_user_ids=["zhangsan"]))
    out = notifier.notify(_event(300, "t-wc-bad"), interview, "t")
    assert out[0].status == "failed" and alerts.stopped == [40001] and wecom.messages == []
    logged = _store(cloud).for_interview("t-wc-bad", "iv-wc-300")
    assert {(n.recipient, n.status) for n in logged} == {("zhangsan", "failed"), ("candidate", "skipped")}


def test_a_members_31st_message_in_a_minute_is_deferred_not_dropped(cloud, wecom):
    minute = [datetime.now(UTC).replace(second=1, microsecond=0)]
    recipients = WecomRecipients(hr_user_ids=["busy-manager"])
    wecom.clock = lambda: minute[0]  # WeCom's minute is ours
    notifier = _notifier(cloud, clock=lambda: minute[0])
    for n in range(30):
        notifier.notify(
            _event(400 + n, "t-wc-rate"), _interview(cloud, "t-wc-rate", 400 + n, recipients), "t"
        )
    late = _interview(cloud, "t-wc-rate", 430, recipients)
    with pytest.raises(TransientError, match="deferred"):
        notifier.notify(_event(430, "t-wc-rate"), late, "t")
    minute[0] += timedelta(minutes=1)  # the queue redelivers it a minute later
    notifier.notify(_event(430, "t-wc-rate"), late, "t")
    assert wecom.dropped == 0
    assert len([m for m in wecom.messages if m.get("touser") == "busy-manager"]) == 31


def test_the_bus_tells_hr_and_the_candidate_once_and_records_a_skip(cloud, wecom):
    # GIVEN two interviews: one with an HR owner and an external-contact candidate, one without candidate id
    _interview(
        cloud, "t-wc-bus", 500, WecomRecipients(hr_user_ids=["zhangsan"], candidate_external_userid="wmC1")
    )
    _interview(cloud, "t-wc-bus", 501, WecomRecipients(hr_user_ids=["lisi"]))
    publisher = EventBridgePublisher(
        cloud.client("events"), cloud.outputs[constants.OUTPUT_EVENT_BUS], "jiping"
    )
    # WHEN their events are published (one of them twice)
    publisher.publish([_event(500, "t-wc-bus"), _event(501, "t-wc-bus"), _event(500, "t-wc-bus")])
    cloud.drain()
    # THEN NotifyWecom sent each notice once and recorded why the second candidate was not told
    calls = [(m["api"], m.get("touser") or m.get("external_userid")) for m in wecom.messages]
    assert sorted(calls, key=str) == sorted(
        [
            ("message/send", "zhangsan"),
            ("externalcontact/add_msg_template", ["wmC1"]),
            ("message/send", "lisi"),
        ],
        key=str,
    )
    card = next(m for m in wecom.messages if m.get("touser") == "zhangsan")["textcard"]
    assert card["url"] == "http://127.0.0.1:8787/v1/interviews/iv-wc-500/report"
    notices = _store(cloud).for_interview("t-wc-bus", "iv-wc-501")
    assert [(n.recipient, n.status, n.reason) for n in notices if n.status == "skipped"] == [
        ("candidate", "skipped", "the candidate has no WeCom external contact id")
    ]
