"""A synthetic population of scored candidates with a known ground truth, for the tests, the CLI and the
local demo. Nothing here is real data.

Generative model (all draws from one seeded ``numpy.random.Generator``, in a fixed order, so that two
populations with the same seed differ only in the parameters changed):

- latent abilities z ~ N(0, R), R with 1 on the diagonal and ``COMPETENCY_CORRELATION`` off it;
- competency score = clip(centre + ``SCORE_SD``·z_k + ``NOISE_SD``·e_k - gap·[female] + drift, 0, 100)
  rounded to 0.01, where ``centre`` defaults to the value that lets 25 % of the reference group reach the profile's
  advance threshold; overall = the profile's normalised-weighted mean; recommendation from the profile's
  thresholds;
- performance latent p = Σ relation[k]·z_k + N(0, 1); the posted rating is 3 + 0.8·p/SD(p), rounded to
  0.5 and clipped to 1..5; probation passed when p/SD(p) > the 20th percentile of N(0, 1);
- hired = the top ``HIRED_SHARE`` by overall score: only they get probation and performance outcomes (the
  range restriction of real data), everybody gets a hire outcome;
- demographics: ``sex`` female/male 50/50 (``UNKNOWN_SEX`` of them not disclosed), ``age_band`` (no gap),
  ``region`` with one group under 2 % (to exercise LL144's exclusion).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
from jiping.analytics.models import (
    OVERALL,
    DemographicRecord,
    OutcomeKind,
    OutcomeRecord,
    ScoredCandidate,
)
from jiping.analytics.stats import pearson
from jiping.domain.models import Model
from jiping.domain.profiles import JobProfile
from pydantic import Field

TENANT = "analytics-demo"
DEFAULT_START = datetime(2025, 1, 6, tzinfo=UTC)
COMPETENCY_CORRELATION = 0.3
SCORE_SD = 10.0  # points per SD of a latent ability
NOISE_SD = 3.0  # measurement noise of a competency score, in points
HIRED_SHARE = 0.35
REFERENCE_ADVANCE_RATE = 0.25  # share of the reference group at or above the advance threshold
PROBATION_FAIL_SHARE = 0.2
UNKNOWN_SEX = 0.05
AGE_BANDS = (("18-24", 0.30), ("25-34", 0.35), ("35-44", 0.22), ("45+", 0.13))
UNKNOWN_AGE = 0.03
REGIONS = (("east", 0.45), ("south", 0.30), ("north", 0.237), ("overseas", 0.013))  # overseas < 2 %
UNKNOWN_REGION = 0.02
_N = NormalDist()


class PopulationTruth(Model):
    """The planted values a report run on the population should recover."""

    related: list[str]  # the competencies that carry the relation with performance
    relation: dict[str, float]  # competency id -> planted coefficient of z_k in the performance latent
    validity: dict[str, dict[str, float | None]]
    """Outcome -> predictor (OVERALL or a competency id) -> Pearson r over EVERY candidate, hired or not
    (the unrestricted correlation; for probation and performance computed from the simulated outcome of
    those never hired too)."""
    hired: int
    centre: float
    overall_sd: float  # analytic SD of the overall score within one group
    group_gap: float
    selection_rate: dict[str, float]  # sex -> expected share recommended "advance" (normal CDF)
    scoring_rate: dict[str, float]  # sex -> expected share above the population median
    selection_impact_ratio: dict[str, float]  # sex -> rate ÷ the higher rate
    scoring_impact_ratio: dict[str, float]
    drift_after_days: int | None
    drift_shift: float


class Population(Model):
    candidates: list[ScoredCandidate]
    outcomes: list[OutcomeRecord]
    demographics: list[DemographicRecord]
    truth: PopulationTruth
    notes: list[str] = Field(default_factory=list)


def _correlation_matrix(p: int, rho: float) -> npt.NDArray[np.float64]:
    return (1.0 - rho) * np.eye(p) + rho * np.ones((p, p))


def overall_sd(weights: npt.NDArray[np.float64]) -> float:
    """SD of the overall score within one group: sqrt(SCORE_SD²·w'Rw + NOISE_SD²·w'w) (clipping ignored)."""
    corr = _correlation_matrix(weights.size, COMPETENCY_CORRELATION)
    return float(np.sqrt(SCORE_SD**2 * weights @ corr @ weights + NOISE_SD**2 * weights @ weights))


def _mixture_sf(x: float, components: list[tuple[float, float]], sd: float) -> float:
    """P(score > x) for a mixture of normals given as (probability, mean) pairs with a common SD."""
    return sum(p * (1.0 - _N.cdf((x - mean) / sd)) for p, mean in components)


def _median(components: list[tuple[float, float]], sd: float) -> float:
    low, high = -1000.0, 1100.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if _mixture_sf(middle, components, sd) > 0.5:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


def expected_impact(
    centre: float,
    sd: float,
    gap: float,
    advance: float,
    drifted_share: float = 0.0,
    drift_shift: float = 0.0,
) -> tuple[dict[str, float], dict[str, float]]:
    """Expected selection and scoring rates per sex, from the normal CDF of the overall score.

    Overall ~ N(centre - gap·[female] + drift_shift·[after the drift], sd) with half the candidates female
    and ``drifted_share`` of them after the drift; selection = overall >= ``advance``; scoring = overall
    above the median of the whole mixture (LL144's scoring rate).
    """
    shifts = [(1.0 - drifted_share, 0.0), (drifted_share, drift_shift)]
    means = {"female": centre - gap, "male": centre}
    parts = {sex: [(p, mean + shift) for p, shift in shifts if p > 0] for sex, mean in means.items()}
    everyone = [(0.5 * p, mean) for comps in parts.values() for p, mean in comps]
    median = _median(everyone, sd)
    selection = {sex: _mixture_sf(advance, comps, sd) for sex, comps in parts.items()}
    scoring = {sex: _mixture_sf(median, comps, sd) for sex, comps in parts.items()}
    return selection, scoring


def _ratios(rates: dict[str, float]) -> dict[str, float]:
    top = max(rates.values())
    return {group: rate / top if top > 0 else 1.0 for group, rate in rates.items()}


def _categorical(
    rng: np.random.Generator, n: int, groups: tuple[tuple[str, float], ...], unknown: float
) -> list[str | None]:
    names = [name for name, _ in groups]
    probabilities = np.array([share for _, share in groups]) / sum(share for _, share in groups)
    drawn = rng.choice(len(names), size=n, p=probabilities)
    hidden = rng.random(n) < unknown
    return [None if hide else names[int(i)] for i, hide in zip(drawn, hidden, strict=True)]


def generate_population(
    profile: JobProfile,
    n: int,
    *,
    seed: int,
    relation: dict[str, float] | None = None,
    group_gap: float = 3.0,
    drift_after_days: int | None = None,
    drift_shift: float = 0.0,
    start: datetime | None = None,
    days: int = 84,
    centre: float | None = None,
) -> Population:
    """Generate ``n`` scored candidates of ``profile`` with outcomes, demographics and the planted truth.

    ``relation``: competency id -> coefficient of its latent ability in the performance latent (None: the
    profile's first competency 0.5 and its last 0.35; ``{}``: no relation at all). ``group_gap``: points
    taken off every competency score of female candidates. ``drift_after_days``/``drift_shift``: points
    added to every score from that day on. See the module docstring for the whole model.
    """
    if n < 10:
        raise ValueError("a population needs at least 10 candidates")
    if days < 1:
        raise ValueError("days must be at least 1")
    ids = [c.id for c in profile.competencies]
    if relation is None:
        relation = {ids[0]: 0.5, ids[-1]: 0.35} if len(ids) > 1 else {ids[0]: 0.5}
    unknown = sorted(set(relation) - set(ids))
    if unknown:
        raise ValueError(f"relation names competencies the profile does not have: {unknown}")
    weights_map = profile.normalised_weights()
    weights = np.array([weights_map[c] for c in ids])
    beta = np.array([relation.get(c, 0.0) for c in ids])
    p = len(ids)
    corr = _correlation_matrix(p, COMPETENCY_CORRELATION)
    sd_overall = overall_sd(weights)
    advance = profile.thresholds.advance
    if centre is None:
        centre = advance - _N.inv_cdf(1.0 - REFERENCE_ADVANCE_RATE) * sd_overall
    start = start or DEFAULT_START

    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((n, p)) @ np.linalg.cholesky(corr).T
    noise = rng.standard_normal((n, p))
    performance_noise = rng.standard_normal(n)
    offsets = np.sort(rng.random(n) * days)  # days after start; sorted so the ids are chronological
    female = rng.random(n) < 0.5
    sex_hidden = rng.random(n) < UNKNOWN_SEX
    age_band = _categorical(rng, n, AGE_BANDS, UNKNOWN_AGE)
    region = _categorical(rng, n, REGIONS, UNKNOWN_REGION)

    drifted = offsets >= drift_after_days if drift_after_days is not None else np.zeros(n, dtype=bool)
    shift = np.where(drifted, drift_shift, 0.0) - np.where(female, group_gap, 0.0)
    scores = np.round(np.clip(centre + SCORE_SD * latent + NOISE_SD * noise + shift[:, None], 0, 100), 2)
    overall = np.round(scores @ weights, 2)
    hired_n = round(n * HIRED_SHARE)
    hired = np.zeros(n, dtype=bool)
    hired[np.argsort(-overall, kind="stable")[:hired_n]] = True

    perf_sd = float(np.sqrt(beta @ corr @ beta + 1.0))
    perf = (latent @ beta + performance_noise) / perf_sd
    rating = np.clip(np.round(2.0 * (3.0 + 0.8 * perf)) / 2.0, 1.0, 5.0)
    passed = perf > _N.inv_cdf(PROBATION_FAIL_SHARE)

    candidates: list[ScoredCandidate] = []
    outcomes: list[OutcomeRecord] = []
    demographics: list[DemographicRecord] = []
    for i in range(n):
        interview_id = f"iv-{i + 1:05d}"
        scored_at = start + timedelta(days=float(offsets[i]))
        candidates.append(
            ScoredCandidate(
                interview_id=interview_id,
                job_id=profile.id,
                job_version=profile.version,
                overall_score=float(overall[i]),
                recommendation=profile.thresholds.recommend(float(overall[i])).value,
                competencies={c: float(scores[i, k]) for k, c in enumerate(ids)},
                scored_at=scored_at,
            )
        )
        day = scored_at.date()
        outcomes.append(
            _outcome(
                interview_id,
                "hire",
                day + timedelta(days=7),
                1.0 if hired[i] else 0.0,
                "hired" if hired[i] else "not_hired",
            )
        )
        if hired[i]:
            outcomes.append(
                _outcome(
                    interview_id,
                    "probation",
                    day + timedelta(days=97),
                    1.0 if passed[i] else 0.0,
                    "passed" if passed[i] else "failed",
                )
            )
            outcomes.append(
                _outcome(
                    interview_id,
                    "performance",
                    day + timedelta(days=187),
                    (float(rating[i]) - 1.0) / 4.0,
                    f"{float(rating[i]):g}",
                )
            )
        attributes = {
            key: value
            for key, value in (
                ("sex", None if sex_hidden[i] else ("female" if female[i] else "male")),
                ("age_band", age_band[i]),
                ("region", region[i]),
            )
            if value is not None
        }
        demographics.append(
            DemographicRecord(
                tenant_id=TENANT, interview_id=interview_id, attributes=attributes, received_at=scored_at
            )
        )

    drifted_share = 0.0 if drift_after_days is None else max(0.0, days - drift_after_days) / days
    selection, scoring = expected_impact(centre, sd_overall, group_gap, advance, drifted_share, drift_shift)
    predictors = {OVERALL: overall, **{c: scores[:, k] for k, c in enumerate(ids)}}
    simulated: dict[str, npt.NDArray[np.float64]] = {
        "hire": hired.astype(np.float64),
        "probation": passed.astype(np.float64),
        "performance": rating,
    }
    truth = PopulationTruth(
        related=[c for c in ids if relation.get(c, 0.0) != 0.0],
        relation={c: float(relation.get(c, 0.0)) for c in ids},
        validity={
            kind: {name: pearson(x, y) for name, x in predictors.items()} for kind, y in simulated.items()
        },
        hired=hired_n,
        centre=float(centre),
        overall_sd=sd_overall,
        group_gap=group_gap,
        selection_rate=selection,
        scoring_rate=scoring,
        selection_impact_ratio=_ratios(selection),
        scoring_impact_ratio=_ratios(scoring),
        drift_after_days=drift_after_days,
        drift_shift=drift_shift,
    )
    notes = [
        "Synthetic data: every candidate, score, outcome and attribute is generated; none is real.",
        "The validity truth is computed over every candidate, hired or not; the outcomes posted exist only "
        "for the hired (probation, performance), as in real data.",
    ]
    return Population(
        candidates=candidates, outcomes=outcomes, demographics=demographics, truth=truth, notes=notes
    )


def _outcome(interview_id: str, kind: OutcomeKind, day: date, value: float, raw: str) -> OutcomeRecord:
    return OutcomeRecord(
        tenant_id=TENANT,
        interview_id=interview_id,
        kind=kind,
        date=day,
        value=value,
        raw=raw,
        received_at=datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC),
    )
