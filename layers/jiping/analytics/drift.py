"""Score drift: does the overall score of recent interviews look like it did at the start?

The baseline is the scores of the first ``baseline_days`` (from the date of the earliest score); after it
come consecutive windows of ``window_days``. Each window with at least ``min_n`` scores (the baseline too)
is compared with the baseline by the population stability index (``stats.psi``, on the baseline's
deciles) and the two-sample Kolmogorov-Smirnov test (``stats.ks_2samp``).

Drift rule: a window has drifted when PSI >= ``psi_alert`` AND the KS p-value < ``ks_alpha``. The PSI
says the change is large enough to matter (KS alone flags tiny changes in large windows); the KS test
says it is not chance (PSI alone is inflated in small windows: a window of 30 scores drawn from the
baseline's own distribution, against 600 baseline scores, had PSI >= 0.2 in 82 % of simulations, PSI and
KS together in 0.9 %). Windows under ``min_n`` are reported but never drifted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from jiping.analytics.models import DriftReport, DriftWindow, ScoredCandidate
from jiping.analytics.stats import ks_2samp, psi, quantile
from jiping.analytics.validity import scored_pool
from jiping.domain.models import utcnow
from jiping.domain.profiles import Recommendation

ADVANCE = Recommendation.ADVANCE.value


def scored_on(candidate: ScoredCandidate) -> date:
    """The UTC date of a score (a naive time is taken as UTC)."""
    moment = candidate.scored_at
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


def describe(start: date, end: date, members: Sequence[ScoredCandidate]) -> DriftWindow:
    """A window's size, mean, quartiles and advance rate (no comparison yet)."""
    scores = [c.overall_score for c in members if c.overall_score is not None]
    recommended = [c.recommendation for c in members if c.recommendation is not None]
    if not scores:
        return DriftWindow(
            start=start, end=end, n=0, mean=None, p25=None, median=None, p75=None, advance_rate=None
        )
    return DriftWindow(
        start=start,
        end=end,
        n=len(scores),
        mean=round(sum(scores) / len(scores), 2),
        p25=round(quantile(scores, 0.25), 2),
        median=round(quantile(scores, 0.5), 2),
        p75=round(quantile(scores, 0.75), 2),
        advance_rate=round(sum(1 for r in recommended if r == ADVANCE) / len(recommended), 4)
        if recommended
        else None,
    )


def compare(
    window: DriftWindow,
    scores: list[float],
    baseline: list[float],
    *,
    min_n: int,
    psi_alert: float,
    ks_alpha: float,
) -> DriftWindow:
    """The window with PSI, KS and the drift decision, when it and the baseline have ``min_n`` scores."""
    if len(scores) < min_n or len(baseline) < min_n:
        return window
    index = psi(baseline, scores)
    statistic, p_value = ks_2samp(baseline, scores)
    return window.model_copy(
        update={
            "psi": round(index, 4),
            "ks": round(statistic, 4),
            "ks_p": float(f"{p_value:.3g}"),
            "drifted": index >= psi_alert and p_value < ks_alpha,
        }
    )


def alert(window: DriftWindow, baseline: DriftWindow) -> str:
    """One sentence on a drifted window, with aggregates only."""
    last = window.end - timedelta(days=1)
    p_text = "p < 0.001" if (window.ks_p or 0.0) < 0.001 else f"p = {window.ks_p:.3g}"
    return (
        f"Overall scores from {window.start.isoformat()} to {last.isoformat()} (n = {window.n}) have drifted "
        f"from the baseline: mean {window.mean:.1f} against {baseline.mean:.1f}, advance rate "
        f"{(window.advance_rate or 0.0):.0%} against {(baseline.advance_rate or 0.0):.0%}, "
        f"PSI {window.psi:.2f}, KS {window.ks:.2f} ({p_text})."
    )


def drift_report(
    job_id: str,
    job_version: int,
    candidates: list[ScoredCandidate],
    *,
    window_days: int = 7,
    baseline_days: int = 28,
    min_n: int = 30,
    psi_alert: float = 0.2,
    ks_alpha: float = 0.01,
    now: datetime | None = None,
) -> DriftReport:
    """The baseline and every window after it up to the last score of this job version, with the
    drift decision of each (see the module docstring for the rule)."""
    if window_days < 1 or baseline_days < 1:
        raise ValueError("window_days and baseline_days must be at least 1")
    generated_at = now or utcnow()
    scored = sorted(scored_pool(job_id, job_version, candidates), key=scored_on)
    windows: list[DriftWindow] = []
    if not scored:
        today = generated_at.date()
        baseline = describe(today, today + timedelta(days=baseline_days), [])
    else:
        first, last = scored_on(scored[0]), scored_on(scored[-1])
        baseline_end = first + timedelta(days=baseline_days)
        in_baseline = [c for c in scored if scored_on(c) < baseline_end]
        baseline = describe(first, baseline_end, in_baseline)
        baseline_scores = [c.overall_score for c in in_baseline if c.overall_score is not None]
        buckets: dict[int, list[ScoredCandidate]] = {}
        for candidate in scored:
            offset = (scored_on(candidate) - baseline_end).days
            if offset >= 0:
                buckets.setdefault(offset // window_days, []).append(candidate)
        for index in range((last - baseline_end).days // window_days + 1 if last >= baseline_end else 0):
            start = baseline_end + timedelta(days=index * window_days)
            members = buckets.get(index, [])
            scores = [c.overall_score for c in members if c.overall_score is not None]
            window = describe(start, start + timedelta(days=window_days), members)
            windows.append(
                compare(window, scores, baseline_scores, min_n=min_n, psi_alert=psi_alert, ks_alpha=ks_alpha)
            )
    return DriftReport(
        job_id=job_id,
        job_version=job_version,
        generated_at=generated_at,
        window_days=window_days,
        min_n=min_n,
        psi_alert=psi_alert,
        ks_alpha=ks_alpha,
        baseline=baseline,
        windows=windows,
        alerts=[alert(w, baseline) for w in windows if w.drifted],
    )
