"""Idempotency-Key for the API's POSTs, on the Idempotency table (``id``, TTL ``expiration``).

The first request with a key runs and its response is kept for the TTL; a retry with the same key and
the same body gets that response again; the same key with another body is refused
(``IdempotencyConflict``); a retry while the first still runs gets ``IdempotencyInProgress``.
A request that fails leaves nothing behind, so it can be retried with its key. A request whose
function died mid-way (a timeout, the sandbox killed) cannot clean up: its in-progress record lapses
once the function could no longer be running (``in_progress_expiration``, as Powertools' idempotency
utility does), and the key is free again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from jiping.domain.errors import IdempotencyConflict, IdempotencyInProgress, TransientError


class DynamoIdempotency:
    """The Idempotency table, through the DynamoDB client (conditional writes on one item per key)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._ddb, self._table = client, table_name

    def remember(
        self,
        key: str,
        digest: str,
        make: Callable[[], tuple[int, Any]],
        ttl_s: int,
        in_progress_s: float,
    ) -> tuple[int, Any]:
        """(status, body) of ``make()``, or of the first run under ``key`` when its body had ``digest``.

        ``in_progress_s``: the longest the first run can still take (the function's remaining time)."""
        item_id = "api#" + hashlib.sha256(key.encode()).hexdigest()
        now = time.time()
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": item_id},
                    "status": {"S": "in_progress"},
                    "digest": {"S": digest},
                    "expiration": {"N": str(int(now) + ttl_s)},
                    "in_progress_expiration": {"N": str(int((now + in_progress_s) * 1000))},
                },
                ConditionExpression="attribute_not_exists(id) OR expiration < :now OR "
                "(#s = :in_progress AND in_progress_expiration < :now_ms)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":now": {"N": str(int(now))},
                    ":now_ms": {"N": str(int(now * 1000))},
                    ":in_progress": {"S": "in_progress"},
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise TransientError(
                    f"DynamoDB {exc.response['Error']['Code']} on the idempotency table"
                ) from exc
            stored = self._ddb.get_item(
                TableName=self._table, Key={"id": {"S": item_id}}, ConsistentRead=True
            ).get("Item", {})
            if stored.get("digest", {}).get("S") != digest:
                raise IdempotencyConflict("Idempotency-Key reused with another body") from None
            if stored.get("status", {}).get("S") != "done":
                raise IdempotencyInProgress("the first request with this key is still running") from None
            response = json.loads(stored["response"]["S"])
            return int(response["status"]), response["body"]
        try:
            status, body = make()
        except BaseException:
            self._ddb.delete_item(TableName=self._table, Key={"id": {"S": item_id}})
            raise
        self._ddb.update_item(
            TableName=self._table,
            Key={"id": {"S": item_id}},
            UpdateExpression="SET #s = :done, #r = :response REMOVE in_progress_expiration",
            ExpressionAttributeNames={"#s": "status", "#r": "response"},
            ExpressionAttributeValues={
                ":done": {"S": "done"},
                ":response": {"S": json.dumps({"status": status, "body": body})},
            },
        )
        return status, body
