"""The candidate links table on DynamoDB (pynamodb): links and sessions by the SHA-256 of their token, each
tenant's candidate options, and the sweep's due work, in one table keyed ``pk`` with a TTL on ``expires_at``.

- ``link#{sha256}`` / ``session#{sha256}``: the tenant and interview it opens, its expiry, when it was used.
- ``options#{tenant}``: ``CandidateOptions`` as JSON.
- ``remind#{tenant}#{interview}`` / ``purge#{tenant}#{interview}``: due work; ``due="due"`` and ``due_at``
  put it in the sparse ``Due`` index until the sweep removes the attributes (``done``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PynamoDBConnectionError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from jiping.adapters.dynamo.tables import bind, conditional_write, storage_error
from jiping.portal.candidates import CandidateOptions, Due, LinkRecord

TABLE = "candidate links"
KEEP_AFTER_EXPIRY = timedelta(days=7)  # a used or expired link still says so (not "invalid") for a week
DUE = "due"


class DueIndex(GlobalSecondaryIndex["CandidateLinkItem"]):
    class Meta:
        index_name = "Due"
        projection = AllProjection()

    due = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)  # ISO time: sorts as time


class CandidateLinkItem(Model):
    class Meta:
        table_name = "unbound"

    pk = UnicodeAttribute(hash_key=True)
    tenant_id = UnicodeAttribute(null=True)
    interview_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    valid_until = UTCDateTimeAttribute(null=True)
    used_at = UTCDateTimeAttribute(null=True)
    document = UnicodeAttribute(null=True)  # options as JSON
    due = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # epoch seconds (DynamoDB TTL)
    due_index = DueIndex()


class DynamoCandidateLinks:
    """``jiping.portal.candidates.LinkStore`` on DynamoDB."""

    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(CandidateLinkItem, table_name, region, host)

    def put(self, record: LinkRecord) -> None:
        item = self._item(
            f"{record.kind}#{record.token_sha256}",
            tenant_id=record.tenant_id,
            interview_id=record.interview_id,
            created_at=record.created_at,
            valid_until=record.expires_at,
            used_at=record.used_at,
            expires_at=int((record.expires_at + KEEP_AFTER_EXPIRY).timestamp()),
        )
        if not conditional_write(lambda: item.save(condition=CandidateLinkItem.pk.does_not_exist()), TABLE):
            raise ValueError("a token collided with a stored one")  # 2^-192: never, but never overwrite

    def get(self, kind: str, token_sha256: str) -> LinkRecord | None:
        try:
            item = self._item.get(f"{kind}#{token_sha256}", consistent_read=True)
        except self._item.DoesNotExist:
            return None
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc
        return LinkRecord(
            kind=kind,  # type: ignore[arg-type]
            token_sha256=token_sha256,
            tenant_id=item.tenant_id or "",
            interview_id=item.interview_id or "",
            created_at=item.created_at,
            expires_at=item.valid_until,
            used_at=item.used_at,
        )

    def claim(self, token_sha256: str, now: datetime) -> bool:
        item = self._item(f"link#{token_sha256}")
        condition = (
            CandidateLinkItem.pk.exists()
            & CandidateLinkItem.used_at.does_not_exist()
            & (CandidateLinkItem.valid_until > now)
        )
        return conditional_write(
            lambda: item.update(actions=[CandidateLinkItem.used_at.set(now)], condition=condition), TABLE
        )

    def options(self, tenant_id: str) -> CandidateOptions:
        try:
            item = self._item.get(f"options#{tenant_id}", consistent_read=True)
        except self._item.DoesNotExist:
            return CandidateOptions()
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc
        return CandidateOptions.model_validate_json(item.document or "{}")

    def put_options(self, tenant_id: str, options: CandidateOptions) -> None:
        try:
            self._item(f"options#{tenant_id}", tenant_id=tenant_id, document=options.model_dump_json()).save()
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc

    def schedule(self, due: Due) -> None:
        item = self._item(
            f"{due.kind}#{due.tenant_id}#{due.interview_id}",
            tenant_id=due.tenant_id,
            interview_id=due.interview_id,
            due=DUE,
            due_at=due.due_at.astimezone(UTC).isoformat(),
        )
        try:
            item.save()  # a later invitation moves the reminder
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc

    def due(self, now: datetime, limit: int) -> list[Due]:
        try:
            items = self._item.due_index.query(
                DUE, DueIndex.due_at <= now.astimezone(UTC).isoformat(), limit=limit
            )
            return [
                Due(
                    kind=item.pk.split("#", 1)[0],  # type: ignore[arg-type]
                    tenant_id=item.tenant_id or "",
                    interview_id=item.interview_id or "",
                    due_at=datetime.fromisoformat(item.due_at or ""),
                )
                for item in items
            ]
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, TABLE) from exc

    def done(self, due: Due) -> None:
        """Remove the work from the index, unless it was rescheduled meanwhile (then it stays, for then)."""
        item = self._item(f"{due.kind}#{due.tenant_id}#{due.interview_id}")
        at = due.due_at.astimezone(UTC).isoformat()
        conditional_write(lambda: item.delete(condition=CandidateLinkItem.due_at == at), TABLE)
