"""Stage functions over fakes: starting, recording outcomes, idempotency."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from jiping.errors import InvalidUploadKey
from jiping.models import (
    ExecutionInput,
    InterviewStatus,
    ObjectLocation,
    PersistRequest,
    ReasonCode,
    UploadRef,
)
from jiping.stages import create_interview, execution_input_for, record_outcome, start_evaluation

from tests.unit.conftest import FakeStarter

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
PREFIX = "uploads/"


def _upload(key: str = "uploads/acme/iv-1/q1.mp4", version: str | None = "v1") -> UploadRef:
    return UploadRef(bucket="up", key=key, version_id=version, size=100)


def _state(outcome: str, **extra) -> PersistRequest:
    base = execution_input_for(_upload(), NOW, PREFIX).model_dump(mode="json")
    return PersistRequest.model_validate(
        {
            "outcome": outcome,
            "execution_id": "arn:exec:1",
            "execution_started_at": NOW.isoformat(),
            "input": base | extra,
        }
    )


def test_key_maps_to_tenant_interview_and_media():
    ei = execution_input_for(_upload(), NOW, PREFIX)
    assert (ei.tenant_id, ei.interview_id, ei.media_id) == ("acme", "iv-1", "q1")
    assert ei.artifact_prefix == "acme/iv-1/q1"


@pytest.mark.parametrize(
    "key",
    [
        "other/acme/iv-1/q1.mp4",
        "uploads/acme/q1.mp4",
        "uploads/acme/iv-1/x/q1.mp4",
        "uploads/ac me/iv-1/q1.mp4",
        "uploads/acme/iv-1/答案.mp4",
    ],
)
def test_keys_outside_the_scheme_are_refused(key):
    with pytest.raises(InvalidUploadKey):
        execution_input_for(_upload(key), NOW, PREFIX)


def test_execution_name_is_per_object_version():
    a = ExecutionInput.execution_name(_upload(version="v1"))
    assert a == ExecutionInput.execution_name(_upload(version="v1"))
    assert a != ExecutionInput.execution_name(_upload(version="v2"))
    assert len(a) <= 80 and a.replace("-", "").isalnum()


def test_duplicate_upload_event_starts_one_execution():
    starter = FakeStarter()
    assert start_evaluation(_upload(), NOW, PREFIX, starter) is True
    assert start_evaluation(_upload(), NOW, PREFIX, starter) is False
    assert len(starter.started) == 1


def test_rejection_is_recorded_with_reason_and_published_shape(repo, store):
    probe = {"accepted": False, "reason_code": "NO_AUDIO_STREAM", "detail": "no audio", "size_bytes": 100}
    event = record_outcome(_state("REJECTED", probe=probe), repo, store)
    row = repo.get("acme", "iv-1")
    assert row.status is InterviewStatus.REJECTED
    assert row.media["q1"].reason_code is ReasonCode.NO_AUDIO_STREAM
    assert event.type == "interview.rejected"
    assert event.data["reason_code"] == "NO_AUDIO_STREAM"


def test_failure_stores_the_lambda_error_message_not_the_stack(repo, store):
    cause = json.dumps(
        {"errorType": "ModelAssetError", "errorMessage": "model missing", "stackTrace": ["/x.py"]}
    )
    req = _state("FAILED", error={"Error": "ModelAssetError", "Cause": cause})
    event = record_outcome(req, repo, store)
    stored = repo.get("acme", "iv-1").media["q1"].error
    assert stored == "ModelAssetError: model missing"
    assert event.type == "interview.failed" and event.data["error"] == "ModelAssetError"


def test_transcribed_reads_the_transcript_summary(repo, store):
    out = ObjectLocation(bucket="art", key="acme/iv-1/q1/transcript.json")
    store.put_json(
        out,
        {
            "language": "zh",
            "language_probability": 0.99,
            "duration_s": 3.2,
            "text": "你好",
            "segments": [],
            "model": {"name": "whisper-base", "device": "cpu", "compute_type": "int8"},
        },
    )
    req = _state(
        "TRANSCRIBED", transcribe_request={"source": _upload().model_dump(), "output": out.model_dump()}
    )
    event = record_outcome(req, repo, store)
    row = repo.get("acme", "iv-1")
    assert row.status is InterviewStatus.TRANSCRIBED
    assert row.media["q1"].transcript_key == out.key and row.media["q1"].language == "zh"
    assert event.data["language"] == "zh" and event.data["transcript"]["key"] == out.key


def test_a_retried_persist_changes_nothing_twice(repo, store):
    req = _state("REJECTED", probe={"accepted": False, "reason_code": "NOT_MEDIA", "size_bytes": 1})
    first = record_outcome(req, repo, store)
    second = record_outcome(req, repo, store)
    assert first.id == second.id  # a stable event id: consumers de-duplicate on it
    assert len(repo.get("acme", "iv-1").status_history) == 1


def test_created_interview_keeps_its_job_through_outcomes(repo, store):
    create_interview(repo, "acme", "iv-1", "job-7")
    create_interview(repo, "acme", "iv-1", "job-other")  # idempotent: the first registration stands
    record_outcome(
        _state("REJECTED", probe={"accepted": False, "reason_code": "NOT_MEDIA", "size_bytes": 1}),
        repo,
        store,
    )
    row = repo.get("acme", "iv-1")
    assert row.job_id == "job-7"
    assert [h.status for h in row.status_history] == [InterviewStatus.CREATED, InterviewStatus.REJECTED]


def test_one_failed_answer_fails_the_interview(repo, store):
    ok = _state("REJECTED", probe={"accepted": False, "reason_code": "NOT_MEDIA", "size_bytes": 1})
    record_outcome(ok, repo, store)
    other = ok.model_copy(deep=True)
    other.input.media_id = "q2"
    other.outcome = "FAILED"
    other.execution_id = "arn:exec:2"
    record_outcome(other, repo, store)
    assert repo.get("acme", "iv-1").status is InterviewStatus.FAILED
