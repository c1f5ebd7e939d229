"""The vision stage: measured, explainable visual signals from an interview video.

What it measures is observable behaviour only — a face in view, how many faces, head pose, whether the
eyes point at the camera, blinks, smile and brow movement as MediaPipe blendshape scores, head and
upper-body motion. Nothing here infers emotions or personality, and nothing is guessed: a signal that
could not be measured is a ``Measure.absent(reason)``, never a default number.

How a video is read (``analyze``):

* PyAV decodes the video stream in a producer thread (see ``DECODE_THREADS``). Every frame has to be
  decoded (H.264 frames depend on each other) but only the **sampled** frames — ``vision_sample_fps``
  per second — are converted to RGB; frames wider or taller than ``ANALYSIS_MAX_SIDE`` are scaled
  down in that same conversion (landmarks are normalised, so their meaning does not change;
  MediaPipe's own model inputs are 128-256 px).
* MediaPipe ``FaceLandmarker`` (VIDEO mode, blendshapes and facial transformation matrixes on, up to
  ``vision_max_faces`` faces) runs on every sampled frame; ``PoseLandmarker`` (full model, VIDEO mode)
  runs on a subset of them at ``pose_sample_fps`` (at most ``vision_sample_fps``) in its own thread,
  so face and pose use both cores.
* Landmarkers are created per call and closed explicitly: MediaPipe objects are not thread-safe and
  VIDEO mode needs strictly increasing timestamps per landmarker. Concurrent calls are independent.

Missing, by design:

* no video stream (an audio-only interview is legal): ``analyze`` returns a track with no frames and
  ``face_missing == pose_missing == "no video stream"``; every signal of ``summarize`` is then missing
  with that reason, and ``integrity_flags`` reports one SIGNAL_MISSING flag.
* a detector whose model does not resolve (or that fails to start): its signals are missing with
  ``"face detector not run: …"`` / ``"pose detector not run: …"``; ``pose_sample_fps = 0`` turns
  pose off (``"pose detector not run: pose_sample_fps is 0"``).
* a window without any face frame: face-derived measures are missing with ``"no face detected"``.

Conventions: times are seconds on the media's clock; head angles are degrees, from the facial
transformation matrix (face model axes in camera space, x right, y up, z toward the camera):
yaw > 0 = nose turned toward the right of the picture, pitch > 0 = nose up, roll > 0 = head tilted
counter-clockwise as seen in the picture. (0, 0, 0) is a face looking straight into the lens.
"""

from __future__ import annotations

import contextlib
import math
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean, pstdev
from typing import Any

from pydantic import Field

from jiping import model_assets
from jiping.domain.errors import ModelAssetError
from jiping.domain.measures import Flag, FlagCode, Measure, Window
from jiping.domain.models import Model, ObjectLocation
from jiping.ports import ObjectStore
from jiping.settings import VisionSettings

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


# --- analysis ---------------------------------------------------------------------------------------


def _model_file(asset: str, filename: str, explicit: str | None, settings: VisionSettings) -> Path:
    if explicit:
        directory = model_assets.resolve(asset, explicit_path=explicit)
    else:
        directory = model_assets.resolve(
            asset, cache_dir=settings.model_cache_dir, allow_fetch=settings.model_fetch
        )
    return directory / filename


def _pinned_sha256(asset: str, filename: str, directory: Path) -> str | None:
    spec = model_assets.ASSETS.get(asset)
    pinned = next((f.sha256 for f in spec.files if f.name == filename), None) if spec else None
    return pinned or model_assets.recorded_sha256(directory, filename)


def _face_landmarker(model: Path, max_faces: int) -> Any:
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.VIDEO,
        num_faces=max_faces,
        output_face_blendshapes=True,
        output_facial_transformation_matrixes=True,
    )
    return vision.FaceLandmarker.create_from_options(options)


def _pose_landmarker(model: Path) -> Any:
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
        output_segmentation_masks=False,
    )
    return vision.PoseLandmarker.create_from_options(options)


