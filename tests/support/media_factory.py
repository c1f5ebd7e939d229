"""Small media files made at test time: valid clips and the broken kinds an upload can be.

Each helper writes one file and returns its path. All of them use PyAV + numpy only, take well
under a second and write well under 200 KB.

What each broken file does under PyAV (checked by tests/unit/perception/test_media_factory.py):

=======================  =====================================================================
helper                   behaviour
=======================  =====================================================================
make_not_media           ``av.open`` raises ``av.error.InvalidDataError``
make_truncated           ``av.open`` raises ``av.error.InvalidDataError`` (no ``moov`` box:
                         the file is cut inside ``mdat``, before the index at the end)
make_corrupt_audio       ``av.open`` works, there is an AAC audio stream (and the video is
                         intact), but every audio packet fails to decode: ``decode`` raises
                         ``av.error.InvalidDataError`` and no audio frame comes out
make_zero_duration       ``av.open`` works, there is an AAC audio stream with 0 frames,
                         ``stream.duration == 0``, ``container.duration is None``, decoding
                         yields no frame
make_wrong_extension     a valid MP4 named ``*.txt`` (content-based probing must accept it)
=======================  =====================================================================
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
from av.video.stream import VideoStream

__all__ = [
    "make_clip",
    "make_corrupt_audio",
    "make_not_media",
    "make_truncated",
    "make_wrong_extension",
    "make_zero_duration",
    "mp4_boxes",
]

_AUDIO_KINDS = ("tone", "silence", "noise")


def make_clip(
    path: str | Path,
    seconds: float = 2.0,
    audio: str = "tone",
    video: bool = True,
    audio_stream: bool = True,
    fps: int = 15,
    size: tuple[int, int] = (160, 120),
    sample_rate: int = 16000,
    tone_hz: float = 440.0,
    seed: int = 0,
) -> Path:
    """Write a valid clip and return its path.

    video=True: MP4 with H.264 (yuv420p) video, plus AAC mono audio unless audio_stream=False.
    video=False: audio-only M4A (AAC). The container format is set explicitly, so the file
    extension does not matter. The video is a moving bar over a gradient; audio is a sine tone
    (amplitude 0.3), digital silence, or seeded white noise (amplitude 0.3).
    The moov box is written at the end (no faststart), which make_truncated relies on.
    """
    if audio not in _AUDIO_KINDS:
        raise ValueError(f"audio must be one of {_AUDIO_KINDS}, not {audio!r}")
    if not video and not audio_stream:
        raise ValueError("a clip needs a video or an audio stream")
    width, height = size
    if width % 2 or height % 2:
        raise ValueError("yuv420p needs even width and height")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    with av.open(str(path), "w", format="mp4" if video else "ipod") as out:
        vstream = astream = None
        if video:
            vstream = cast(
                VideoStream, out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "30"})
            )
            vstream.width, vstream.height = width, height
            vstream.pix_fmt = "yuv420p"
        if audio_stream:
            astream = out.add_stream("aac", rate=sample_rate, layout="mono")
            astream.bit_rate = 32000

        if vstream is not None:
            n_frames = max(1, round(seconds * fps))
            xs = np.linspace(0, 255, width, dtype=np.float32)
            base = np.empty((height, width, 3), np.uint8)
            base[..., 0] = xs.astype(np.uint8)
            base[..., 1] = np.linspace(0, 255, height, dtype=np.float32).astype(np.uint8)[:, None]
            base[..., 2] = 96
            bar = max(2, width // 8)
            for k in range(n_frames):
                img = base.copy()
                x0 = (k * 4) % max(1, width - bar)
                img[:, x0 : x0 + bar] = 255
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                frame.pts = k
                frame.time_base = Fraction(1, fps)
                out.mux(vstream.encode(frame))
            out.mux(vstream.encode(None))

        if astream is not None:
            n = max(1, round(seconds * sample_rate))
            if audio == "tone":
                t = np.arange(n, dtype=np.float64) / sample_rate
                samples = 0.3 * np.sin(2 * np.pi * tone_hz * t)
            elif audio == "noise":
                samples = np.random.default_rng(seed).uniform(-0.3, 0.3, n)
            else:
                samples = np.zeros(n)
            samples = samples.astype(np.float32)
            chunk = 1024
            for start in range(0, n, chunk):
                block = samples[start : start + chunk]
                aframe = av.AudioFrame.from_ndarray(block[None, :], format="fltp", layout="mono")
                aframe.sample_rate = sample_rate
                aframe.pts = start
                aframe.time_base = Fraction(1, sample_rate)
                out.mux(astream.encode(aframe))
            out.mux(astream.encode(None))
    return path


def make_not_media(path: str | Path, text: str = "this is not a video, just text\n") -> Path:
    """A plain-text file, whatever its extension (e.g. ``answer.mp4``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text * 4, encoding="utf-8")
    return path


