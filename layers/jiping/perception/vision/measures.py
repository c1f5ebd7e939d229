"""Per-answer visual measures and per-second series from a track: observable behaviour only."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from statistics import fmean, pstdev

from jiping.domain.measures import Measure, Window
from jiping.perception.vision.models import (
    BROW_RAISE_THRESHOLD,
    MOTION_MAX_GAP_S,
    NO_FACE,
    NO_FRAMES,
    SMILE_THRESHOLD,
    FrameObservation,
    Point,
    VisionSecond,
    VisionSummary,
    VisionTrack,
)

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
            m
            for m in (
                _motion(posed, lambda f: f.left_wrist, aspect),
                _motion(posed, lambda f: f.right_wrist, aspect),
            )
            if m
        ]
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
