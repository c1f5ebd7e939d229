"""The vision stage with real MediaPipe on short clips made from a real face photo (tests/fixtures).

The models come from the verified cache (``python -m jiping.model_assets fetch face-landmarker
pose-landmarker --dest .cache/models``); unit tests never fetch (the network is off).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from jiping import model_assets
from jiping.domain.errors import ModelAssetError
from jiping.domain.measures import FlagCode, Window
from jiping.domain.models import ObjectLocation
from jiping.perception import vision
from jiping.settings import VisionSettings
from jiping.workflow.vision import run_vision

from tests.support.media_factory import make_clip, make_face_clip

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "events" / "media" / "q2_en.mp4"
FACE_MEASURES = (
    "head_yaw_mean",
    "head_pitch_mean",
    "head_roll_mean",
    "head_yaw_sd",
    "looking_at_camera",
    "blinks",
    "blinks_per_min",
    "smile_activity",
    "brow_raise_activity",
    "head_motion",
)
ALL_MEASURES = ("face_present", "multiple_faces", *FACE_MEASURES, "upper_body_motion", "hand_motion")


def _cache_with_models() -> Path:
    for cache in (REPO / ".cache" / "models", model_assets.default_cache_dir()):
        try:
            for name in (vision.FACE_ASSET, vision.POSE_ASSET):
                model_assets.resolve(name, cache_dir=cache, allow_fetch=False)
        except ModelAssetError:
            continue
        return cache
    pytest.skip(
        "MediaPipe models not cached: python -m jiping.model_assets fetch face-landmarker pose-landmarker "
        "--dest .cache/models"
    )


@pytest.fixture(scope="module")
def settings() -> VisionSettings:
    return VisionSettings(model_cache_dir=str(_cache_with_models()), model_fetch=False)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("vision")
    return {
        "one": make_face_clip(d / "one.mp4", faces=1, seconds=3.0),
        "none": make_face_clip(d / "none.mp4", faces=0, seconds=3.0),
        "two": make_face_clip(d / "two.mp4", faces=2, seconds=3.0),
        "gap": make_face_clip(d / "gap.mp4", faces=(1, 0, 0, 0, 0, 1), seconds=6.0),
        "audio": make_clip(d / "audio.m4a", video=False, seconds=2.0),
    }


def _window(end: float | None = None) -> Window:
    return Window(question_id="q1", media_id="m1", start=0.0, end=end)


def test_a_mirrored_face_flips_the_sign_of_roll(clips, settings, tmp_path):
    straight = vision.analyze(clips["one"], settings.model_copy(update={"pose_sample_fps": 0.0}))
    mirrored = vision.analyze(
        make_face_clip(tmp_path / "mirror.mp4", faces=1, seconds=1.0, mirror=True),
        settings.model_copy(update={"pose_sample_fps": 0.0}),
    )
    roll = vision.summarize(straight, _window()).head_roll_mean.value
    roll_mirrored = vision.summarize(mirrored, _window()).head_roll_mean.value
    assert roll is not None and roll_mirrored is not None
    assert roll < -1.0 < 1.0 < roll_mirrored  # the photo's head is tilted about 3 degrees clockwise


def test_one_face_is_present_on_every_sampled_frame_with_finite_head_pose(clips, settings):
    track = vision.analyze(clips["one"], settings)
    summary = vision.summarize(track, _window())

    # 3 s at 15 fps sampled at 4 fps: frames at 0, 0.27, 0.53, 0.8, ... -> 12
    assert track.frames_decoded == 45
    assert track.frames_sampled == len(track.frames) == 12
    assert summary.face_present.value == pytest.approx(1.0)
    assert summary.face_present.n == 12
    assert summary.multiple_faces.value == 0.0
    for name in ("head_yaw_mean", "head_pitch_mean", "head_roll_mean"):
        measure = getattr(summary, name)
        assert measure.value is not None and math.isfinite(measure.value) and abs(measure.value) < 30, name
        assert measure.n == 12
    assert summary.looking_at_camera.value == pytest.approx(1.0)  # the photo looks into the lens
    assert summary.smile_activity.value == pytest.approx(1.0)  # and smiles (blendshape ~0.9)
    assert summary.head_motion.value is not None and summary.head_motion.value > 0  # the clip sways
    assert track.face_model_sha256 == model_assets.spec("face-landmarker").files[0].sha256
    assert vision.integrity_flags(track, _window()) == []


def test_no_face_gives_zero_presence_absent_face_measures_and_a_no_face_flag(clips, settings):
    track = vision.analyze(clips["none"], settings)
    summary = vision.summarize(track, _window())

    assert summary.face_present.value == 0.0
    assert summary.face_present.n == track.frames_sampled == 12
    for name in FACE_MEASURES:
        measure = getattr(summary, name)
        assert measure.value is None and measure.missing == vision.NO_FACE, name
    flags = vision.integrity_flags(track, _window())
    assert [f.code for f in flags] == [FlagCode.NO_FACE]
    assert (flags[0].start, flags[0].end) == (0.0, 3.0)
    assert flags[0].question_id == "q1" and "No face" in flags[0].detail


def test_a_face_leaving_for_four_seconds_is_flagged_with_that_stretch(clips, settings):
    track = vision.analyze(clips["gap"], settings)

    flags = vision.integrity_flags(track, _window())
    assert [(f.code, f.start, f.end) for f in flags] == [(FlagCode.NO_FACE, 1.0, 5.0)]
    seconds = vision.per_second(track)
    assert [s.t for s in seconds] == [0, 1, 2, 3, 4, 5]
    assert [s.face_present for s in seconds] == [1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    assert all(s.frames == 4 for s in seconds)
    # A window that covers only the face-less middle: presence 0, face measures absent.
    middle = vision.summarize(track, _window(end=4.0).model_copy(update={"start": 1.5}))
    assert middle.face_present.value == 0.0 and middle.head_yaw_mean.missing == vision.NO_FACE


def test_two_faces_are_counted_and_flagged(clips, settings):
    track = vision.analyze(clips["two"], settings)
    summary = vision.summarize(track, _window())

    assert summary.multiple_faces.value is not None and summary.multiple_faces.value >= 0.8
    flags = vision.integrity_flags(track, _window())
    assert FlagCode.MULTIPLE_FACES in [f.code for f in flags]
    multiple = next(f for f in flags if f.code == FlagCode.MULTIPLE_FACES)
    assert multiple.end - multiple.start >= vision.MULTIPLE_FACES_MIN_S
    assert max(s.faces_max for s in vision.per_second(track)) == 2


def test_an_audio_only_file_reports_every_signal_missing_without_crashing(clips, settings):
    track = vision.analyze(clips["audio"], settings)
    summary = vision.summarize(track, _window())

    assert track.frames == [] and track.frames_decoded == 0
    assert track.duration_s == pytest.approx(2.0, abs=0.1)
    for name in ALL_MEASURES:
        assert getattr(summary, name).missing == vision.NO_VIDEO, name
    flags = vision.integrity_flags(track, _window())
    assert [f.code for f in flags] == [FlagCode.SIGNAL_MISSING]
    assert vision.per_second(track) == []


def test_only_sampled_frames_are_converted_to_rgb(clips, settings):
    slow = settings.model_copy(update={"vision_sample_fps": 2.0, "pose_sample_fps": 0.0})
    track = vision.analyze(clips["one"], slow)

    assert track.frames_decoded == 45
    assert track.frames_sampled == 6  # 0, 0.53, 1.0, 1.53, 2.0, 2.53 s
    assert track.frames_converted == track.frames_sampled
    times = [f.t for f in track.frames]
    assert times == sorted(times) and all(b - a >= 0.45 for a, b in zip(times, times[1:], strict=False))


def test_pose_off_marks_pose_measures_absent_with_the_reason(clips, settings):
    track = vision.analyze(clips["one"], settings.model_copy(update={"pose_sample_fps": 0.0}))
    summary = vision.summarize(track, _window())

    assert track.pose_missing and "pose_sample_fps is 0" in track.pose_missing
    assert track.pose_model_sha256 is None
    assert not any(f.pose_run for f in track.frames)
    assert summary.upper_body_motion.missing == track.pose_missing
    assert summary.hand_motion.missing == track.pose_missing
    assert summary.face_present.value == pytest.approx(1.0)


def test_pose_runs_at_its_own_rate_and_sees_the_shoulders(settings):
    track = vision.analyze(SAMPLE, settings)  # 8.7 s, 320x320: face 4 fps, pose 1 fps

    posed = [f for f in track.frames if f.pose_run]
    assert track.pose_missing is None and track.pose_model_sha256
    assert len(posed) == pytest.approx(track.duration_s, abs=1.5)
    assert all(f.left_shoulder and f.right_shoulder for f in posed)
    # MediaPipe's "left" is the person's left: on the right of the picture.
    assert all(f.left_shoulder[0] > f.right_shoulder[0] for f in posed)
    summary = vision.summarize(track, _window())
    assert summary.upper_body_motion.value is not None


def test_an_unresolvable_pose_model_is_a_missing_signal_not_a_failure(clips, settings, tmp_path):
    broken = settings.model_copy(update={"pose_model_dir": str(tmp_path / "nowhere")})
    track = vision.analyze(clips["one"], broken)

    assert track.pose_missing and track.pose_missing.startswith("pose detector not run:")
    assert vision.summarize(track, _window()).hand_motion.missing == track.pose_missing
    assert track.frames_sampled == 12 and track.face_missing is None


def test_head_angles_follow_the_documented_signs():
    # roll > 0 = counter-clockwise in the picture (x right, y up); yaw > 0 = nose toward picture right.
    import numpy as np

    m = np.eye(4)
    a = math.radians(10)
    m[0, 0], m[0, 1], m[1, 0], m[1, 1] = math.cos(a), -math.sin(a), math.sin(a), math.cos(a)
    yaw, pitch, roll = vision.head_angles(m)
    assert roll == pytest.approx(10.0) and yaw == pytest.approx(0.0) and pitch == pytest.approx(0.0)
    turn = np.eye(4)  # a face turned toward the right of the picture: nose axis gains +x
    turn[0, 0], turn[0, 2], turn[2, 0], turn[2, 2] = math.cos(a), math.sin(a), -math.sin(a), math.cos(a)
    assert vision.head_angles(turn)[0] == pytest.approx(10.0)


def test_run_vision_downloads_analyses_and_stores_the_track(clips, settings, store):
    source = ObjectLocation(bucket="uploads", key="t1/i1/answer.mp4")
    output = ObjectLocation(bucket="artifacts", key="t1/i1/answer/vision.json")
    store.objects[(source.bucket, source.key)] = clips["one"].read_bytes()

    summary = run_vision(vision.VisionRequest(source=source, output=output), settings, store)

    stored = vision.VisionTrack.model_validate(store.get_json(output))
    assert stored.frames_sampled == summary.frames_sampled == 12
    assert summary.face_frames == 12 and summary.output.key == output.key
    assert set(summary.timings) >= {"decode_s", "face_s", "pose_s", "total_s"}
