"""The vision stage: download the clip, analyse it, store the track (the container and the local cloud call it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from jiping.perception.vision.decode import analyze
from jiping.perception.vision.models import VisionRequest, VisionRunSummary
from jiping.ports import ObjectStore
from jiping.settings import VisionSettings

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
