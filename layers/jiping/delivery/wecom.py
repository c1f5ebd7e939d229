"""WeCom (企业微信) notifications through wechatpy, with our own bounded retries: who is told, the notice log,
rate limits and the retry policy in full: docs/wecom.md."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from wechatpy.exceptions import WeChatClientException

from jiping.domain.errors import JipingError, TransientError
from jiping.domain.models import DomainEvent, Interview, Model, utcnow
from jiping.domain.review_codes import REVIEW_LABELS  # the card's labels, shared with the workspace
from jiping.observability import metrics

OFFICIAL_API_BASE = "https://qyapi.weixin.qq.com/cgi-bin/"
REFRESH_CODES = {40014, 42001}
BACKOFF_CODES = {45009, 45033, -1}
STOP_CODES = {40001, 60020}
BACKOFF_S = (0.5, 1.0)
PER_MINUTE, PER_HOUR = 30, 1000
DUPLICATE_CHECK_INTERVAL_S = 1800
NOTIFY_EVENTS = ("interview.scored", "interview.rejected", "interview.failed")
# A count per message WeCom refused with an errcode (the operations alarm watches it); the errcode goes in the
# metric's metadata, never a dimension, and nothing about the tenant or the recipient does.
REFUSED_METRIC = "WecomRefused"

T = TypeVar("T")


class WecomConfig(Model):
    """The app's credentials, from Secrets Manager (never from the template or the environment)."""

    corp_id: str
    corp_secret: str
    agent_id: int
    callback_token: str | None = None
    encoding_aes_key: str | None = None


class WecomError(JipingError):
    """A WeCom call that retrying will not fix (wrong secret, untrusted IP, bad recipient...)."""

    def __init__(self, errcode: int | None, detail: str) -> None:
        super().__init__(f"WeCom {errcode}: {detail}")
        self.errcode = errcode


class Notice(Model):
    tenant_id: str
    interview_id: str
    event_id: str
    channel: str  # "app" (directory member) | "external" (candidate)
    recipient: str  # a userid, or "candidate"
    status: str  # "sending" | "sent" | "skipped" | "failed"
    reason: str | None = None
    at: datetime


# --- ports ----------------------------------------------------------------------------------------


class NoticeLog(Protocol):
    def claim(self, notice: Notice) -> bool:
        """Record ``notice`` as sending; False when it was already sent (or is being sent)."""

    def record(self, notice: Notice) -> None:
        """Store the notice's outcome (sent, skipped, failed), replacing its claim."""

    def release(self, notice: Notice) -> None:
        """Drop a claim whose send will be retried."""

    def for_interview(self, tenant_id: str, interview_id: str) -> list[Notice]: ...


class RateLimiter(Protocol):
    def take(self, member: str, now: datetime) -> bool:
        """Count one message to ``member``; False (and nothing counted) when over a limit."""


class Alerts(Protocol):
    def wecom_stopped(self, tenant_id: str, errcode: int | None, detail: str) -> None: ...


# --- wechatpy plumbing ----------------------------------------------------------------------------


class WecomClient(Protocol):
    """What the notifier uses of wechatpy's enterprise client (``JipingWecomClient``; tests use a fake)."""

    message: Any  # wechatpy's message API: send(agent_id, user, msg)
    external_contact: Any  # wechatpy's external-contact API: add_msg_template(template)
    oauth: Any  # wechatpy's OAuth API (网页授权): authorize_url(redirect_uri, state), get_user_info(code)

    def drop_token(self) -> None: ...

    def fetch_access_token(self) -> Any: ...


class KeyValueStore(Protocol):
    def get_value(self, key: str, now: float) -> str | None:
        """The value, or None when missing or expired at ``now`` (epoch seconds)."""

    def put_value(self, key: str, value: str, expires_at: float | None) -> None: ...

    def delete_value(self, key: str) -> None: ...


