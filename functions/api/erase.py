"""The EraseCandidate function's Lambda entrypoint: ``DELETE /v1/candidates/{candidate_ref}`` only.

The one function allowed to delete media and artifacts (under the interview's prefixes) and the rows about
a candidate in every table."""

from __future__ import annotations

from .resolvers import entrypoint, resolver
from .routes import erasure

app = resolver(erasure)
handler = entrypoint(app)
