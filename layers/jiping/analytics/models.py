"""What analytics reads and what it reports.

Inputs: the scored interviews of one job profile version (``ScoredCandidate``, read from the interview
rows), the outcomes the EHR posts back (``OutcomeRecord``) and, stored apart, the optional demographic
attributes (``DemographicRecord``). Outputs: the validity, re-weighting, impact and drift reports; the
API returns them as JSON and renders them as HTML (``jiping.reports.analytics``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from jiping.domain.models import Model, check_id

OutcomeKind = Literal["hire", "probation", "performance"]
OUTCOME_KINDS: tuple[OutcomeKind, ...] = ("hire", "probation", "performance")
OVERALL = "overall"  # the predictor name of the overall score in the reports

_HIRE = {"true": 1.0, "1": 1.0, "yes": 1.0, "hired": 1.0, "false": 0.0, "0": 0.0, "no": 0.0, "not_hired": 0.0}
_PROBATION = {"passed": 1.0, "pass": 1.0, "failed": 0.0, "fail": 0.0}
MAX_ATTRIBUTES = 12
MAX_ATTRIBUTE_VALUE = 64


# --- inputs -----------------------------------------------------------------------------------------


class OutcomeIn(Model):
    """One outcome as the EHR posts it (a JSON object, or a CSV row with the same column names).

    - ``hire``: ``value`` true/false (also hired/not_hired, yes/no, 1/0): the hiring decision.
    - ``probation``: ``value`` passed/failed: the probation result.
    - ``performance``: ``value`` a rating on the scale ``scale_min``..``scale_max`` (default 1..5).

    ``date`` is when it was decided or rated. One interview has at most one outcome per kind and date:
    posting it again replaces it (a correction), posting it twice changes nothing.
    """

    interview_id: str
    kind: OutcomeKind
    value: str | float | bool
    date: date
    scale_min: float = 1.0
    scale_max: float = 5.0

    _check_interview = field_validator("interview_id")(lambda v: check_id(v, "interview_id"))

    @model_validator(mode="after")
    def _meaningful(self) -> OutcomeIn:
        self.normalised()  # raises ValueError with the reason
        if self.date > date.today():
            raise ValueError(f"date {self.date} is in the future")
        return self

    def normalised(self) -> float:
        """The value on 0..1: hire and probation 1/0, a rating scaled to its scale."""
        raw = self.value
        if self.kind == "performance":
            if isinstance(raw, bool):
                raise ValueError("a performance value is a number")
            try:
                rating = float(raw)
            except ValueError:
                raise ValueError(f"a performance value is a number, not {str(raw)[:20]!r}") from None
            if not self.scale_max > self.scale_min:
                raise ValueError("scale_max must be above scale_min")
            if not self.scale_min <= rating <= self.scale_max:
                raise ValueError(f"rating {rating} is outside the scale {self.scale_min}..{self.scale_max}")
            return (rating - self.scale_min) / (self.scale_max - self.scale_min)
        table = _HIRE if self.kind == "hire" else _PROBATION
        word = str(raw).strip().lower() if not isinstance(raw, bool) else str(raw).lower()
        if word not in table:
            raise ValueError(f"a {self.kind} value is one of {sorted(table)}, not {str(raw)[:20]!r}")
        return table[word]


class OutcomeRecord(Model):
    """A stored outcome: normalised, per tenant."""

    tenant_id: str
    interview_id: str
    kind: OutcomeKind
    date: date
    value: float = Field(ge=0, le=1)  # see OutcomeIn.normalised
    raw: str  # what was posted, for the audit trail
    received_at: datetime


class DemographicsIn(Model):
    """Optional self-reported attributes of the candidate of one interview, for the impact report only.

    Keys are attribute names (``sex``, ``race_ethnicity``, ``age_band``, ``region``, ``school_tier``,
    …); a missing or empty value is an unknown. Stored in a table of their own, which the scoring code
    has no access to.
    """

    interview_id: str
    attributes: dict[str, str] = Field(max_length=MAX_ATTRIBUTES)

    _check_interview = field_validator("interview_id")(lambda v: check_id(v, "interview_id"))

    @field_validator("attributes")
    @classmethod
    def _clean(cls, value: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, raw in value.items():
            check_id(key, "attribute name")
            text = str(raw).strip()
            if len(text) > MAX_ATTRIBUTE_VALUE:
                raise ValueError(f"attribute {key!r} is longer than {MAX_ATTRIBUTE_VALUE} characters")
            if text:
                out[key] = text
        return out


class DemographicRecord(Model):
    tenant_id: str
    interview_id: str
    attributes: dict[str, str]
    received_at: datetime


class ScoredCandidate(Model):
    """One scored interview of a job profile version, as analytics sees it (no candidate data)."""

    interview_id: str
    job_id: str
    job_version: int
    overall_score: float | None
    recommendation: str | None
    competencies: dict[str, float | None]  # competency id -> score (None: not assessed)
    scored_at: datetime


# --- validity -----------------------------------------------------------------------------------------


class Correlation(Model):
    """One predictor against one outcome. Values are withheld (None) below the report's ``min_n``."""

    n: int
    withheld: bool
    pearson: float | None = None
    pearson_ci: tuple[float, float] | None = None  # 95 %, Fisher z
    spearman: float | None = None
    spearman_ci: tuple[float, float] | None = None  # 95 %, Fisher z with the Bonett-Wright variance
    corrected: float | None = None  # Pearson corrected for range restriction (see ValidityReport)
    corrected_ci: tuple[float, float] | None = (
        None  # overall: the Fisher bounds corrected; competencies: bootstrap
    )


