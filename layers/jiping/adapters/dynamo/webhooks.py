"""Webhook endpoints and deliveries on DynamoDB, through pynamodb (one table, per tenant).

Key: ``tenant_id`` + ``sk`` = ``endpoint#{endpoint_id}`` or ``delivery#{delivery_id}``, so a tenant's
rows are one partition and no query crosses tenants. The pydantic document is stored as JSON beside
the attributes the queries need. Pending deliveries also carry ``due`` = ``"pending"`` and
``next_attempt_at`` (ISO, UTC), the keys of the sparse ``Due`` index the sweeper reads; a delivery that
is no longer pending (or is parked: pending with no next attempt, its endpoint disabled) drops ``due``
and leaves the index.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import (
    DeleteError,
    GetError,
    PutError,
    PynamoDBConnectionError,
    QueryError,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from jiping.adapters.dynamo.tables import bind, conditional_write, storage_error
from jiping.delivery.webhooks import Delivery, DeliveryStatus, WebhookEndpoint, WebhookError

DUE_INDEX = "Due"
SCAN_FACTOR = 10
"""How many ``Due`` index entries a sweep may read per delivery it takes: past a tenant's share, its
further entries are read (and skipped) up to ``SCAN_FACTOR * limit`` in all."""


class DueIndex(GlobalSecondaryIndex["WebhookItem"]):
    class Meta:
        index_name = DUE_INDEX
        projection = AllProjection()

    due = UnicodeAttribute(hash_key=True)
    next_attempt_at = UnicodeAttribute(range_key=True)


class WebhookItem(Model):
    class Meta:
        table_name = "unbound"

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    endpoint_id = UnicodeAttribute()
    document = UnicodeAttribute()
    due = UnicodeAttribute(null=True)
    next_attempt_at = UnicodeAttribute(null=True)
    due_index = DueIndex()


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _scheduled(item: WebhookItem) -> Delivery:
    """A due delivery as the index holds it: its ``next_attempt_at`` attribute, which a claim moves
    without rewriting the document, is the one the claim's condition compares."""
    delivery = Delivery.model_validate_json(item.document)
    if item.next_attempt_at:
        delivery.next_attempt_at = datetime.strptime(item.next_attempt_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=UTC
        )
    return delivery


