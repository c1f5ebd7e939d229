"""MediaPipe's face and pose landmarkers, from pinned model files, and what one frame shows."""

from __future__ import annotations

import math
from pathlib import Path
from statistics import fmean
from typing import Any

from jiping import model_assets
from jiping.perception.vision.models import (
    _EPS,
    _L_SHOULDER,
    _L_WRIST,
    _LEFT_EYE,
    _NOSE_TIP,
    _R_SHOULDER,
    _R_WRIST,
    _RIGHT_EYE,
    BLINK_THRESHOLD,
    LOOK_MAX_IRIS_OFFSET,
    LOOK_MAX_PITCH_DEG,
    LOOK_MAX_YAW_DEG,
    POSE_MIN_VISIBILITY,
    FrameObservation,
    Point,
)
from jiping.settings import VisionSettings

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
