"""Authorizer of the HTTP API: ``Authorization: Bearer jp_…`` -> the key's tenant, or refused.

A Lambda REQUEST authorizer with simple responses; the key's tenant, id and scopes travel to the API
function in the authorizer context (``requestContext.authorizer.lambda``), the only place routes read
them from, and each route checks the scope it needs (``functions/api/context.py``). A revoked or expired
key is refused; API Gateway caches a verdict per token for ``API_AUTHORIZER_CACHE_S``, the most a
revocation waits. Keys are stored as SHA-256 digests (``jiping.portal.interviews``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.observability import logger
from jiping.portal.interviews import authenticate
from jiping.settings import AuthorizerSettings, load


@lru_cache(maxsize=1)
def settings() -> AuthorizerSettings:
    return load(AuthorizerSettings)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    caller = authenticate(bootstrap.api_key_store(settings().api_keys_table), headers.get("authorization"))
    if caller is None:
        logger.info("refused")
        return {"isAuthorized": False}
    logger.info("authorized", extra={"key_id": caller.key_id})
    passed = {"tenant_id": caller.tenant_id, "key_id": caller.key_id, "scopes": " ".join(caller.scopes)}
    return {"isAuthorized": True, "context": passed}
