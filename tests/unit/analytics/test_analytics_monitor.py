"""The daily drift check: every tenant's profile versions, each drifted window alerted once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jiping.analytics.monitor import check_drift
from jiping.domain.errors import TransientError
from jiping.domain.models import Interview, InterviewStatus
from jiping.domain.profiles import bundled_profiles

from infra.localcloud.population import generate_population

START = datetime(2026, 1, 5, tzinfo=UTC)


class Rows:
    def __init__(self, by_tenant: dict[str, list[Interview]]) -> None:
        self.by_tenant = by_tenant
        self.queries: list[tuple[str, str]] = []

    def existing(self, tenant_id: str, interview_ids: Any) -> set[str]:
        return set()

    def list_scored(self, tenant_id: str, job_id: str) -> list[Interview]:
        self.queries.append((tenant_id, job_id))
        return [i for i in self.by_tenant.get(tenant_id, []) if i.job_id == job_id]


class Claims:
    def __init__(self) -> None:
        self.keys: set[tuple[str, str]] = set()

    def claim_alert(self, tenant_id: str, key: str, at: datetime) -> bool:
        if (tenant_id, key) in self.keys:
            return False
        self.keys.add((tenant_id, key))
        return True


class Alerts:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def publish(self, subject: str, message: dict[str, Any]) -> None:
        self.sent.append(message)


def _rows(tenant: str, shift: float) -> list[Interview]:
    profile = bundled_profiles()["customer-service"]
    made = generate_population(profile, 1200, seed=3, start=START, drift_after_days=56, drift_shift=shift)
    return [
        Interview(
            tenant_id=tenant,
            interview_id=c.interview_id,
            job_id=c.job_id,
            job_version=c.job_version,
            status=InterviewStatus.SCORED,
            created_at=c.scored_at,
            updated_at=c.scored_at,
            overall_score=c.overall_score,
            recommendation=c.recommendation,
            competency_scores=c.competencies,
            scored_at=c.scored_at,
        )
        for c in made.candidates
    ]


def test_each_drifted_window_is_alerted_once_per_tenant_and_stable_tenants_get_none() -> None:
    profile = bundled_profiles()["customer-service"]
    rows = Rows({"shifted": _rows("shifted", 10.0), "stable": _rows("stable", 0.0)})
    claims, alerts = Claims(), Alerts()
    profiles = [("shifted", profile), ("stable", profile)]
    first = check_drift(profiles, interviews=rows, claims=claims, alerts=alerts, now=START)
    assert first and {a["tenant_id"] for a in first} == {"shifted"}
    assert all((datetime.fromisoformat(a["window_start"]).date() - START.date()).days >= 49 for a in first)
    assert alerts.sent == first and "candidate_ref" not in first[0] and "interview_id" not in first[0]
    assert check_drift(profiles, interviews=rows, claims=claims, alerts=alerts, now=START) == []
    assert len(alerts.sent) == len(first)


def test_one_query_per_tenant_and_job_whatever_the_versions() -> None:
    v1 = bundled_profiles()["customer-service"]
    v2 = v1.model_copy(update={"version": 2})
    rows = Rows({"t": []})
    check_drift([("t", v1), ("t", v2)], interviews=rows, claims=Claims(), alerts=Alerts(), now=START)
    assert rows.queries == [("t", "customer-service")]


class Flaky(Rows):
    def list_scored(self, tenant_id: str, job_id: str) -> list[Interview]:
        if tenant_id == "broken":
            raise TransientError("DynamoDB ThrottlingException")
        return super().list_scored(tenant_id, job_id)


def test_one_tenants_failure_does_not_stop_the_others_and_the_run_fails_for_a_retry() -> None:
    profile = bundled_profiles()["customer-service"]
    rows = Flaky({"shifted": _rows("shifted", 10.0)})
    alerts = Alerts()
    with pytest.raises(TransientError):
        check_drift(
            [("broken", profile), ("shifted", profile)],
            interviews=rows,
            claims=Claims(),
            alerts=alerts,
            now=START,
        )
    assert alerts.sent and {a["tenant_id"] for a in alerts.sent} == {"shifted"}
