"""The workspace's CSV downloads: the talent pool and a job's results."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from jiping.domain.models import Interview, InterviewStatus
from jiping.domain.profiles import BUNDLED_DIR, load_profile
from jiping.portal.exports import POOL_COLUMNS, neutralise, pool_csv, result_row, results_csv

PROFILE = load_profile(BUNDLED_DIR / "customer-service.yaml")
AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def rows_of(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def pool_entry(**changes: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "rank": 1,
        "interview_id": "iv-7",
        "candidate_ref": "C-2026-0007",
        "overall_score": 88.5,
        "level": 5,
        "recommendation": "advance",
        "status": InterviewStatus.SCORED,
        "review_needed": False,
        "pushed_to": [{"user_id": "lisi", "name": "李四"}],
        "decision": None,
        "scored_at": AT,
    }
    return entry | changes


def interview(**changes: object) -> Interview:
    fields: dict[str, object] = {
        "tenant_id": "t1",
        "interview_id": "iv-1",
        "job_id": PROFILE.id,
        "status": InterviewStatus.SCORED,
        "created_at": AT,
        "updated_at": AT,
        "overall_score": 61.5,
        "recommendation": "review",
        "scored_at": AT,
        "candidate_ref": "C-1",
        "competency_scores": {"customer_focus": 70.0, "communication": None, "problem_solving": 50.0},
    }
    return Interview.model_validate(fields | changes)


def test_the_pool_csv_has_the_columns_in_order_and_chinese_names_survive_the_bom():
    rows = rows_of(pool_csv([pool_entry()]))
    assert rows[0] == list(POOL_COLUMNS)
    assert rows[1] == [
        "1",
        "iv-7",
        "C-2026-0007",
        "88.5",
        "5",
        "advance",
        "SCORED",
        "false",
        "李四 (lisi)",
        "",
        "2026-12-07T08:00:00Z",
    ]


def test_a_hyperlink_formula_in_a_text_cell_is_neutralised_with_a_leading_quote():
    rows = rows_of(pool_csv([pool_entry(candidate_ref='=HYPERLINK("http://evil.example","click")')]))
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example","click")'


def test_every_formula_start_is_neutralised_and_harmless_text_is_left_alone():
    for text in ("=1+1", "+1", "-2", "@SUM(A1)", "\tcmd", "\rcmd"):
        assert neutralise(text) == "'" + text
    for text in ("C-1", "张三", "1=1", " =1"):
        assert neutralise(text) == text


def test_numbers_are_written_as_numbers_and_never_get_a_quote():
    rows = rows_of(pool_csv([pool_entry(overall_score=0.0, level=1, rank=12)]))
    assert rows[1][0] == "12" and rows[1][3] == "0.0" and rows[1][4] == "1"
    # a candidate reference that merely looks like a negative number is text: it is neutralised
    assert rows_of(pool_csv([pool_entry(candidate_ref="-5")]))[1][2] == "'-5"


def test_a_manager_name_that_starts_a_formula_is_neutralised_in_pushed_to():
    rows = rows_of(pool_csv([pool_entry(pushed_to=[{"user_id": "x", "name": "=cmd|' /C calc'!A0"}])]))
    assert rows[1][8].startswith("'=cmd")


def test_a_decision_record_is_written_as_its_word():
    decided = {"decision": "hold", "by": {"user_id": "lisi", "name": "李四", "role": "manager"}}
    assert rows_of(pool_csv([pool_entry(decision=decided)]))[1][9] == "hold"
    assert rows_of(pool_csv([pool_entry(decision="decline")]))[1][9] == "decline"


def test_the_results_csv_has_one_column_per_competency_in_profile_order_named():
    rows = rows_of(results_csv([interview()], PROFILE))
    assert rows[0] == [
        "interview_id",
        "candidate_ref",
        "scored_at",
        "overall_score",
        "recommendation",
        "model_recommendation",
        "客户导向 (customer_focus)",
        "沟通表达 (communication)",
        "情绪管理 (emotional_control)",
        "问题解决 (problem_solving)",
    ]
    # communication was not assessed, emotional_control has no score: empty cells, never a number
    assert rows[1] == [
        "iv-1",
        "C-1",
        "2026-12-07T08:00:00Z",
        "61.5",
        "review",
        "review",
        "70.0",
        "",
        "",
        "50.0",
    ]


def test_the_results_csv_tells_the_overridden_recommendation_from_the_models():
    # GIVEN the model said review, the candidate asked for a review, and a reviewer decided advance
    decided = interview(
        recommendation="advance",
        human_review={
            "requested_at": AT.isoformat(),
            "recommendation_before": "review",
            "decided_at": AT.isoformat(),
            "decision": "advance",
        },
    )
    rows = rows_of(results_csv([decided], PROFILE))
    assert rows[1][4:6] == ["advance", "review"]


def test_the_result_document_names_the_models_recommendation_when_the_row_cannot():
    decided = interview(
        recommendation="decline", human_review={"decided_at": AT.isoformat(), "decision": "decline"}
    )
    assert result_row(decided).model_recommendation is None  # the row kept no trace of it
    assert result_row(decided, {"recommendation": "advance"}).model_recommendation == "advance"


def test_a_competency_name_that_starts_a_formula_is_neutralised_in_the_header():
    profile = PROFILE.model_copy(deep=True)
    profile.competencies[0].name = "=1+2"
    assert rows_of(results_csv([], profile))[0][6] == "'=1+2 (customer_focus)"
