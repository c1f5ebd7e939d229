"""The Api function's Lambda entrypoint (API Gateway HTTP API, Powertools resolver), and the OpenAPI
document of every route.

Every route but the health check and the WeCom callback runs behind the ``Authorizer`` function, which
resolves ``Authorization: Bearer jp_…`` to its tenant. Errors have one shape, from ``errors.py``.
Three sets of routes are other functions, each with only its own grants (issue 16): the WeCom callback
(``callback.py``), the erasure of a candidate (``erase.py``), the candidate page's routes (``candidate.py``)
and the HR workspace's (``workspace.py``); the Api function does not serve them.
"""

from __future__ import annotations

import json

from .context import rate_limit
from .resolvers import entrypoint, nested_too_deep, resolver
from .routes import (
    analytics,
    candidate,
    erasure,
    groups,
    interviews,
    invitations,
    members,
    oversight,
    profiles,
    resumes,
    webhooks,
    wecom,
    workspace,
)

__all__ = ["PORTAL_ROUTERS", "app", "handler", "nested_too_deep", "openapi_document"]

PORTAL_ROUTERS = (interviews, invitations, resumes, groups, profiles, members, webhooks, analytics, oversight)

# Every route of the API (the OpenAPI document); the Api function serves PORTAL_ROUTERS only.
app = resolver(*PORTAL_ROUTERS, erasure, wecom, candidate, workspace)
portal = resolver(*PORTAL_ROUTERS)
portal.use([rate_limit])  # per tenant, before any route runs
handler = entrypoint(portal)


def openapi_document() -> str:
    """The OpenAPI document generated from the routes (committed as docs/openapi.json)."""
    return json.dumps(json.loads(app.get_openapi_json_schema()), indent=2, ensure_ascii=False) + "\n"
