"""The WorkspaceApi function's Lambda entrypoint: the HR workspace's routes (``/v1/workspace/…``) only.

No API key reaches them: each request carries the person's session cookie (from a WeCom OAuth or Cognito
sign-in), checked here against its hash and the member's current role. The function reads the tenant's
interviews, profiles and results, signs short links to the answers' media, and writes only the workspace
table (sessions, pushes, comments, decisions), overrides on interviews and the audit log."""

from __future__ import annotations

from .resolvers import entrypoint, resolver
from .routes import workspace

app = resolver(workspace)
handler = entrypoint(app)
