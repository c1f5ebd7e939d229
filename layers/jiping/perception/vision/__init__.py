"""Vision: measured, explainable visual signals from an interview video (observable behaviour only, no
emotions; a signal that could not be measured is absent with its reason). How it reads a video and what
each measure means: docs/vision.md."""

from jiping.perception.vision.decode import analyze
from jiping.perception.vision.integrity import integrity_flags
from jiping.perception.vision.landmarks import head_angles
from jiping.perception.vision.measures import per_second, summarize
from jiping.perception.vision.models import (
    FACE_ASSET,
    MULTIPLE_FACES_MIN_S,
    NO_FACE,
    NO_VIDEO,
    POSE_ASSET,
    FrameObservation,
    VisionRequest,
    VisionRunSummary,
    VisionSecond,
    VisionSummary,
    VisionTrack,
)

__all__ = [
    "FACE_ASSET",
    "MULTIPLE_FACES_MIN_S",
    "NO_FACE",
    "NO_VIDEO",
    "POSE_ASSET",
    "FrameObservation",
    "VisionRequest",
    "VisionRunSummary",
    "VisionSecond",
    "VisionSummary",
    "VisionTrack",
    "analyze",
    "head_angles",
    "integrity_flags",
    "per_second",
    "summarize",
]
