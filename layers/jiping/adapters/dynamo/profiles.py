"""Job profiles per tenant on DynamoDB: every version kept, a version never overwritten.

Key: ``tenant_id`` + ``profile_version`` = ``"{profile_id}#{version:06d}"``, so one query in reverse
order finds a profile's latest version, and old results keep resolving the version they were scored
with. The document is stored as the JSON the profile was validated into.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from jiping.adapters.dynamo.tables import THROTTLED
from jiping.domain.errors import ProfileVersionExists, StorageError, TransientError
from jiping.domain.profiles import JobProfile


def _key(profile_id: str, version: int) -> str:
    return f"{profile_id}#{version:06d}"


class DynamoProfileRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._ddb = client
        self._table = table_name

    def put(self, tenant_id: str, profile: JobProfile) -> None:
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item={
                    "tenant_id": {"S": tenant_id},
                    "profile_version": {"S": _key(profile.id, profile.version)},
                    "profile_id": {"S": profile.id},
                    "version": {"N": str(profile.version)},
                    "document": {"S": profile.model_dump_json()},
                },
                ConditionExpression="attribute_not_exists(profile_version)",
            )
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "ConditionalCheckFailedException":
                raise ProfileVersionExists(
                    f"{profile.id} v{profile.version} exists; give the change a new version"
                ) from exc
            raise (TransientError if code in THROTTLED else StorageError)(f"DynamoDB {code}") from exc

    def get(self, tenant_id: str, profile_id: str, version: int | None = None) -> JobProfile | None:
        """One version, or the latest when ``version`` is None."""
        try:
            if version is not None:
                item = self._ddb.get_item(
                    TableName=self._table,
                    Key={"tenant_id": {"S": tenant_id}, "profile_version": {"S": _key(profile_id, version)}},
                    ConsistentRead=True,
                ).get("Item")
            else:
                items = self._ddb.query(
                    TableName=self._table,
                    KeyConditionExpression="tenant_id = :t AND begins_with(profile_version, :p)",
                    ExpressionAttributeValues={":t": {"S": tenant_id}, ":p": {"S": f"{profile_id}#"}},
                    ScanIndexForward=False,
                    Limit=1,
                    ConsistentRead=True,
                )["Items"]
                item = items[0] if items else None
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            raise (TransientError if code in THROTTLED else StorageError)(f"DynamoDB {code}") from exc
        return JobProfile.model_validate_json(item["document"]["S"]) if item else None

    def scan(self) -> Iterator[tuple[str, JobProfile]]:
        """Every (tenant, profile version) of the table: for the daily jobs that visit every tenant."""
        for item in self._pages("scan", TableName=self._table):
            yield item["tenant_id"]["S"], JobProfile.model_validate_json(item["document"]["S"])

    def list(self, tenant_id: str) -> list[JobProfile]:
        """Every version of every profile of the tenant, by id then version."""
        items = self._pages(
            "query",
            TableName=self._table,
            KeyConditionExpression="tenant_id = :t",
            ExpressionAttributeValues={":t": {"S": tenant_id}},
        )
        return [JobProfile.model_validate_json(i["document"]["S"]) for i in items]

    def _pages(self, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """The items of a query or scan, page after page."""
        try:
            while True:
                page = getattr(self._ddb, operation)(**kwargs)
                yield from page["Items"]
                if "LastEvaluatedKey" not in page:
                    return
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            raise (TransientError if code in THROTTLED else StorageError)(f"DynamoDB {code}") from exc
