"""Webhook endpoints (Standard Webhooks): register, list, rotate, enable, deliveries and replays."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.adapters.dynamo.webhooks import DynamoWebhookStore
from jiping.delivery.webhooks import (
    WebhookEndpoint,
    WebhookError,
    Webhooks,
    enable_endpoint,
    register_endpoint,
    rotate_secret,
    summary,
)
from jiping.domain.models import utcnow
from jiping.portal.quotas import REPLAYS_PER_HOUR, check_endpoint_count

from ..context import IdempotencyKey, idempotent, settings, tenant
from ..schemas import DeliveryOut, EndpointIn, EndpointOut

router = APIGatewayHttpRouter()


def store() -> DynamoWebhookStore:
    return bootstrap.webhook_store(settings().webhooks_table)


@lru_cache(maxsize=1)
def webhook_service() -> Webhooks:
    """The webhook service (its HTTP client reused across requests), for replays."""
    return bootstrap.webhooks(settings().webhook_settings())


def endpoint_out(endpoint: WebhookEndpoint, show_secret: bool = False) -> EndpointOut:
    return EndpointOut(
        endpoint_id=endpoint.endpoint_id,
        url=endpoint.url,
        event_types=endpoint.event_types,
        include_transcripts=endpoint.include_transcripts,
        status=endpoint.status.value,
        disabled_reason=endpoint.disabled_reason,
        secret=endpoint.secrets[-1].secret if show_secret else None,
    )


def _endpoint(endpoint_id: str) -> WebhookEndpoint:
    found = store().get_endpoint(tenant(router.current_event), endpoint_id)
    if found is None:
        raise WebhookError("ENDPOINT_NOT_FOUND", "no such endpoint for this tenant")
    return found


@router.post("/v1/webhooks")
def create_endpoint(
    endpoint: Annotated[EndpointIn, Body()], idempotency_key: IdempotencyKey = None
) -> Response[Any]:
    s = settings()

    def make() -> tuple[int, Any]:
        t = tenant(router.current_event)
        existing = store().list_endpoints(t)
        if endpoint.endpoint_id not in {e.endpoint_id for e in existing}:  # else ENDPOINT_EXISTS (409)
            check_endpoint_count(len(existing), s.quota_webhook_endpoints)
        made = register_endpoint(
            store(),
            t,
            endpoint.endpoint_id,
            endpoint.url,
            validate_url=bootstrap.url_policy(s.webhook_allow_http, s.webhook_allow_private).check_url,
            event_types=endpoint.event_types,
            include_transcripts=endpoint.include_transcripts,
            description=endpoint.description,
        )
        return 201, endpoint_out(made, show_secret=True).model_dump()

    return idempotent(router.current_event, idempotency_key, "create-webhook", endpoint.model_dump(), make)


@router.get("/v1/webhooks")
def list_endpoints() -> list[EndpointOut]:
    return [endpoint_out(e) for e in store().list_endpoints(tenant(router.current_event))]


@router.get("/v1/webhooks/<endpoint_id>")
def get_endpoint(endpoint_id: str) -> EndpointOut:
    return endpoint_out(_endpoint(endpoint_id))


@router.delete("/v1/webhooks/<endpoint_id>")
def delete_endpoint(endpoint_id: str) -> Response[Any]:
    _endpoint(endpoint_id)
    store().delete_endpoint(tenant(router.current_event), endpoint_id)
    return Response(status_code=204, content_type=content_types.APPLICATION_JSON, body="")


@router.post("/v1/webhooks/<endpoint_id>/rotate-secret")
def rotate(endpoint_id: str) -> EndpointOut:
    return endpoint_out(rotate_secret(store(), tenant(router.current_event), endpoint_id), show_secret=True)


@router.post("/v1/webhooks/<endpoint_id>/enable")
def enable(endpoint_id: str) -> EndpointOut:
    _endpoint(endpoint_id)
    return endpoint_out(enable_endpoint(store(), tenant(router.current_event), endpoint_id))


@router.get("/v1/webhooks/<endpoint_id>/deliveries")
def deliveries(endpoint_id: str, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeliveryOut]:
    _endpoint(endpoint_id)
    found = store().list_deliveries(tenant(router.current_event), endpoint_id)[:limit]
    return [DeliveryOut.model_validate(summary(d)) for d in found]


@router.post("/v1/deliveries/<delivery_id>/replay")
def replay(delivery_id: str) -> DeliveryOut:
    s, t = settings(), tenant(router.current_event)
    if store().get_delivery(t, delivery_id) is None:
        raise WebhookError("DELIVERY_NOT_FOUND", "no such delivery for this tenant")
    REPLAYS_PER_HOUR.take(bootstrap.quota_counter(s.idempotency_table), t, s.quota_replays_per_hour, utcnow())
    return DeliveryOut.model_validate(summary(webhook_service().replay(t, delivery_id)))
