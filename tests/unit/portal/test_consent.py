"""Consent decides what is analysed: video and audio, audio only, or nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jiping.domain.answers import plan_analysis
from jiping.domain.models import ExecutionInput, Interview, InterviewStatus, UploadRef
from jiping.portal.interviews import CreateInterview, PortalError, start_interview

NOW = datetime(2026, 11, 22, tzinfo=UTC)


class Presigner:
    def post_form(self, bucket: str, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict:
        return {"url": f"https://{bucket}.s3/", "fields": {"key": key}}

    def get_url(self, bucket: str, key: str, expires_in: int) -> str:
        return f"https://{bucket}.s3/{key}"


def request(**consent: object) -> CreateInterview:
    return CreateInterview.model_validate(
        {
            "interview_id": "iv-c",
            "candidate_ref": "cand-c",
            "job_id": "customer-service",
            "questions": [{"question_id": "q1"}],
            "consent": {"version": "2026-11", "given_at": NOW.isoformat()} | consent,
        }
    )


def test_no_consent_at_all_is_refused_and_nothing_is_stored(repo) -> None:
    with pytest.raises(PortalError) as refused:
        start_interview(request(biometric=False, audio=False), "t", repo, Presigner(), "uploads")
    assert refused.value.code == "CONSENT_REQUIRED" and repo.rows == {}


def test_audio_only_consent_makes_an_interview_whose_plan_skips_vision(repo) -> None:
    start_interview(request(biometric=False, audio=True), "t", repo, Presigner(), "uploads")
    row = repo.get("t", "iv-c")
    assert row.consent["biometric"] is False and row.consent["audio"] is True
    assert plan_analysis(_execution(), row, "artifacts").vision_allowed is False


def test_video_consent_keeps_vision(repo) -> None:
    start_interview(request(biometric=True), "t", repo, Presigner(), "uploads")
    assert plan_analysis(_execution(), repo.get("t", "iv-c"), "artifacts").vision_allowed is True


@pytest.mark.parametrize(
    "consent",
    [
        None,  # a row without consent (registered without the API)
        {"biometric": True},  # no version: not a recorded consent text
        {"biometric": "yes", "version": "2026-11"},  # not an explicit true
        {"biometric": False, "audio": True, "version": "2026-11"},
    ],
)
def test_video_is_analysed_only_with_a_recorded_versioned_consent_to_it(consent) -> None:
    row = Interview(
        tenant_id="t",
        interview_id="iv-c",
        status=InterviewStatus.CREATED,
        created_at=NOW,
        updated_at=NOW,
        consent=consent,
    )
    assert plan_analysis(_execution(), row, "artifacts").vision_allowed is False
    assert plan_analysis(_execution(), None, "artifacts").vision_allowed is False  # no row at all
    row.consent = {"biometric": True, "version": "2026-11", "given_at": NOW.isoformat()}
    assert plan_analysis(_execution(), row, "artifacts").vision_allowed is True


def _execution() -> ExecutionInput:
    upload = UploadRef(bucket="uploads", key="uploads/t/iv-c/q1.mp4", size=10)
    return ExecutionInput(
        upload=upload,
        tenant_id="t",
        interview_id="iv-c",
        media_id="q1",
        artifact_prefix="t/iv-c/q1",
        received_at=NOW,
    )


def test_re_posting_an_interview_with_another_body_is_refused_and_its_consent_stays_as_recorded(
    repo,
) -> None:
    # Given an interview created with the candidate's video consent
    start_interview(request(biometric=True), "t", repo, Presigner(), "uploads")
    first = repo.get("t", "iv-c").consent_history
    # When a portal posts the same id again with other consent, or other questions
    for other in (
        request(biometric=False, audio=True),
        request(biometric=True).model_copy(update={"candidate_ref": "cand-other"}),
    ):
        with pytest.raises(PortalError) as refused:
            start_interview(other, "t", repo, Presigner(), "uploads")
        # Then it is refused, and the consent record is what was consented when the interview was made
        assert (refused.value.code, refused.value.status) == ("INTERVIEW_EXISTS", 409)
        assert "/consent" in refused.value.message
    row = repo.get("t", "iv-c")
    assert row.consent_history == first and row.consent["biometric"] is True


def test_the_same_request_again_hands_out_forms_only_for_its_unanswered_questions_until_evaluated(
    repo,
) -> None:
    from jiping.domain.models import MediaRecord

    base = request(biometric=True)
    two = base.model_copy(
        update={
            "questions": [
                *base.questions,
                base.questions[0].model_copy(update={"question_id": "q2"}),
            ]
        }
    )
    assert [f.question_id for f in start_interview(two, "t", repo, Presigner(), "uploads").uploads] == [
        "q1",
        "q2",
    ]

    def answered(row):
        row.media["q1"] = MediaRecord(
            media_id="q1",
            status=InterviewStatus.TRANSCRIBED,
            key="uploads/t/iv-c/q1.mp4",
            questions=["q1"],
            updated_at=NOW,
        )
        return row

    repo.update("t", "iv-c", answered)
    again = start_interview(two, "t", repo, Presigner(), "uploads")
    assert [f.question_id for f in again.uploads] == ["q2"]  # q1's key has had its one evaluation

    def scored(row):
        row.status = InterviewStatus.SCORED
        return row

    repo.update("t", "iv-c", scored)
    with pytest.raises(PortalError) as closed:
        start_interview(two, "t", repo, Presigner(), "uploads")
    assert (closed.value.code, closed.value.status) == ("UPLOADS_CLOSED", 409)


def test_a_later_consent_is_appended_governs_from_then_on_and_cannot_be_back_dated(repo) -> None:
    from datetime import timedelta

    from jiping.portal.interviews import Consent, record_consent

    start_interview(request(biometric=True), "t", repo, Presigner(), "uploads")
    withdrawn = Consent(biometric=False, audio=True, version="2026-11", given_at=NOW + timedelta(hours=1))
    row = record_consent(repo, "t", "iv-c", withdrawn)
    assert [c["biometric"] for c in row.consent_history] == [True, False]  # the first is kept as it was
    assert plan_analysis(_execution(), row, "artifacts").vision_allowed is False  # the last one governs
    earlier = withdrawn.model_copy(update={"given_at": NOW - timedelta(days=1)})
    with pytest.raises(PortalError) as refused:
        record_consent(repo, "t", "iv-c", earlier)
    assert refused.value.code == "CONSENT_OUT_OF_ORDER"
    assert len(repo.get("t", "iv-c").consent_history) == 2
    with pytest.raises(PortalError) as missing:
        record_consent(repo, "t", "iv-none", withdrawn)
    assert missing.value.status == 404


@pytest.mark.parametrize(
    ("given_at", "why"),
    [("2026-11-22T08:00:00", "timezone"), ("2999-01-01T00:00:00Z", "future")],
)
def test_a_consent_without_a_time_zone_or_in_the_future_is_refused_at_the_edge(given_at, why) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=why):
        request(biometric=True, given_at=given_at)
