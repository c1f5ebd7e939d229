"""Quota counters on the Idempotency table (``id``, TTL ``expiration``): one item per tenant, quota and
window, counted with ``ADD`` under the condition that the count is below the limit."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from jiping.domain.errors import TransientError


class DynamoQuotaCounter:
    def __init__(self, client: Any, table_name: str) -> None:
        self._ddb, self._table = client, table_name

    def take(self, counter_id: str, limit: int, expires_at: int) -> bool:
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key={"id": {"S": counter_id}},
                UpdateExpression="ADD used :one SET expiration = :expires",
                ConditionExpression="attribute_not_exists(used) OR used < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expires": {"N": str(expires_at)},
                },
            )
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "ConditionalCheckFailedException":
                return False
            raise TransientError(f"DynamoDB {code} on the quota counters") from exc
        return True
