"""ProbeMedia: every rejection reason, decided by content, with nothing else stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from jiping.domain.models import ReasonCode, UploadRef
from jiping.perception.probe import probe
from jiping.settings import ProbeSettings
from jiping.workflow.stages import probe_upload

from tests.support import media_factory as mf

SETTINGS = ProbeSettings(max_media_seconds=60, max_media_bytes=50_000_000, short_clip_max_seconds=30)


def _probe(path: Path, settings: ProbeSettings = SETTINGS):
    return probe(path, path.stat().st_size, settings)


def test_valid_clip_is_accepted_with_stream_facts(tmp_path):
    clip = mf.make_clip(tmp_path / "a.mp4", seconds=2.0)
    result = _probe(clip)
    assert result.accepted and result.reason_code is None
    assert result.duration_s == pytest.approx(2.0, abs=0.15)
    assert result.audio is not None and result.audio.codec == "aac"
    assert result.audio.decoded_seconds_checked == pytest.approx(2.0, abs=0.15)
    assert result.video is not None and (result.video.width, result.video.height) == (160, 120)
    assert result.route == "lambda"


def test_audio_only_upload_is_accepted(tmp_path):
    clip = mf.make_clip(tmp_path / "a.m4a", seconds=1.5, video=False)
    result = _probe(clip)
    assert result.accepted and result.video is None


def test_wrong_extension_is_judged_by_content(tmp_path):
    assert _probe(mf.make_wrong_extension(tmp_path / "answer.txt")).accepted


def test_a_long_clip_is_routed_to_the_pools(tmp_path):
    clip = mf.make_clip(tmp_path / "a.mp4", seconds=2.0)
    result = _probe(clip, SETTINGS.model_copy(update={"short_clip_max_seconds": 1.0}))
    assert result.accepted and result.route == "pool"


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda d: mf.make_not_media(d / "x.mp4"), ReasonCode.NOT_MEDIA),
        (lambda d: mf.make_truncated(mf.make_clip(d / "ok.mp4"), d / "cut.mp4"), ReasonCode.NOT_MEDIA),
        (lambda d: mf.make_clip(d / "v.mp4", audio_stream=False), ReasonCode.NO_AUDIO_STREAM),
        (lambda d: mf.make_zero_duration(d / "z.m4a"), ReasonCode.ZERO_DURATION),
        (
            lambda d: mf.make_corrupt_audio(mf.make_clip(d / "ok.mp4", seconds=2.0), d / "bad.mp4"),
            ReasonCode.UNDECODABLE_AUDIO,
        ),
    ],
    ids=["not-media", "truncated", "video-only", "zero-duration", "corrupt-audio"],
)
def test_bad_media_is_rejected_with_its_reason(tmp_path, make, code):
    result = _probe(make(tmp_path))
    assert not result.accepted
    assert result.reason_code is code
    assert result.detail


def test_empty_object_is_not_media(tmp_path):
    empty = tmp_path / "e.mp4"
    empty.write_bytes(b"")
    assert _probe(empty).reason_code is ReasonCode.NOT_MEDIA


def test_too_long_is_rejected_after_reading_the_duration(tmp_path):
    clip = mf.make_clip(tmp_path / "a.mp4", seconds=2.0)
    result = _probe(clip, SETTINGS.model_copy(update={"max_media_seconds": 1.0}))
    assert result.reason_code is ReasonCode.TOO_LONG
    assert result.duration_s == pytest.approx(2.0, abs=0.15)


def test_too_large_is_rejected_before_any_byte_is_fetched(tmp_path, store):
    # GIVEN an upload the event reports as larger than allowed
    upload = UploadRef(bucket="b", key="uploads/t/i/a.mp4", size=SETTINGS.max_media_bytes + 1)
    # WHEN it is probed
    result = probe_upload(upload, SETTINGS, store)
    # THEN it is rejected without downloading it
    assert result.reason_code is ReasonCode.TOO_LARGE
    assert store.downloads == 0


def test_probe_upload_downloads_and_probes(tmp_path, store):
    clip = mf.make_clip(tmp_path / "a.mp4", seconds=1.0)
    store.objects[("b", "uploads/t/i/a.mp4")] = clip.read_bytes()
    upload = UploadRef(bucket="b", key="uploads/t/i/a.mp4", size=clip.stat().st_size)
    result = probe_upload(upload, SETTINGS, store)
    assert result.accepted and result.size_bytes == clip.stat().st_size
