"""The LL144 impact report recovers a planted group gap and matches an independent recomputation.

The population takes ``group_gap`` = 3 points off every competency score of female candidates; the
expected ratios come from the normal CDF (``population.expected_impact``), not from fairness.py. With
8 000 candidates the error of the female selection impact ratio had SD 0.027 (max 0.070) over 40 seeds,
of the scoring impact ratio SD 0.016 (max 0.044): a tolerance of 0.08 holds. Seed 4 is pinned.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import combinations

import pytest
from jiping.analytics.fairness import impact_report
from jiping.analytics.models import DemographicRecord, GroupImpact, ImpactReport, ScoredCandidate
from jiping.domain.profiles import JobProfile, bundled_profiles

from infra.localcloud.population import Population, generate_population

SEED = 4
N = 8000
TOLERANCE = 0.08
NOW = datetime(2025, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def profile() -> JobProfile:
    return bundled_profiles()["customer-service"]


@pytest.fixture(scope="module")
def gapped(profile: JobProfile) -> tuple[Population, ImpactReport]:
    population = generate_population(profile, N, seed=SEED, group_gap=3.0)
    return population, impact_report(
        profile.id, profile.version, population.candidates, population.demographics, now=NOW
    )


@pytest.fixture(scope="module")
def fair(profile: JobProfile) -> tuple[Population, ImpactReport]:
    population = generate_population(profile, N, seed=SEED, group_gap=0.0)
    return population, impact_report(
        profile.id, profile.version, population.candidates, population.demographics, now=NOW
    )


def _group(report: ImpactReport, attribute: str, group: str) -> GroupImpact:
    return next(g for g in report.groups if g.attribute == attribute and g.group == group)


def test_sex_impact_ratios_recover_the_planted_gap(gapped: tuple[Population, ImpactReport]) -> None:
    population, report = gapped
    female = _group(report, "sex", "female")
    male = _group(report, "sex", "male")
    truth = population.truth
    assert female.selection_impact_ratio == pytest.approx(
        truth.selection_impact_ratio["female"], abs=TOLERANCE
    )
    assert female.scoring_impact_ratio == pytest.approx(truth.scoring_impact_ratio["female"], abs=TOLERANCE)
    assert female.selection_rate == pytest.approx(truth.selection_rate["female"], abs=0.03)
    assert male.selection_impact_ratio == male.scoring_impact_ratio == 1.0  # the reference group


def test_female_group_is_flagged_when_the_planted_ratio_is_under_four_fifths(
    gapped: tuple[Population, ImpactReport],
) -> None:
    population, report = gapped
    assert population.truth.selection_impact_ratio["female"] < 0.8
    assert population.truth.scoring_impact_ratio["female"] < 0.8
    assert _group(report, "sex", "female").flagged is True
    assert "sex=female" in report.flagged and "sex=male" not in report.flagged
    assert any("human review" in note and "1607.4(D)" in note for note in report.notes)


def test_without_a_gap_nobody_is_flagged_by_sex(fair: tuple[Population, ImpactReport]) -> None:
    population, report = fair
    assert population.truth.selection_impact_ratio == {"female": 1.0, "male": 1.0}
    for group in ("female", "male"):
        impact = _group(report, "sex", group)
        assert impact.flagged is False
        assert impact.selection_impact_ratio is not None and impact.selection_impact_ratio > 0.9
    assert not any(flag.startswith("sex=") for flag in report.flagged)


def test_the_tiny_region_group_is_excluded_counted_and_never_the_reference(
    gapped: tuple[Population, ImpactReport],
) -> None:
    _, report = gapped
    overseas = _group(report, "region", "overseas")
    assert overseas.share < 0.02 and overseas.n > 0
    assert overseas.excluded is True and overseas.flagged is False
    assert overseas.selection_impact_ratio is None and overseas.scoring_impact_ratio is None
    included = [g for g in report.groups if g.attribute == "region" and not g.excluded]
    assert max(g.selection_impact_ratio or 0.0 for g in included) == 1.0
    assert any("under 2%" in note and "5-301" in note for note in report.notes)


def test_unknown_values_are_counted_per_attribute_and_intersection(
    gapped: tuple[Population, ImpactReport],
) -> None:
    population, report = gapped
    attributes = {d.interview_id: d.attributes for d in population.demographics}
    assert report.unknown["sex"] == sum(1 for a in attributes.values() if "sex" not in a)
    assert report.unknown["sex"] == pytest.approx(0.05 * N, rel=0.2)
    assert report.unknown["age_band×sex"] == sum(
        1 for a in attributes.values() if "sex" not in a or "age_band" not in a
    )
    assert sum(g.n for g in report.groups if g.attribute == "sex") == N - report.unknown["sex"]


def test_default_attributes_are_sorted_and_intersections_are_every_pair(
    gapped: tuple[Population, ImpactReport],
) -> None:
    _, report = gapped
    assert list(report.unknown) == [
        "age_band",
        "region",
        "sex",
        "age_band×region",
        "age_band×sex",
        "region×sex",
    ]
    assert _group(report, "age_band×sex", "25-34×female").n > 0


Recomputed = tuple[int, float, float | None, float, float | None]


def _recompute(
    candidates: list[ScoredCandidate], demographics: list[DemographicRecord]
) -> dict[tuple[str, str], Recomputed]:
    """LL144 from its definitions, with plain Counters: selection rate = advance ÷ members; impact ratio =
    rate ÷ the highest rate among groups of at least 2 % of the known; scoring rate = share above the
    median score of everyone; scoring impact ratio = rate ÷ the highest scoring rate."""
    scores = {c.interview_id: c.overall_score or 0.0 for c in candidates}
    median = statistics.median(scores.values())
    attrs = {d.interview_id: d.attributes for d in demographics}
    names = sorted({k for a in attrs.values() for k in a})
    out: dict[tuple[str, str], Recomputed] = {}
    for parts in [(n,) for n in names] + list(combinations(names, 2)):
        members: Counter[str] = Counter()
        selected: Counter[str] = Counter()
        above: Counter[str] = Counter()
        for c in candidates:
            a = attrs.get(c.interview_id, {})
            if all(p in a for p in parts):
                group = "×".join(a[p] for p in parts)
                members[group] += 1
                selected[group] += c.recommendation == "advance"
                above[group] += scores[c.interview_id] > median
        known = sum(members.values())
        big = [g for g in members if members[g] / known >= 0.02]
        top_sel = max(selected[g] / members[g] for g in big)
        top_sco = max(above[g] / members[g] for g in big)
        for g in members:
            sel_ratio = selected[g] / members[g] / top_sel if g in big else None
            sco_ratio = above[g] / members[g] / top_sco if g in big else None
            out[("×".join(parts), g)] = (
                members[g],
                selected[g] / members[g],
                sel_ratio,
                above[g] / members[g],
                sco_ratio,
            )
    return out


def test_an_independent_recomputation_reproduces_every_ratio_exactly(profile: JobProfile) -> None:
    population = generate_population(profile, 2000, seed=SEED)
    report = impact_report(
        profile.id, profile.version, population.candidates, population.demographics, now=NOW
    )
    expected = _recompute(population.candidates, population.demographics)
    got = {
        (g.attribute, g.group): (
            g.n,
            g.selection_rate,
            g.selection_impact_ratio,
            g.scoring_rate,
            g.scoring_impact_ratio,
        )
        for g in report.groups
    }
    assert got == expected
    assert report.median_score == statistics.median(c.overall_score or 0.0 for c in population.candidates)


def test_a_hand_made_sample_gives_the_textbook_ratios() -> None:
    # 10 women (2 advance), 10 men (5 advance): selection rates 0.2 and 0.5, impact ratio 0.4.
    start = datetime(2025, 1, 6, tzinfo=UTC)
    candidates, demographics = [], []
    for i in range(20):
        female = i < 10
        advance = (i < 2) if female else (i < 15)
        candidates.append(
            ScoredCandidate(
                interview_id=f"iv-{i:05d}",
                job_id="j",
                job_version=1,
                overall_score=float(80 if advance else 50 + i),
                recommendation="advance" if advance else "review",
                competencies={},
                scored_at=start + timedelta(hours=i),
            )
        )
        demographics.append(
            DemographicRecord(
                tenant_id="t",
                interview_id=f"iv-{i:05d}",
                attributes={"sex": "female" if female else "male"},
                received_at=start,
            )
        )
    # another version and an unscored interview do not count
    candidates.append(candidates[0].model_copy(update={"interview_id": "iv-99999", "job_version": 2}))
    candidates.append(candidates[1].model_copy(update={"interview_id": "iv-99998", "overall_score": None}))
    report = impact_report("j", 1, candidates, demographics, now=NOW)
    women, men = _group(report, "sex", "female"), _group(report, "sex", "male")
    assert report.n == 20
    assert (women.selected, women.selection_rate, men.selection_rate) == (2, 0.2, 0.5)
    assert women.selection_impact_ratio == pytest.approx(0.4) and women.flagged
    # scores: women 80, 80, 52..59; men 80 ×5, 65..69: median 66.5; above it 2 women and 8 men
    assert report.median_score == 66.5
    assert (women.above_median, men.above_median) == (2, 8)
    assert women.scoring_impact_ratio == pytest.approx(0.25)
    assert report.flagged == ["sex=female"]
    assert report.unknown == {"sex": 0}
