"""Reading a video: PyAV decodes, sampled frames go to the landmarkers in threads (``analyze``)."""

from __future__ import annotations

import contextlib
import math
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jiping.domain.errors import ModelAssetError
from jiping.perception.vision.landmarks import (
    _face_landmarker,
    _model_file,
    _observe_face,
    _observe_pose,
    _pinned_sha256,
    _pose_landmarker,
)
from jiping.perception.vision.models import (
    ANALYSIS_MAX_SIDE,
    DECODE_THREADS,
    FACE_ASSET,
    FACE_FILE,
    NO_VIDEO,
    POSE_ASSET,
    POSE_FILE,
    FrameObservation,
    VisionTrack,
)
from jiping.settings import VisionSettings


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


class _Pipeline:
    """Decoder thread -> face (the calling thread) and pose (its own thread); each landmarker sees one thread.

    A failure in any thread stops the others; the first error is raised in the caller's thread.
    """

    def __init__(
        self, container: Any, info: _StreamInfo, sample_fps: float, pose_fps: float, pose: Any
    ) -> None:
        self.container, self.info, self.sample_fps, self.pose_fps, self.pose = (
            container,
            info,
            sample_fps,
            pose_fps,
            pose,
        )
        self.decoded: queue.Queue[Any] = queue.Queue(maxsize=8)
        self.pose_in: queue.Queue[Any] = queue.Queue(maxsize=8)
        self.pose_out: dict[int, dict[str, Any]] = {}
        self.errors: list[BaseException] = []
        self.spent = {"face_s": 0.0, "pose_s": 0.0}
        self.stop = threading.Event()

    def put(self, q: queue.Queue[Any], item: Any) -> bool:
        while not self.stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce(self) -> None:
        try:
            for sampled in _sample_frames(self.container, self.info, self.sample_fps, self.pose_fps):
                if not self.put(self.decoded, sampled):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
            self.errors.append(exc)
        finally:
            self.decoded.put(_DONE)  # the consumer drains until it sees this, even after a failure

    def pose_worker(self) -> None:
        try:
            while (item := self.pose_in.get()) is not _DONE:
                if self.stop.is_set():
                    continue
                t0 = time.perf_counter()
                result = self.pose.detect_for_video(item[1], item[0])
                self.spent["pose_s"] += time.perf_counter() - t0
                self.pose_out[item[0]] = _observe_pose(result)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, which re-raises it
            self.errors.append(exc)
            self.stop.set()

    def consume(self, face: Any, mp: Any, with_pose: bool) -> list[tuple[int, FrameObservation]]:
        observations: list[tuple[int, FrameObservation]] = []
        while (sampled := self.decoded.get()) is not _DONE:
            if self.stop.is_set():
                continue
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=sampled.rgb)
            if with_pose and sampled.pose:  # its own Image: the two landmarkers run at the same time
                self.put(
                    self.pose_in,
                    (sampled.timestamp_ms, mp.Image(image_format=mp.ImageFormat.SRGB, data=sampled.rgb)),
                )
            if face is not None:
                t0 = time.perf_counter()
                result = face.detect_for_video(image, sampled.timestamp_ms)
                self.spent["face_s"] += time.perf_counter() - t0
                observation = _observe_face(result, sampled.t)
            else:
                observation = FrameObservation(t=round(sampled.t, 3), faces=0)
            observations.append((sampled.timestamp_ms, observation))
        return observations

    def drain(self, producer: threading.Thread, pose_thread: threading.Thread | None) -> None:
        if pose_thread:
            self.pose_in.put(_DONE)  # the pose worker drains its queue (skipping work once stopped)
            pose_thread.join()
        self.stop.set()
        while producer.is_alive() or not self.decoded.empty():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                self.decoded.get(timeout=0.05)
        producer.join()


def _run_pipeline(
    container: Any, info: _StreamInfo, sample_fps: float, pose_fps: float, face: Any, pose: Any, mp: Any
) -> tuple[list[FrameObservation], dict[str, float]]:
    """The sampled frames' observations (face, and pose where sampled) and the time each part took."""
    run = _Pipeline(container, info, sample_fps, pose_fps, pose)
    producer = threading.Thread(target=run.produce, name="vision-decode", daemon=True)
    pose_thread = threading.Thread(target=run.pose_worker, name="vision-pose", daemon=True) if pose else None
    producer.start()
    if pose_thread:
        pose_thread.start()
    try:
        observations = run.consume(face, mp, with_pose=pose_thread is not None)
    except BaseException:
        run.stop.set()
        raise
    finally:
        run.drain(producer, pose_thread)
    if run.errors:
        raise run.errors[0]
    frames = [
        observation.model_copy(update=run.pose_out[ts]) if ts in run.pose_out else observation
        for ts, observation in observations
    ]
    timings = {
        "decode_s": round(info.decode_s, 3),
        "convert_s": round(info.convert_s, 3),
        "face_s": round(run.spent["face_s"], 3),
        "pose_s": round(run.spent["pose_s"], 3),
    }
    return frames, timings
