"""Speech features: how a candidate spoke in one answer (rate, pauses, fillers, pitch and loudness variability,
recogniser confidence), from the audio and the word timings. Observable behaviour only; a value that cannot be
measured is absent with its reason. Every rule and flag: docs/speech.md."""

from __future__ import annotations

import math
from pathlib import Path

import av
import av.error
import numpy as np
from av.audio.frame import AudioFrame
from pydantic import Field

from jiping.domain.errors import MediaRejected
from jiping.domain.measures import Flag, FlagCode, Measure, Window
from jiping.domain.models import Model, ObjectLocation, ReasonCode, Transcript, Word
from jiping.perception import text as textutil
from jiping.settings import SpeechSettings

SAMPLE_RATE = 16000
MIN_SPEECH_S = 5.0  # less speech than this in an answer: SHORT_ANSWER
LOW_CONFIDENCE_PROBABILITY = 0.5
LOW_CONFIDENCE_MIN_S = 2.0
MIN_VOICED_FRAMES = 10  # 0.1 s at Praat's default 10 ms step (pitch floor 75 Hz)
NO_WORDS = "no words in the window"
NO_VOICED = "no voiced frames"
SILENT = (NO_WORDS, NO_VOICED)  # the missing reasons that make an answer NO_SPEECH


class SpeechFeatures(Model):
    """The speech features of one answer (one window of one media file)."""

    question_id: str
    media_id: str
    start: float  # the window, seconds on the media clock
    end: float
    language: str
    duration_s: float  # window length
    speech_s: float  # time inside words
    text: str  # the answer's transcript text (Simplified for Chinese)
    tokens: int  # words after segmentation
    characters: int  # hanzi (0 for languages not written in hanzi)
    speaking_rate: Measure
    pause_count: Measure
    pause_mean_s: Measure
    long_pause_share: Measure
    speech_to_silence: Measure
    filler_rate: Measure
    fillers: dict[str, int] = Field(default_factory=dict)
    pitch_mean_hz: Measure
    pitch_sd_semitones: Measure
    loudness_sd_db: Measure
    asr_confidence: Measure
    flags: list[Flag] = Field(default_factory=list)


class AudioFeaturesRequest(Model):
    source: ObjectLocation  # the media file
    transcript: ObjectLocation  # transcript.json written by the transcription stage
    windows: list[Window] = Field(min_length=1)
    output: ObjectLocation


# --- Audio ----------------------------------------------------------------------------------------


