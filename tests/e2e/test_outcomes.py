"""Every way an upload can end besides success: each rejection reason, a broken stage, the GPU route."""

from __future__ import annotations

import pytest
from jiping.domain.models import InterviewStatus, ReasonCode

from infra import constants
from tests.conftest import SAMPLE_MEDIA
from tests.e2e.conftest import delivered_events, edit_distance, interview_row, run_upload, words
from tests.support import media_factory as mf

pytestmark = pytest.mark.slow
TENANT = "t-outcomes"

CASES = {
    "not-media": (lambda d: mf.make_not_media(d / "x.mp4"), ReasonCode.NOT_MEDIA, {}),
    "no-audio": (lambda d: mf.make_clip(d / "v.mp4", audio_stream=False), ReasonCode.NO_AUDIO_STREAM, {}),
    "zero-duration": (lambda d: mf.make_zero_duration(d / "z.m4a"), ReasonCode.ZERO_DURATION, {}),
    "corrupt-audio": (
        lambda d: mf.make_corrupt_audio(mf.make_clip(d / "ok.mp4", seconds=2.0), d / "bad.mp4"),
        ReasonCode.UNDECODABLE_AUDIO,
        {},
    ),
    "too-long": (
        lambda d: mf.make_clip(d / "l.mp4", seconds=2.0),
        ReasonCode.TOO_LONG,
        {"MAX_MEDIA_SECONDS": "1"},
    ),
    "too-large": (
        lambda d: mf.make_clip(d / "b.mp4", seconds=2.0),
        ReasonCode.TOO_LARGE,
        {"MAX_MEDIA_BYTES": "1000"},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_upload_ends_rejected_with_its_reason_stored_and_published(cloud, tmp_path, case):
    make, code, probe_env = CASES[case]
    interview = f"iv-reject-{case}"
    # GIVEN a broken upload (and, for the size limits, a ProbeMedia configured with a small limit)
    with cloud.function_overrides("ProbeMedia", probe_env):
        # WHEN it lands in the uploads bucket
        result = run_upload(cloud, make(tmp_path), TENANT, interview)
    # THEN the execution ends in the Rejected state, the reason is stored and published
    assert result.status == "SUCCEEDED"
    assert [s["name"] for s in result.states()][-3:] == ["RecordRejected", "PublishRejected", "Rejected"]
    row = interview_row(cloud, TENANT, interview)
    assert row.status is InterviewStatus.REJECTED
    (media,) = row.media.values()
    assert media.reason_code is code and media.transcript_key is None
    (event,) = delivered_events(cloud, interview)
    assert event["detail-type"] == "interview.rejected"
    assert event["detail"]["data"]["reason_code"] == code.value and event["detail"]["data"]["reason"]


def test_a_broken_stage_ends_failed_with_the_error_stored_and_published(cloud, tmp_path):
    # GIVEN a valid clip and a transcription stage that cannot load its model
    clip = mf.make_clip(tmp_path / "ok.mp4", seconds=2.0)
    with cloud.function_overrides(constants.ASR_CPU_POOL, {"WHISPER_MODEL": "does-not-exist"}):
        result = run_upload(cloud, clip, TENANT, "iv-broken-stage")
    # THEN the execution fails through RecordFailed, and the row and the event say why
    assert result.status == "FAILED" and result.error == "Jiping.StageFailed"
    assert [s["name"] for s in result.states()][-3:] == ["RecordFailed", "PublishFailed", "Failed"]
    row = interview_row(cloud, TENANT, "iv-broken-stage")
    assert row.status is InterviewStatus.FAILED
    (media,) = row.media.values()
    assert media.error.startswith("ModelAssetError: unknown model asset 'whisper-does-not-exist'")
    (event,) = delivered_events(cloud, "iv-broken-stage")
    assert (
        event["detail-type"] == "interview.failed" and event["detail"]["data"]["error"] == "ModelAssetError"
    )


def test_long_clips_go_to_the_vision_pool_and_every_clip_to_the_transcription_pool(cloud, sample_interview):
    # GIVEN a ProbeMedia that sends everything longer than 0 s to the pools
    clip = next(c for c in sample_interview if c["id"] == "q2_en")
    answers_before = len(cloud.pools[constants.ASR_CPU_POOL].answers)
    with cloud.function_overrides("ProbeMedia", {"SHORT_CLIP_MAX_SECONDS": "0"}):
        result = run_upload(cloud, SAMPLE_MEDIA / clip["file"], TENANT, "iv-pools")
    # THEN the workflow handed the clip to the pools and waited for their answers (task tokens)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    names = [s["name"] for s in result.states()]
    assert {"TranscribeOnCpuPool", "VisionOnPool"} <= set(names) and "VisionOnLambda" not in names
    answers = cloud.pools[constants.ASR_CPU_POOL].answers[answers_before:]
    assert [(a.kind, a.accepted) for a in answers] == [("success", True)]
    assert [(a.kind, a.accepted) for a in cloud.pools[constants.VISION_POOL].answers][-1:] == [
        ("success", True)
    ]
    row = interview_row(cloud, TENANT, "iv-pools")
    assert row.status is InterviewStatus.TRANSCRIBED
    from tests.e2e.conftest import transcript_of

    transcript = transcript_of(cloud, row.media["q2_en"].transcript_key)
    text = transcript.text
    assert edit_distance(words(text), words(clip["spoken_text"])) / len(words(clip["spoken_text"])) <= 0.10
    assert transcript.model.name == "whisper-base"  # which model transcribed it is recorded with it


def test_a_transient_error_is_retried_and_the_execution_succeeds(cloud, tmp_path):
    from jiping.domain.errors import TransientError

    # GIVEN Persist fails once with a transient error (DynamoDB throttling, say)
    cloud.inject_faults("Persist", TransientError("throttled"))
    # WHEN a clip that will be rejected runs (no transcription needed to reach Persist)
    result = run_upload(cloud, mf.make_not_media(tmp_path / "x.mp4"), TENANT, "iv-transient")
    # THEN the workflow's Retry ran Persist again and the outcome was recorded once
    assert result.status == "SUCCEEDED"
    persists = [
        e
        for e in result.history
        if e["type"] == "LambdaFunctionScheduled"
        and e["lambdaFunctionScheduledEventDetails"]["resource"].endswith(cloud.function("Persist").name)
    ]
    assert len(persists) == 2
    assert interview_row(cloud, TENANT, "iv-transient").status is InterviewStatus.REJECTED
    assert len(delivered_events(cloud, "iv-transient")) == 1


def test_persistent_transient_errors_end_failed_after_the_retries(cloud, tmp_path):
    from jiping.domain.errors import TransientError

    cloud.inject_faults("ProbeMedia", *[TransientError("still down")] * 4)  # the first try and three retries
    result = run_upload(cloud, mf.make_not_media(tmp_path / "x.mp4"), TENANT, "iv-transient-4")
    assert result.status == "FAILED"
    row = interview_row(cloud, TENANT, "iv-transient-4")
    assert row.status is InterviewStatus.FAILED
    assert next(iter(row.media.values())).error == "TransientError: still down"
    assert not cloud.faults["ProbeMedia"]