class DynamoWebhookStore:
    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(WebhookItem, table_name, region, host)

    # -- endpoints ---------------------------------------------------------------------------------

    def _endpoint_item(self, endpoint: WebhookEndpoint) -> WebhookItem:
        return self._item(
            endpoint.tenant_id,
            f"endpoint#{endpoint.endpoint_id}",
            endpoint_id=endpoint.endpoint_id,
            document=endpoint.model_dump_json(),
        )

    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        item = self._endpoint_item(endpoint)
        try:
            item.save(condition=WebhookItem.sk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise WebhookError(
                    "ENDPOINT_EXISTS",
                    "an endpoint with this id exists: rotate its secret, or delete it and register anew",
                ) from None
            raise storage_error(exc, "webhooks") from exc
        except PynamoDBConnectionError as exc:
            raise storage_error(exc, "webhooks") from exc

    def put_endpoint(self, endpoint: WebhookEndpoint) -> None:
        item = self._endpoint_item(endpoint)
        try:
            item.save()
        except (PutError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "webhooks") from exc

    def get_endpoint(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        item = self._get(tenant_id, f"endpoint#{endpoint_id}")
        return WebhookEndpoint.model_validate_json(item.document) if item else None

    def list_endpoints(self, tenant_id: str) -> list[WebhookEndpoint]:
        return [WebhookEndpoint.model_validate_json(i.document) for i in self._query(tenant_id, "endpoint#")]

    def delete_endpoint(self, tenant_id: str, endpoint_id: str) -> None:
        try:
            self._item(tenant_id, f"endpoint#{endpoint_id}").delete()
        except (DeleteError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "webhooks") from exc

    # -- deliveries --------------------------------------------------------------------------------

    def _delivery_item(self, delivery: Delivery) -> WebhookItem:
        pending = delivery.status is DeliveryStatus.PENDING and delivery.next_attempt_at is not None
        return self._item(
            delivery.tenant_id,
            f"delivery#{delivery.delivery_id}",
            endpoint_id=delivery.endpoint_id,
            document=delivery.model_dump_json(),
            due="pending" if pending else None,
            next_attempt_at=_iso(delivery.next_attempt_at) if pending and delivery.next_attempt_at else None,
        )

    def create_delivery(self, delivery: Delivery) -> bool:
        item = self._delivery_item(delivery)
        return conditional_write(lambda: item.save(condition=WebhookItem.sk.does_not_exist()), "webhooks")

    def put_delivery(self, delivery: Delivery) -> None:
        try:
            self._delivery_item(delivery).save()
        except (PutError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "webhooks") from exc

    def claim_delivery(self, delivery: Delivery, until: datetime) -> bool:
        if delivery.next_attempt_at is None:
            return False
        due = (WebhookItem.due == "pending") & (WebhookItem.next_attempt_at == _iso(delivery.next_attempt_at))
        item = self._delivery_item(delivery.model_copy(update={"next_attempt_at": until}))
        return conditional_write(lambda: item.save(condition=due), "webhooks")

    def get_delivery(self, tenant_id: str, delivery_id: str) -> Delivery | None:
        item = self._get(tenant_id, f"delivery#{delivery_id}")
        return Delivery.model_validate_json(item.document) if item else None

    def list_deliveries(self, tenant_id: str, endpoint_id: str | None = None) -> list[Delivery]:
        items = self._query(tenant_id, "delivery#")
        out = [
            Delivery.model_validate_json(i.document) for i in items if endpoint_id in (None, i.endpoint_id)
        ]
        return sorted(out, key=lambda d: d.created_at, reverse=True)

    def due_deliveries(self, now: datetime, limit: int, per_tenant: int | None = None) -> list[Delivery]:
        """The ``Due`` index read oldest first, keeping at most ``per_tenant`` of a tenant, until ``limit``
        are kept or ``SCAN_FACTOR * limit`` entries were read: one tenant's backlog costs a bounded read
        and leaves the other tenants' deliveries in the answer. The index is one partition (``due`` =
        "pending") sorted by ``next_attempt_at``, read page by page (the ``1 MB`` pages DynamoDB returns)."""
        cap = per_tenant or limit
        kept: list[Delivery] = []
        per: dict[str, int] = {}
        try:
            items = self._item.due_index.query(
                "pending", DueIndex.next_attempt_at <= _iso(now), limit=SCAN_FACTOR * limit
            )
            for item in items:
                if per.get(item.tenant_id, 0) >= cap:
                    continue  # past its share: skipped, its document not parsed
                per[item.tenant_id] = per.get(item.tenant_id, 0) + 1
                kept.append(_scheduled(item))
                if len(kept) >= limit:
                    break
        except (QueryError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "webhooks") from exc
        return kept

    def delete_deliveries(self, tenant_id: str, interview_id: str) -> int:
        """Erase the deliveries about one interview (their bodies may hold transcripts)."""
        doomed = [
            i
            for i in self._query(tenant_id, "delivery#")
            if Delivery.model_validate_json(i.document).interview_id == interview_id
        ]
        for item in doomed:
            try:
                item.delete()
            except (DeleteError, PynamoDBConnectionError) as exc:
                raise storage_error(exc, "webhooks") from exc
        return len(doomed)

    # -- helpers -----------------------------------------------------------------------------------

    def _get(self, tenant_id: str, sk: str) -> WebhookItem | None:
        try:
            return self._item.get(tenant_id, sk)
        except self._item.DoesNotExist:
            return None
        except (GetError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "webhooks") from exc

    def _query(self, tenant_id: str, prefix: str) -> list[WebhookItem]:
        try:
            return list(self._item.query(tenant_id, self._item.sk.startswith(prefix)))
        except (QueryError, PynamoDBConnectionError) as exc:
            raise storage_error(exc, "webhooks") from exc
