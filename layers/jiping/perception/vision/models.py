"""Vision's thresholds and data: what a sampled frame, a track and a window's summary hold."""

from __future__ import annotations

from pydantic import Field

from jiping.domain.measures import Measure
from jiping.domain.models import Model, ObjectLocation

# --- thresholds (documented, tuned on MediaPipe's blendshape scale 0..1) ----------------------------

# Frames larger than this (longest side, px; 1080p, 4K phone video) are scaled down when converted to
# RGB. Not lower: at 720p scaling costs more in the conversion than it saves in MediaPipe (measured:
# 1280x720 to rgb24 0.7 ms, scaled to 640x360 1.9 ms; FaceLandmarker 13.0 against 12.1 ms).
ANALYSIS_MAX_SIDE = 1280
# FFmpeg decoder threading. "SLICE" (PyAV's default): frame threads ("AUTO") made decoding slower and
# costlier here (60 s 640x480: 1.31 s wall / 1.25 CPU-s against 1.11 / 0.98), and the pipeline keeps
# both cores busy with MediaPipe anyway.
DECODE_THREADS = "SLICE"
# Looking at the camera: head within these angles of facing the lens ...
LOOK_MAX_YAW_DEG = 20.0
LOOK_MAX_PITCH_DEG = 20.0
# ... and the iris centred between the eye corners: its horizontal position, 0 at the outer corner and
# 1 at the inner one, within 0.5 ± LOOK_MAX_IRIS_OFFSET (mean of both eyes; skipped while blinking).
LOOK_MAX_IRIS_OFFSET = 0.15
# A blink: mean of eyeBlinkLeft / eyeBlinkRight above this.
BLINK_THRESHOLD = 0.5
# Smile activity: mean of mouthSmileLeft / mouthSmileRight above this.
SMILE_THRESHOLD = 0.5
# Brow-raise activity: max(browInnerUp, mean(browOuterUpLeft, browOuterUpRight)) above this.
BROW_RAISE_THRESHOLD = 0.5
# Pose landmarks count only when MediaPipe's visibility is at least this.
POSE_MIN_VISIBILITY = 0.5
# Motion is measured between consecutive observations at most this far apart (s): a gap (no face, or
# no person) is not a movement.
MOTION_MAX_GAP_S = 1.5
# Integrity flags.
NO_FACE_MIN_S = 3.0  # NO_FACE: no face for at least this long
MULTIPLE_FACES_MIN_S = 1.0  # MULTIPLE_FACES: two or more faces for at least this long ...
MULTIPLE_FACES_MIN_FRAMES = 2  # ... and on at least this many consecutive sampled frames
LOOKING_AWAY_SHARE = 0.5  # LOOKING_AWAY: more than this share of the face frames not looking
LOOKING_AWAY_MIN_FRAMES = 4  # ... out of at least this many face frames

NO_VIDEO = "no video stream"
NO_FACE = "no face detected"
NO_FRAMES = "no sampled frame in this window"

FACE_ASSET = "face-landmarker"
FACE_FILE = "face_landmarker.task"
POSE_ASSET = "pose-landmarker"
POSE_FILE = "pose_landmarker_full.task"

# MediaPipe face mesh landmark indices (478 points with irises).
_NOSE_TIP = 1
_RIGHT_EYE = (33, 133, 468)  # subject's right eye: outer corner, inner corner, iris centre
_LEFT_EYE = (263, 362, 473)  # subject's left eye: outer corner, inner corner, iris centre
# MediaPipe pose landmark indices.
_L_SHOULDER, _R_SHOULDER, _L_WRIST, _R_WRIST = 11, 12, 15, 16

_EPS = 1e-6


# --- models -----------------------------------------------------------------------------------------


class VisionRequest(Model):
    source: ObjectLocation
    output: ObjectLocation


Point = tuple[float, float]


class FrameObservation(Model):
    """What the detectors saw on one sampled frame. Face fields describe the largest face."""

    t: float  # seconds
    faces: int = Field(ge=0)
    yaw: float | None = None  # degrees, see the module doc for signs
    pitch: float | None = None
    roll: float | None = None
    looking: bool | None = None
    blink: bool | None = None
    eye_blink: float | None = None  # mean of eyeBlinkLeft / eyeBlinkRight, 0..1
    smile: float | None = None  # mean of mouthSmileLeft / mouthSmileRight, 0..1
    brow_raise: float | None = None  # max(browInnerUp, mean browOuterUp), 0..1
    nose: Point | None = None  # nose tip, normalised (x / width, y / height)
    pose_run: bool = False  # whether PoseLandmarker ran on this frame
    left_shoulder: Point | None = None  # normalised; None when not run, no person or not visible
    right_shoulder: Point | None = None
    left_wrist: Point | None = None
    right_wrist: Point | None = None


class VisionTrack(Model):
    duration_s: float
    width: int | None = None
    height: int | None = None
    source_fps: float | None = None
    sample_fps: float
    pose_fps: float
    frames_decoded: int = 0
    frames_sampled: int = 0
    frames_converted: int = 0  # converted to RGB: equals frames_sampled
    frames: list[FrameObservation] = Field(default_factory=list)
    face_model_sha256: str | None = None
    pose_model_sha256: str | None = None  # None when pose did not run
    face_missing: str | None = None  # why the face detector did not run (None: it ran)
    pose_missing: str | None = None  # why the pose detector did not run (None: it ran)
    timings: dict[str, float] = Field(default_factory=dict)  # decode_s, convert_s, face_s, pose_s, total_s


class VisionSummary(Model):
    """Per-answer visual signals; each ``n`` is the number of sampled frames it rests on."""

    question_id: str
    media_id: str
    start: float
    end: float
    face_present: Measure  # share of sampled frames with >= 1 face
    multiple_faces: Measure  # share of sampled frames with >= 2 faces
    head_yaw_mean: Measure
    head_pitch_mean: Measure
    head_roll_mean: Measure
    head_yaw_sd: Measure
    looking_at_camera: Measure  # share of face frames
    blinks: Measure  # count; a lower bound at a few frames per second
    blinks_per_min: Measure
    smile_activity: Measure  # share of face frames with smile > SMILE_THRESHOLD
    brow_raise_activity: Measure  # share of face frames with brow_raise > BROW_RAISE_THRESHOLD
    head_motion: Measure  # mean nose displacement per second, frame widths per second
    upper_body_motion: Measure  # mean shoulder-midpoint displacement per second, frame widths / s
    hand_motion: Measure  # mean wrist displacement per second, frame widths / s


class VisionSecond(Model):
    t: int  # the second [t, t+1)
    frames: int
    faces_max: int
    face_present: float  # share of this second's frames with a face
    yaw: float | None = None
    pitch: float | None = None
    roll: float | None = None
    looking: float | None = None  # share of face frames
    blink_frames: int = 0
    smile: float | None = None
    brow_raise: float | None = None


class VisionRunSummary(Model):
    """What the Vision task returns to the workflow: where the track is, and how it went."""

    output: ObjectLocation
    duration_s: float
    frames_sampled: int
    face_frames: int
    face_missing: str | None
    pose_missing: str | None
    timings: dict[str, float]
