"""The WeCom callback: open (WeCom signs it, no API key); a forged signature is 403 CALLBACK_REFUSED."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.delivery.wecom import WecomConfig, decrypt_callback, verify_callback_url
from jiping.observability import logger

from ..context import settings

router = APIGatewayHttpRouter()

Sig = Annotated[str, Query(alias="msg_signature", min_length=1, max_length=128)]
Stamp = Annotated[str, Query(alias="timestamp", min_length=1, max_length=32)]
Nonce = Annotated[str, Query(alias="nonce", min_length=1, max_length=128)]


@lru_cache(maxsize=1)
def wecom_config() -> WecomConfig:
    return bootstrap.wecom_config(settings().wecom_secret_arn)


@router.get("/v1/wecom/callback", security=[])
def wecom_verify(
    msg_signature: Sig,
    timestamp: Stamp,
    nonce: Nonce,
    echostr: Annotated[str, Query(min_length=1, max_length=4096)],
) -> Response[Any]:
    """WeCom's URL check: the decrypted echostr, as plain text."""
    plain = verify_callback_url(wecom_config(), msg_signature, timestamp, nonce, echostr)
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body=plain)


@router.post("/v1/wecom/callback", security=[])
def wecom_event(msg_signature: Sig, timestamp: Stamp, nonce: Nonce) -> Response[Any]:
    """A callback message (e.g. a reply asking for human review): verified, decrypted, acknowledged."""
    body = router.current_event.decoded_body or ""
    message = decrypt_callback(wecom_config(), body, msg_signature, timestamp, nonce)
    logger.info("wecom callback", extra={"type": message["type"], "event": message["event"]})
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="success")
