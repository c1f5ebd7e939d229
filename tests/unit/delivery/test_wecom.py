"""WeCom: the bounded retry policy, the hashed and expiring token cache, recipients, callbacks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jiping.adapters.wechat import DynamoSessionStorage, storage_key
from jiping.delivery.wecom import (
    Notice,
    Notifier,
    WecomConfig,
    WecomError,
    call,
)
from jiping.domain.errors import TransientError
from jiping.domain.models import DomainEvent, Interview, InterviewStatus, WecomRecipients
from wechatpy.exceptions import WeChatClientException

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class FakeClient:
    def __init__(self) -> None:
        self.fetches = 0
        self.drops = 0
        self.sent: list[tuple[str, dict]] = []
        self.errors: list[int] = []  # errcodes the next sends raise
        self.message = self
        self.oauth: Any = None  # sign-in is tested in tests/integration/test_workspace_api.py
        self.external_contact = self

    def drop_token(self) -> None:
        self.drops += 1

    def fetch_access_token(self) -> None:
        self.fetches += 1

    def _maybe_fail(self) -> None:
        if self.errors:
            raise WeChatClientException(self.errors.pop(0), "scripted")

    def send(self, agent_id: int, user: str, msg: dict) -> dict:
        self._maybe_fail()
        self.sent.append((user, msg))
        return {"errcode": 0}

    def add_msg_template(self, template: dict) -> dict:
        self._maybe_fail()
        self.sent.append(("external", template))
        return {"errcode": 0, "fail_list": []}


def sender(client: FakeClient):
    return lambda: client.send(1, "u", {})


# --- the retry policy -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [40014, 42001])
def test_an_invalid_or_expired_token_is_refreshed_once_and_the_send_retried_once(code: int) -> None:
    client = FakeClient()
    client.errors = [code]
    call(client, sender(client), sleep=lambda s: None)
    assert (client.drops, client.fetches, len(client.sent)) == (1, 1, 1)
    client.errors = [code, code]  # still refused after the refresh: no second refresh, no loop
    with pytest.raises(WecomError) as exc:
        call(client, sender(client), sleep=lambda s: None)
    assert exc.value.errcode == code and client.fetches == 2


@pytest.mark.parametrize("code", [45009, 45033, -1])
def test_rate_and_busy_errors_back_off_twice_then_defer_to_the_queue(code: int) -> None:
    client, slept = FakeClient(), list[float]()
    client.errors = [code, code]
    call(client, sender(client), sleep=slept.append)
    assert slept == [0.5, 1.0] and len(client.sent) == 1
    client.errors = [code] * 3
    with pytest.raises(TransientError):
        call(client, sender(client), sleep=slept.append)
    assert client.fetches == 0


@pytest.mark.parametrize("code", [40001, 60020, 81013])
def test_a_bad_secret_untrusted_ip_or_bad_recipient_stops_at_once(code: int) -> None:
    client = FakeClient()
    client.errors = [code]
    with pytest.raises(WecomError):
        call(client, sender(client), sleep=lambda s: pytest.fail("no backoff"))
    assert client.fetches == 0 and client.sent == []


# --- the token cache ------------------------------------------------------------------------------


class KV:
    def __init__(self) -> None:
        self.items: dict[str, tuple[str, float | None]] = {}

    def get_value(self, key: str, now: float) -> str | None:
        value, expires = self.items.get(key, (None, None))
        return None if value is None or (expires is not None and expires <= now) else value

    def put_value(self, key: str, value: str, expires_at: float | None) -> None:
        self.items[key] = (value, expires_at)

    def delete_value(self, key: str) -> None:
        self.items.pop(key, None)


def test_the_token_cache_hashes_wechatpys_key_and_enforces_expiry_on_read() -> None:
    kv, now = KV(), [1000.0]
    session = DynamoSessionStorage(kv, clock=lambda: now[0])
    key = "wwcorp_secret1234_access_token"  # wechatpy's key embeds 10 characters of the secret
    session.set(key, "tok", 7200)
    (stored,) = kv.items
    assert stored == storage_key(key) and "secret" not in stored and stored.startswith("token#")
    assert session.get(key) == "tok"
    now[0] += 7200 - 60  # refreshed a minute before WeCom would expire it
    assert session.get(key, "none") == "none"
    session.set(key, "tok2", 7200)
    session.delete(key)
    assert session.get(key) is None


# --- recipients -----------------------------------------------------------------------------------


class Log:
    def __init__(self) -> None:
        self.claims: set[tuple[str, str, str]] = set()
        self.records: list[Notice] = []

    def claim(self, n: Notice) -> bool:
        key = (n.event_id, n.channel, n.recipient)
        if key in self.claims:
            return False
        self.claims.add(key)
        return True

    def record(self, n: Notice) -> None:
        self.records.append(n)

    def release(self, n: Notice) -> None:
        self.claims.discard((n.event_id, n.channel, n.recipient))

    def for_interview(self, tenant_id: str, interview_id: str) -> list[Notice]:
        return self.records


class Limiter:
    def __init__(self, allow: bool = True) -> None:
        self.allow = allow

    def take(self, member: str, now: datetime) -> bool:
        return self.allow


class Alerts:
    def __init__(self) -> None:
        self.stopped: list[int | None] = []

    def wecom_stopped(self, tenant_id: str, errcode: int | None, detail: str) -> None:
        self.stopped.append(errcode)


def scored(recipients: WecomRecipients | None) -> tuple[DomainEvent, Interview]:
    event = DomainEvent(
        id="evt_1",
        type="interview.scored",
        time=T0,
        tenant_id="acme",
        interview_id="iv-1",
        data={"overall_score": 81.25, "recommendation": "review"},
    )
    interview = Interview(
        tenant_id="acme",
        interview_id="iv-1",
        status=InterviewStatus.SCORED,
        created_at=T0,
        updated_at=T0,
        wecom=recipients,
    )
    return event, interview


def notifier(
    client: FakeClient, log: Log, limiter: Limiter | None = None, alerts: Alerts | None = None
) -> Notifier:
    return Notifier(
        client,
        1000002,
        log,
        limiter or Limiter(),
        alerts or Alerts(),  # type: ignore[arg-type]
        report_url=lambda e: f"https://api.example.com/v1/interviews/{e.interview_id}/report",
        clock=lambda: T0,
        sleep=lambda s: None,
    )


def test_hr_get_a_textcard_with_the_summary_and_the_candidate_no_score() -> None:
    client, log = FakeClient(), Log()
    event, interview = scored(
        WecomRecipients(hr_user_ids=["zhangsan", "lisi"], candidate_external_userid="wmCand")
    )
    out = notifier(client, log).notify(event, interview, "客服专员")
    assert [(n.channel, n.recipient, n.status) for n in out] == [
        ("app", "zhangsan", "sent"),
        ("app", "lisi", "sent"),
        ("external", "candidate", "sent"),
    ]
    (user, msg), _, (_, template) = client.sent
    card = msg["textcard"]
    assert user == "zhangsan" and msg["msgtype"] == "textcard" and msg["enable_duplicate_check"] == 1
    assert (
        card["title"] == "AI面试评估完成：客服专员"
        and "81.2" in card["description"]
        and "建议人工复核" in card["description"]
    )
    assert card["url"].endswith("/v1/interviews/iv-1/report")
    assert template["external_userid"] == ["wmCand"] and template["sender"] == "zhangsan"
    assert "81" not in template["text"]["content"]  # the candidate is told it was evaluated, not the score


def test_the_hr_card_names_why_a_person_should_review_and_the_candidate_hears_none_of_it() -> None:
    client, log = FakeClient(), Log()
    event, interview = scored(WecomRecipients(hr_user_ids=["zhangsan"], candidate_external_userid="wmCand"))
    event.data["review_flags"] = [
        {"code": "KEYWORD_LIST", "question_id": "q1", "detail": "a list of words"},
        {"code": "SCORER_INSTRUCTION", "question_id": "q2", "detail": "1 sentence addresses the scorer"},
        {"code": "KEYWORD_LIST", "question_id": "q3", "detail": "a list of words"},
    ]
    notifier(client, log).notify(event, interview, "客服专员")
    (_, msg), (_, template) = client.sent
    assert "需复核：关键词堆砌、含针对评分的指令" in msg["textcard"]["description"]
    assert "关键词" not in template["text"]["content"] and "复核" in template["text"]["content"]


def test_a_candidate_without_a_wecom_id_is_skipped_with_a_recorded_reason() -> None:
    client, log = FakeClient(), Log()
    event, interview = scored(WecomRecipients(hr_user_ids=["zhangsan"]))
    out = notifier(client, log).notify(event, interview, "客服专员")
    skipped = [n for n in log.records if n.status == "skipped"]
    assert [(n.recipient, n.reason) for n in skipped] == [
        ("candidate", "the candidate has no WeCom external contact id")
    ]
    assert [n.status for n in out] == ["sent", "skipped"]


def test_an_interview_without_recipients_records_both_skips_and_sends_nothing() -> None:
    client, log = FakeClient(), Log()
    out = notifier(client, log).notify(*scored(None), "t")
    assert client.sent == [] and {n.status for n in out} == {"skipped"} and len(log.records) == 2


def test_a_repeated_event_sends_nothing_twice() -> None:
    client, log = FakeClient(), Log()
    event, interview = scored(WecomRecipients(hr_user_ids=["zhangsan"], candidate_external_userid="wmCand"))
    notifier(client, log).notify(event, interview, "t")
    again = notifier(client, log).notify(event, interview, "t")
    assert len(client.sent) == 2 and all("duplicate" in (n.reason or "") for n in again)


def test_a_member_over_the_limit_is_deferred_not_dropped() -> None:
    client, log = FakeClient(), Log()
    event, interview = scored(WecomRecipients(hr_user_ids=["zhangsan"]))
    with pytest.raises(TransientError, match="deferred"):
        notifier(client, log, Limiter(allow=False)).notify(event, interview, "t")
    assert client.sent == [] and log.claims == set()  # released: the redelivery will send it
    notifier(client, log).notify(event, interview, "t")
    assert [u for u, _ in client.sent] == ["zhangsan"]


def test_a_bad_secret_is_recorded_as_failed_and_alerts_once_per_send() -> None:
    client, log, alerts = FakeClient(), Log(), Alerts()
    client.errors = [40001]
    event, interview = scored(WecomRecipients(hr_user_ids=["zhangsan"]))
    out = notifier(client, log, alerts=alerts).notify(event, interview, "t")
    assert out[0].status == "failed" and "40001" in (out[0].reason or "") and alerts.stopped == [40001]


# --- callbacks ------------------------------------------------------------------------------------

# The example app of WeCom's callback documentation (published values, not a secret of ours).
CONFIG = WecomConfig(
    corp_id="wx5823bf96d3bd56c7",
    corp_secret="s",  # noqa: S106 - WeCom's published example
    agent_id=1,
    callback_token="QDG6eK",  # noqa: S106 - WeCom's published example
    encoding_aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
)


class FakeNonces:
    """CallbackNonces in memory: a key is claimed once."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def claim(self, key: str, expires_at: int) -> bool:
        if key in self.seen:
            return False
        self.seen[key] = expires_at
        return True