def mp4_boxes(data: bytes) -> list[tuple[str, int, int]]:
    """Top-level ISO-BMFF boxes as (type, offset, size). Stops at the first malformed box."""
    boxes = []
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1 and pos + 16 <= len(data):
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        if size < 8:
            break
        boxes.append((kind.decode("latin-1"), pos, size))
        pos += size
    return boxes


def make_truncated(src: str | Path, dst: str | Path, keep_fraction: float = 0.3) -> Path:
    """The first ``keep_fraction`` of ``src``'s bytes, cut inside ``mdat`` so the ``moov`` index
    (at the end of a make_clip file) is lost. ``av.open`` on the result raises InvalidDataError.
    """
    if not 0 < keep_fraction < 1:
        raise ValueError("keep_fraction must be in (0, 1)")
    data = Path(src).read_bytes()
    boxes = {kind: (off, size) for kind, off, size in mp4_boxes(data)}
    if "moov" not in boxes or "mdat" not in boxes or boxes["moov"][0] < boxes["mdat"][0]:
        raise ValueError(f"{src}: need an MP4 with moov after mdat (as make_clip writes)")
    mdat_off, _ = boxes["mdat"]
    moov_off, _ = boxes["moov"]
    cut = int(len(data) * keep_fraction)
    cut = min(max(cut, mdat_off + 16), moov_off - 1)  # inside mdat, never reaching moov
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data[:cut])
    return dst


def make_corrupt_audio(src: str | Path, dst: str | Path, seed: int = 0) -> Path:
    """Remux ``src`` with every audio packet's payload replaced by garbage of the same size.

    Timestamps, codec parameters (AAC AudioSpecificConfig) and the other streams are kept, so the
    container opens and reports a normal audio stream, but no audio packet decodes. Raises
    RuntimeError if, against expectation, a garbage packet decodes into a frame.
    """
    rng = np.random.default_rng(seed)
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(src)) as inp:
        if not inp.streams.audio:
            raise ValueError(f"{src} has no audio stream")
        fmt = "ipod" if not inp.streams.video else "mp4"
        with av.open(str(dst), "w", format=fmt) as out:
            mapping: dict[int, Any] = {
                s.index: out.add_stream_from_template(s, opaque=True) for s in inp.streams.video
            }
            mapping |= {s.index: out.add_stream_from_template(s, opaque=True) for s in inp.streams.audio}
            for packet in inp.demux():
                if packet.dts is None or packet.stream.index not in mapping:  # a flush packet, or data
                    continue
                ostream = mapping[packet.stream.index]
                if packet.stream.type == "audio":
                    junk = bytearray(rng.integers(0, 256, packet.size, dtype=np.uint8).tobytes())
                    junk[0] = 0x00  # never an ADTS sync word (0xFFF), which the muxer rejects
                    bad = av.Packet(bytes(junk))
                    bad.pts, bad.dts, bad.duration = packet.pts, packet.dts, packet.duration
                    bad.time_base = packet.time_base
                    bad.is_keyframe = packet.is_keyframe
                    bad.stream = ostream
                    out.mux(bad)
                else:
                    packet.stream = ostream
                    out.mux(packet)
    _check_no_audio_decodes(dst)
    return dst


def _check_no_audio_decodes(path: Path) -> None:
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        for packet in c.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue
            if frames:
                raise RuntimeError(f"{path}: a garbage audio packet decoded; change the seed")


