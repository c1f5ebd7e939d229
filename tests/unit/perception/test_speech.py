"""Speech features on hand-built transcripts (known word timings) and synthetic or sample audio."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from jiping import bootstrap  # noqa: F401  (urllib3 probes IPv6 with a socket at import: import before sockets are off)
from jiping.domain.measures import FlagCode, Window
from jiping.domain.models import AsrModelInfo, ObjectLocation, Segment, Transcript, Word
from jiping.perception.speech import AudioFeaturesRequest, analyze, load_audio
from jiping.settings import SpeechSettings
from jiping.workflow.speech import run_audio_features

SR = 16000
SETTINGS = SpeechSettings()  # min pause 0.3 s, long pause 1.5 s, pitch 75-500 Hz
MEDIA = Path(__file__).resolve().parents[3] / "events" / "media"
Q2_TEXT = (
    "In my last project I led a team of four engineers. "
    "We cut the release time from two weeks to three days by automating our tests."
)


def transcript(words: list[tuple[str, float, float, float]], language: str = "en") -> Transcript:
    ws = [Word(word=w, start=s, end=e, probability=p) for w, s, e, p in words]
    text = ("" if language == "zh" else " ").join(w for w, *_ in words)
    segments = (
        [
            Segment(
                id=0,
                start=ws[0].start,
                end=ws[-1].end,
                text=text,
                avg_logprob=-0.2,
                no_speech_prob=0.01,
                compression_ratio=1.2,
                words=ws,
            )
        ]
        if ws
        else []
    )
    return Transcript(
        language=language,
        language_probability=0.99,
        duration_s=ws[-1].end if ws else 0.0,
        text=text,
        segments=segments,
        model=AsrModelInfo(name="hand-built", device="cpu", compute_type="none"),
    )


def harmonic(
    seconds: float, hz: float | np.ndarray = 200.0, amplitude: float | np.ndarray = 1.0
) -> np.ndarray:
    """A voice-like tone: five harmonics (1/k) of ``hz``, which may vary per sample (a glide)."""
    n = int(seconds * SR)
    f0 = np.broadcast_to(np.asarray(hz, dtype=np.float64), (n,))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    wave = np.sum([np.sin(k * phase) / k for k in range(1, 6)], axis=0)
    return (0.2 * amplitude * wave).astype(np.float32)


def window(start: float = 0.0, end: float | None = None, qid: str = "q1") -> Window:
    return Window(question_id=qid, media_id="m1", start=start, end=end)


def codes(features) -> list[FlagCode]:
    return [f.code for f in features.flags]


# An English answer: pauses of 0.5 s (after "Um,"), 1.6 s (before "like") and 0.4 s (after it);
# the 0.1 s gap between "led" and "a" is below min_pause_s.
EN_WORDS = [
    ("Um,", 1.0, 1.3, 0.9),
    ("I", 1.8, 2.0, 0.9),
    ("led", 2.0, 2.4, 0.8),
    ("a", 2.5, 2.6, 0.9),
    ("team", 2.6, 3.0, 0.9),
    ("like", 4.6, 4.9, 0.7),
    ("of", 5.3, 5.4, 0.9),
    ("four", 5.4, 5.8, 0.9),
    ("engineers.", 5.8, 7.0, 0.6),
]


def test_rate_pauses_and_fillers_on_known_english_timings():
    features = analyze(harmonic(10.0), SR, transcript(EN_WORDS), window(), SETTINGS)

    assert features.tokens == 9
    # 9 words from 1.0 s to 7.0 s
    assert features.speaking_rate.value == pytest.approx(90.0)
    assert features.speaking_rate.unit == "words/min" and features.speaking_rate.n == 9
    assert features.pause_count.value == 3 and features.pause_count.n == 8
    assert features.pause_mean_s.value == pytest.approx((0.5 + 1.6 + 0.4) / 3, abs=1e-4)
    assert features.long_pause_share.value == pytest.approx(1 / 3, abs=1e-4)
    # "like" stands alone between two pauses: a filler
    assert features.fillers == {"um": 1, "like": 1}
    assert features.filler_rate.value == pytest.approx(200 / 9, abs=1e-3)
    assert features.speech_s == pytest.approx(3.4)
    assert features.speech_to_silence.value == pytest.approx(3.4 / 6.6, abs=1e-4)
    assert features.asr_confidence.value == pytest.approx(7.5 / 9, abs=1e-4)
    assert features.duration_s == pytest.approx(10.0)
    assert codes(features) == [FlagCode.SHORT_ANSWER]  # 3.4 s of speech < 5 s


def test_like_without_pauses_around_it_is_not_a_filler():
    words = [("I", 0.0, 0.2, 0.9), ("like", 0.2, 0.5, 0.9), ("it", 0.5, 0.7, 0.9)]
    features = analyze(harmonic(2.0), SR, transcript(words), window(), SETTINGS)
    assert features.fillers == {}
    assert features.filler_rate.value == 0.0
    assert features.pause_mean_s.missing == "no pauses" and features.long_pause_share.missing == "no pauses"


def test_words_belong_to_the_window_holding_their_midpoint():
    # "led" (2.0-2.4, midpoint 2.2) is in [2.1, 5.0); "I" (1.8-2.0) is not; "like" (4.6-4.9) is.
    features = analyze(harmonic(10.0), SR, transcript(EN_WORDS), window(2.1, 5.0), SETTINGS)
    assert features.text == "led a team like"
    assert (features.start, features.end, features.duration_s) == (2.1, 5.0, 2.9)
    assert features.speaking_rate.value == pytest.approx(4 / 2.9 * 60, abs=1e-3)  # 2.0 -> 4.9
    assert features.pause_count.value == 1  # 1.6 s before "like"
    assert features.long_pause_share.value == 1.0


ZH_WORDS = [
    ("嗯", 0.5, 0.8, 0.9),
    ("上个月", 1.2, 1.8, 0.9),
    ("有位", 1.8, 2.1, 0.9),
    ("客户", 2.1, 2.5, 0.9),
    ("很", 2.5, 2.7, 0.9),
    ("生气。", 2.7, 3.2, 0.9),
    ("呃", 3.6, 3.9, 0.9),
    ("那个", 3.9, 4.2, 0.9),
    ("客户", 4.2, 4.6, 0.9),
    ("後來", 4.6, 5.0, 0.9),  # Traditional, as Whisper sometimes writes
    ("很滿意", 5.0, 5.5, 0.9),
]


def test_chinese_rate_is_characters_per_minute_and_text_is_simplified():
    features = analyze(harmonic(6.0), SR, transcript(ZH_WORDS, "zh"), window(), SETTINGS)

    assert features.text == "嗯上个月有位客户很生气。呃那个客户后来很满意"
    assert features.characters == 21
    # 21 hanzi from 0.5 s to 5.5 s
    assert features.speaking_rate.value == pytest.approx(252.0)
    assert features.speaking_rate.unit == "chars/min"
    # 嗯 and 呃 count; 那个 in 那个客户 is a demonstrative
    assert features.fillers == {"嗯": 1, "呃": 1}
    assert features.filler_rate.value == pytest.approx(200 / 21, abs=1e-3)
    assert features.filler_rate.unit == "per 100 chars"
    assert features.pause_count.value == 2  # 0.4 s before 上个月 and before 呃


def test_steady_tone_has_its_pitch_and_little_variability():
    features = analyze(harmonic(2.0, 200.0), SR, transcript([]), window(), SETTINGS)
    assert features.pitch_mean_hz.value == pytest.approx(200.0, abs=2.0)
    assert features.pitch_mean_hz.n > 100
    assert features.pitch_sd_semitones.value < 0.2


def test_glide_has_larger_pitch_variability_than_a_steady_tone():
    steady = analyze(harmonic(2.0, 200.0), SR, transcript([]), window(), SETTINGS)
    glide_hz = np.linspace(150.0, 250.0, 2 * SR)
    glide = analyze(harmonic(2.0, glide_hz), SR, transcript([]), window(), SETTINGS)
    # 150 -> 250 Hz spans 8.8 semitones; the SD of this glide, in semitones, is about 2.5
    expected = float(np.std(12 * np.log2(glide_hz / 100.0)))
    assert glide.pitch_sd_semitones.value == pytest.approx(expected, abs=0.3)
    assert glide.pitch_sd_semitones.value > steady.pitch_sd_semitones.value + 1.0


def test_amplitude_modulated_tone_has_larger_loudness_variability():
    t = np.arange(2 * SR) / SR
    steady = analyze(harmonic(2.0), SR, transcript([]), window(), SETTINGS)
    modulated = analyze(
        harmonic(2.0, amplitude=0.55 + 0.45 * np.sin(2 * np.pi * 3 * t)),
        SR,
        transcript([]),
        window(),
        SETTINGS,
    )
    assert steady.loudness_sd_db.value < 0.5
    assert modulated.loudness_sd_db.value > steady.loudness_sd_db.value + 3.0


def test_silence_without_words_is_no_speech_and_nothing_is_measured():
    features = analyze(np.zeros(3 * SR, np.float32), SR, transcript([]), window(qid="q7"), SETTINGS)

    assert codes(features) == [FlagCode.NO_SPEECH]
    flag = features.flags[0]
    assert (flag.start, flag.end, flag.question_id) == (0.0, 3.0, "q7")
    for measure in (features.pitch_mean_hz, features.pitch_sd_semitones, features.loudness_sd_db):
        assert measure.value is None and measure.missing == "no voiced frames"
    for measure in (
        features.speaking_rate,
        features.pause_count,
        features.asr_confidence,
        features.filler_rate,
    ):
        assert measure.value is None and measure.missing == "no words in the window"
    assert features.tokens == 0 and features.speech_s == 0.0 and features.text == ""


def test_low_confidence_stretch_is_flagged_with_its_times():
    words = [
        ("We", 0.0, 0.5, 0.9),
        ("cut", 1.0, 1.5, 0.3),
        ("the", 1.5, 2.2, 0.2),
        ("release", 2.2, 3.1, 0.4),
        ("time", 3.2, 3.5, 0.9),
        ("by", 4.0, 4.5, 0.3),  # alone and short: not flagged
        ("automating", 4.5, 6.0, 0.9),
    ]
    features = analyze(harmonic(7.0), SR, transcript(words), window(qid="q3"), SETTINGS)
    low = [f for f in features.flags if f.code == FlagCode.LOW_ASR_CONFIDENCE]
    assert len(low) == 1
    assert (low[0].start, low[0].end, low[0].question_id) == (1.0, 3.1, "q3")


def _q2_transcript() -> Transcript:
    # Words spread evenly over the speech of q2_en.mp4 (0.25 s of silence at each end).
    tokens = Q2_TEXT.split()
    step = (8.42 - 0.25) / len(tokens)
    return transcript([(w, 0.25 + k * step, 0.25 + (k + 0.9) * step, 0.95) for k, w in enumerate(tokens)])


def test_sample_english_clip_decodes_and_has_a_plausible_voice_pitch():
    audio = load_audio(MEDIA / "q2_en.mp4")
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) / SR == pytest.approx(8.72, abs=0.1)

    features = analyze(audio, SR, _q2_transcript(), window(qid="q2_en"), SETTINGS)
    assert 80.0 <= features.pitch_mean_hz.value <= 250.0
    assert features.pitch_mean_hz.n > 0 and features.loudness_sd_db.n > 0
    assert features.tokens == 26
    assert FlagCode.NO_SPEECH not in codes(features)


def test_run_audio_features_decodes_once_and_stores_every_answer(store):
    store.objects[("media", "q2_en.mp4")] = (MEDIA / "q2_en.mp4").read_bytes()
    store.put_json(ObjectLocation(bucket="art", key="t.json"), _q2_transcript().model_dump(mode="json"))
    request = AudioFeaturesRequest(
        source=ObjectLocation(bucket="media", key="q2_en.mp4"),
        transcript=ObjectLocation(bucket="art", key="t.json"),
        windows=[window(0.0, 4.0, "a1"), window(4.0, None, "a2"), window(8.7, None, "a3")],
        output=ObjectLocation(bucket="art", key="speech.json"),
    )

    summary = run_audio_features(request, SETTINGS, store)

    assert store.downloads == 1
    stored = json.loads(store.objects[("art", "speech.json")])
    assert [a["question_id"] for a in stored["answers"]] == ["a1", "a2", "a3"]
    assert sum(a["tokens"] for a in stored["answers"]) == 26
    assert summary["answers"] == 3
    assert summary["flags"]["a3"][0] == "NO_SPEECH"  # the trailing silence holds no word
    assert summary["output"]["key"] == "speech.json"
    assert "engineers" not in json.dumps(summary)  # the summary carries no transcript text
