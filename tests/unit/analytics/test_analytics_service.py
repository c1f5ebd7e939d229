"""Outcomes and demographics in: the accepted shapes, whole-batch validation, the tenant's interviews
only; scored candidates out, per profile version."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

import pytest
from jiping.analytics.models import DemographicRecord, OutcomeRecord, ReweightingProposal
from jiping.analytics.service import AnalyticsError, record_demographics, record_outcomes, scored_candidates
from jiping.domain.models import Interview, InterviewStatus, ScoreSnapshot

from tests.conftest import EVENTS

AT = datetime(2026, 11, 1, tzinfo=UTC)


class Rows:
    def __init__(self, *ids: str, tenant: str = "t") -> None:
        self.rows = {
            i: Interview(
                tenant_id=tenant, interview_id=i, status=InterviewStatus.SCORED, created_at=AT, updated_at=AT
            )
            for i in ids
        }
        self.lookups = 0

    def existing(self, tenant_id: str, interview_ids: Iterable[str]) -> set[str]:
        self.lookups += 1
        return {i for i in interview_ids if i in self.rows and self.rows[i].tenant_id == tenant_id}

    def list_scored(self, tenant_id: str, job_id: str) -> list[Interview]:
        return [r for r in self.rows.values() if r.tenant_id == tenant_id and r.job_id == job_id]


class Store:
    def __init__(self) -> None:
        self.outcomes_: list[OutcomeRecord] = []
        self.demographics_: list[DemographicRecord] = []

    def put_outcomes(self, records: Iterable[OutcomeRecord]) -> int:
        got = list(records)
        self.outcomes_ += got
        return len(got)

    def put_demographics(self, records: Iterable[DemographicRecord]) -> int:
        got = list(records)
        self.demographics_ += got
        return len(got)

    def outcomes(self, tenant_id: str) -> list[OutcomeRecord]:
        return [o for o in self.outcomes_ if o.tenant_id == tenant_id]

    def demographics(self, tenant_id: str) -> list[DemographicRecord]:
        return [d for d in self.demographics_ if d.tenant_id == tenant_id]

    def save_proposal(self, tenant_id: str, proposal: ReweightingProposal) -> None:
        raise AssertionError("parsing stores no proposal")

    def proposal(self, tenant_id: str, proposal_id: str) -> ReweightingProposal | None:
        raise AssertionError("parsing reads no proposal")


def test_outcomes_arrive_as_an_object_an_array_items_or_csv_and_are_normalised() -> None:
    rows, store = Rows("iv-1", "iv-2"), Store()
    one = {"interview_id": "iv-1", "kind": "hire", "date": "2026-05-01", "value": "hired"}
    assert record_outcomes("t", json.dumps(one), "application/json", interviews=rows, store=store) == 1
    many = [{"interview_id": "iv-2", "kind": "performance", "date": "2026-09-01", "value": 4, "scale_max": 5}]
    assert record_outcomes("t", json.dumps(many), None, interviews=rows, store=store) == 1
    assert (
        record_outcomes(
            "t", json.dumps({"items": many}), "application/json; charset=utf-8", interviews=rows, store=store
        )
        == 1
    )
    csv = "\ufeffinterview_id,kind,date,value\r\niv-2,probation,2026-08-01,passed\r\n"
    assert record_outcomes("t", csv, "text/csv", interviews=rows, store=store) == 1
    values = [(o.kind, o.value, o.raw) for o in store.outcomes_]
    assert values == [
        ("hire", 1.0, "hired"),
        ("performance", 0.75, "4.0"),
        ("performance", 0.75, "4.0"),
        ("probation", 1.0, "passed"),
    ]


@pytest.mark.parametrize(
    ("row", "why"),
    [
        ({"kind": "performance", "date": "2026-01-01", "value": 6}, "outside the scale"),
        ({"kind": "performance", "date": "2026-01-01", "value": "good"}, "is a number"),
        ({"kind": "hire", "date": "2026-01-01", "value": "maybe"}, "a hire value is one of"),
        ({"kind": "probation", "date": "2999-01-01", "value": "passed"}, "in the future"),
        ({"kind": "promotion", "date": "2026-01-01", "value": 1}, "kind"),
    ],
)
def test_a_bad_row_refuses_the_whole_batch_with_its_reason(row: dict, why: str) -> None:
    rows, store = Rows("iv-1"), Store()
    good = {"interview_id": "iv-1", "kind": "hire", "date": "2026-01-01", "value": True}
    with pytest.raises(AnalyticsError) as refused:
        record_outcomes(
            "t", json.dumps([good, {"interview_id": "iv-1"} | row]), None, interviews=rows, store=store
        )
    assert refused.value.code == "INVALID_ROWS" and refused.value.rows[0]["row"] == 2
    assert why in refused.value.rows[0]["error"]
    assert store.outcomes_ == []


def test_another_tenants_interview_is_unknown_and_nothing_is_stored() -> None:
    rows, store = Rows("iv-1", tenant="other"), Store()
    body = json.dumps({"interview_id": "iv-1", "kind": "hire", "date": "2026-01-01", "value": True})
    with pytest.raises(AnalyticsError) as refused:
        record_outcomes("t", body, None, interviews=rows, store=store)
    assert refused.value.code == "UNKNOWN_INTERVIEW" and store.outcomes_ == []


def test_a_large_batch_checks_its_interviews_in_one_lookup() -> None:
    ids = [f"iv-{n}" for n in range(40)]
    rows, store = Rows(*ids), Store()
    csv = "interview_id,kind,date,value\n" + "".join(f"{i},hire,2026-01-01,no\n" for i in ids)
    assert record_outcomes("t", csv, "text/csv", interviews=rows, store=store) == 40
    assert rows.lookups == 1


def test_bodies_that_are_not_json_or_csv_get_their_own_codes() -> None:
    rows, store = Rows("iv-1"), Store()
    for body, kind, code in (
        ("{", None, "INVALID_JSON"),
        ("x", "text/plain", "UNSUPPORTED_MEDIA_TYPE"),
        ("a,b\n1,2\n", "text/csv", "INVALID_CSV"),
        # a field over the csv module's 128 KiB limit (it raised csv.Error, a 500, before)
        ("interview_id,kind,value\niv-1,performance," + "9" * 200_000 + "\n", "text/csv", "INVALID_CSV"),
        ("[]", None, "EMPTY_BATCH"),
    ):
        with pytest.raises(AnalyticsError) as refused:
            record_outcomes("t", body, kind, interviews=rows, store=store)
        assert refused.value.code == code


def test_the_sample_ehr_files_are_accepted() -> None:
    rows, store = Rows("iv-0001", "iv-0002", "iv-0003"), Store()
    outcomes = (EVENTS / "outcomes.csv").read_text(encoding="utf-8")
    assert record_outcomes("t", outcomes, "text/csv", interviews=rows, store=store) == 6
    performance = {o.interview_id: o.value for o in store.outcomes_ if o.kind == "performance"}
    assert performance == {"iv-0001": pytest.approx(0.875), "iv-0003": pytest.approx(0.78)}
    demographics = (EVENTS / "demographics.csv").read_text(encoding="utf-8")
    assert record_demographics("t", demographics, "text/csv", interviews=rows, store=store) == 3
    assert store.demographics_[2].attributes == {
        "age_band": "35-44",
        "region": "华北",
        "school_tier": "other",
    }


def test_demographics_from_csv_columns_with_empty_values_as_unknown() -> None:
    rows, store = Rows("iv-1", "iv-2"), Store()
    csv = "interview_id,sex,age_band\niv-1,female,25-34\niv-2,,35-44\n"
    assert record_demographics("t", csv, "text/csv", interviews=rows, store=store) == 2
    assert [d.attributes for d in store.demographics_] == [
        {"sex": "female", "age_band": "25-34"},
        {"age_band": "35-44"},
    ]


def test_scored_candidates_count_a_rescored_interview_for_its_first_version_too() -> None:
    first = ScoreSnapshot(
        job_version=1,
        overall_score=60.0,
        recommendation="review",
        competency_scores={"a": 60.0},
        score_versions={},
        result_key="k1",
        scored_at=AT,
    )
    row = Interview(
        tenant_id="t",
        interview_id="iv-1",
        job_id="job",
        job_version=2,
        status=InterviewStatus.SCORED,
        created_at=AT,
        updated_at=AT,
        overall_score=80.0,
        recommendation="advance",
        competency_scores={"a": 60.0},
        scored_at=AT,
        score_history=[first],
    )
    pending = Interview(
        tenant_id="t",
        interview_id="iv-2",
        job_id="job",
        job_version=1,
        status=InterviewStatus.PROCESSING,
        created_at=AT,
        updated_at=AT,
    )
    (v1,) = scored_candidates([row, pending], "job", 1)
    (v2,) = scored_candidates([row, pending], "job", 2)
    assert (v1.overall_score, v1.recommendation) == (60.0, "review")
    assert (v2.overall_score, v2.recommendation) == (80.0, "advance")
    assert scored_candidates([row], "other-job", 1) == []
