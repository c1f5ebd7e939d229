"""API keys on DynamoDB (pynamodb): a key's id, tenant and the sha256 of its secret, never the secret."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UnicodeSetAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import GetError, PutError, PynamoDBConnectionError, UpdateError
from pynamodb.models import Model

from jiping.adapters.dynamo.tables import bind
from jiping.domain.errors import StorageError, TransientError
from jiping.portal.interviews import ApiKeyRecord


class ApiKeyItem(Model):
    class Meta:
        table_name = "unbound"

    key_id = UnicodeAttribute(hash_key=True)
    tenant_id = UnicodeAttribute()
    secret_sha256 = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    scopes = UnicodeSetAttribute(null=True)  # absent on keys minted before scopes: portal only
    expires_at = UTCDateTimeAttribute(null=True)
    revoked = BooleanAttribute(default=False)
    revoked_at = UTCDateTimeAttribute(null=True)


class DynamoApiKeyStore:
    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(ApiKeyItem, table_name, region, host)

    def put(self, record: ApiKeyRecord) -> None:
        try:
            fields = record.model_dump(exclude_none=True) | {"scopes": set(record.scopes)}
            self._item(**fields).save(condition=ApiKeyItem.key_id.does_not_exist())
        except (PutError, PynamoDBConnectionError) as exc:
            raise StorageError(
                f"DynamoDB {getattr(exc, 'cause_response_code', None)} on the API keys table"
            ) from exc

    def revoke(self, key_id: str, at: datetime) -> ApiKeyRecord | None:
        item = self._item(key_id)
        try:
            item.update(
                actions=[ApiKeyItem.revoked.set(True), ApiKeyItem.revoked_at.set(at)],
                condition=ApiKeyItem.key_id.exists(),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise TransientError("DynamoDB on the API keys table") from exc
        except PynamoDBConnectionError as exc:
            raise TransientError("DynamoDB on the API keys table") from exc
        return self.get(key_id)

    def get(self, key_id: str) -> ApiKeyRecord | None:
        try:
            item = self._item.get(key_id)
        except self._item.DoesNotExist:
            return None
        except (GetError, PynamoDBConnectionError) as exc:
            raise TransientError("DynamoDB on the API keys table") from exc
        return ApiKeyRecord(
            key_id=item.key_id,
            tenant_id=item.tenant_id,
            secret_sha256=item.secret_sha256,
            created_at=item.created_at,
            scopes=sorted(item.scopes or {"portal"}),
            expires_at=item.expires_at,
            revoked=bool(item.revoked),
            revoked_at=item.revoked_at,
        )
