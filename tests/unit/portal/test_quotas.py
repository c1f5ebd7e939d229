"""Per-tenant quotas: a window's count never passes its limit, a refusal says when to come back, and
one tenant's count is not another's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jiping.domain.errors import QuotaExceeded
from jiping.portal.quotas import INTERVIEWS_PER_DAY, REPLAYS_PER_HOUR, check_endpoint_count


class Counter:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.expiry: dict[str, int] = {}

    def take(self, counter_id: str, limit: int, expires_at: int) -> bool:
        if self.counts.get(counter_id, 0) >= limit:
            return False
        self.counts[counter_id] = self.counts.get(counter_id, 0) + 1
        self.expiry[counter_id] = expires_at
        return True


def test_a_tenant_gets_its_daily_interviews_then_429_until_utc_midnight() -> None:
    counter, at = Counter(), datetime(2026, 12, 7, 22, 30, tzinfo=UTC)
    for _ in range(3):
        INTERVIEWS_PER_DAY.take(counter, "flood", 3, at)
    with pytest.raises(QuotaExceeded) as refused:
        INTERVIEWS_PER_DAY.take(counter, "flood", 3, at)
    assert refused.value.code == "INTERVIEW_QUOTA_EXCEEDED"
    assert refused.value.retry_after_s == 90 * 60  # 22:30 -> 00:00 UTC
    INTERVIEWS_PER_DAY.take(counter, "calm", 3, at)  # another tenant's count is its own
    INTERVIEWS_PER_DAY.take(counter, "flood", 3, datetime(2026, 12, 8, 0, 0, 1, tzinfo=UTC))  # a new day
    assert all(e > at.timestamp() for e in counter.expiry.values())  # counters expire after their window


def test_replays_are_counted_per_hour() -> None:
    counter, at = Counter(), datetime(2026, 12, 7, 9, 59, 30, tzinfo=UTC)
    REPLAYS_PER_HOUR.take(counter, "t", 1, at)
    with pytest.raises(QuotaExceeded) as refused:
        REPLAYS_PER_HOUR.take(counter, "t", 1, at)
    assert (refused.value.code, refused.value.retry_after_s) == ("REPLAY_QUOTA_EXCEEDED", 30)


def test_a_tenant_keeps_at_most_its_quota_of_webhook_endpoints() -> None:
    check_endpoint_count(9, 10)
    with pytest.raises(QuotaExceeded) as refused:
        check_endpoint_count(10, 10)
    assert refused.value.code == "WEBHOOK_ENDPOINT_QUOTA_EXCEEDED" and refused.value.retry_after_s > 0
