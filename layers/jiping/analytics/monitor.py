"""The daily drift check: every job profile version of every tenant, an alert per newly drifted window.

Alerts name the tenant, the job, the version and the window, with the statistics; never a candidate.
A window raises its alert once (``claim_alert``), however often the check runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from jiping.analytics.drift import drift_report
from jiping.analytics.service import Interviews, scored_candidates
from jiping.domain.errors import JipingError, TransientError
from jiping.domain.models import Interview, utcnow
from jiping.domain.profiles import JobProfile


class AlertClaims(Protocol):
    def claim_alert(self, tenant_id: str, key: str, at: datetime) -> bool: ...


class AlertSink(Protocol):
    def publish(self, subject: str, message: dict[str, Any]) -> None: ...


def check_drift(
    profiles: Iterable[tuple[str, JobProfile]],
    *,
    interviews: Interviews,
    claims: AlertClaims,
    alerts: AlertSink,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Run the drift report for every profile version; publish and return the new alerts."""
    at = now or utcnow()
    by_tenant: dict[str, list[JobProfile]] = {}
    for tenant_id, profile in profiles:
        by_tenant.setdefault(tenant_id, []).append(profile)
    raised: list[dict[str, Any]] = []
    failed: list[str] = []
    for tenant_id, versions in sorted(by_tenant.items()):
        rows: dict[str, list[Interview]] = {}
        for profile in versions:
            try:
                if profile.id not in rows:
                    rows[profile.id] = interviews.list_scored(tenant_id, profile.id)
                raised += _check(tenant_id, profile, rows[profile.id], claims, alerts, at)
            except JipingError as exc:  # one tenant's failure does not stop the others' checks
                failed.append(f"{type(exc).__name__} on one profile version")
    if failed:  # the schedule retries; windows already alerted are claimed and not sent again
        raise TransientError(f"{len(failed)} profile versions could not be checked: {failed[0]}")
    return raised


def _check(
    tenant_id: str,
    profile: JobProfile,
    rows: list[Interview],
    claims: AlertClaims,
    alerts: AlertSink,
    at: datetime,
) -> list[dict[str, Any]]:
    candidates = scored_candidates(rows, profile.id, profile.version)
    if not candidates:
        return []
    report = drift_report(profile.id, profile.version, candidates, now=at)
    raised: list[dict[str, Any]] = []
    for window in report.windows:
        if not window.drifted:
            continue
        key = f"drift#{profile.id}#{profile.version}#{window.start.isoformat()}"
        if not claims.claim_alert(tenant_id, key, at):
            continue
        alert = {
            "alert": "score_drift",
            "tenant_id": tenant_id,
            "job_id": profile.id,
            "job_version": profile.version,
            "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(),
            "n": window.n,
            "psi": window.psi,
            "ks": window.ks,
            "ks_p": window.ks_p,
            "median": window.median,
            "baseline_median": report.baseline.median,
        }
        alerts.publish(f"Jiping: score drift in {profile.id} v{profile.version}", alert)
        raised.append(alert)
    return raised