def make_zero_duration(path: str | Path, sample_rate: int = 16000) -> Path:
    """An M4A (fragmented MP4) whose AAC audio track exists but holds no sample.

    A plain MP4 muxer drops tracks without samples, so the file is written with an empty
    ``moov`` (movflags empty_moov): the track and its codec parameters are declared, no
    fragment follows.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    opts = {"movflags": "+empty_moov+frag_keyframe+default_base_moof"}
    with av.open(str(path), "w", format="ipod", options=opts) as out:
        stream = out.add_stream("aac", rate=sample_rate, layout="mono")
        out.start_encoding()
        out.mux(stream.encode(None))
    return path


def make_wrong_extension(path: str | Path, **clip_kwargs) -> Path:
    """A valid MP4 (see make_clip) stored under a non-media name such as ``answer.txt``."""
    path = Path(path)
    if path.suffix.lower() in {".mp4", ".m4a", ".mov", ".webm", ".mkv"}:
        raise ValueError("give a non-media extension, e.g. answer.txt")
    return make_clip(path, **clip_kwargs)


# --- clips with a real face (vision tests) ----------------------------------------------------------

FACE_PHOTO = Path(__file__).resolve().parents[1] / "fixtures" / "face.jpg"


def load_face_photo(path: str | Path = FACE_PHOTO) -> np.ndarray:
    """The face photo as RGB uint8 (HxWx3), decoded with PyAV (no imaging library needed).

    ``tests/fixtures/face.jpg`` is a 200x200 crop around the face of ``skimage.data.astronaut()``:
    scikit-image's copy of the NASA portrait of astronaut Eileen Collins (NASA photos are in the
    public domain). It was cut once (crop 250x250 at centre (228, 125), scaled to 200x200, JPEG q88),
    so the tests do not need scikit-image.
    """
    with av.open(str(path)) as c:
        frame = next(c.decode(video=0))
    return frame.to_ndarray(format="rgb24")


def _resize(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize with numpy (enough for test pictures)."""
    h, w = img.shape[:2]
    ys = np.clip((np.arange(height) + 0.5) * h / height - 0.5, 0, h - 1)
    xs = np.clip((np.arange(width) + 0.5) * w / width - 0.5, 0, w - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    src = img.astype(np.float32)
    top = src[y0][:, x0] * (1 - fx) + src[y0][:, x1] * fx
    bottom = src[y1][:, x0] * (1 - fx) + src[y1][:, x1] * fx
    return (top * (1 - fy) + bottom * fy + 0.5).astype(np.uint8)


def make_face_clip(
    path: str | Path,
    faces: int | Sequence[int] = 1,
    seconds: float = 3.0,
    fps: int = 15,
    size: tuple[int, int] = (320, 240),
    audio: str | None = "tone",
    mirror: bool = False,
) -> Path:
    """An MP4 (H.264, + AAC unless audio=None) showing 0, 1 or 2 copies of the face photo.

    ``faces`` is one count for the whole clip, or one count per second (the last repeats), so a clip
    can lose the face for a stretch. 1 face: the photo centred at about 80 % of the frame height,
    swaying a few pixels so the frames are not identical; 2 faces: two copies side by side;
    0 faces: the same grey background with a moving stripe texture and no face. ``mirror`` flips
    the photo left-right (a face turned the other way).
    """
    width, height = size
    if width % 2 or height % 2:
        raise ValueError("yuv420p needs even width and height")
    counts = [faces] if isinstance(faces, int) else list(faces)
    if not counts or any(c not in (0, 1, 2) for c in counts):
        raise ValueError("faces must be 0, 1 or 2 (or a sequence of those, one per second)")
    photo = load_face_photo()
    if mirror:
        photo = photo[:, ::-1]
    one = _resize(photo, int(height * 0.8), int(height * 0.8))
    half = min(width // 2 - 8, int(height * 0.8))
    two = _resize(photo, half, half)
    background = np.full((height, width, 3), 200, np.uint8)
    background[..., 2] = 215
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n_frames = max(1, round(seconds * fps))
    with av.open(str(path), "w", format="mp4") as out:
        vstream = cast(
            VideoStream, out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "26"})
        )
        vstream.width, vstream.height = width, height
        vstream.pix_fmt = "yuv420p"
        astream = _audio_stream(out) if audio is not None else None
        for k in range(n_frames):
            count = counts[min(int(k / fps), len(counts) - 1)]
            sway = int(round(3 * np.sin(2 * np.pi * k / (2 * fps))))
            img = background.copy()
            if count == 1:
                h, w = one.shape[:2]
                y, x = (height - h) // 2, (width - w) // 2 + sway
                img[y : y + h, x : x + w] = one
            elif count == 2:
                h, w = two.shape[:2]
                y = (height - h) // 2
                for x in (width // 4 - w // 2 + sway, 3 * width // 4 - w // 2 + sway):
                    img[y : y + h, max(0, x) : x + w] = two[:, max(0, -x) :]
            else:
                stripes = ((np.arange(width) + 4 * k) // 12) % 2
                img[height // 3 : 2 * height // 3] = np.where(stripes[None, :, None] == 1, 120, 230)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = k
            frame.time_base = Fraction(1, fps)
            out.mux(vstream.encode(frame))
        out.mux(vstream.encode(None))
        if astream is not None and audio is not None:
            _write_audio(out, astream, seconds, audio)
    return path


def _audio_stream(out, sample_rate: int = 16000):
    astream = out.add_stream("aac", rate=sample_rate, layout="mono")
    astream.bit_rate = 32000
    return astream


def _write_audio(out, astream, seconds: float, audio: str, sample_rate: int = 16000) -> None:
    if audio not in _AUDIO_KINDS:
        raise ValueError(f"audio must be one of {_AUDIO_KINDS}, not {audio!r}")
    n = max(1, round(seconds * sample_rate))
    if audio == "tone":
        samples = 0.3 * np.sin(2 * np.pi * 440.0 * np.arange(n) / sample_rate)
    elif audio == "noise":
        samples = np.random.default_rng(0).uniform(-0.3, 0.3, n)
    else:
        samples = np.zeros(n)
    samples = samples.astype(np.float32)
    for start in range(0, n, 1024):
        aframe = av.AudioFrame.from_ndarray(samples[None, start : start + 1024], format="fltp", layout="mono")
        aframe.sample_rate = sample_rate
        aframe.pts = start
        aframe.time_base = Fraction(1, sample_rate)
        out.mux(astream.encode(aframe))
    out.mux(astream.encode(None))