def head_angles(matrix: Any) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from a 4x4 facial transformation matrix (see the module doc)."""
    r = [[float(matrix[i][j]) for j in range(3)] for i in range(3)]
    fx, fy, fz = r[0][2], r[1][2], r[2][2]  # where the face's forward (nose) axis points
    yaw = math.degrees(math.atan2(fx, fz))
    pitch = math.degrees(math.atan2(fy, math.hypot(fx, fz)))
    roll = math.degrees(math.atan2(r[1][0], r[0][0]))  # the face's x axis in the picture plane
    return yaw, pitch, roll


def _iris_offset(landmarks: Any, eye: tuple[int, int, int]) -> float | None:
    outer, inner, iris = (landmarks[i] for i in eye)
    span = inner.x - outer.x
    if abs(span) < _EPS:
        return None
    return abs((iris.x - outer.x) / span - 0.5)


def _face_area(landmarks: Any) -> float:
    xs = [p.x for p in landmarks]
    ys = [p.y for p in landmarks]
    return (max(xs) - min(xs)) * (max(ys) - min(ys))


def _observe_face(result: Any, t: float) -> FrameObservation:
    faces = len(result.face_landmarks)
    if faces == 0:
        return FrameObservation(t=round(t, 3), faces=0)
    i = max(range(faces), key=lambda k: _face_area(result.face_landmarks[k]))
    landmarks = result.face_landmarks[i]
    scores = (
        {c.category_name: float(c.score) for c in result.face_blendshapes[i]}
        if result.face_blendshapes
        else {}
    )
    yaw = pitch = roll = None
    if result.facial_transformation_matrixes:
        yaw, pitch, roll = head_angles(result.facial_transformation_matrixes[i])
    eye_blink = smile = brow = None
    if scores:
        eye_blink = fmean((scores.get("eyeBlinkLeft", 0.0), scores.get("eyeBlinkRight", 0.0)))
        smile = fmean((scores.get("mouthSmileLeft", 0.0), scores.get("mouthSmileRight", 0.0)))
        outer = fmean((scores.get("browOuterUpLeft", 0.0), scores.get("browOuterUpRight", 0.0)))
        brow = max(scores.get("browInnerUp", 0.0), outer)
    blink = eye_blink > BLINK_THRESHOLD if eye_blink is not None else None
    looking = None
    if yaw is not None and pitch is not None:
        looking = abs(yaw) <= LOOK_MAX_YAW_DEG and abs(pitch) <= LOOK_MAX_PITCH_DEG
        if looking and not blink and len(landmarks) > max(_LEFT_EYE + _RIGHT_EYE):
            offsets = [
                o
                for o in (_iris_offset(landmarks, _RIGHT_EYE), _iris_offset(landmarks, _LEFT_EYE))
                if o is not None
            ]
            if offsets:
                looking = fmean(offsets) <= LOOK_MAX_IRIS_OFFSET
    nose = landmarks[_NOSE_TIP]

    def r(v: float | None, digits: int = 4) -> float | None:
        return None if v is None else round(v, digits)

    return FrameObservation(
        t=round(t, 3),
        faces=faces,
        yaw=r(yaw, 2),
        pitch=r(pitch, 2),
        roll=r(roll, 2),
        looking=looking,
        blink=blink,
        eye_blink=r(eye_blink),
        smile=r(smile),
        brow_raise=r(brow),
        nose=(round(nose.x, 4), round(nose.y, 4)),
    )


def _point(landmarks: Any, index: int) -> Point | None:
    p = landmarks[index]
    visibility = getattr(p, "visibility", None)
    if visibility is not None and visibility < POSE_MIN_VISIBILITY:
        return None
    return (round(float(p.x), 4), round(float(p.y), 4))


def _observe_pose(result: Any) -> dict[str, Any]:
    if not result.pose_landmarks:
        return {"pose_run": True}
    lm = result.pose_landmarks[0]
    return {
        "pose_run": True,
        "left_shoulder": _point(lm, _L_SHOULDER),
        "right_shoulder": _point(lm, _R_SHOULDER),
        "left_wrist": _point(lm, _L_WRIST),
        "right_wrist": _point(lm, _R_WRIST),
    }


@dataclass
class _Sampled:
    t: float
    timestamp_ms: int
    rgb: Any  # numpy HxWx3 uint8
    pose: bool


@dataclass
class _StreamInfo:
    width: int
    height: int
    fps: float | None
    duration_s: float
    decoded: int = 0
    converted: int = 0
    last_t: float = 0.0
    decode_s: float = 0.0
    convert_s: float = 0.0


def _analysis_size(width: int, height: int) -> tuple[int, int] | None:
    side = max(width, height)
    if side <= ANALYSIS_MAX_SIDE:
        return None
    scale = ANALYSIS_MAX_SIDE / side
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def _sample_frames(
    container: Any, info: _StreamInfo, sample_fps: float, pose_fps: float
) -> Iterator[_Sampled]:
    """Decode every frame, yield the sampled ones converted to RGB (and only those)."""
    stream = container.streams.video[0]
    stream.thread_type = DECODE_THREADS
    size = _analysis_size(info.width, info.height)
    step = 1.0 / sample_fps
    pose_step = 1.0 / pose_fps if pose_fps > 0 else math.inf
    tolerance = 0.25 / info.fps if info.fps else 1e-3  # a frame this close before its due time is taken
    next_due: float | None = None  # the first frame sets the sampling grid
    pose_due = math.inf
    last_ms = -1
    frames = container.decode(stream)
    while True:
        started = time.perf_counter()
        try:
            frame = next(frames)
        except StopIteration:
            info.decode_s += time.perf_counter() - started
            return
        info.decode_s += time.perf_counter() - started
        index = info.decoded
        info.decoded += 1
        t = float(frame.time) if frame.time is not None else index / (info.fps or sample_fps)
        info.last_t = max(info.last_t, t)
        if next_due is None:
            next_due = t
            pose_due = t if pose_fps > 0 else math.inf
        if t < next_due - tolerance:
            continue
        while next_due <= t + tolerance:
            next_due += step
        run_pose = t >= pose_due - tolerance
        if run_pose:
            while pose_due <= t + tolerance:
                pose_due += pose_step
        started = time.perf_counter()
        if size:
            rgb = frame.to_ndarray(format="rgb24", width=size[0], height=size[1])
        else:
            rgb = frame.to_ndarray(format="rgb24")
        info.convert_s += time.perf_counter() - started
        info.converted += 1
        timestamp_ms = max(round(t * 1000), last_ms + 1)  # VIDEO mode: strictly increasing
        last_ms = timestamp_ms
        yield _Sampled(t, timestamp_ms, rgb, run_pose)


def _empty_track(duration: float, settings: VisionSettings, reason: str, started: float) -> VisionTrack:
    return VisionTrack(
        duration_s=round(duration, 3),
        sample_fps=settings.vision_sample_fps,
        pose_fps=min(settings.pose_sample_fps, settings.vision_sample_fps),
        face_missing=reason,
        pose_missing=reason,
        timings={
            "decode_s": 0.0,
            "convert_s": 0.0,
            "face_s": 0.0,
            "pose_s": 0.0,
            "total_s": round(time.perf_counter() - started, 3),
        },
    )


_DONE = object()


def analyze(path: Path, settings: VisionSettings) -> VisionTrack:
    """Sample, decode and look at a video file; see the module doc. Raises ``av`` errors on a file
    that is not media at all (ProbeMedia rejects those before this stage runs)."""
    import av
    import mediapipe as mp

    started = time.perf_counter()
    pose_fps = min(settings.pose_sample_fps, settings.vision_sample_fps)
    with av.open(str(path)) as container:
        duration = (container.duration or 0) / 1_000_000
        if not container.streams.video:
            return _empty_track(duration, settings, NO_VIDEO, started)
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        info = _StreamInfo(
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            fps=float(rate) if rate else None,
            duration_s=duration,
        )
        face = pose = None
        face_missing = pose_missing = None
        face_sha = pose_sha = None
        try:
            try:
                face_model = _model_file(FACE_ASSET, FACE_FILE, settings.face_model_dir, settings)
                face = _face_landmarker(face_model, settings.vision_max_faces)
                face_sha = _pinned_sha256(FACE_ASSET, FACE_FILE, face_model.parent)
            except (ModelAssetError, RuntimeError, ValueError) as exc:
                face_missing = f"face detector not run: {exc}"
            if pose_fps <= 0:
                pose_missing = "pose detector not run: pose_sample_fps is 0"
            else:
                try:
                    pose_model = _model_file(POSE_ASSET, POSE_FILE, settings.pose_model_dir, settings)
                    pose = _pose_landmarker(pose_model)
                    pose_sha = _pinned_sha256(POSE_ASSET, POSE_FILE, pose_model.parent)
                except (ModelAssetError, RuntimeError, ValueError) as exc:
                    pose_missing = f"pose detector not run: {exc}"
            if face is None and pose is None:
                track = _empty_track(duration, settings, face_missing or "", started)
                track.pose_missing = pose_missing
                return track
            frames, timings = _run_pipeline(
                container, info, settings.vision_sample_fps, pose_fps if pose else 0.0, face, pose, mp
            )
        finally:
            for landmarker in (face, pose):
                if landmarker is not None:
                    landmarker.close()  # mediapipe 1.2.2 raises in __del__ when left to exit
    source_duration = max(info.duration_s, info.last_t + (1.0 / info.fps if info.fps else 0.0))
    timings["total_s"] = round(time.perf_counter() - started, 3)
    return VisionTrack(
        duration_s=round(source_duration, 3),
        width=info.width,
        height=info.height,
        source_fps=round(info.fps, 3) if info.fps else None,
        sample_fps=settings.vision_sample_fps,
        pose_fps=pose_fps if pose else 0.0,
        frames_decoded=info.decoded,
        frames_sampled=len(frames),
        frames_converted=info.converted,
        frames=frames,
        face_model_sha256=face_sha if face else None,
        pose_model_sha256=pose_sha if pose else None,
        face_missing=face_missing,
        pose_missing=pose_missing,
        timings=timings,
    )


def _run_pipeline(
    container: Any, info: _StreamInfo, sample_fps: float, pose_fps: float, face: Any, pose: Any, mp: Any
) -> tuple[list[FrameObservation], dict[str, float]]:
    """Decoder thread -> face (this thread) and pose (its own thread); each landmarker sees one thread."""
    decoded: queue.Queue[Any] = queue.Queue(maxsize=8)
    pose_in: queue.Queue[Any] = queue.Queue(maxsize=8)
    pose_out: dict[int, dict[str, Any]] = {}
    errors: list[BaseException] = []
    spent = {"face_s": 0.0, "pose_s": 0.0}
    stop = threading.Event()

    def put(q: queue.Queue[Any], item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for sampled in _sample_frames(container, info, sample_fps, pose_fps):
                if not put(decoded, sampled):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
            errors.append(exc)
        finally:
            decoded.put(_DONE)  # the consumer drains until it sees this, even after a failure

    def pose_worker() -> None:
        try:
            while (item := pose_in.get()) is not _DONE:
                if stop.is_set():
                    continue
                t0 = time.perf_counter()
                result = pose.detect_for_video(item[1], item[0])
                spent["pose_s"] += time.perf_counter() - t0
                pose_out[item[0]] = _observe_pose(result)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            stop.set()

    producer = threading.Thread(target=produce, name="vision-decode", daemon=True)
    pose_thread = threading.Thread(target=pose_worker, name="vision-pose", daemon=True) if pose else None
    producer.start()
    if pose_thread:
        pose_thread.start()
    observations: list[tuple[int, FrameObservation]] = []
    try:
        while (sampled := decoded.get()) is not _DONE:
            if stop.is_set():
                continue
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=sampled.rgb)
            if pose_thread and sampled.pose:  # its own Image: the two landmarkers run at the same time
                put(
                    pose_in,
                    (sampled.timestamp_ms, mp.Image(image_format=mp.ImageFormat.SRGB, data=sampled.rgb)),
                )
            if face is not None:
                t0 = time.perf_counter()
                result = face.detect_for_video(image, sampled.timestamp_ms)
                spent["face_s"] += time.perf_counter() - t0
                observation = _observe_face(result, sampled.t)
            else:
                observation = FrameObservation(t=round(sampled.t, 3), faces=0)
            observations.append((sampled.timestamp_ms, observation))
    except BaseException:
        stop.set()
        raise
    finally:
        if pose_thread:
            pose_in.put(_DONE)  # the pose worker drains its queue (skipping work once stopped)
            pose_thread.join()
        stop.set()
        while producer.is_alive() or not decoded.empty():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                decoded.get(timeout=0.05)
        producer.join()
    if errors:
        raise errors[0]
    frames = []
    for timestamp_ms, observation in observations:
        if timestamp_ms in pose_out:
            observation = observation.model_copy(update=pose_out[timestamp_ms])
        frames.append(observation)
    timings = {
        "decode_s": round(info.decode_s, 3),
        "convert_s": round(info.convert_s, 3),
        "face_s": round(spent["face_s"], 3),
        "pose_s": round(spent["pose_s"], 3),
    }
    return frames, timings


# --- per-answer signals -----------------------------------------------------------------------------


def _window_end(track: VisionTrack, window: Window | None) -> float:
    if window is None or window.end is None:
        return track.duration_s
    return window.end


def _in_window(track: VisionTrack, window: Window | None) -> list[FrameObservation]:
    if window is None:
        return list(track.frames)
    return [f for f in track.frames if window.contains(f.t)]


def _motion(
    frames: list[FrameObservation], position: Callable[[FrameObservation], Point | None], aspect: float
) -> tuple[float, int] | None:
    """Mean displacement per second (frame widths / s) between consecutive observed positions."""
    speeds: list[float] = []
    previous: tuple[float, Point] | None = None
    for f in frames:
        p = position(f)
        if p is None:
            continue
        if previous is not None:
            dt = f.t - previous[0]
            if 0 < dt <= MOTION_MAX_GAP_S:
                dx, dy = p[0] - previous[1][0], (p[1] - previous[1][1]) * aspect
                speeds.append(math.hypot(dx, dy) / dt)
        previous = (f.t, p)
    if not speeds:
        return None
    return fmean(speeds), len(speeds) + 1


def _midpoint(a: Point | None, b: Point | None) -> Point | None:
    if a is None or b is None:
        return None
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def _count_blinks(face_frames: list[FrameObservation]) -> int:
    blinks, was_open = 0, False
    for f in face_frames:
        if f.blink:
            if was_open:
                blinks += 1
            was_open = False
        elif f.blink is False:
            was_open = True
    return blinks


def summarize(track: VisionTrack, window: Window) -> VisionSummary:
    """The visual signals of one answer window.

    ``blinks`` counts closed-after-open transitions on the sampled frames: a blink lasts 100-400 ms,
    so at a few frames per second most are missed and the count is a lower bound, not a blink rate
    you can compare with one measured at video rate. Motion measures use consecutive observations at
    most ``MOTION_MAX_GAP_S`` apart, in frame widths per second (vertical movement scaled by the
    aspect ratio so both axes use the same unit); head motion only between frames that show exactly
    one face, since with two faces the largest one can switch from one person to the other.
    """
    end = _window_end(track, window)
    frames = _in_window(track, window)
    n = len(frames)
    aspect = (track.height / track.width) if track.width and track.height else 1.0
    fields: dict[str, Measure] = {}
    face_names = (
        "head_yaw_mean", "head_pitch_mean", "head_roll_mean", "head_yaw_sd", "looking_at_camera",
        "blinks", "blinks_per_min", "smile_activity", "brow_raise_activity", "head_motion",
    )  # fmt: skip
    pose_names = ("upper_body_motion", "hand_motion")

    if track.face_missing:
        for name in ("face_present", "multiple_faces", *face_names):
            fields[name] = Measure.absent(track.face_missing)
    elif n == 0:
        for name in ("face_present", "multiple_faces", *face_names):
            fields[name] = Measure.absent(NO_FRAMES)
    else:
        face = [f for f in frames if f.faces >= 1]
        fields["face_present"] = Measure.of(len(face) / n, n, "share")
        fields["multiple_faces"] = Measure.of(sum(f.faces >= 2 for f in frames) / n, n, "share")
        if not face:
            for name in face_names:
                fields[name] = Measure.absent(NO_FACE, n=n)
        else:
            fields.update(_face_measures(face, aspect, max(end - window.start, 0.0)))

    if track.pose_missing:
        for name in pose_names:
            fields[name] = Measure.absent(track.pose_missing)
    else:
        posed = [f for f in frames if f.pose_run]
        shoulders = _motion(posed, lambda f: _midpoint(f.left_shoulder, f.right_shoulder), aspect)
        fields["upper_body_motion"] = (
            Measure.of(shoulders[0], shoulders[1], "frame widths/s")
            if shoulders
            else Measure.absent("shoulders not visible on consecutive pose frames", n=len(posed))
        )
        wrist_speeds = [
            m for m in (
                _motion(posed, lambda f: f.left_wrist, aspect),
                _motion(posed, lambda f: f.right_wrist, aspect),
            ) if m
        ]  # fmt: skip
        fields["hand_motion"] = (
            Measure.of(fmean(m[0] for m in wrist_speeds), max(m[1] for m in wrist_speeds), "frame widths/s")
            if wrist_speeds
            else Measure.absent("hands not visible on consecutive pose frames", n=len(posed))
        )
    return VisionSummary(
        question_id=window.question_id,
        media_id=window.media_id,
        start=window.start,
        end=round(end, 3),
        **fields,
    )


def _share(values: list[bool], n: int, unit: str = "share") -> Measure:
    return Measure.of(sum(values) / len(values), n, unit) if values else Measure.absent(NO_FACE)


def _face_measures(face: list[FrameObservation], aspect: float, seconds: float) -> dict[str, Measure]:
    out: dict[str, Measure] = {}
    for name, attr in (("head_yaw_mean", "yaw"), ("head_pitch_mean", "pitch"), ("head_roll_mean", "roll")):
        values = [getattr(f, attr) for f in face if getattr(f, attr) is not None]
        out[name] = (
            Measure.of(fmean(values), len(values), "deg") if values else Measure.absent("no head pose")
        )
    yaws = [f.yaw for f in face if f.yaw is not None]
    out["head_yaw_sd"] = (
        Measure.of(pstdev(yaws), len(yaws), "deg")
        if len(yaws) >= 2
        else Measure.absent("fewer than 2 face frames", n=len(yaws))
    )
    looking = [f.looking for f in face if f.looking is not None]
    out["looking_at_camera"] = _share(looking, len(looking))
    with_blink = [f for f in face if f.blink is not None]
    if with_blink:
        blinks = _count_blinks(with_blink)
        out["blinks"] = Measure.of(blinks, len(with_blink), "count")
        out["blinks_per_min"] = (
            Measure.of(blinks * 60.0 / seconds, len(with_blink), "per min")
            if seconds > 0
            else Measure.absent("zero-length window")
        )
    else:
        out["blinks"] = out["blinks_per_min"] = Measure.absent("no blendshapes")
    smiles = [f.smile > SMILE_THRESHOLD for f in face if f.smile is not None]
    out["smile_activity"] = _share(smiles, len(smiles))
    brows = [f.brow_raise > BROW_RAISE_THRESHOLD for f in face if f.brow_raise is not None]
    out["brow_raise_activity"] = _share(brows, len(brows))
    alone = [f for f in face if f.faces == 1]  # with two faces the largest may swap between them
    head = _motion(alone, lambda f: f.nose, aspect)
    out["head_motion"] = (
        Measure.of(head[0], head[1], "frame widths/s")
        if head
        else Measure.absent("no consecutive frames with exactly one face", n=len(alone))
    )
    return out


def per_second(track: VisionTrack, window: Window | None = None) -> list[VisionSecond]:
    """One row per second of the window that holds sampled frames (seconds on the media's clock)."""
    buckets: dict[int, list[FrameObservation]] = {}
    for f in _in_window(track, window):
        buckets.setdefault(int(f.t), []).append(f)

    def mean(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return round(fmean(present), 4) if present else None

    rows = []
    for second in sorted(buckets):
        frames = buckets[second]
        face = [f for f in frames if f.faces >= 1]
        looking = [f.looking for f in face if f.looking is not None]
        rows.append(
            VisionSecond(
                t=second,
                frames=len(frames),
                faces_max=max(f.faces for f in frames),
                face_present=round(len(face) / len(frames), 4),
                yaw=mean([f.yaw for f in face]),
                pitch=mean([f.pitch for f in face]),
                roll=mean([f.roll for f in face]),
                looking=round(sum(looking) / len(looking), 4) if looking else None,
                blink_frames=sum(bool(f.blink) for f in face),
                smile=mean([f.smile for f in face]),
                brow_raise=mean([f.brow_raise for f in face]),
            )
        )
    return rows


def _stretches(
    frames: list[FrameObservation], hit: Callable[[FrameObservation], bool], end: float
) -> Iterator[tuple[float, float, int]]:
    """(start, end, frames) of each run of consecutive frames where ``hit``; a run ends at the next
    frame that breaks it, or at ``end``."""
    start: float | None = None
    count = 0
    for f in frames:
        if hit(f):
            if start is None:
                start, count = f.t, 0
            count += 1
        elif start is not None:
            yield start, f.t, count
            start = None
    if start is not None:
        yield start, end, count


def integrity_flags(track: VisionTrack, window: Window) -> list[Flag]:
    """NO_FACE (no face for >= NO_FACE_MIN_S), MULTIPLE_FACES (>= 2 faces for >= MULTIPLE_FACES_MIN_S
    on >= MULTIPLE_FACES_MIN_FRAMES sampled frames), LOOKING_AWAY (more than LOOKING_AWAY_SHARE of the
    face frames not looking at the camera), SIGNAL_MISSING when the face detector did not run."""
    qid = window.question_id
    end = _window_end(track, window)
    if track.face_missing:
        return [
            Flag(
                code=FlagCode.SIGNAL_MISSING,
                detail=f"Visual signals not measured: {track.face_missing}.",
                start=window.start,
                end=round(end, 3),
                question_id=qid,
            )
        ]
    frames = _in_window(track, window)
    flags: list[Flag] = []
    for start, stop, _ in _stretches(frames, lambda f: f.faces == 0, end):
        if stop - start >= NO_FACE_MIN_S:
            flags.append(
                Flag(
                    code=FlagCode.NO_FACE,
                    detail=f"No face in view for {stop - start:.1f} s ({start:.1f}-{stop:.1f} s).",
                    start=round(start, 3),
                    end=round(stop, 3),
                    question_id=qid,
                )
            )
    for start, stop, count in _stretches(frames, lambda f: f.faces >= 2, end):
        if stop - start >= MULTIPLE_FACES_MIN_S and count >= MULTIPLE_FACES_MIN_FRAMES:
            most = max(f.faces for f in frames if start <= f.t < stop)
            flags.append(
                Flag(
                    code=FlagCode.MULTIPLE_FACES,
                    detail=f"{most} faces in view for {stop - start:.1f} s ({start:.1f}-{stop:.1f} s).",
                    start=round(start, 3),
                    end=round(stop, 3),
                    question_id=qid,
                )
            )
    looking = [f.looking for f in frames if f.faces >= 1 and f.looking is not None]
    if len(looking) >= LOOKING_AWAY_MIN_FRAMES:
        away = 1 - sum(looking) / len(looking)
        if away > LOOKING_AWAY_SHARE:
            flags.append(
                Flag(
                    code=FlagCode.LOOKING_AWAY,
                    detail=(
                        f"Looking away from the camera on {away:.0%} of the {len(looking)} frames "
                        "with a face in this answer."
                    ),
                    start=window.start,
                    end=round(end, 3),
                    question_id=qid,
                )
            )
    return flags


# --- the stage --------------------------------------------------------------------------------------


def run_vision(request: VisionRequest, settings: VisionSettings, store: ObjectStore) -> VisionRunSummary:
    """Download the source object, analyse it and store the track JSON at the request's output."""
    with tempfile.TemporaryDirectory(prefix="jiping-vision-") as tmp:
        path = Path(tmp) / "media"
        store.download(request.source, path)
        track = analyze(path, settings)
    version = store.put_json(request.output, track.model_dump(mode="json"))
    return VisionRunSummary(
        output=request.output.model_copy(update={"version_id": version}),
        duration_s=track.duration_s,
        frames_sampled=track.frames_sampled,
        face_frames=sum(f.faces >= 1 for f in track.frames),
        face_missing=track.face_missing,
        pose_missing=track.pose_missing,
        timings=track.timings,
    )
