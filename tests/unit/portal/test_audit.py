"""Human oversight: a candidate's review request, a reviewer's decision, and the audit log of both."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jiping.domain.errors import NotFound
from jiping.domain.models import Interview, InterviewStatus
from jiping.portal.audit import AuditRecord, ReviewError, override, request_review

AT = datetime(2026, 11, 1, tzinfo=UTC)


class Log:
    def __init__(self) -> None:
        self.rows: list[AuditRecord] = []

    def append(self, record: AuditRecord) -> None:
        self.rows.append(record)

    def records(self, tenant_id: str, interview_id: str) -> list[AuditRecord]:
        return [r for r in self.rows if (r.tenant_id, r.interview_id) == (tenant_id, interview_id)]


def _scored(repo) -> None:
    repo.rows[("t", "iv-1")] = Interview(
        tenant_id="t",
        interview_id="iv-1",
        status=InterviewStatus.SCORED,
        created_at=AT,
        updated_at=AT,
        overall_score=81.0,
        recommendation="advance",
        score_versions={"composite_model": "m+weights:abc"},
    )


def test_a_review_request_holds_the_result_at_review_and_is_logged_once(repo) -> None:
    _scored(repo)
    log = Log()
    first = request_review(repo, log, "t", "iv-1", reason="我的网络卡顿", retention_days=365)
    assert first.recommendation == "review" and first.human_review["recommendation_before"] == "advance"
    again = request_review(repo, log, "t", "iv-1", reason="again", retention_days=365)
    assert again.human_review == first.human_review  # waiting already: nothing changes
    assert [r.kind for r in log.rows] == ["review_requested", "review_requested"]
    assert log.rows[0].actor == "candidate" and log.rows[0].expires_at is not None
    assert (log.rows[0].expires_at - log.rows[0].at).days == 365


def test_a_reviewers_decision_replaces_the_recommendation_and_the_log_keeps_the_models(repo) -> None:
    _scored(repo)
    log = Log()
    request_review(repo, log, "t", "iv-1", reason=None, retention_days=365)
    decided = override(
        repo,
        log,
        "t",
        "iv-1",
        decision="decline",
        reviewer="hr-042",
        reason="answers off-topic",
        retention_days=365,
    )
    assert decided.recommendation == "decline" and decided.overall_score == 81.0
    assert decided.human_review["decided_by"] == "hr-042" and decided.human_review["decision"] == "decline"
    last = log.rows[-1]
    assert (last.kind, last.actor, last.details["recommendation_before"]) == ("override", "hr-042", "review")
    assert last.details["versions"] == {"composite_model": "m+weights:abc"}


def test_a_decision_needs_a_result_and_a_known_decision(repo) -> None:
    repo.rows[("t", "iv-2")] = Interview(
        tenant_id="t", interview_id="iv-2", status=InterviewStatus.PROCESSING, created_at=AT, updated_at=AT
    )
    log = Log()
    with pytest.raises(ReviewError) as refused:
        override(repo, log, "t", "iv-2", decision="advance", reviewer="hr", reason="x", retention_days=365)
    assert refused.value.code == "NOT_SCORED"
    _scored(repo)
    with pytest.raises(ReviewError):
        override(repo, log, "t", "iv-1", decision="hire", reviewer="hr", reason="x", retention_days=365)
    with pytest.raises(NotFound):
        request_review(repo, log, "t", "iv-none", reason=None, retention_days=365)
    assert log.rows == []
