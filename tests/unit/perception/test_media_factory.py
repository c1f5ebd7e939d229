"""The media factory makes what it says: each check would fail on a different kind of file."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

# `tests` is importable when pytest puts the repo root on sys.path (tests/unit/__init__.py or
# `pythonpath = ["."]`); without either, add the root so this file also runs on its own.
if "tests.support.media_factory" not in sys.modules:
    _root = str(Path(__file__).resolve().parents[3])
    if _root not in sys.path:
        sys.path.insert(0, _root)

from tests.support.media_factory import (
    make_clip,
    make_corrupt_audio,
    make_not_media,
    make_truncated,
    make_wrong_extension,
    make_zero_duration,
    mp4_boxes,
)

MAX_BYTES = 200_000


def _decode_all(path, kind):
    with av.open(str(path)) as c:
        return list(c.decode(**{kind: 0}))


def _audio_samples(path) -> np.ndarray:
    frames = _decode_all(path, "audio")
    return np.concatenate([f.to_ndarray().reshape(-1) for f in frames])


@pytest.fixture
def clip(tmp_path):
    return make_clip(tmp_path / "src.mp4")


def test_clip_default_is_h264_aac_mp4(clip):
    assert clip.stat().st_size < MAX_BYTES
    with av.open(str(clip)) as c:
        assert "mp4" in c.format.name
        (v,) = c.streams.video
        (a,) = c.streams.audio
        assert v.codec_context.name == "h264"
        assert (v.codec_context.width, v.codec_context.height) == (160, 120)
        assert v.codec_context.pix_fmt == "yuv420p"
        assert a.codec_context.name == "aac"
        assert a.codec_context.sample_rate == 16000
        assert a.codec_context.channels == 1
        assert c.duration / av.time_base == pytest.approx(2.0, abs=0.2)
    assert len(_decode_all(clip, "video")) == 30
    samples = _audio_samples(clip)
    assert len(samples) == pytest.approx(32000, abs=2048)
    # moov at the end, which make_truncated relies on
    kinds = [k for k, _, _ in mp4_boxes(clip.read_bytes())]
    assert kinds.index("mdat") < kinds.index("moov")


def test_clip_is_fast(tmp_path):
    t0 = time.perf_counter()
    make_clip(tmp_path / "a.mp4", audio="noise")
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.parametrize("kind", ["tone", "silence", "noise"])
def test_clip_audio_kinds(tmp_path, kind):
    path = make_clip(tmp_path / f"{kind}.mp4", audio=kind)
    assert path.stat().st_size < MAX_BYTES
    s = _audio_samples(path)[4096:-4096]  # skip encoder priming / tail
    rms = float(np.sqrt(np.mean(s**2)))
    if kind == "silence":
        assert rms < 1e-3
    else:
        assert 0.1 < rms < 0.35
        spectrum = np.abs(np.fft.rfft(s[:16000]))
        peak_hz = np.fft.rfftfreq(16000, 1 / 16000)[np.argmax(spectrum)]
        peakiness = spectrum.max() / np.median(spectrum)
        if kind == "tone":
            assert peak_hz == pytest.approx(440, abs=5)
            assert peakiness > 100
        else:
            assert peakiness < 50  # flat spectrum, no dominant tone


def test_clip_audio_only_is_m4a(tmp_path):
    path = make_clip(tmp_path / "a.m4a", video=False, seconds=1.0, sample_rate=24000)
    with av.open(str(path)) as c:
        assert not c.streams.video
        (a,) = c.streams.audio
        assert a.codec_context.name == "aac" and a.codec_context.sample_rate == 24000
    assert b"M4A " in path.read_bytes()[:32]  # ftyp major brand of an .m4a
    assert len(_audio_samples(path)) == pytest.approx(24000, abs=2048)


def test_clip_video_only(tmp_path):
    path = make_clip(tmp_path / "v.mp4", audio_stream=False, fps=10, size=(64, 48), seconds=1.0)
    with av.open(str(path)) as c:
        assert not c.streams.audio
        (v,) = c.streams.video
        assert (v.codec_context.width, v.codec_context.height) == (64, 48)
    frames = _decode_all(path, "video")
    assert len(frames) == 10
    assert not np.array_equal(frames[0].to_ndarray(format="rgb24"), frames[-1].to_ndarray(format="rgb24"))


def test_clip_rejects_nonsense(tmp_path):
    with pytest.raises(ValueError):
        make_clip(tmp_path / "x.mp4", video=False, audio_stream=False)
    with pytest.raises(ValueError):
        make_clip(tmp_path / "x.mp4", audio="music")


def test_not_media_is_text_that_does_not_open(tmp_path):
    path = make_not_media(tmp_path / "answer.mp4")
    assert path.suffix == ".mp4"
    path.read_bytes().decode("utf-8")  # really text
    with pytest.raises(av.error.InvalidDataError):
        av.open(str(path))


def test_truncated_does_not_open(clip, tmp_path):
    path = make_truncated(clip, tmp_path / "cut.mp4", keep_fraction=0.3)
    data = path.read_bytes()
    assert 0 < len(data) < clip.stat().st_size
    assert data == clip.read_bytes()[: len(data)]
    assert "moov" not in [k for k, _, _ in mp4_boxes(data)]
    # The index is gone: the container cannot even be opened.
    with pytest.raises(av.error.InvalidDataError):
        av.open(str(path))


@pytest.mark.parametrize("fraction", [0.05, 0.6, 0.99])
def test_truncated_any_fraction_keeps_mp4_broken(clip, tmp_path, fraction):
    path = make_truncated(clip, tmp_path / f"cut{fraction}.mp4", keep_fraction=fraction)
    with pytest.raises(av.error.InvalidDataError):
        av.open(str(path))


def test_truncated_refuses_faststart_source(clip, tmp_path):
    data = clip.read_bytes()
    boxes = {k: (o, s) for k, o, s in mp4_boxes(data)}
    # moov moved before mdat (offsets would be wrong, but the box order is what is checked)
    (mo, ms), (do, ds) = boxes["moov"], boxes["mdat"]
    swapped = data[:do] + data[mo : mo + ms] + data[do : do + ds]
    src = tmp_path / "faststart.mp4"
    src.write_bytes(swapped)
    with pytest.raises(ValueError):
        make_truncated(src, tmp_path / "cut.mp4")


def test_corrupt_audio_opens_but_audio_does_not_decode(clip, tmp_path):
    path = make_corrupt_audio(clip, tmp_path / "bad_audio.mp4")
    assert path.stat().st_size < MAX_BYTES
    with av.open(str(path)) as c:
        (a,) = c.streams.audio
        assert a.codec_context.name == "aac"
        assert a.codec_context.sample_rate == 16000
        assert a.frames > 0  # the track still lists its packets
        errors = frames = packets = 0
        for packet in c.demux(a):
            if packet.size == 0:
                continue
            packets += 1
            try:
                frames += len(packet.decode())
            except av.error.InvalidDataError:
                errors += 1
        assert packets > 10
        assert frames == 0
        assert errors == packets
    # the plain decode loop a product would write raises
    with pytest.raises(av.error.InvalidDataError), av.open(str(path)) as c:
        for _ in c.decode(audio=0):
            pass
    # the video is untouched
    assert len(_decode_all(path, "video")) == len(_decode_all(clip, "video"))


def test_corrupt_audio_of_audio_only_file(tmp_path):
    src = make_clip(tmp_path / "a.m4a", video=False)
    path = make_corrupt_audio(src, tmp_path / "bad.m4a")
    with av.open(str(path)) as c:
        assert len(c.streams.audio) == 1 and not c.streams.video
    with pytest.raises(av.error.InvalidDataError):
        _decode_all(path, "audio")


def test_zero_duration_has_audio_stream_without_samples(tmp_path):
    path = make_zero_duration(tmp_path / "empty.m4a")
    assert path.stat().st_size < 5_000
    with av.open(str(path)) as c:
        (a,) = c.streams.audio
        assert a.codec_context.name == "aac"
        assert a.frames == 0
        assert not a.duration
        assert not c.duration
        assert list(c.decode(audio=0)) == []


def test_wrong_extension_is_a_valid_mp4(tmp_path):
    path = make_wrong_extension(tmp_path / "answer.txt")
    assert path.suffix == ".txt"
    with av.open(str(path)) as c:  # content-based probing
        assert "mp4" in c.format.name
        assert c.streams.video and c.streams.audio
    assert len(_decode_all(path, "video")) == 30
    with pytest.raises(ValueError):
        make_wrong_extension(tmp_path / "answer.mp4")
