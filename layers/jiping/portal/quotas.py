"""Per-tenant quotas: so that one tenant's flood (a bug in a portal, a leaked key) cannot crowd out the
others, each tenant may make so many API requests a minute, start so many interviews a day, replay so
many webhook deliveries an hour, and keep so many webhook endpoints. A refusal is ``QuotaExceeded`` (429, a stable code, ``Retry-After``
the seconds until the window turns).

Windows are fixed (UTC days and hours), counted with one atomic conditional write per request
(``QuotaCounter``): a count never passes its limit, whatever the concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from jiping.domain.errors import QuotaExceeded


class QuotaCounter(Protocol):
    def take(self, counter_id: str, limit: int, expires_at: int) -> bool:
        """Count one use unless ``limit`` are counted already; False (and nothing counted) when full."""


@dataclass(frozen=True)
class Quota:
    code: str  # the refusal's stable code
    what: str  # what is counted, in the refusal's message
    window_s: int

    def take(self, counter: QuotaCounter, tenant_id: str, limit: int, now: datetime) -> None:
        """Count one use in the current window, or raise ``QuotaExceeded`` when the window is full."""
        epoch = int(now.timestamp())
        start = epoch - epoch % self.window_s
        ends = start + self.window_s
        if not counter.take(f"quota#{tenant_id}#{self.code}#{start}", limit, expires_at=ends + 3600):
            raise QuotaExceeded(
                self.code, f"this tenant's quota of {limit} {self.what} is used up", ends - epoch
            )


INTERVIEWS_PER_DAY = Quota("INTERVIEW_QUOTA_EXCEEDED", "new interviews a day (UTC)", 86400)
REPLAYS_PER_HOUR = Quota("REPLAY_QUOTA_EXCEEDED", "webhook replays an hour", 3600)
REQUESTS_PER_MINUTE = Quota("RATE_LIMITED", "API requests a minute", 60)
ENDPOINTS_CODE = "WEBHOOK_ENDPOINT_QUOTA_EXCEEDED"


def check_endpoint_count(existing: int, limit: int) -> None:
    """A new webhook endpoint only while the tenant has fewer than ``limit``."""
    if existing >= limit:
        raise QuotaExceeded(
            ENDPOINTS_CODE,
            f"this tenant has its quota of {limit} webhook endpoints: delete one before adding another",
            3600,
        )
