"""The sentence encoder from the local model cache (no network): meaning, not words, sets the cosine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from jiping.model_assets import ASSETS
from jiping.scoring.encoder import ENCODER_DIM, SentenceEncoder, load_encoder

CACHE = Path(__file__).resolve().parents[3] / ".cache" / "models"


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    # make setup fetches it; a missing model fails here with the command to run (no network in unit tests)
    return load_encoder(cache_dir=CACHE, allow_fetch=False)


def test_encode_returns_unit_rows_of_512(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(["你好", "hello world", ""])
    assert vectors.shape == (3, ENCODER_DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, ENCODER_DIM)


def test_load_encoder_is_cached_per_process(encoder: SentenceEncoder) -> None:
    assert load_encoder(cache_dir=CACHE, allow_fetch=False) is encoder


def test_info_carries_the_pinned_sha256(encoder: SentenceEncoder) -> None:
    pinned = ASSETS["sentence-encoder"].files[0].sha256
    assert encoder.info.sha256 == pinned
    assert encoder.info.label.endswith(pinned[:12])


def test_chinese_paraphrase_is_closer_than_unrelated(encoder: SentenceEncoder) -> None:
    paraphrase = encoder.similarity("我很喜欢这份工作。", "我非常热爱这个职位。")
    unrelated = encoder.similarity("我很喜欢这份工作。", "今天的天气很冷。")
    assert paraphrase > unrelated + 0.2


def test_english_paraphrase_is_closer_than_unrelated(encoder: SentenceEncoder) -> None:
    paraphrase = encoder.similarity("I really enjoy this job.", "I love working in this position.")
    unrelated = encoder.similarity("I really enjoy this job.", "The weather is cold today.")
    assert paraphrase > unrelated + 0.2


def test_cross_lingual_paraphrase_is_closer_than_unrelated(encoder: SentenceEncoder) -> None:
    paraphrase = encoder.similarity("I really enjoy this job.", "我很喜欢这份工作。")
    unrelated = encoder.similarity("I really enjoy this job.", "今天的天气很冷。")
    assert paraphrase > unrelated + 0.2


def test_encode_rejects_a_bare_string(encoder: SentenceEncoder) -> None:
    with pytest.raises(TypeError):
        encoder.encode("一句话")  # type: ignore[arg-type]
