"""Adverse impact by group, with the definitions of NYC Local Law 144's rules (6 RCNY §5-300).

- selection rate = selected ÷ members of the group, where selected = the tool classified the candidate
  "advance" (its recommendation);
- impact ratio = the group's selection rate ÷ the selection rate of the most selected group;
- scoring rate = the share of the group scoring above the median overall score of the full sample;
- scoring impact ratio = the group's scoring rate ÷ the highest scoring rate of any group.

Groups under ``min_share`` (2 %) of the candidates with a known value are left out of the ratios and
cannot be the reference group, as the rules allow (6 RCNY §5-301), but are still counted. A ratio under
``threshold`` flags the group (the four-fifths rule of the Uniform Guidelines, 29 CFR 1607.4(D)): a
signal for a person to review, not a finding. Intersections (e.g. sex × age band) are groups of their
own; a candidate with either part unknown is unknown for the intersection.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from itertools import combinations

from jiping.analytics.models import (
    DemographicRecord,
    GroupImpact,
    ImpactReport,
    ScoredCandidate,
)
from jiping.analytics.validity import scored_pool
from jiping.domain.models import utcnow
from jiping.domain.profiles import Recommendation

SELECTED = Recommendation.ADVANCE.value
JOIN = "×"
SELECTION = (
    f"Selected = the tool's recommendation is {SELECTED!r}; selection rate = selected ÷ the group's "
    "candidates; impact ratio = the group's rate ÷ the rate of the most selected group (NYC LL144, "
    "6 RCNY §5-300). Scoring rate = the share of the group scoring above the median overall score of all "
    "candidates; scoring impact ratio = the group's scoring rate ÷ the highest scoring rate."
)


def latest_attributes(
    demographics: Iterable[DemographicRecord], interview_ids: set[str]
) -> dict[str, dict[str, str]]:
    """Interview id -> its attributes (the most recently received record), for the given interviews."""
    latest: dict[str, DemographicRecord] = {}
    for record in demographics:
        if record.interview_id in interview_ids:
            seen = latest.get(record.interview_id)
            if seen is None or record.received_at >= seen.received_at:
                latest[record.interview_id] = record
    return {
        interview_id: {k: v.strip() for k, v in record.attributes.items() if v and v.strip()}
        for interview_id, record in latest.items()
    }


def group_of(attributes: dict[str, str], parts: tuple[str, ...]) -> str | None:
    """The candidate's group for an attribute or an intersection of attributes; None if any part is unknown."""
    values = [attributes.get(part) for part in parts]
    if any(v is None for v in values):
        return None
    return JOIN.join(v for v in values if v is not None)


def impact_rows(
    name: str,
    members: dict[str, list[ScoredCandidate]],
    median: float,
    *,
    min_share: float,
    threshold: float,
) -> list[GroupImpact]:
    """The groups of one attribute (or intersection), with rates, ratios, exclusion and flags."""
    known = sum(len(group) for group in members.values())
    stats: dict[str, tuple[int, int, int]] = {}
    for group, candidates in members.items():
        selected = sum(1 for c in candidates if c.recommendation == SELECTED)
        above = sum(1 for c in candidates if c.overall_score is not None and c.overall_score > median)
        stats[group] = (len(candidates), selected, above)
    included = {g for g, (n, _, _) in stats.items() if n / known >= min_share}
    top_selection = max((stats[g][1] / stats[g][0] for g in included), default=0.0)
    top_scoring = max((stats[g][2] / stats[g][0] for g in included), default=0.0)
    rows: list[GroupImpact] = []
    for group in sorted(stats):
        n, selected, above = stats[group]
        selection_rate, scoring_rate = selected / n, above / n
        excluded = group not in included
        selection_ratio = None if excluded or top_selection == 0 else selection_rate / top_selection
        scoring_ratio = None if excluded or top_scoring == 0 else scoring_rate / top_scoring
        flagged = any(r is not None and r < threshold for r in (selection_ratio, scoring_ratio))
        rows.append(
            GroupImpact(
                attribute=name,
                group=group,
                n=n,
                share=n / known,
                selected=selected,
                selection_rate=selection_rate,
                selection_impact_ratio=selection_ratio,
                above_median=above,
                scoring_rate=scoring_rate,
                scoring_impact_ratio=scoring_ratio,
                excluded=excluded,
                flagged=flagged,
            )
        )
    return rows


