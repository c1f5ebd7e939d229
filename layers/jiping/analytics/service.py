"""Analytics as the API and the CLI use it: taking outcomes and demographics in, reports out, and the
re-weighting life cycle (propose → accept → re-score on request).

Inputs arrive as one JSON object, a JSON array, ``{"items": [...]}`` or CSV with a header row. A batch
is validated whole before anything is written: one bad row refuses the batch with every row's reason,
and nothing is stored (``AnalyticsError`` with a stable code). Every interview named must be one of the
tenant's.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from jiping.analytics.drift import drift_report
from jiping.analytics.fairness import impact_report
from jiping.analytics.models import (
    DemographicRecord,
    DemographicsIn,
    DriftReport,
    ImpactReport,
    OutcomeIn,
    OutcomeKind,
    OutcomeRecord,
    ReweightingProposal,
    ScoredCandidate,
    ValidityReport,
)
from jiping.analytics.reweighting import propose_reweighting, reweighted_profile
from jiping.analytics.validity import validity_report
from jiping.domain.errors import JipingError
from jiping.domain.models import Interview, InterviewStatus, ScoreSnapshot, utcnow
from jiping.domain.profiles import JobProfile, WeightsProvenance
from jiping.ports import ProfileSource

MAX_ROWS = 10_000  # per request


class AnalyticsError(JipingError):
    """A request analytics refuses: a stable ``code``, a message and, for batches, the rows' reasons."""

    def __init__(self, code: str, message: str, status: int = 422, rows: list[dict[str, Any]] | None = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status, self.rows = code, message, status, rows or []


class Interviews(Protocol):
    def existing(self, tenant_id: str, interview_ids: Iterable[str]) -> set[str]: ...

    def list_scored(self, tenant_id: str, job_id: str) -> list[Interview]: ...


class OutcomeStore(Protocol):
    def put_outcomes(self, records: Iterable[OutcomeRecord]) -> int: ...

    def outcomes(self, tenant_id: str) -> list[OutcomeRecord]: ...

    def save_proposal(self, tenant_id: str, proposal: ReweightingProposal) -> None: ...

    def proposal(self, tenant_id: str, proposal_id: str) -> ReweightingProposal | None: ...


class DemographicsStore(Protocol):
    def put_demographics(self, records: Iterable[DemographicRecord]) -> int: ...

    def demographics(self, tenant_id: str) -> list[DemographicRecord]: ...


class Profiles(ProfileSource, Protocol):
    def put(self, tenant_id: str, profile: JobProfile) -> None: ...


# --- parsing -------------------------------------------------------------------------------------------

T = TypeVar("T", bound=BaseModel)


def _rows(body: str, content_type: str | None) -> list[Any]:
    """The body's rows: JSON (object, array, or {"items": [...]}) or CSV (text/csv, a header row)."""
    kind = (content_type or "application/json").split(";")[0].strip().lower()
    if kind in ("text/csv", "application/csv"):
        reader = csv.DictReader(io.StringIO(body.lstrip("\ufeff")))
        try:
            if not reader.fieldnames or "interview_id" not in reader.fieldnames:
                raise AnalyticsError("INVALID_CSV", "the CSV needs a header row with an interview_id column")
            return list(reader)
        except csv.Error as exc:  # e.g. a field over the csv module's 128 KiB limit, a NUL byte
            raise AnalyticsError("INVALID_CSV", f"the CSV cannot be read: {exc}") from None
    if kind != "application/json":
        raise AnalyticsError("UNSUPPORTED_MEDIA_TYPE", f"send application/json or text/csv, not {kind}", 415)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise AnalyticsError("INVALID_JSON", f"the body is not JSON: {exc.msg}") from None
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    return data if isinstance(data, list) else [data]


def _parse(rows: list[Any], model: type[T], prepare: Callable[[Any], Any]) -> list[T]:
    if not rows:
        raise AnalyticsError("EMPTY_BATCH", "no rows in the request")
    if len(rows) > MAX_ROWS:
        raise AnalyticsError("BATCH_TOO_LARGE", f"{len(rows)} rows; send at most {MAX_ROWS} per request", 413)
    parsed: list[T] = []
    errors: list[dict[str, Any]] = []
    for n, row in enumerate(rows, start=1):
        try:
            parsed.append(model.model_validate(prepare(row)))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            errors.append({"row": n, "error": f"{where}: {first['msg']}" if where else first["msg"]})
        except (TypeError, ValueError) as exc:
            errors.append({"row": n, "error": str(exc)})
    if errors:
        raise AnalyticsError(
            "INVALID_ROWS",
            f"{len(errors)} of {len(rows)} rows are invalid; nothing was stored",
            rows=errors[:100],
        )
    return parsed


def _outcome_row(row: Any) -> Any:
    if not isinstance(row, dict):
        raise TypeError("a row is an object")
    return {k: v for k, v in row.items() if v not in ("", None) or k == "value"}


def _demographics_row(row: Any) -> Any:
    """JSON: {"interview_id", "attributes": {...}}; CSV: interview_id plus one column per attribute."""
    if not isinstance(row, dict):
        raise TypeError("a row is an object")
    if "attributes" in row:
        return row
    return {
        "interview_id": row.get("interview_id"),
        "attributes": {k: v for k, v in row.items() if k != "interview_id" and k},
    }


def _check_interviews(tenant_id: str, ids: list[str], interviews: Interviews) -> None:
    wanted = sorted(set(ids))
    known = interviews.existing(tenant_id, wanted)
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise AnalyticsError(
            "UNKNOWN_INTERVIEW",
            f"{len(unknown)} interview ids are not this tenant's; nothing was stored",
            rows=[{"interview_id": i, "error": "no such interview for this tenant"} for i in unknown[:100]],
        )


def record_outcomes(
    tenant_id: str,
    body: str,
    content_type: str | None,
    *,
    interviews: Interviews,
    store: OutcomeStore,
    now: datetime | None = None,
) -> int:
    """Validate and store a batch of outcomes; returns how many were stored."""
    parsed = _parse(_rows(body, content_type), OutcomeIn, _outcome_row)
    _check_interviews(tenant_id, [o.interview_id for o in parsed], interviews)
    at = now or utcnow()
    records = {
        (o.interview_id, o.kind, o.date): OutcomeRecord(
            tenant_id=tenant_id,
            interview_id=o.interview_id,
            kind=o.kind,
            date=o.date,
            value=o.normalised(),
            raw=str(o.value),
            received_at=at,
        )
        for o in parsed
    }  # a repeated (interview, kind, date) in one batch: the last row wins, as a later request would
    return store.put_outcomes(records.values())


def record_demographics(
    tenant_id: str,
    body: str,
    content_type: str | None,
    *,
    interviews: Interviews,
    store: DemographicsStore,
    now: datetime | None = None,
) -> int:
    parsed = _parse(_rows(body, content_type), DemographicsIn, _demographics_row)
    _check_interviews(tenant_id, [d.interview_id for d in parsed], interviews)
    at = now or utcnow()
    records = {
        d.interview_id: DemographicRecord(
            tenant_id=tenant_id, interview_id=d.interview_id, attributes=d.attributes, received_at=at
        )
        for d in parsed
    }
    return store.put_demographics(records.values())


# --- reports ---------------------------------------------------------------------------------------------


def scored_candidates(interviews: Iterable[Interview], job_id: str, version: int) -> list[ScoredCandidate]:
    """The scored interviews of one profile version, as analytics sees them (ids and scores only).

    An interview re-scored under a later version still counts for the version it was first scored
    with: its ``score_history`` keeps that result."""
    found: list[ScoredCandidate] = []
    for i in interviews:
        if i.status is not InterviewStatus.SCORED or i.job_id != job_id:
            continue
        current = ScoreSnapshot(
            job_version=i.job_version,
            overall_score=i.overall_score,
            recommendation=i.recommendation,
            competency_scores=i.competency_scores,
            score_versions=i.score_versions,
            result_key=i.result_key,
            scored_at=i.scored_at or i.updated_at,
        )
        match = next((s for s in [current, *reversed(i.score_history)] if s.job_version == version), None)
        if match is None:
            continue
        found.append(
            ScoredCandidate(
                interview_id=i.interview_id,
                job_id=job_id,
                job_version=version,
                overall_score=match.overall_score,
                recommendation=match.recommendation,
                competencies=match.competency_scores,
                scored_at=match.scored_at or i.updated_at,
            )
        )
    return found


class Analytics:
    """The reports of one tenant, over its stores."""

    def __init__(
        self,
        tenant_id: str,
        *,
        interviews: Interviews,
        outcomes: OutcomeStore,
        profiles: Profiles,
        demographics: DemographicsStore | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self._interviews, self._outcomes, self._profiles = interviews, outcomes, profiles
        self._demographics = demographics

    def profile(self, job_id: str, version: int | None) -> JobProfile:
        found = self._profiles.get(self.tenant_id, job_id, version)
        if found is None:
            raise AnalyticsError("PROFILE_NOT_FOUND", "no such job profile (version) for this tenant", 404)
        return found

    def candidates(self, profile: JobProfile) -> list[ScoredCandidate]:
        return scored_candidates(
            self._interviews.list_scored(self.tenant_id, profile.id), profile.id, profile.version
        )

    def validity(self, job_id: str, version: int | None, *, min_n: int = 30) -> ValidityReport:
        profile = self.profile(job_id, version)
        return validity_report(
            profile, self.candidates(profile), self._outcomes.outcomes(self.tenant_id), min_n=min_n
        )

    def impact(
        self,
        job_id: str,
        version: int | None,
        *,
        attributes: list[str] | None = None,
        intersections: list[tuple[str, str]] | None = None,
    ) -> ImpactReport:
        if self._demographics is None:
            raise AnalyticsError("NOT_CONFIGURED", "no demographics store", 500)
        profile = self.profile(job_id, version)
        return impact_report(
            profile.id,
            profile.version,
            self.candidates(profile),
            self._demographics.demographics(self.tenant_id),
            attributes=attributes,
            intersections=intersections,
        )

    def drift(self, job_id: str, version: int | None, *, window_days: int = 7) -> DriftReport:
        profile = self.profile(job_id, version)
        return drift_report(profile.id, profile.version, self.candidates(profile), window_days=window_days)

    # -- re-weighting ------------------------------------------------------------------------------------

    def propose(self, job_id: str, version: int | None, outcome: OutcomeKind) -> ReweightingProposal:
        """Fit weights to an outcome and keep the proposal; nothing else changes until it is accepted."""
        profile = self.profile(job_id, version)
        try:
            proposal = propose_reweighting(
                profile,
                self.candidates(profile),
                self._outcomes.outcomes(self.tenant_id),
                outcome,
                proposal_id="rw_" + secrets.token_hex(8),
            )
        except ValueError as exc:
            raise AnalyticsError("NOT_ENOUGH_OUTCOMES", str(exc)) from None
        self._outcomes.save_proposal(self.tenant_id, proposal)
        return proposal

    def proposal(self, proposal_id: str) -> ReweightingProposal:
        found = self._outcomes.proposal(self.tenant_id, proposal_id)
        if found is None:
            raise AnalyticsError("PROPOSAL_NOT_FOUND", "no such re-weighting proposal for this tenant", 404)
        return found

    def accept(self, proposal_id: str, now: datetime | None = None) -> tuple[ReweightingProposal, JobProfile]:
        """A new profile version with the proposal's weights (the next free version number). Old results
        keep their versions; nothing is re-scored here. Accepting an accepted proposal returns its version."""
        proposal = self.proposal(proposal_id)
        if proposal.status == "accepted" and proposal.accepted_version is not None:
            return proposal, self.profile(proposal.job_id, proposal.accepted_version)
        base = self.profile(proposal.job_id, proposal.job_version)
        latest = self.profile(proposal.job_id, None)
        at = now or utcnow()
        made = reweighted_profile(base, proposal, latest.version + 1).model_copy(
            update={
                "weights_from": WeightsProvenance(
                    proposal_id=proposal.proposal_id,
                    from_version=base.version,
                    outcome=proposal.outcome,
                    n=proposal.n,
                    cv_r_current=proposal.cv_r_current,
                    cv_r_proposed=proposal.cv_r_proposed,
                    accepted_at=at,
                )
            }
        )
        made = JobProfile.model_validate(made.model_dump())  # validated like any posted profile
        self._profiles.put(self.tenant_id, made)
        accepted = proposal.model_copy(
            update={"status": "accepted", "accepted_version": made.version, "accepted_at": at}
        )
        self._outcomes.save_proposal(self.tenant_id, accepted)
        return accepted, made