def call(client: WecomClient, send: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T:
    """One WeCom call with our bounded retry policy (see the module doc)."""
    refreshed = False
    backoffs = list(BACKOFF_S)
    while True:
        try:
            return send()
        except WeChatClientException as exc:
            code = exc.errcode
            if code in REFRESH_CODES and not refreshed:
                client.drop_token()
                client.fetch_access_token()
                refreshed = True
                continue
            if code in BACKOFF_CODES:
                if backoffs:
                    sleep(backoffs.pop(0))
                    continue
                raise TransientError(f"WeCom {code}: still limited after backing off") from None
            if code is None:  # HTTP error before WeCom answered
                raise TransientError("WeCom: no answer") from None
            raise WecomError(code, str(exc.errmsg)[:200]) from None
        except OSError as exc:  # requests' connection errors are OSErrors
            raise TransientError(f"WeCom: {type(exc).__name__}") from None


# --- messages -------------------------------------------------------------------------------------


def _review_line(data: dict) -> str:
    codes = list(
        dict.fromkeys(str(f.get("code")) for f in data.get("review_flags") or [] if isinstance(f, dict))
    )
    if not codes:
        return ""
    shown = "、".join(REVIEW_LABELS.get(c, c) for c in codes[:3]) + ("等" if len(codes) > 3 else "")
    return f'<div class="highlight">需复核：{shown}</div>'


def _hr_card(event: DomainEvent, job_title: str, report_url: str) -> dict[str, str]:
    data = event.data
    if event.type == "interview.scored":
        verdict = {"advance": "建议进入下一轮", "review": "建议人工复核", "decline": "建议不予通过"}
        score = data.get("overall_score")
        score_text = f"{score:.1f}" if isinstance(score, int | float) else "—"
        desc = (
            f'<div class="normal">综合得分 {score_text} · {verdict.get(str(data.get("recommendation")), "")}</div>'
            f"{_review_line(data)}"
            f'<div class="gray">面试编号 {event.interview_id}</div>'
        )
        return {
            "title": f"AI面试评估完成：{job_title}",
            "description": desc,
            "url": report_url,
            "btntxt": "查看报告",
        }
    if event.type == "interview.rejected":
        desc = (
            f'<div class="normal">上传的视频无法评估（{data.get("reason_code")}），请候选人重新上传。</div>'
            f'<div class="gray">面试编号 {event.interview_id}</div>'
        )
        return {
            "title": f"面试视频未通过检查：{job_title}",
            "description": desc,
            "url": report_url,
            "btntxt": "详情",
        }
    desc = (
        f'<div class="normal">评估未能完成，已记录错误，系统将重试或由运维处理。</div>'
        f'<div class="gray">面试编号 {event.interview_id}</div>'
    )
    return {"title": f"面试评估失败：{job_title}", "description": desc, "url": report_url, "btntxt": "详情"}


def _candidate_text(event: DomainEvent) -> str:
    if event.type == "interview.rejected":
        return "您上传的面试视频无法评估（格式或内容不完整），请按 HR 的提示重新上传。"
    if event.type == "interview.scored":
        return "您的AI面试已完成评估，HR 会尽快与您联系。如需人工复核，请直接回复 HR。"
    return "您的AI面试正在处理中，如有需要 HR 会与您联系。"


class Subject(Model):
    """What a notice is about when it is no domain event (an invitation, a reminder): its log key."""

    tenant_id: str
    interview_id: str
    id: str


class Notifier:
    def __init__(
        self,
        client: WecomClient,
        agent_id: int,
        log: NoticeLog,
        limiter: RateLimiter,
        alerts: Alerts,
        *,
        report_url: Callable[[DomainEvent], str],
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client, self.agent_id, self.log, self.limiter, self.alerts = (
            client,
            agent_id,
            log,
            limiter,
            alerts,
        )
        self.report_url, self.clock, self.sleep = report_url, clock, sleep

    def notify(
        self,
        event: DomainEvent,
        interview: Interview | None,
        job_title: str,
        candidate_text: str | None = None,
    ) -> list[Notice]:
        """Tell the interview's HR owners and candidate about ``event`` (``candidate_text``: what the candidate
        is told instead of the standard line, e.g. their feedback); returns every outcome."""
        if event.type not in NOTIFY_EVENTS:
            return []
        recipients = interview.wecom if interview else None
        outcomes: list[Notice] = []
        hr = recipients.hr_user_ids if recipients else []
        for user in hr:
            outcomes.append(
                self._send(event, "app", user, functools.partial(self._send_card, event, user, job_title))
            )
        if not hr:
            outcomes.append(
                self._skip(event, "app", "hr", "no HR owner with a WeCom userid on the interview")
            )
        candidate = recipients.candidate_external_userid if recipients else None
        sender = (recipients.sender_user_id or (hr[0] if hr else None)) if recipients else None
        if candidate is None:
            outcomes.append(
                self._skip(event, "external", "candidate", "the candidate has no WeCom external contact id")
            )
        elif sender is None:
            outcomes.append(
                self._skip(event, "external", "candidate", "no member to send to the external contact")
            )
        else:
            outcomes.append(
                self._send(
                    event,
                    "external",
                    "candidate",
                    lambda: self._send_external(candidate_text or _candidate_text(event), sender, candidate),
                )
            )
        return outcomes

    def tell_candidate(self, interview: Interview, message_id: str, text: str) -> Notice:
        """Send ``text`` to the interview's candidate (a WeCom external contact), once per ``message_id``:
        an invitation with its link, a reminder, feedback. Skipped (and logged so) without a contact."""
        subject = Subject(tenant_id=interview.tenant_id, interview_id=interview.interview_id, id=message_id)
        recipients = interview.wecom
        candidate = recipients.candidate_external_userid if recipients else None
        hr = recipients.hr_user_ids if recipients else []
        sender = (recipients.sender_user_id or (hr[0] if hr else None)) if recipients else None
        if candidate is None:
            return self._skip(
                subject, "external", "candidate", "the candidate has no WeCom external contact id"
            )
        if sender is None:
            return self._skip(subject, "external", "candidate", "no member to send to the external contact")
        return self._send(
            subject, "external", "candidate", lambda: self._send_external(text, sender, candidate)
        )

    # -- sending -----------------------------------------------------------------------------------

    def _notice(
        self,
        event: DomainEvent | Subject,
        channel: str,
        recipient: str,
        status: str,
        reason: str | None = None,
    ) -> Notice:
        return Notice(
            tenant_id=event.tenant_id,
            interview_id=event.interview_id,
            event_id=event.id,
            channel=channel,
            recipient=recipient,
            status=status,
            reason=reason,
            at=self.clock(),
        )

    def _skip(self, event: DomainEvent | Subject, channel: str, recipient: str, reason: str) -> Notice:
        notice = self._notice(event, channel, recipient, "skipped", reason)
        self.log.record(notice)
        return notice

    def _send(
        self, event: DomainEvent | Subject, channel: str, recipient: str, send: Callable[[], Any]
    ) -> Notice:
        claim = self._notice(event, channel, recipient, "sending")
        if not self.log.claim(claim):
            return self._notice(event, channel, recipient, "sent", "already sent (duplicate suppressed)")
        if channel == "app" and not self.limiter.take(recipient, self.clock()):
            self.log.release(claim)
            raise TransientError("a WeCom member's message limit is reached: deferred")
        try:
            call(self.client, send, self.sleep)
        except TransientError:
            self.log.release(claim)
            raise
        except WecomError as exc:
            metrics.add_metric(name=REFUSED_METRIC, unit=MetricUnit.Count, value=1)
            metrics.add_metadata(key="wecom_errcode", value=exc.errcode)
            if exc.errcode in STOP_CODES:
                self.alerts.wecom_stopped(event.tenant_id, exc.errcode, str(exc))
            failed = self._notice(event, channel, recipient, "failed", str(exc))
            self.log.record(failed)
            return failed
        sent = self._notice(event, channel, recipient, "sent")
        self.log.record(sent)
        return sent

    def tell_member(self, subject: Subject, user: str, card: dict[str, str]) -> Notice:
        """Send a text card to a member of the corp (a hiring manager), once per ``subject``."""
        msg = {
            "msgtype": "textcard",
            "textcard": card,
            "enable_duplicate_check": 1,
            "duplicate_check_interval": DUPLICATE_CHECK_INTERVAL_S,
        }
        return self._send(
            subject, "app", user, lambda: self.client.message.send(self.agent_id, user, msg=msg)
        )

    def authorize_url(self, oauth_url: str, redirect_uri: str, state: str) -> str:
        """WeCom's sign-in page (网页授权, ``snsapi_base``: silent inside WeCom) that returns to ``redirect_uri``."""
        self.client.oauth.OAUTH_BASE_URL = oauth_url  # wechatpy's class default is WeCom's own address
        return str(self.client.oauth.authorize_url(redirect_uri, state=state))

    def member_of_code(self, code: str) -> str | None:
        """The corp member's userid behind an OAuth ``code`` (None: a WeCom user outside the corp)."""
        found = call(self.client, lambda: self.client.oauth.get_user_info(code), self.sleep)
        user = found.get("UserId") or found.get("userid")
        return str(user) if user else None

    def _send_card(self, event: DomainEvent, user: str, job_title: str) -> Any:
        card = _hr_card(event, job_title, self.report_url(event))
        return self.client.message.send(
            self.agent_id,
            user,
            msg={
                "msgtype": "textcard",
                "textcard": card,
                "enable_duplicate_check": 1,
                "duplicate_check_interval": DUPLICATE_CHECK_INTERVAL_S,
            },
        )

    def _send_external(self, text: str, sender: str, candidate: str) -> Any:
        result = self.client.external_contact.add_msg_template(
            {"external_userid": [candidate], "sender": sender, "text": {"content": text}}
        )
        if result.get("fail_list"):
            raise WecomError(None, "the external contact could not be reached")
        return result


# --- callbacks ------------------------------------------------------------------------------------

# wechatpy checks a callback's signature but not its age: a captured callback would verify for ever. A
# callback is admitted once, and only while its timestamp is within CALLBACK_WINDOW_S of now; its
# (timestamp, nonce, signature) is remembered a little beyond that window, so a replay meets the record.
CALLBACK_WINDOW_S = 300
CALLBACK_NONCE_GRACE_S = 60


class CallbackConfig(Model):
    """What the callback verifies with, from its own secret (no corp_secret: the callback cannot send).

    ``corp_id`` is the enterprise's id, not a credential: WeCom encrypts it into every callback and
    wechatpy checks that it is ours."""

    callback_token: str | None = None
    encoding_aes_key: str | None = None
    corp_id: str


class CallbackNonces(Protocol):
    def claim(self, key: str, expires_at: int) -> bool:
        """Remember ``key`` until ``expires_at`` (epoch seconds); False when it was already remembered."""


class CallbackRefused(JipingError):
    """A callback whose signature does not verify (forged, or not from WeCom)."""

    code = "CALLBACK_REFUSED"


class CallbackStale(CallbackRefused):
    """A signed callback whose timestamp is outside the window (an old one, replayed)."""

    code = "CALLBACK_STALE"


class CallbackReplayed(CallbackRefused):
    """A signed callback already admitted once (the same timestamp, nonce and signature)."""

    code = "CALLBACK_REPLAYED"


class CallbackNotConfigured(JipingError):
    """The callback secret has no callback_token / encoding_aes_key: the callback cannot be verified."""


def _crypto(config: CallbackConfig | WecomConfig) -> Any:
    from wechatpy.enterprise.crypto import WeChatCrypto

    if not config.callback_token or not config.encoding_aes_key:
        raise CallbackNotConfigured("the WeCom callback secret has no callback_token and encoding_aes_key")
    return WeChatCrypto(config.callback_token, config.encoding_aes_key, config.corp_id)


def admit_callback(
    nonces: CallbackNonces,
    msg_signature: str,
    timestamp: str,
    nonce: str,
    *,
    now: float,
    window_s: int = CALLBACK_WINDOW_S,
) -> None:
    """Admit a callback whose signature verified: fresh, and never seen before (else CallbackStale or
    CallbackReplayed). Its record outlives the window, so a replay is refused one way or the other."""
    try:
        stamp = int(timestamp)
    except ValueError:
        raise CallbackStale("the callback timestamp is not a number") from None
    if abs(now - stamp) > window_s:
        raise CallbackStale(f"the callback timestamp is more than {window_s} s away from now")
    key = hashlib.sha256(f"{timestamp}|{nonce}|{msg_signature}".encode()).hexdigest()
    if not nonces.claim(key, expires_at=stamp + window_s + CALLBACK_NONCE_GRACE_S):
        raise CallbackReplayed("this callback was already received")


def verify_callback_url(
    config: CallbackConfig | WecomConfig,
    msg_signature: str,
    timestamp: str,
    nonce: str,
    echostr: str,
    *,
    nonces: CallbackNonces,
    now: float,
    window_s: int = CALLBACK_WINDOW_S,
) -> str:
    """The URL check (GET): the decrypted echostr to answer with, or CallbackRefused (forged, stale or
    replayed)."""
    from wechatpy.exceptions import InvalidSignatureException

    crypto = _crypto(config)
    try:
        plain = str(crypto.check_signature(msg_signature, timestamp, nonce, echostr))
    except InvalidSignatureException:
        raise CallbackRefused("the callback signature does not verify") from None
    except (ValueError, UnicodeDecodeError):  # signed, but not decryptable with our key
        raise CallbackRefused("the callback cannot be decrypted") from None
    admit_callback(nonces, msg_signature, timestamp, nonce, now=now, window_s=window_s)
    return plain


def decrypt_callback(
    config: CallbackConfig | WecomConfig,
    body: str,
    msg_signature: str,
    timestamp: str,
    nonce: str,
    *,
    nonces: CallbackNonces,
    now: float,
    window_s: int = CALLBACK_WINDOW_S,
) -> dict[str, Any]:
    """A callback message (POST): its fields, or CallbackRefused (forged, stale or replayed). Nothing
    reads the message before it is admitted."""
    from wechatpy.enterprise import parse_message
    from wechatpy.enterprise.exceptions import InvalidCorpIdException
    from wechatpy.exceptions import InvalidSignatureException

    crypto = _crypto(config)
    try:
        xml = crypto.decrypt_message(body, msg_signature, timestamp, nonce)
    except (InvalidSignatureException, InvalidCorpIdException):
        raise CallbackRefused("the callback signature does not verify") from None
    except Exception:  # noqa: BLE001 - malformed XML or ciphertext: refused, never a crash
        raise CallbackRefused("the callback cannot be decrypted") from None
    admit_callback(nonces, msg_signature, timestamp, nonce, now=now, window_s=window_s)
    message = parse_message(xml)
    return {
        "type": message.type,
        "source": message.source,
        "id": getattr(message, "id", None),
        "event": getattr(message, "event", None),
    }
