"""Adapters of the portal API: API keys on DynamoDB (pynamodb) and S3 presigned forms and links."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
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
        return ApiKeyRecord(key_id=item.key_id, tenant_id=item.tenant_id, secret_sha256=item.secret_sha256,
                            created_at=item.created_at, revoked=bool(item.revoked))  # fmt: skip


class S3Presigner:
    def __init__(self, client: Any) -> None:
        self._s3 = client

    def post_form(
        self, bucket: str, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> dict[str, Any]:
        """A browser upload form bound to one key, one content type and a size range."""
        try:
            return dict(self._s3.generate_presigned_post(
                Bucket=bucket, Key=key, Fields={"Content-Type": content_type},
                Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
                ExpiresIn=expires_in,
            ))  # fmt: skip
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 presign: {type(exc).__name__}") from exc

    def get_url(self, bucket: str, key: str, expires_in: int) -> str:
        try:
            return str(self._s3.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in
            ))  # fmt: skip
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 presign: {type(exc).__name__}") from exc
