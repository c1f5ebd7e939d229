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