STAMP = "1409659813"
AT_STAMP = float(STAMP) + 10  # "now" for the example callback: ten seconds after it was signed


def _signed_example() -> tuple[str, str]:
    from wechatpy.enterprise.crypto import WeChatCrypto

    crypto = WeChatCrypto(CONFIG.callback_token, CONFIG.encoding_aes_key, CONFIG.corp_id)
    xml = (
        "<xml><ToUserName>wx5823bf96d3bd56c7</ToUserName><FromUserName>zhangsan</FromUserName>"
        "<CreateTime>1409659813</CreateTime><MsgType>text</MsgType><Content>复核</Content>"
        "<MsgId>4561255354251345929</MsgId><AgentID>218</AgentID></xml>"
    )
    encrypted = crypto.encrypt_message(xml, "nonce1", STAMP)
    import xmltodict

    return encrypted, xmltodict.parse(encrypted)["xml"]["MsgSignature"]


def test_a_genuine_callback_decrypts_and_a_forged_one_is_refused() -> None:
    from jiping.delivery.wecom import CallbackRefused, decrypt_callback, verify_callback_url

    encrypted, signature = _signed_example()
    nonces = FakeNonces()
    message = decrypt_callback(CONFIG, encrypted, signature, STAMP, "nonce1", nonces=nonces, now=AT_STAMP)
    assert message["type"] == "text" and message["source"] == "zhangsan"
    with pytest.raises(CallbackRefused) as forged:
        decrypt_callback(CONFIG, encrypted, "0" * 40, STAMP, "nonce1", nonces=nonces, now=AT_STAMP)
    assert forged.value.code == "CALLBACK_REFUSED"
    with pytest.raises(CallbackRefused):
        verify_callback_url(CONFIG, "0" * 40, STAMP, "nonce1", "bogus", nonces=nonces, now=AT_STAMP)
    assert len(nonces.seen) == 1  # a forged callback is never remembered


