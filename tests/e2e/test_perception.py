"""Perception through the whole workflow: vision and speech signals per answer, flags, missing markers."""

from __future__ import annotations

import json

import pytest
from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
from jiping.domain.models import InterviewStatus, Question
from jiping.portal.interviews import create_interview

from bench.media import compose
from infra import constants
from tests.conftest import SAMPLE_MEDIA
from tests.e2e.conftest import interview_row, run_upload
from tests.support import media_factory as mf

pytestmark = pytest.mark.slow
TENANT = "t-perception"


def answers_of(cloud, interview: str) -> list[dict]:
    row = interview_row(cloud, TENANT, interview)
    assert row.status is InterviewStatus.TRANSCRIBED, row
    out = []
    for media in row.media.values():
        body = cloud.client("s3").get_object(
            Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Key=media.analysis_key
        )["Body"]
        out += json.loads(body.read())["answers"]
    return out


def codes(answer: dict) -> set[str]:
    return {f["code"] for f in answer["flags"]}


def test_a_clip_without_a_face_is_flagged_and_face_signals_are_missing(cloud, tmp_path):
    clip = mf.make_face_clip(tmp_path / "noface.mp4", faces=0, seconds=4.0)
    assert run_upload(cloud, clip, TENANT, "iv-noface").status == "SUCCEEDED"
    (answer,) = answers_of(cloud, "iv-noface")
    vision = answer["vision"]
    assert vision["face_present"]["value"] == 0 and vision["face_present"]["n"] == 16  # 4 s at 4 fps
    assert vision["head_yaw_mean"]["value"] is None and vision["head_yaw_mean"]["missing"]
    (no_face,) = [f for f in answer["flags"] if f["code"] == "NO_FACE"]
    assert no_face["start"] == pytest.approx(0.0, abs=0.3) and no_face["end"] == pytest.approx(4.0, abs=0.3)


def test_two_faces_are_flagged(cloud, tmp_path):
    clip = mf.make_face_clip(tmp_path / "two.mp4", faces=2, seconds=4.0, size=(480, 240))
    assert run_upload(cloud, clip, TENANT, "iv-twofaces").status == "SUCCEEDED"
    (answer,) = answers_of(cloud, "iv-twofaces")
    assert answer["vision"]["multiple_faces"]["value"] > 0.5
    assert "MULTIPLE_FACES" in codes(answer)


def test_a_silent_clip_has_no_speech_and_no_substitute_numbers(cloud, tmp_path):
    clip = mf.make_face_clip(tmp_path / "silent.mp4", faces=1, seconds=4.0, audio="silence")
    assert run_upload(cloud, clip, TENANT, "iv-silent").status == "SUCCEEDED"
    (answer,) = answers_of(cloud, "iv-silent")
    assert "NO_SPEECH" in codes(answer)
    speech = answer["speech"]
    for name in ("speaking_rate", "pitch_mean_hz", "loudness_sd_db"):
        assert speech[name]["value"] is None and speech[name]["missing"], name
    assert answer["vision"]["face_present"]["value"] == 1.0  # the face is still seen


def test_an_audio_only_upload_skips_vision_with_a_reason(cloud, tmp_path):
    clip = mf.make_clip(tmp_path / "voice.m4a", seconds=2.0, video=False)
    result = run_upload(cloud, clip, TENANT, "iv-audio-only")
    assert result.status == "SUCCEEDED"
    assert "NoVideo" in [s["name"] for s in result.states()]
    (answer,) = answers_of(cloud, "iv-audio-only")
    assert answer["vision"] is None and answer["vision_missing"] == "no video stream"
    assert "SIGNAL_MISSING" in codes(answer)


def test_one_video_with_a_question_timeline_gives_one_answer_per_question(cloud, tmp_path):
    # GIVEN one video holding two answers and the interview's question timeline
    video = compose(
        [SAMPLE_MEDIA / "q2_en.mp4", SAMPLE_MEDIA / "q2_en.mp4"], tmp_path / "both.mp4", size=(320, 320)
    )
    boundary = 9.7  # 8.7 s of speech + a 1 s pause
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    create_interview(
        repo,
        TENANT,
        "iv-timeline",
        "job-1",
        [
            Question(question_id="project", start_s=0.0, end_s=boundary),
            Question(question_id="again", start_s=boundary),
        ],
    )
    # WHEN it is evaluated
    assert run_upload(cloud, video, TENANT, "iv-timeline").status == "SUCCEEDED"
    # THEN each question has its own transcript, signals and frame counts, with absolute timestamps
    first, second = answers_of(cloud, "iv-timeline")
    assert (first["question_id"], second["question_id"]) == ("project", "again")
    for answer in (first, second):
        assert "release time" in answer["transcript"]["text"]
        assert answer["speech"]["speaking_rate"]["n"] > 15
        assert answer["vision"]["face_present"]["n"] == pytest.approx(
            4 * (answer["end"] - answer["start"]), abs=2
        )

    def midpoints(answer: dict) -> list[float]:
        return [(w["start"] + w["end"]) / 2 for s in answer["transcript"]["segments"] for w in s["words"]]

    assert max(midpoints(first)) < boundary <= min(midpoints(second))  # a word belongs where its middle is
    assert min(midpoints(second)) > 9.0  # the second answer's times are on the video's clock
