"""The audit log on DynamoDB (pynamodb): ``tenant_id`` + ``sk`` = ``{interview_id}#{at}#{kind}``, TTL on
``expires_at``. A record is put once, on the condition that it does not exist: nothing overwrites it.
Erasure deletes an interview's records and then writes the one that says it was erased."""

from __future__ import annotations

import json

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, GetError, PutError, PynamoDBConnectionError, QueryError
from pynamodb.models import Model

from jiping.adapters.dynamo.tables import bind, conditional_write, storage_error
from jiping.domain.errors import StorageError
from jiping.portal.audit import AuditRecord

_ERRORS = (PutError, QueryError, DeleteError, PynamoDBConnectionError)


class AuditItem(Model):
    class Meta:
        table_name = "unbound"

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    document = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)  # epoch seconds (DynamoDB TTL)


class DynamoAuditLog:
    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(AuditItem, table_name, region, host)

    def append(self, record: AuditRecord) -> None:
        """Put the record once. The very same record again (a redelivered event) is already there: done;
        another record under its key is refused (``StorageError``): nothing overwrites one."""
        sk = f"{record.interview_id}#{record.at.isoformat()}#{record.kind}"
        expires = int(record.expires_at.timestamp()) if record.expires_at else None
        document = record.model_dump_json()
        item = self._item(record.tenant_id, sk, document=document, expires_at=expires)
        if conditional_write(lambda: item.save(condition=self._item.sk.does_not_exist()), "audit"):
            return
        try:
            stored = self._item.get(record.tenant_id, sk, consistent_read=True)
        except (*_ERRORS, GetError, self._item.DoesNotExist) as exc:
            raise storage_error(exc, "audit") from exc
        if AuditRecord.model_validate_json(stored.document) != record:
            raise StorageError(f"another audit record holds {record.kind} at {record.at.isoformat()}")

    def records(self, tenant_id: str, interview_id: str) -> list[AuditRecord]:
        try:
            items = list(self._item.query(tenant_id, self._item.sk.startswith(f"{interview_id}#")))
        except _ERRORS as exc:
            raise storage_error(exc, "audit") from exc
        return [AuditRecord.model_validate(json.loads(i.document)) for i in items]

    def delete_records(self, tenant_id: str, interview_id: str) -> int:
        try:
            items = list(self._item.query(tenant_id, self._item.sk.startswith(f"{interview_id}#")))
            for item in items:
                item.delete()
        except _ERRORS as exc:
            raise storage_error(exc, "audit") from exc
        return len(items)