def test_a_callback_is_admitted_once_and_its_record_outlives_the_window() -> None:
    from jiping.delivery.wecom import CALLBACK_WINDOW_S, CallbackReplayed, decrypt_callback

    encrypted, signature = _signed_example()
    nonces = FakeNonces()
    decrypt_callback(CONFIG, encrypted, signature, STAMP, "nonce1", nonces=nonces, now=AT_STAMP)
    with pytest.raises(CallbackReplayed) as replayed:
        decrypt_callback(CONFIG, encrypted, signature, STAMP, "nonce1", nonces=nonces, now=AT_STAMP + 1)
    assert replayed.value.code == "CALLBACK_REPLAYED"
    (expires_at,) = nonces.seen.values()
    assert expires_at > int(STAMP) + CALLBACK_WINDOW_S  # no replay can be fresh once the record is gone


@pytest.mark.parametrize("offset", [-301, 301, 86_400 * 365])
def test_a_signed_callback_outside_the_window_is_stale(offset: int) -> None:
    from jiping.delivery.wecom import CallbackStale, decrypt_callback

    encrypted, signature = _signed_example()
    nonces = FakeNonces()
    with pytest.raises(CallbackStale) as stale:
        decrypt_callback(
            CONFIG, encrypted, signature, STAMP, "nonce1", nonces=nonces, now=float(STAMP) + offset
        )
    assert stale.value.code == "CALLBACK_STALE" and not nonces.seen


