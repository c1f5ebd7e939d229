"""API keys on DynamoDB (pynamodb): a key's id, tenant and the sha256 of its secret, never the secret."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import GetError, PutError, PynamoDBConnectionError
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
    revoked = BooleanAttribute(default=False)


class DynamoApiKeyStore:
    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(ApiKeyItem, table_name, region, host)

    def put(self, record: ApiKeyRecord) -> None:
        try:
            self._item(**record.model_dump()).save(condition=ApiKeyItem.key_id.does_not_exist())
        except (PutError, PynamoDBConnectionError) as exc:
            raise StorageError(
                f"DynamoDB {getattr(exc, 'cause_response_code', None)} on the API keys table"
            ) from exc

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
            revoked=bool(item.revoked),
        )
