"""The hostile and broken uploads corpus: each case builds its file (small: generated at test time, not
committed) and says how it must end. ``tests/e2e/test_corpus.py`` runs every case through the whole
workflow on the local cloud; ``tests/unit/perception/test_corpus_probe.py`` runs the probe on them.

An ending is ``Rejected(reason)`` (the interview ends REJECTED with that reason code) or
``Transcribed(flags)`` (the answer is analysed; ``flags`` must be among the flags raised).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import numpy as np
from av.video.stream import VideoStream
from jiping.domain.models import ReasonCode

from tests.conftest import SAMPLE_MEDIA
from tests.support import media_factory as mf


@dataclass(frozen=True)
class Rejected:
    reason: ReasonCode


@dataclass(frozen=True)
class Transcribed:
    flags: frozenset[str] = field(default_factory=frozenset)


Ending = Rejected | Transcribed


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]  # writes the file under the given directory and returns its path
    ending: Ending
    filename: str | None = None  # the object's file name in the key, when it is not the built file's


def _speech(d: Path) -> Path:
    """A real spoken answer (the Mandarin sample), as an MP4."""
    return SAMPLE_MEDIA / "q1_zh.mp4"


def _copy(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes())
    return dst


def _encode(
    path: Path,
    frames: list[np.ndarray],
    *,
    fps: int = 15,
    pts: list[int] | None = None,
    audio_seconds: float | None = None,
    metadata: dict[str, str] | None = None,
    stream_metadata: dict[str, str] | None = None,
) -> Path:
    """Frames (H.264, timestamps in ms) and optionally a tone (AAC), with container and stream metadata."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="mp4") as out:
        for k, v in (metadata or {}).items():
            out.metadata[k] = v
        vs = cast(VideoStream, out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"}))
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        for k, v in (stream_metadata or {}).items():
            vs.metadata[k] = v
        astream = mf._audio_stream(out) if audio_seconds else None
        for i, img in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = pts[i] if pts else int(i * 1000 / fps)
            frame.time_base = Fraction(1, 1000)
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
        if astream is not None and audio_seconds:
            mf._write_audio(out, astream, audio_seconds, "tone")
    return path


def _frames(n: int, w: int, h: int) -> list[np.ndarray]:
    return [np.full((h, w, 3), (i * 9) % 255, dtype=np.uint8) for i in range(n)]


def _wav_header_only(d: Path, seconds: float) -> Path:
    """A WAV whose header declares ``seconds`` of 16 kHz mono PCM but holds 1 s of it."""
    declared = int(seconds * 16000 * 2)
    header = (
        b"RIFF"
        + (36 + declared).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")
        + (1).to_bytes(2, "little")
        + (16000).to_bytes(4, "little")
        + (32000).to_bytes(4, "little")
        + (2).to_bytes(2, "little")
        + (16).to_bytes(2, "little")
        + b"data"
        + declared.to_bytes(4, "little")
    )
    path = d / "declared.wav"
    path.write_bytes(header + bytes(32000))
    return path


def _write_m4a(path: Path, chunks: Iterable[np.ndarray], rate: int) -> Path:
    """Mono float32 sample chunks as AAC in an M4A, with running timestamps."""
    with av.open(str(path), "w", format="ipod") as out:
        stream = out.add_stream("aac", rate=rate)
        stream.layout = "mono"
        pts = 0
        for chunk in chunks:
            frame = av.AudioFrame.from_ndarray(
                chunk.reshape(1, -1).astype(np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = rate, pts
            pts += chunk.size
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _samples_of(*sources: str, rate: int = 16000) -> Iterator[np.ndarray]:
    """The sample answers' audio, one after the other, resampled to mono ``rate``."""
    resampler = av.AudioResampler(format="fltp", layout="mono", rate=rate)
    for source in sources:
        with av.open(str(SAMPLE_MEDIA / source)) as src:
            for frame in src.decode(audio=0):
                for out_frame in resampler.resample(frame):
                    yield out_frame.to_ndarray()[0]


def _long_silence(d: Path, seconds: int) -> Path:
    """``seconds`` of 8 kHz silence in AAC: hours of audio in about a megabyte."""
    silence = np.zeros(1024, dtype=np.float32)
    return _write_m4a(d / "long.m4a", (silence for _ in range(seconds * 8000 // 1024)), 8000)


def _two_speakers(d: Path) -> Path:
    """The Mandarin answer then the English one, in one audio file (two voices, two languages)."""
    return _write_m4a(d / "two_speakers.m4a", _samples_of("q1_zh.mp4", "q2_en.mp4"), 16000)


def _audio_only(d: Path) -> Path:
    """The English sample answer's audio alone, as M4A."""
    return _write_m4a(d / "answer.m4a", _samples_of("q2_en.mp4"), 16000)


def _tones(d: Path) -> Path:
    """A melody of pure tones: sound without speech (a "non-speech language")."""
    t = np.arange(16000 * 4) / 16000
    hz = np.repeat([262, 294, 330, 349, 392, 440, 494, 523], 8000)[: t.size]
    signal = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return _write_m4a(d / "melody.m4a", (signal[i : i + 1024] for i in range(0, signal.size, 1024)), 16000)


def _zip_bomb(d: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("video.mp4", bytes(50 * 2**20))  # 50 MB of zeros in ~50 KB
    path = d / "bomb.mp4"
    path.write_bytes(buffer.getvalue())
    return path


NO_SPEECH = frozenset({"NO_SPEECH"})

CASES: list[Case] = [
    # not media at all
    Case("empty", lambda d: _write(d / "empty.mp4", b""), Rejected(ReasonCode.NOT_MEDIA)),
    Case("text_as_mp4", lambda d: mf.make_not_media(d / "notes.mp4"), Rejected(ReasonCode.NOT_MEDIA)),
    Case(
        "html_script",
        lambda d: mf.make_not_media(d / "x.mp4", "<script>alert(1)</script>\n" * 50),
        Rejected(ReasonCode.NOT_MEDIA),
    ),
    Case(
        "json_as_mp4",
        lambda d: mf.make_not_media(d / "j.mp4", json.dumps({"a": list(range(500))})),
        Rejected(ReasonCode.NOT_MEDIA),
    ),
    Case("zip_bomb", _zip_bomb, Rejected(ReasonCode.NOT_MEDIA)),
    Case(
        "random_bytes",
        lambda d: _write(d / "rand.mp4", np.random.default_rng(1).bytes(200_000)),
        Rejected(ReasonCode.NOT_MEDIA),
    ),
    # broken containers and streams
    Case(
        "truncated_mp4",
        lambda d: mf.make_truncated(mf.make_clip(d / "ok.mp4", seconds=3), d / "cut.mp4"),
        Rejected(ReasonCode.NOT_MEDIA),
    ),
    Case(
        "truncated_head_only",
        lambda d: mf.make_truncated(
            mf.make_clip(d / "ok.mp4", seconds=3), d / "head.mp4", keep_fraction=0.02
        ),
        Rejected(ReasonCode.NOT_MEDIA),
    ),
    Case(
        "corrupt_audio_packets",
        lambda d: mf.make_corrupt_audio(mf.make_clip(d / "ok.mp4", seconds=2), d / "bad.mp4"),
        Rejected(ReasonCode.UNDECODABLE_AUDIO),
    ),
    Case("zero_seconds", lambda d: mf.make_zero_duration(d / "zero.m4a"), Rejected(ReasonCode.ZERO_DURATION)),
    Case(
        "video_only",
        lambda d: mf.make_clip(d / "mute.mp4", audio_stream=False),
        Rejected(ReasonCode.NO_AUDIO_STREAM),
    ),
    Case("image_as_mp4", lambda d: _image(d / "photo.mp4"), Rejected(ReasonCode.NO_AUDIO_STREAM)),
    Case("three_hours", lambda d: _long_silence(d, 3 * 3600), Rejected(ReasonCode.TOO_LONG)),
    # a header declaring 3 h over 1 s of samples: judged by what it holds
    Case("three_hours_declared_one_held", lambda d: _wav_header_only(d, 3 * 3600), Transcribed(NO_SPEECH)),
    Case(
        "huge_resolution",
        lambda d: _encode(d / "8k.mp4", _frames(2, 7680, 4320), audio_seconds=2.0),
        Rejected(ReasonCode.RESOLUTION_TOO_HIGH),
    ),
    Case(
        "decompression_bomb",
        lambda d: _encode(d / "16k.mp4", _frames(1, 16384, 8192), audio_seconds=1.0),
        Rejected(ReasonCode.RESOLUTION_TOO_HIGH),
    ),
    # odd but valid: analysed, with the flags their content calls for
    Case(
        "silent", lambda d: mf.make_clip(d / "silent.mp4", seconds=3, audio="silence"), Transcribed(NO_SPEECH)
    ),
    Case(
        "noise_only",
        lambda d: mf.make_clip(d / "noise.mp4", seconds=3, audio="noise"),
        Transcribed(NO_SPEECH),
    ),
    Case(
        "tone_only", lambda d: mf.make_clip(d / "tone.mp4", seconds=3, audio="tone"), Transcribed(NO_SPEECH)
    ),
    Case("melody_no_speech", _tones, Transcribed(NO_SPEECH)),
    Case("audio_only_speech", lambda d: _audio_only(d), Transcribed()),
    Case("two_speakers_two_languages", _two_speakers, Transcribed()),
    Case("wrong_extension_mov", lambda d: _copy(_speech(d), d / "answer.mov"), Transcribed()),
    Case("wrong_extension_mp3", lambda d: _copy(_speech(d), d / "answer.mp3"), Transcribed()),
    Case("no_extension", lambda d: _copy(_speech(d), d / "answer"), Transcribed()),
    Case(
        "variable_frame_rate",
        lambda d: _encode(
            d / "vfr.mp4",
            _frames(30, 160, 120),
            audio_seconds=3.0,
            pts=[int(1000 * (i / 10) ** 1.3) for i in range(30)],
        ),
        Transcribed(NO_SPEECH),
    ),
    Case(
        "rotated_phone_video",
        lambda d: _encode(
            d / "rot.mp4", _frames(20, 120, 160), audio_seconds=2.0, stream_metadata={"rotate": "90"}
        ),
        Transcribed(NO_SPEECH),
    ),
    Case(
        "giant_metadata",
        lambda d: _encode(
            d / "meta.mp4",
            _frames(15, 160, 120),
            audio_seconds=2.0,
            metadata={"comment": "元数据" * 300_000, "title": "x" * 100_000},
        ),
        Transcribed(NO_SPEECH),
    ),
    Case(
        "very_short_answer",
        lambda d: mf.make_clip(d / "short.mp4", seconds=0.4, audio="noise"),
        Transcribed(NO_SPEECH),
    ),
    # hostile file names (the content is a real answer): stored under a safe media id, never interpreted
    Case("filename_shell", _speech, Transcribed(), filename="$(reboot);rm -rf ~.mp4"),
    Case("filename_unicode_spaces", _speech, Transcribed(), filename="答案 一 (final).mp4"),
    Case("filename_very_long", _speech, Transcribed(), filename="a" * 240 + ".mp4"),
    Case("filename_html", _speech, Transcribed(), filename="<img src=x onerror=alert(1)>.mp4"),
]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _image(path: Path) -> Path:
    """A still image (one PNG frame) in a file named .mp4."""
    with av.open(str(path), "w", format="image2", options={"update": "1"}) as out:
        stream = out.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "rgb24"
        for packet in stream.encode(
            av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
        ):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path
