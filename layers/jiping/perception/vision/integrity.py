"""Integrity flags: no face, several faces, looking away, each with its stretch of time."""

from __future__ import annotations

from jiping.domain.measures import Flag, FlagCode, Window
from jiping.perception.vision.measures import _in_window, _stretches, _window_end
from jiping.perception.vision.models import (
    LOOKING_AWAY_MIN_FRAMES,
    LOOKING_AWAY_SHARE,
    MULTIPLE_FACES_MIN_FRAMES,
    MULTIPLE_FACES_MIN_S,
    NO_FACE_MIN_S,
    VisionTrack,
)


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
