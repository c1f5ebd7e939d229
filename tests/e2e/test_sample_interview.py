"""The sample interview through the whole workflow: S3 upload -> EventBridge -> SQS -> Step Functions
(the synthesized definition) -> ProbeMedia -> Transcribe (real faster-whisper) -> Persist -> Publish."""

from __future__ import annotations

import json

import pytest
from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
from jiping.domain.models import InterviewStatus
from jiping.perception.transcription import to_simplified
from jiping.portal.interviews import create_interview

from infra import constants
from tests.conftest import SAMPLE_MEDIA
from tests.e2e.conftest import delivered_events, edit_distance, hanzi, interview_row, transcript_of, words

pytestmark = pytest.mark.slow
TENANT, INTERVIEW = "demo", "iv-e2e-sample"


@pytest.fixture(scope="module")
def sample_run(cloud, sample_interview):
    create_interview(
        DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE]),
        TENANT,
        INTERVIEW,
        "job-cs",
        consent={"biometric": True, "audio": True, "version": "2026-11", "given_at": "2026-11-22T08:00:00Z"},
    )
    uploads = {c["id"]: cloud.upload(SAMPLE_MEDIA / c["file"], TENANT, INTERVIEW) for c in sample_interview}
    results = {
        cid: cloud.wait_for_execution(cloud.execution_arn(**up), timeout=900) for cid, up in uploads.items()
    }
    row = interview_row(cloud, TENANT, INTERVIEW)
    transcripts = {cid: transcript_of(cloud, row.media[cid].transcript_key) for cid in results}
    return {
        "uploads": uploads,
        "results": results,
        "row": row,
        "transcripts": transcripts,
        "clips": {c["id"]: c for c in sample_interview},
    }


def test_every_clip_runs_the_whole_workflow(sample_run):
    for result in sample_run["results"].values():
        assert result.status == "SUCCEEDED", (result.error, result.cause)
        names = [s["name"] for s in result.states()]
        assert names[:3] == ["ProbeMedia", "Accepted?", "PlanAnswers"]
        assert names[-4:] == ["RecordTranscribed", "PublishTranscribed", "AllAnswered?", "Transcribed"]
        assert {"Analyse", "TranscribeOnCpuPool", "AudioFeatures", "VisionOnLambda"} <= set(names)


def test_mandarin_answer_is_simplified_chinese_close_to_what_was_said(sample_run):
    transcript = sample_run["transcripts"]["q1_zh"]
    spoken = sample_run["clips"]["q1_zh"]["spoken_text"]
    assert transcript.language == "zh"
    assert transcript.text == to_simplified(transcript.text)  # no Traditional characters left
    assert "，" in transcript.text or "。" in transcript.text  # Chinese punctuation where the model gave any
    cer = edit_distance(hanzi(transcript.text), hanzi(spoken)) / len(hanzi(spoken))
    assert cer <= 0.10, transcript.text


def test_english_answer_is_close_to_what_was_said(sample_run):
    transcript = sample_run["transcripts"]["q2_en"]
    spoken = sample_run["clips"]["q2_en"]["spoken_text"]
    assert transcript.language == "en"
    wer = edit_distance(words(transcript.text), words(spoken)) / len(words(spoken))
    assert wer <= 0.10, transcript.text


def test_words_have_ordered_timestamps_inside_their_segments(sample_run):
    for clip_id, transcript in sample_run["transcripts"].items():
        assert transcript.segments
        for seg in transcript.segments:
            assert seg.words
            assert all(seg.start - 0.05 <= w.start <= w.end <= seg.end + 0.05 for w in seg.words)
            assert all(a.start <= b.start for a, b in zip(seg.words, seg.words[1:], strict=False))
            assert all(0.0 <= w.probability <= 1.0 for w in seg.words)
        assert transcript.duration_s == pytest.approx(sample_run["clips"][clip_id]["duration_s"], abs=0.3)


def test_interview_row_holds_status_history_and_artifact_keys(sample_run):
    row = sample_run["row"]
    assert row.status is InterviewStatus.TRANSCRIBED and row.job_id == "job-cs"
    assert set(row.media) == {"q1_zh", "q2_en"}
    assert [h.status for h in row.status_history].count(InterviewStatus.TRANSCRIBED) == 2
    for media_id, media in row.media.items():
        assert media.transcript_key == f"{TENANT}/{INTERVIEW}/{media_id}/transcript.json"
        assert media.version_id == sample_run["uploads"][media_id]["version_id"]


def test_transcribed_events_reach_the_delivery_queue_once_each(cloud, sample_run):
    events = delivered_events(cloud, INTERVIEW)
    assert sorted(e["detail"]["data"]["media_id"] for e in events) == ["q1_zh", "q2_en"]
    assert {e["detail-type"] for e in events} == {"interview.transcribed"}
    assert all(e["source"] == "jiping" for e in events)
    assert "text" not in json.dumps(
        [e["detail"]["data"] for e in events]
    )  # a link to the transcript, not its text


def test_a_duplicate_s3_event_starts_nothing(cloud, sample_run):
    # GIVEN the S3 event of an upload that was already evaluated, delivered again (at least once)
    up = sample_run["uploads"]["q2_en"]
    executions_before = cloud.executions()
    event = json.loads((SAMPLE_MEDIA.parent / "s3_object_created.json").read_text())
    event["detail"]["bucket"]["name"] = up["bucket"]
    event["detail"]["object"].update({"key": up["key"], "version-id": up["version_id"]})
    sqs = cloud.client("sqs")
    for _ in range(3):
        sqs.send_message(QueueUrl=cloud.outputs[constants.OUTPUT_BUFFER_QUEUE], MessageBody=json.dumps(event))
    # WHEN the buffer drains
    cloud.drain()
    # THEN no new execution started and the interview row is unchanged
    assert len(cloud.executions()) == len(executions_before)
    assert interview_row(cloud, TENANT, INTERVIEW).status_history == sample_run["row"].status_history


def test_a_later_version_of_an_evaluated_upload_key_starts_nothing_and_is_recorded(cloud, sample_run):
    from jiping.adapters.dynamo.audit import DynamoAuditLog

    # GIVEN an evaluated answer, and its upload form used again within its hour: a new version of the key
    up = sample_run["uploads"]["q2_en"]
    executions_before = cloud.executions()
    again = cloud.client("s3").put_object(
        Bucket=up["bucket"], Key=up["key"], Body=(SAMPLE_MEDIA / "q1_zh.mp4").read_bytes()
    )
    assert again["VersionId"] != up["version_id"]
    # WHEN its S3 event is delivered
    cloud.drain()
    # THEN no evaluation started, the interview is unchanged, and the refusal is in its audit log
    assert len(cloud.executions()) == len(executions_before)
    assert interview_row(cloud, TENANT, INTERVIEW).status_history == sample_run["row"].status_history
    log = DynamoAuditLog(cloud.outputs[constants.OUTPUT_AUDIT_TABLE]).records(TENANT, INTERVIEW)
    (refused,) = [r for r in log if r.kind == "upload_refused"]
    assert refused.details["evaluated_version"] == up["version_id"]
    assert refused.details["refused_version"] == again["VersionId"]