def test_a_secret_without_the_callback_keys_says_so_instead_of_crashing() -> None:
    from jiping.delivery.wecom import CallbackNotConfigured, decrypt_callback, verify_callback_url

    bare = CONFIG.model_copy(update={"callback_token": None, "encoding_aes_key": None})
    nonces = FakeNonces()
    with pytest.raises(CallbackNotConfigured, match="callback_token"):
        verify_callback_url(bare, "0" * 40, STAMP, "nonce1", "x", nonces=nonces, now=AT_STAMP)
    with pytest.raises(CallbackNotConfigured):
        decrypt_callback(bare, "<xml/>", "0" * 40, STAMP, "nonce1", nonces=nonces, now=AT_STAMP)


def test_a_refused_message_is_counted_with_the_errcode_as_metadata_and_no_person_in_a_dimension() -> None:
    from jiping.delivery.wecom import REFUSED_METRIC
    from jiping.observability import metrics

    metrics.clear_metrics()
    client, log = FakeClient(), Log()
    client.errors = [81013]
    event, interview = scored(WecomRecipients(hr_user_ids=["zhangsan"]))
    notifier(client, log).notify(event, interview, "t")
    try:
        doc: dict[str, Any] = dict(metrics.serialize_metric_set())  # EMF: the metrics and metadata by name
    finally:
        metrics.clear_metrics()
    (directive,) = doc["_aws"]["CloudWatchMetrics"]
    assert [m["Name"] for m in directive["Metrics"]] == [REFUSED_METRIC]
    assert directive["Dimensions"] == [["service"]] and doc[REFUSED_METRIC] in (1.0, [1.0])
    assert doc["wecom_errcode"] == 81013
    assert not any(
        who in str(v) for k, v in doc.items() if k != "_aws" for who in ("zhangsan", "acme", "iv-1")
    )