class ValidityRow(Model):
    predictor: str  # OVERALL or a competency id
    name: str
    outcome: OutcomeKind
    correlation: Correlation


class ValidityReport(Model):
    job_id: str
    job_version: int
    generated_at: datetime
    min_n: int
    pool_n: int  # scored interviews of this version (the unrestricted group)
    outcome_n: dict[str, int]  # outcome kind -> interviews with that outcome
    correction: str  # which range-restriction correction, in words
    selection_sd_ratio: dict[str, float | None]  # outcome -> u = SD(overall | outcome) / SD(overall | pool)
    rows: list[ValidityRow]
    notes: list[str] = Field(default_factory=list)


# --- re-weighting -------------------------------------------------------------------------------------


class ReweightingProposal(Model):
    proposal_id: str
    job_id: str
    job_version: int
    outcome: OutcomeKind
    n: int
    folds: int
    alpha: float  # the ridge penalty chosen by cross-validation
    current_weights: dict[str, float]  # normalised, sum 1
    proposed_weights: dict[str, float]  # non-negative, normalised, sum 1
    cv_r_current: float  # out-of-fold correlation of the current composite with the outcome
    cv_r_proposed: float  # the same for the proposed weights (fitted on the other folds)
    expected_gain: float  # cv_r_proposed - cv_r_current
    created_at: datetime
    status: Literal["proposed", "accepted"] = "proposed"
    accepted_version: int | None = None
    accepted_at: datetime | None = None
    notes: list[str] = Field(default_factory=list)


# --- adverse impact -----------------------------------------------------------------------------------


class GroupImpact(Model):
    attribute: str  # e.g. "sex", or "sex×race_ethnicity" for an intersection
    group: str  # e.g. "female", or "female×asian"
    n: int
    share: float  # of the candidates whose value for the attribute is known
    selected: int
    selection_rate: float
    selection_impact_ratio: float | None  # None when the group is excluded (see ``excluded``)
    above_median: int
    scoring_rate: float
    scoring_impact_ratio: float | None
    excluded: bool = False  # under ``min_share`` of the known: left out of the ratios, as LL144 allows
    flagged: bool = False  # an impact ratio below the four-fifths threshold


class ImpactReport(Model):
    job_id: str
    job_version: int
    generated_at: datetime
    n: int  # scored interviews of this version
    selection: str  # what counts as selected, in words
    median_score: float | None
    min_share: float
    threshold: float  # the four-fifths rule: 0.8
    unknown: dict[str, int]  # attribute (or intersection) -> candidates without a known value
    groups: list[GroupImpact]
    flagged: list[str]  # "attribute=group" of every flagged group
    notes: list[str] = Field(default_factory=list)


# --- drift --------------------------------------------------------------------------------------------


class DriftWindow(Model):
    start: date
    end: date  # exclusive
    n: int
    mean: float | None
    p25: float | None
    median: float | None
    p75: float | None
    advance_rate: float | None
    psi: float | None = None  # population stability index against the baseline
    ks: float | None = None  # two-sample Kolmogorov-Smirnov statistic against the baseline
    ks_p: float | None = None
    drifted: bool = False


class DriftReport(Model):
    job_id: str
    job_version: int
    generated_at: datetime
    window_days: int
    min_n: int
    psi_alert: float
    ks_alpha: float
    baseline: DriftWindow
    windows: list[DriftWindow]
    alerts: list[str]
