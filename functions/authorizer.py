"""Authorizer of the HTTP API: ``Authorization: Bearer jp_…`` -> the key's tenant, or refused.

A Lambda REQUEST authorizer with simple responses; the tenant id travels to the API function in the
authorizer context (``requestContext.authorizer.lambda.tenant_id``), the only place routes read it from.
Keys are stored as SHA-256 digests (``jiping.portal.interviews``).
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
    tenant_id = authenticate(bootstrap.api_key_store(settings().api_keys_table), headers.get("authorization"))
    logger.info("authorized" if tenant_id else "refused")
    if tenant_id is None:
        return {"isAuthorized": False}
    return {"isAuthorized": True, "context": {"tenant_id": tenant_id}}
