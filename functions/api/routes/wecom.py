"""The WeCom callback (the WecomCallback function): open (WeCom signs it, no API key). A forged signature is
403 CALLBACK_REFUSED; a signed callback is admitted once, within ``callback_window_s`` of its timestamp, and
otherwise refused as CALLBACK_STALE or CALLBACK_REPLAYED before anything reads it."""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.delivery.wecom import CallbackConfig, decrypt_callback, verify_callback_url
from jiping.observability import logger
from jiping.settings import WecomCallbackSettings, load

router = APIGatewayHttpRouter()

Sig = Annotated[str, Query(alias="msg_signature", min_length=1, max_length=128)]
Stamp = Annotated[str, Query(alias="timestamp", min_length=1, max_length=32)]
Nonce = Annotated[str, Query(alias="nonce", min_length=1, max_length=128)]


@lru_cache(maxsize=1)
def settings() -> WecomCallbackSettings:
    return load(WecomCallbackSettings)


@lru_cache(maxsize=1)
def callback_config() -> CallbackConfig:
    return bootstrap.wecom_callback_config(settings().wecom_callback_secret_arn)


def _gate() -> dict[str, Any]:
    """Where an admitted callback is remembered, the clock and the window."""
    s = settings()
    return {
        "nonces": bootstrap.callback_nonces(s.wecom_state_table),
        "now": time.time(),
        "window_s": s.callback_window_s,
    }


@router.get("/v1/wecom/callback", security=[])
def wecom_verify(
    msg_signature: Sig,
    timestamp: Stamp,
    nonce: Nonce,
    echostr: Annotated[str, Query(min_length=1, max_length=4096)],
) -> Response[Any]:
    """WeCom's URL check: the decrypted echostr, as plain text."""
    plain = verify_callback_url(callback_config(), msg_signature, timestamp, nonce, echostr, **_gate())
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body=plain)


@router.post("/v1/wecom/callback", security=[])
def wecom_event(msg_signature: Sig, timestamp: Stamp, nonce: Nonce) -> Response[Any]:
    """A callback message (e.g. a reply asking for human review): verified, decrypted, acknowledged."""
    body = router.current_event.decoded_body or ""
    message = decrypt_callback(callback_config(), body, msg_signature, timestamp, nonce, **_gate())
    logger.info("wecom callback", extra={"type": message["type"], "event": message["event"]})
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="success")
