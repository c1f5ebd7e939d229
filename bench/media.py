"""A long interview for the benchmark, made from the committed sample clips (cached under .cache/bench).

The answers of the sample interview (Mandarin and English speech, the astronaut's face) are tiled,
with a pause between answers, up to the requested length, and re-encoded at 640x480 so that video
decoding costs what a webcam recording costs. Generating 15 minutes takes a minute or two, once.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import numpy as np
from av.video.stream import VideoStream

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "events" / "media"
CACHE = REPO / ".cache" / "bench"
SIZE = (640, 480)
FPS = 15
RATE = 24000
GAP_S = 1.0


def _clip_audio(path: Path) -> np.ndarray:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    chunks = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks)


def _clip_frames(path: Path, size: tuple[int, int] = SIZE) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        frames = [
            f.reformat(width=size[0], height=size[1], format="rgb24").to_ndarray()
            for f in container.decode(video=0)
        ]
    return frames


def compose(clips: list[Path], out: Path, seconds: float | None = None, size: tuple[int, int] = SIZE) -> Path:
    """One video of ``clips`` in order, a pause after each, repeated up to ``seconds`` (default: once).

    Returns ``out``; the answer boundaries are at the cumulative clip lengths plus the pauses.
    """
    audio_parts = [_clip_audio(c) for c in clips]
    frame_parts = [_clip_frames(c, size) for c in clips]
    gap = np.zeros(int(GAP_S * RATE), dtype=np.int16)
    total = int(seconds * RATE) if seconds else sum(len(a) + len(gap) for a in audio_parts)
    audio: list[np.ndarray] = []
    filled = i = 0
    while filled < total:
        part = audio_parts[i % len(audio_parts)]
        audio += [part, gap]
        filled += len(part) + len(gap)
        i += 1
    pcm = np.concatenate(audio)[:total]
    loop = [f for part in frame_parts for f in part]
    n_frames = int(len(pcm) / RATE * FPS)
    tmp = out.with_suffix(".partial" + out.suffix)
    with av.open(str(tmp), "w", format="mp4") as container:
        vs = cast(
            VideoStream,
            container.add_stream("libx264", rate=FPS, options={"preset": "veryfast", "crf": "28"}),
        )
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        aus = container.add_stream("aac", rate=RATE, layout="mono")
        aus.bit_rate = 48000
        for k in range(n_frames):
            frame = av.VideoFrame.from_ndarray(loop[k % len(loop)], format="rgb24")
            frame.pts, frame.time_base = k, Fraction(1, FPS)
            for packet in vs.encode(frame):
                container.mux(packet)
        for packet in vs.encode():
            container.mux(packet)
        step = 1024
        for start in range(0, len(pcm), step):
            chunk = pcm[start : start + step].reshape(1, -1)
            aframe = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            aframe.sample_rate, aframe.pts, aframe.time_base = RATE, start, Fraction(1, RATE)
            for packet in aus.encode(aframe):
                container.mux(packet)
        for packet in aus.encode():
            container.mux(packet)
    tmp.rename(out)
    return out


def long_interview(minutes: float = 15.0) -> Path:
    """The path of a ``minutes``-long interview video (made once, then reused)."""
    target = CACHE / f"interview_{minutes:g}min.mp4"
    if not target.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        clips = [
            SAMPLE / c["file"]
            for c in json.loads((SAMPLE / "sample_interview.json").read_text())
            if c.get("quality", "strong") == "strong"
        ]
        compose(clips, target, seconds=minutes * 60)
    return target


def audio_only(video: Path) -> Path:
    """The same interview without its video stream (the audio packets copied as they are)."""
    target = video.with_name(video.stem + "_audio.m4a")
    if target.is_file():
        return target
    tmp = target.with_suffix(".partial.m4a")
    with av.open(str(video)) as src, av.open(str(tmp), "w", format="mp4") as dst:
        stream = dst.add_stream_from_template(src.streams.audio[0], opaque=True)  # copied, not re-encoded
        for packet in src.demux(src.streams.audio[0]):
            if packet.dts is None:
                continue
            packet.stream = stream
            dst.mux(packet)
    tmp.rename(target)
    return target


if __name__ == "__main__":
    print(long_interview())
