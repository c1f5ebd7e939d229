"""The WeCom notifier's state on DynamoDB (pynamodb): the access-token cache, the notice log, and the
per-member message counters, in one table keyed ``pk`` + ``sk`` with a TTL on ``expires_at``.

- token: ``pk="token"``, ``sk`` = hashed wechatpy key; expiry enforced on read (``get_value``).
- notice: ``pk="notice#{tenant}#{interview}"``, ``sk="{event}#{channel}#{recipient}"``; a claim is a
  conditional put (absent, or a ``sending`` claim older than ``STALE_CLAIM``: a crashed send).
- rate: ``pk="rate#{sha256(member)}"``, ``sk="m#{minute}"`` / ``"h#{hour}"``, counted with a
  conditional ADD, so concurrent senders never pass a member's limit together.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import (
    DeleteError,
    GetError,
    PutError,
    PynamoDBConnectionError,
    QueryError,
    UpdateError,
)
from pynamodb.models import Model

from jiping.adapters.dynamo.tables import bind, conditional_write, storage_error
from jiping.delivery.wecom import PER_HOUR, PER_MINUTE, Notice

STALE_CLAIM = timedelta(minutes=10)


class WecomItem(Model):
    class Meta:
        table_name = "unbound"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    value = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    claimed_at = UTCDateTimeAttribute(null=True)
    hits = NumberAttribute(null=True)  # messages counted in the window (not `count`: a Model method)
    expires_at = NumberAttribute(null=True)  # epoch seconds (DynamoDB TTL)


def _notice_keys(notice: Notice) -> tuple[str, str]:
    return (
        f"notice#{notice.tenant_id}#{notice.interview_id}",
        f"{notice.event_id}#{notice.channel}#{notice.recipient}",
    )


class DynamoWecomStore:
    """``KeyValueStore`` (tokens), ``NoticeLog`` and ``RateLimiter`` on one table."""

    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(WecomItem, table_name, region, host)

    # -- KeyValueStore -----------------------------------------------------------------------------

    def get_value(self, key: str, now: float) -> str | None:
        try:
            item = self._item.get("token", key)
        except self._item.DoesNotExist:
            return None
        except (GetError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "WeCom state") from exc
        if item.expires_at is not None and float(item.expires_at) <= now:
            return None  # expired, whatever DynamoDB's TTL sweeper has not removed yet
        return item.value

    def put_value(self, key: str, value: str, expires_at: float | None) -> None:
        try:
            self._item("token", key, value=value, expires_at=int(expires_at) if expires_at else None).save()
        except (PutError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "WeCom state") from exc

    def delete_value(self, key: str) -> None:
        try:
            self._item("token", key).delete()
        except (DeleteError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "WeCom state") from exc

    # -- NoticeLog ---------------------------------------------------------------------------------

    def claim(self, notice: Notice) -> bool:
        pk, sk = _notice_keys(notice)
        stale = notice.at - STALE_CLAIM
        item = self._item(pk, sk, value=notice.model_dump_json(), status="sending", claimed_at=notice.at)
        condition = WecomItem.sk.does_not_exist() | (
            (WecomItem.status == "sending") & (WecomItem.claimed_at < stale)
        )
        return conditional_write(lambda: item.save(condition=condition), "WeCom state")

    def record(self, notice: Notice) -> None:
        pk, sk = _notice_keys(notice)
        try:
            self._item(
                pk, sk, value=notice.model_dump_json(), status=notice.status, claimed_at=notice.at
            ).save()
        except (PutError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "WeCom state") from exc

    def release(self, notice: Notice) -> None:
        pk, sk = _notice_keys(notice)
        try:
            self._item(pk, sk).delete(condition=WecomItem.status == "sending")
        except DeleteError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise storage_error(exc, "WeCom state") from exc
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, "WeCom state") from exc

    def for_interview(self, tenant_id: str, interview_id: str) -> list[Notice]:
        try:
            items = list(self._item.query(f"notice#{tenant_id}#{interview_id}"))
        except (QueryError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "WeCom state") from exc
        return [Notice.model_validate_json(i.value) for i in items if i.value]

    def delete_notices(self, tenant_id: str, interview_id: str) -> int:
        """Erase the notice log of one interview (it names the candidate's WeCom id)."""
        try:
            items = list(self._item.query(f"notice#{tenant_id}#{interview_id}"))
            for item in items:
                item.delete()
        except (QueryError, DeleteError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "WeCom state") from exc
        return len(items)

    # -- RateLimiter -------------------------------------------------------------------------------

    def take(self, member: str, now: datetime) -> bool:
        pk = "rate#" + hashlib.sha256(member.encode()).hexdigest()
        minute = (f"m#{now:%Y%m%d%H%M}", PER_MINUTE, now + timedelta(days=1))
        hour = (f"h#{now:%Y%m%d%H}", PER_HOUR, now + timedelta(days=1))
        taken: list[str] = []
        for sk, limit, expiry in (minute, hour):
            item = self._item(pk, sk)
            try:
                item.update(
                    actions=[WecomItem.hits.add(1), WecomItem.expires_at.set(int(expiry.timestamp()))],
                    condition=WecomItem.hits.does_not_exist() | (WecomItem.hits < limit),
                )
                taken.append(sk)
            except UpdateError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise storage_error(exc, "WeCom state") from exc
                for done in taken:  # give back what this send counted
                    self._item(pk, done).update(actions=[WecomItem.hits.add(-1)])
                return False
            except PynamoDBConnectionError as exc:
                raise storage_error(exc, "WeCom state") from exc
        return True
