"""The CandidateApi function's Lambda entrypoint: the candidate page's routes (``/v1/candidate/…``) only.

No API key reaches them: each request carries the candidate's session (from one exchange of an invitation
link), checked here against its hash. The function reads and updates the candidate's interview, signs
upload forms under ``uploads/`` and reads results for the feedback; it can reach nothing else."""

from __future__ import annotations

from .resolvers import entrypoint, resolver
from .routes import candidate

app = resolver(candidate)
handler = entrypoint(app)
