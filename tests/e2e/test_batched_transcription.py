"""A pool worker's pass: several clips' speech decoded in shared batches, each clip as if it were alone."""

from __future__ import annotations

import pytest
from jiping.perception.transcription import load_model, transcribe, transcribe_many
from jiping.settings import TranscribeSettings

from tests.conftest import REPO, SAMPLE_MEDIA
from tests.support import media_factory as mf

CLIPS = ["q2_en.mp4", "q1_zh.mp4", "q2_en_vague.mp4", "q1_zh_vague.mp4"]


@pytest.fixture(scope="module")
def settings() -> TranscribeSettings:
    return TranscribeSettings(
        whisper_model="base", model_cache_dir=str(REPO / ".cache" / "models"), model_fetch=False
    )


def test_clips_batched_together_read_as_each_clip_alone(settings, tmp_path):
    loaded = load_model(settings)
    paths = [SAMPLE_MEDIA / name for name in CLIPS] + [mf.make_not_media(tmp_path / "broken.mp4")]
    # languages as the requests carry them: one given, the others detected per clip
    languages = ["en", None, None, "zh", None]
    together = transcribe_many(paths, languages, loaded, settings)
    assert isinstance(together[-1], Exception)  # the broken clip fails alone
    for path, language, batched in zip(paths[:-1], languages, together, strict=False):
        alone = transcribe(path, loaded, settings, language=language)
        assert not isinstance(batched, Exception), batched
        assert batched.language == alone.language
        assert batched.text == alone.text, path.name
        assert batched.duration_s == pytest.approx(alone.duration_s, abs=0.05)
        assert len(batched.segments) == len(alone.segments)
        for b, a in zip(batched.segments, alone.segments, strict=True):  # on the clip's own timeline
            assert b.start == pytest.approx(a.start, abs=0.05) and b.end == pytest.approx(a.end, abs=0.05)
            assert [w.word for w in b.words] == [w.word for w in a.words]
        assert batched.model == alone.model
