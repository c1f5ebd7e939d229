"""Stage functions over fakes: starting, recording outcomes, idempotency."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from jiping.domain.errors import InvalidUploadKey
from jiping.domain.models import (
    ExecutionInput,
    InterviewStatus,
    PersistRequest,
    Question,
    ReasonCode,
    UploadRef,
)
from jiping.portal.interviews import create_interview
from jiping.workflow.stages import (
    Started,
    execution_input_for,
    plan_answers,
    record_outcome,
    start_evaluation,
)

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
        "uploads/acme/iv-1/../../x.mp4",
    ],
)
def test_keys_outside_the_scheme_are_refused(key):
    with pytest.raises(InvalidUploadKey):
        execution_input_for(_upload(key), NOW, PREFIX)


@pytest.mark.parametrize(
    "name", ["答案.mp4", "$(reboot);rm -rf ~.mp4", "<img src=x>.mp4", "a" * 240 + ".mp4"]
)
def test_an_odd_file_name_is_processed_under_a_hashed_media_id(name):
    ei = execution_input_for(_upload(f"uploads/acme/iv-1/{name}"), NOW, PREFIX)
    assert ei.media_id.startswith("file-") and len(ei.media_id) == 21
    assert ei.artifact_prefix == f"acme/iv-1/{ei.media_id}"
    assert execution_input_for(_upload(f"uploads/acme/iv-1/{name}"), NOW, PREFIX).media_id == ei.media_id


def test_execution_name_is_per_upload_key():
    a = ExecutionInput.execution_name(_upload(version="v1"))
    assert a == ExecutionInput.execution_name(_upload(version="v2"))  # one evaluation per key
    assert a != ExecutionInput.execution_name(_upload("uploads/acme/iv-1/q2.mp4", version="v1"))
    assert len(a) <= 80 and a.replace("-", "").isalnum()


def test_duplicate_upload_event_starts_one_execution():
    starter = FakeStarter()
    assert start_evaluation(_upload(), NOW, PREFIX, starter) is Started.STARTED
    assert start_evaluation(_upload(), NOW, PREFIX, starter) is Started.DUPLICATE
    assert len(starter.started) == 1


def test_a_later_version_of_an_evaluated_key_is_refused_and_recorded_not_evaluated_again():
    starter, log = FakeStarter(), []

    class Log:
        def append(self, record):
            log.append(record)

    assert start_evaluation(_upload(version="v1"), NOW, PREFIX, starter, Log()) is Started.STARTED
    assert start_evaluation(_upload(version="v1"), NOW, PREFIX, starter, Log()) is Started.DUPLICATE
    assert log == []  # a duplicate event is not a refusal
    assert start_evaluation(_upload(version="v2"), NOW, PREFIX, starter, Log()) is Started.REFUSED
    assert [s.upload.version_id for s in starter.started.values()] == ["v1"]
    (refused,) = log
    assert (refused.tenant_id, refused.interview_id, refused.kind) == ("acme", "iv-1", "upload_refused")
    assert refused.details["evaluated_version"] == "v1" and refused.details["refused_version"] == "v2"
    assert refused.details["reason"] == "UPLOAD_KEY_ALREADY_EVALUATED"


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


def _transcript_doc(words: list[tuple[str, float, float]]) -> dict:
    return {
        "language": "en",
        "language_probability": 0.99,
        "duration_s": 10.0,
        "text": "".join(w for w, _, _ in words).strip(),
        "segments": [
            {
                "id": 0,
                "start": words[0][1],
                "end": words[-1][2],
                "text": "".join(w for w, _, _ in words),
                "avg_logprob": -0.2,
                "no_speech_prob": 0.01,
                "compression_ratio": 1.2,
                "words": [{"word": w, "start": a, "end": b, "probability": 0.9} for w, a, b in words],
            }
        ],
        "model": {"name": "whisper-base", "device": "cpu", "compute_type": "int8"},
    }


def test_transcribed_cuts_the_answers_along_the_question_timeline(repo, store):
    # GIVEN one video answering two questions, as the interview's timeline says
    create_interview(
        repo,
        "acme",
        "iv-1",
        "job-7",
        [
            Question(question_id="intro", start_s=0.0, end_s=5.0),
            Question(question_id="project", start_s=5.0),
        ],
    )
    plan = plan_answers(execution_input_for(_upload(), NOW, PREFIX), repo, "art")
    assert [(w.question_id, w.start, w.end) for w in plan.windows] == [
        ("intro", 0.0, 5.0),
        ("project", 5.0, None),
    ]
    words = [(" Hello", 0.5, 1.0), (" there.", 1.0, 1.6), (" We", 6.0, 6.3), (" shipped", 6.3, 6.9)]
    store.put_json(plan.transcribe_request.output, _transcript_doc(words))
    # WHEN the outcome is recorded (audio-only upload: the vision branch reported no video)
    req = _state(
        "TRANSCRIBED", plan=plan.model_dump(mode="json"), analysis={"vision": {"missing": "no video stream"}}
    )
    event = record_outcome(req, repo, store)
    # THEN each answer holds its own words, with the media's absolute times, and the row links the analysis
    analysis = store.get_json(plan.analysis_output)
    intro, project = analysis["answers"]
    assert intro["transcript"]["text"] == "Hello there." and (intro["start"], intro["end"]) == (0.0, 5.0)
    assert project["transcript"]["text"] == "We shipped"
    assert project["transcript"]["segments"][0]["words"][0]["start"] == 6.0
    assert project["vision"] is None and project["vision_missing"] == "no video stream"
    assert {f["code"] for f in project["flags"]} == {"SIGNAL_MISSING"}
    row = repo.get("acme", "iv-1")
    assert row.status is InterviewStatus.TRANSCRIBED
    assert row.media["q1"].analysis_key == plan.analysis_output.key and row.media["q1"].flags == [
        "SIGNAL_MISSING"
    ]
    assert (
        event.data["questions"] == ["intro", "project"]
        and event.data["analysis"]["key"] == plan.analysis_output.key
    )


def test_a_clip_answers_the_question_that_names_it(repo):
    create_interview(repo, "acme", "iv-1", "job-7", [Question(question_id="why-us", media_id="q1")])
    plan = plan_answers(execution_input_for(_upload(), NOW, PREFIX), repo, "art")
    assert [(w.question_id, w.media_id, w.start, w.end) for w in plan.windows] == [
        ("why-us", "q1", 0.0, None)
    ]


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


def test_container_requests_take_s3_uris():
    from jiping.domain.models import TranscribeRequest

    req = TranscribeRequest.model_validate(
        {"source": "s3://up/uploads/a/b/c.mp4", "output": "s3://art/a/b/c/t.json"}
    )
    assert (req.source.bucket, req.source.key, req.output.uri) == (
        "up",
        "uploads/a/b/c.mp4",
        "s3://art/a/b/c/t.json",
    )
    with pytest.raises(ValueError, match="s3://bucket/key"):
        TranscribeRequest.model_validate({"source": "up/x.mp4", "output": "s3://art/t.json"})