def load_audio(path: Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Decode the first audio stream to mono float32 at ``sample_rate`` (video packets are never decoded).

    Packets that fail to decode are skipped (ProbeMedia already rejected uploads whose audio does not
    decode). Raises MediaRejected(NO_AUDIO_STREAM) for a file without audio.
    """
    chunks: list[np.ndarray] = []
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    with av.open(str(path), metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise MediaRejected(ReasonCode.NO_AUDIO_STREAM, "no audio stream")
        stream = container.streams.audio[0]
        stream.codec_context.thread_type = "AUTO"
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue
            for frame in frames:
                if isinstance(frame, AudioFrame):
                    chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
        try:
            for tail in stream.codec_context.decode(None):
                if isinstance(tail, AudioFrame):
                    chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(tail))
        except av.error.FFmpegError:
            pass
    chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32, copy=False)


def _voice(
    audio: np.ndarray, sample_rate: int, start: float, end: float, settings: SpeechSettings
) -> tuple[np.ndarray, np.ndarray] | str:
    """f0 (Hz) and intensity (dB) at the voiced pitch frames of [start, end), or why there are none."""
    import parselmouth

    first, last = int(round(start * sample_rate)), int(round(end * sample_rate))
    values = np.asarray(audio[first:last], dtype=np.float64)
    if values.size < int(0.1 * sample_rate):
        return "window shorter than 0.1 s of audio"
    sound = parselmouth.Sound(values, sampling_frequency=sample_rate, start_time=first / sample_rate)
    try:
        pitch = sound.to_pitch_ac(
            pitch_floor=settings.pitch_floor_hz, pitch_ceiling=settings.pitch_ceiling_hz
        )
        intensity = sound.to_intensity(minimum_pitch=settings.pitch_floor_hz, subtract_mean=False)
    except parselmouth.PraatError as exc:
        return f"praat could not analyse the audio: {str(exc).splitlines()[0][:120]}"
    f0 = pitch.selected_array["frequency"]
    times = pitch.xs()
    voiced = f0 > 0
    if not voiced.any():
        return NO_VOICED
    db = np.interp(times[voiced], intensity.xs(), intensity.values[0])
    return f0[voiced], db


# --- Words ----------------------------------------------------------------------------------------


def _window_words(transcript: Transcript, start: float, end: float) -> list[Word]:
    words = [
        w
        for s in transcript.segments
        for w in s.words
        if w.word.strip() and start <= (w.start + max(w.end, w.start)) / 2 < end
    ]
    return sorted(words, key=lambda w: (w.start, w.end))


def _speech_seconds(words: list[Word], start: float, end: float) -> float:
    """Time inside words, overlaps merged, clipped to the window."""
    total = 0.0
    cur_start = cur_end = None
    for w in words:
        a, b = max(w.start, start), min(max(w.end, w.start), end)
        if b <= a:
            continue
        if cur_end is None or a > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start  # type: ignore[operator]
            cur_start, cur_end = a, b
        else:
            cur_end = max(cur_end, b)
    if cur_end is not None:
        total += cur_end - cur_start  # type: ignore[operator]
    return total


def _gaps(words: list[Word]) -> list[tuple[int, float]]:
    """(index of the word after the gap, gap length) between consecutive words; overlaps give 0."""
    gaps = []
    reached = words[0].end if words else 0.0
    for k in range(1, len(words)):
        gaps.append((k, max(0.0, words[k].start - reached)))
        reached = max(reached, words[k].end)
    return gaps


def _joined(words: list[Word], chinese: bool, pauses_at: set[int] | None = None) -> str:
    parts: list[str] = []
    mark = "，" if chinese else ","
    for k, w in enumerate(words):
        piece = w.word.strip()
        if pauses_at and k in pauses_at and parts:
            parts.append(mark)
        parts.append(piece)
    return ("" if chinese else " ").join(parts)


def _low_confidence_flags(words: list[Word], question_id: str) -> list[Flag]:
    flags: list[Flag] = []
    run: list[Word] = []
    for w in [*words, None]:
        if w is not None and w.probability < LOW_CONFIDENCE_PROBABILITY:
            run.append(w)
            continue
        if run and run[-1].end - run[0].start >= LOW_CONFIDENCE_MIN_S:
            mean_p = sum(x.probability for x in run) / len(run)
            flags.append(
                Flag(
                    code=FlagCode.LOW_ASR_CONFIDENCE,
                    detail=f"{len(run)} consecutive words with probability < {LOW_CONFIDENCE_PROBABILITY} "
                    f"(mean {mean_p:.2f})",
                    start=round(run[0].start, 3),
                    end=round(run[-1].end, 3),
                    question_id=question_id,
                )
            )
        run = []
    return flags


# --- Analysis -------------------------------------------------------------------------------------


def _voice_measures(
    audio: np.ndarray,
    sample_rate: int,
    start: float,
    end: float,
    settings: SpeechSettings,
    qid: str | None,
    flags: list[Flag],
) -> tuple[Measure, Measure, Measure]:
    """Pitch mean, pitch spread and loudness spread of the window (a Praat failure is flagged in ``flags``)."""
    voice = _voice(audio, sample_rate, start, end, settings)
    if isinstance(voice, str):
        pitch_mean = Measure.absent(voice, unit="Hz")
        pitch_sd = Measure.absent(voice, unit="st")
        loudness_sd = Measure.absent(voice, unit="dB")
        if voice.startswith("praat"):
            flags.append(
                Flag(
                    code=FlagCode.SIGNAL_MISSING,
                    detail=voice,
                    start=round(start, 3),
                    end=round(end, 3),
                    question_id=qid,
                )
            )
    else:
        f0, db = voice
        n = int(f0.size)
        if n < MIN_VOICED_FRAMES:
            reason = f"too few voiced frames ({n} < {MIN_VOICED_FRAMES})"
            pitch_mean = Measure.absent(reason, n=n, unit="Hz")
            pitch_sd = Measure.absent(reason, n=n, unit="st")
            loudness_sd = Measure.absent(reason, n=n, unit="dB")
        else:
            semitones = 12.0 * np.log2(f0 / 100.0)
            pitch_mean = Measure.of(float(np.mean(f0)), n=n, unit="Hz")
            pitch_sd = Measure.of(float(np.std(semitones)), n=n, unit="st")
            loudness_sd = Measure.of(float(np.std(db)), n=n, unit="dB")
    return pitch_mean, pitch_sd, loudness_sd


def analyze(
    audio: np.ndarray,
    sample_rate: int,
    transcript: Transcript,
    window: Window,
    settings: SpeechSettings,
) -> SpeechFeatures:
    """Speech features of one answer: ``audio`` is the whole media's mono float32 track."""
    audio_end = len(audio) / sample_rate
    start = window.start
    end = max(start, audio_end if window.end is None else min(window.end, audio_end))
    duration = end - start
    language = transcript.language
    chinese = textutil.is_chinese(language)
    qid = window.question_id

    words = _window_words(transcript, start, math.inf if window.end is None else window.end)
    flags: list[Flag] = []

    # Text, tokens, fillers
    gaps = _gaps(words)
    pauses = [g for _, g in gaps if g >= settings.min_pause_s]
    pause_at = {k for k, g in gaps if g >= settings.min_pause_s}
    text = _joined(words, chinese)
    if chinese:
        text = textutil.simplified(text)
    tokens = textutil.segment(text, language)
    characters = textutil.hanzi_count(text)
    marked = _joined(words, chinese, pause_at)
    fillers = textutil.count_fillers(textutil.segment(marked, language, breaks=True), language)
    speech_s = _speech_seconds(words, start, end)

    if words:
        span = max(w.end for w in words) - words[0].start
        units = characters if chinese else len(tokens)
        unit = "chars/min" if chinese else "words/min"
        if span <= 0:
            speaking_rate = Measure.absent("words have no duration", n=units, unit=unit)
        elif units == 0:
            speaking_rate = Measure.absent(
                "no hanzi in the answer" if chinese else "no word tokens", unit=unit
            )
        else:
            speaking_rate = Measure.of(units / span * 60.0, n=units, unit=unit)
        pause_count = Measure.of(len(pauses), n=len(gaps), unit="pauses")
        if pauses:
            pause_mean = Measure.of(float(np.mean(pauses)), n=len(pauses), unit="s")
            long_share = Measure.of(
                sum(p >= settings.long_pause_s for p in pauses) / len(pauses), n=len(pauses), unit="share"
            )
        else:
            pause_mean = Measure.absent("no pauses", unit="s")
            long_share = Measure.absent("no pauses", unit="share")
        silence = duration - speech_s
        speech_to_silence = (
            Measure.of(speech_s / silence, n=len(words), unit="ratio")
            if silence > 1e-6
            else Measure.absent("no silence in the window", n=len(words), unit="ratio")
        )
        rate_unit = "per 100 chars" if chinese else "per 100 words"
        base = characters if chinese else len(tokens)
        if textutil.filler_language(language) is None:
            filler_rate = Measure.absent(f"no filler list for language {language!r}", unit=rate_unit)
        elif base == 0:
            filler_rate = Measure.absent(
                "no hanzi in the answer" if chinese else "no word tokens", unit=rate_unit
            )
        else:
            filler_rate = Measure.of(100.0 * sum(fillers.values()) / base, n=base, unit=rate_unit)
        asr_confidence = Measure.of(
            float(np.mean([w.probability for w in words])), n=len(words), unit="probability"
        )
        if speech_s < MIN_SPEECH_S:
            flags.append(
                Flag(
                    code=FlagCode.SHORT_ANSWER,
                    detail=f"{speech_s:.1f} s of speech (< {MIN_SPEECH_S:g} s)",
                    start=round(start, 3),
                    end=round(end, 3),
                    question_id=qid,
                )
            )
        flags.extend(_low_confidence_flags(words, qid))
    else:
        speaking_rate = Measure.absent(NO_WORDS, unit="chars/min" if chinese else "words/min")
        pause_count = Measure.absent(NO_WORDS, unit="pauses")
        pause_mean = Measure.absent(NO_WORDS, unit="s")
        long_share = Measure.absent(NO_WORDS, unit="share")
        speech_to_silence = Measure.absent(NO_WORDS, unit="ratio")
        filler_rate = Measure.absent(NO_WORDS, unit="per 100 chars" if chinese else "per 100 words")
        asr_confidence = Measure.absent(NO_WORDS, unit="probability")

    # Voice
    pitch_mean, pitch_sd, loudness_sd = _voice_measures(audio, sample_rate, start, end, settings, qid, flags)

    silent = [r for r in (None if words else NO_WORDS, pitch_mean.missing) if r in SILENT]
    if silent:
        flags.insert(
            0,
            Flag(
                code=FlagCode.NO_SPEECH,
                detail="; ".join(silent),
                start=round(start, 3),
                end=round(end, 3),
                question_id=qid,
            ),
        )

    return SpeechFeatures(
        question_id=qid,
        media_id=window.media_id,
        start=round(start, 3),
        end=round(end, 3),
        language=language,
        duration_s=round(duration, 3),
        speech_s=round(speech_s, 3),
        text=text,
        tokens=len(tokens),
        characters=characters,
        speaking_rate=speaking_rate,
        pause_count=pause_count,
        pause_mean_s=pause_mean,
        long_pause_share=long_share,
        speech_to_silence=speech_to_silence,
        filler_rate=filler_rate,
        fillers=fillers,
        pitch_mean_hz=pitch_mean,
        pitch_sd_semitones=pitch_sd,
        loudness_sd_db=loudness_sd,
        asr_confidence=asr_confidence,
        flags=flags,
    )