def impact_report(
    job_id: str,
    job_version: int,
    candidates: list[ScoredCandidate],
    demographics: list[DemographicRecord],
    *,
    attributes: list[str] | None = None,
    intersections: list[tuple[str, str]] | None = None,
    min_share: float = 0.02,
    threshold: float = 0.8,
    now: datetime | None = None,
) -> ImpactReport:
    """Selection and scoring impact ratios per group of each attribute and intersection of attributes.

    Defaults: every attribute seen in the demographics (sorted) and every pair of them. Only candidates
    of this version with an overall score count; a candidate without a value is counted in ``unknown``.
    """
    scored = scored_pool(job_id, job_version, candidates)
    by_id = latest_attributes(demographics, {c.interview_id for c in scored})
    seen = sorted({key for attrs in by_id.values() for key in attrs})
    names = list(dict.fromkeys(attributes)) if attributes is not None else seen
    pairs = intersections if intersections is not None else list(combinations(names, 2))
    median = (
        statistics.median(c.overall_score for c in scored if c.overall_score is not None) if scored else None
    )

    groups: list[GroupImpact] = []
    unknown: dict[str, int] = {}
    notes: list[str] = []
    for parts in [(name,) for name in names] + [tuple(pair) for pair in pairs]:
        name = JOIN.join(parts)
        members: dict[str, list[ScoredCandidate]] = {}
        missing = 0
        for candidate in scored:
            group = group_of(by_id.get(candidate.interview_id, {}), parts)
            if group is None:
                missing += 1
            else:
                members.setdefault(group, []).append(candidate)
        unknown[name] = missing
        if not members:
            notes.append(f"No candidate has a known {name}.")
            continue
        if median is not None:
            groups.extend(impact_rows(name, members, median, min_share=min_share, threshold=threshold))

    excluded = [g for g in groups if g.excluded]
    if excluded:
        notes.append(
            f"{len(excluded)} groups have under {min_share:.0%} of the candidates with a known value; they are "
            "counted but left out of the impact ratios and cannot be the reference group, as the LL144 rules "
            "allow for categories under 2 % (6 RCNY §5-301)."
        )
    if any(count for count in unknown.values()):
        notes.append(
            "Candidates without a value for an attribute are counted as unknown for it and for its "
            "intersections, and are left out of its rates."
        )
    if any(g.selection_impact_ratio is None and not g.excluded for g in groups):
        notes.append(
            "Where no included group has a selected (or above-median) candidate, the ratio is undefined."
        )
    flagged = [f"{g.attribute}={g.group}" for g in groups if g.flagged]
    if flagged:
        notes.append(
            f"Flagged groups have an impact ratio under {threshold:g} (the four-fifths rule, 29 CFR 1607.4(D)) "
            "and go to human review: the ratio is a signal to investigate, not a finding of discrimination."
        )
    rare = Counter(g.attribute for g in groups if not g.excluded and g.n < 30)
    if rare:
        notes.append(
            "Some included groups have fewer than 30 candidates; their ratios can move a lot with a few "
            "candidates: " + ", ".join(sorted(rare)) + "."
        )
    return ImpactReport(
        job_id=job_id,
        job_version=job_version,
        generated_at=now or utcnow(),
        n=len(scored),
        selection=SELECTION,
        median_score=median,
        min_share=min_share,
        threshold=threshold,
        unknown=unknown,
        groups=groups,
        flagged=flagged,
        notes=notes,
    )
