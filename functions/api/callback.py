"""The WecomCallback function's Lambda entrypoint: ``GET``/``POST /v1/wecom/callback`` only.

It reads the callback secret (token and AES key, no corp_secret) and remembers each admitted callback in
the WeCom state table; it can reach nothing else."""

from __future__ import annotations

from .resolvers import entrypoint, resolver
from .routes import wecom

app = resolver(wecom)
handler = entrypoint(app)
