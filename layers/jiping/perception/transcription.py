"""Speech to text with faster-whisper: word timestamps, language detection, Simplified Chinese.

The same function serves the GPU container (large model, float16), the CPU container-image Lambda
and the local cloud (base model, int8). Models are loaded once per process and shared by threads.

Decoding settings follow what was measured on this project's machines: voice-activity detection on
(skips silence, guards against hallucinated text in pauses), no conditioning on previous text and a
short temperature ladder (long fallbacks on hard audio cost far more than they give back), and the
compression-ratio / no-speech thresholds that faster-whisper uses to drop repetitive or empty output.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiping import model_assets
from jiping.domain.models import AsrModelInfo, Segment, Transcript, Word
from jiping.settings import TranscribeSettings

_LOAD_LOCK = threading.Lock()
_MODELS: dict[tuple[str, str, str, int], LoadedModel] = {}

TEMPERATURES = (0.0, 0.2, 0.4)
COMPRESSION_RATIO_THRESHOLD = 2.4
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0


@dataclass(frozen=True)
class LoadedModel:
    model: Any  # faster_whisper.WhisperModel
    info: AsrModelInfo
    load_s: float
    lock: threading.Lock  # CTranslate2 models are safe to share, but one decode at a time keeps RSS flat


def _model_dir(settings: TranscribeSettings) -> Path:
    if settings.whisper_model_dir:
        return model_assets.resolve(
            f"whisper-{settings.whisper_model}", explicit_path=settings.whisper_model_dir
        )
    return model_assets.resolve(
        f"whisper-{settings.whisper_model}",
        cache_dir=settings.model_cache_dir,
        allow_fetch=settings.model_fetch,
    )


def load_model(settings: TranscribeSettings) -> LoadedModel:
    """The process-wide model for these settings, loaded on first use."""
    from faster_whisper import WhisperModel  # heavy import: only where transcription runs

    path = _model_dir(settings)
    key = (str(path), settings.whisper_device, settings.whisper_compute_type, settings.whisper_cpu_threads)
    with _LOAD_LOCK:
        loaded = _MODELS.get(key)
        if loaded is None:
            started = time.perf_counter()
            model = WhisperModel(
                str(path),
                device=settings.whisper_device,
                compute_type=settings.whisper_compute_type,
                cpu_threads=settings.whisper_cpu_threads,
                local_files_only=True,
            )
            spec = model_assets.ASSETS.get(f"whisper-{settings.whisper_model}")
            pinned = next((f.sha256 for f in spec.files if f.name == "model.bin"), None) if spec else None
            digest = pinned or model_assets.recorded_sha256(path, "model.bin")
            info = AsrModelInfo(
                name=f"whisper-{settings.whisper_model}",
                device=settings.whisper_device,
                compute_type=settings.whisper_compute_type,
                sha256=digest,
            )
            loaded = LoadedModel(model, info, time.perf_counter() - started, threading.Lock())
            _MODELS[key] = loaded
    return loaded


_T2S: Any = None


def to_simplified(text: str) -> str:
    """Traditional to Simplified Chinese (OpenCC t2s); whisper often writes Mandarin in Traditional."""
    global _T2S
    if _T2S is None:
        import opencc

        _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(text)


_CJK = r"[\u3400-\u9fff\uf900-\ufaff]"
_FULL_WIDTH = {",": "，", "?": "？", "!": "！", ";": "；", ":": "：", ".": "。"}
_ASCII_AFTER_CJK = re.compile(rf"(?<={_CJK})\s*([,?!;:.])(?!\d)\s*")


def chinese_text(text: str) -> str:
    """Simplified characters, and Chinese (full-width) punctuation where the model wrote ASCII after a hanzi."""
    return _ASCII_AFTER_CJK.sub(lambda m: _FULL_WIDTH[m.group(1)], to_simplified(text))


def _is_chinese(language: str) -> bool:
    return language in {"zh", "yue"}


def decode_options(settings: TranscribeSettings, language: str | None = None) -> dict[str, Any]:
    """The faster-whisper options of the Transcribe stage (``make bench`` runs bare ASR with these too)."""
    options: dict[str, Any] = {
        "language": language,
        "beam_size": settings.whisper_beam_size,
        "word_timestamps": True,
        "vad_filter": True,
        "condition_on_previous_text": False,
        "temperature": list(TEMPERATURES),
        "compression_ratio_threshold": COMPRESSION_RATIO_THRESHOLD,
        "no_speech_threshold": NO_SPEECH_THRESHOLD,
        "log_prob_threshold": LOG_PROB_THRESHOLD,
    }
    if settings.whisper_batch_size > 0:
        options["batch_size"] = settings.whisper_batch_size
    return options


def run_whisper(model: Any, audio: Any, options: dict[str, Any]) -> tuple[list[Any], Any]:
    """Run faster-whisper (batched when ``options`` has a batch size); decoding happens while iterating."""
    if "batch_size" in options:
        from faster_whisper import BatchedInferencePipeline

        segments_iter, info = BatchedInferencePipeline(model).transcribe(audio, **options)
    else:
        segments_iter, info = model.transcribe(audio, **options)
    return list(segments_iter), info


def transcribe(
    path: Path, loaded: LoadedModel, settings: TranscribeSettings, *, language: str | None = None
) -> Transcript:
    """Transcribe a media file (any container PyAV reads) with word timestamps."""
    started = time.perf_counter()
    with loaded.lock:
        raw_segments, info = run_whisper(loaded.model, str(path), decode_options(settings, language))
    return _transcript(raw_segments, info.language, info.language_probability, info.duration, loaded, started)


def _transcript(
    raw_segments: list[Any],
    language: str,
    language_probability: float,
    duration_s: float,
    loaded: LoadedModel,
    started: float,
) -> Transcript:
    chinese = _is_chinese(language)
    convert = chinese_text if chinese else (lambda s: s)
    segments = [
        Segment(
            id=i,
            start=round(s.start, 3),
            end=round(s.end, 3),
            text=convert(s.text.strip()),
            avg_logprob=s.avg_logprob,
            no_speech_prob=s.no_speech_prob,
            compression_ratio=s.compression_ratio,
            words=[
                Word(
                    start=round(w.start, 3),
                    end=round(w.end, 3),
                    word=convert(w.word),
                    probability=w.probability,
                )
                for w in (s.words or [])
            ],
        )
        for i, s in enumerate(raw_segments)
    ]
    joiner = "" if chinese else " "
    return Transcript(
        language=language,
        language_probability=round(language_probability, 4),
        duration_s=round(duration_s, 3),
        text=joiner.join(s.text for s in segments).strip(),
        segments=segments,
        model=loaded.info,
        timings={"load_s": round(loaded.load_s, 3), "transcribe_s": round(time.perf_counter() - started, 3)},
    )


# --- several clips in one batched pass (the worker pools) -----------------------------------------

SAMPLING_RATE = 16_000
CHUNK_S = 30  # whisper's window: the batched pipeline's VAD chunks are at most this long


@dataclass
class _Clip:
    """One clip of a batch: its audio, its VAD speech, and its chunks' places in the joint audio."""

    audio: Any  # float32 mono at 16 kHz
    language: str | None
    speech: list[dict[str, int]] = field(default_factory=list)  # VAD speech timestamps (samples)
    pieces: list[Any] = field(default_factory=list)  # the speech, in chunks of at most CHUNK_S
    chunks: list[dict[str, Any]] = field(default_factory=list)  # their metadata (offset in the speech)
    language_probability: float = 1.0
    segments: list[Any] = field(default_factory=list)


def transcribe_many(
    paths: Sequence[Path],
    languages: Sequence[str | None],
    loaded: LoadedModel,
    settings: TranscribeSettings,
) -> list[Transcript | Exception]:
    """Transcribe several clips with their VAD chunks decoded in shared batches.

    A pool worker takes several clips at once: batching each clip on its own leaves the GPU (or the CPU's
    batch) half empty on a short clip, so the speech chunks of every clip of the same language go through
    ``BatchedInferencePipeline`` together (``clip_timestamps`` over the clips' chunks laid end to end),
    and each segment is mapped back to its clip and to the clip's own timeline. The chunks, the decoding
    options and the language of each clip are those ``transcribe`` uses on it alone. One clip's failure
    (it cannot be decoded, say) is its outcome alone.
    """
    if settings.whisper_batch_size <= 0 or len(paths) < 2:
        return [
            _attempt(lambda p=p, lang=lang: transcribe(p, loaded, settings, language=lang))
            for p, lang in zip(paths, languages, strict=True)
        ]
    from faster_whisper import decode_audio
    from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

    started = time.perf_counter()
    vad = VadOptions(max_speech_duration_s=CHUNK_S, min_silence_duration_ms=160)
    outcomes: list[_Clip | Exception] = []
    for path, language in zip(paths, languages, strict=True):
        try:
            audio = decode_audio(str(path), sampling_rate=SAMPLING_RATE)
            one = _Clip(audio=audio, language=language)
            one.speech = get_speech_timestamps(audio, vad)
            if one.speech:
                one.pieces, one.chunks = collect_chunks(audio, one.speech, max_duration=CHUNK_S)
            outcomes.append(one)
        except Exception as exc:  # noqa: BLE001 - this clip's outcome; the others go on
            outcomes.append(exc)
    clips = [c for c in outcomes if isinstance(c, _Clip)]
    with loaded.lock:
        for clip in clips:
            if clip.language is None and clip.chunks:
                clip.language, clip.language_probability = _detect_language(loaded, clip)
        by_language: dict[str, list[_Clip]] = {}
        for clip in clips:
            if clip.chunks:
                by_language.setdefault(str(clip.language), []).append(clip)
        for language, group in by_language.items():
            _decode_together(group, language, loaded, settings)
    return [
        outcome
        if isinstance(outcome, Exception)
        else _transcript(
            outcome.segments,
            outcome.language or "en",  # no speech at all: nothing to detect a language from
            outcome.language_probability,
            len(outcome.audio) / SAMPLING_RATE,
            loaded,
            started,
        )
        for outcome in outcomes
    ]


def _attempt(run: Any) -> Transcript | Exception:
    try:
        return run()  # type: ignore[no-any-return]
    except Exception as exc:  # noqa: BLE001 - this clip's outcome
        return exc


def _detect_language(loaded: LoadedModel, clip: _Clip) -> tuple[str, float]:
    """The language as the batched pipeline detects it on one clip: from its speech chunks' features."""
    import numpy as np

    model = loaded.model
    if not model.model.is_multilingual:
        return "en", 1.0
    chunks = [clip.audio[c["start"] : c["end"]] for c in clip.speech]
    joined = np.concatenate(chunks) if chunks else clip.audio
    pieces, _ = _split(joined)
    features = [model.feature_extractor(piece)[..., :-1] for piece in pieces]
    language, probability, _ = model.detect_language(
        features=np.concatenate(features + [np.full((model.model.n_mels, 1), -1.5, dtype="float32")], axis=1)
    )
    return language, probability


def _split(audio: Any) -> tuple[list[Any], int]:
    step = CHUNK_S * SAMPLING_RATE
    return [audio[i : i + step] for i in range(0, max(len(audio), 1), step)], step


def _decode_together(
    group: list[_Clip], language: str, loaded: LoadedModel, settings: TranscribeSettings
) -> None:
    """Decode the chunks of every clip in ``group`` in shared batches; put each segment back in its clip."""
    import numpy as np
    from faster_whisper import BatchedInferencePipeline
    from faster_whisper.transcribe import restore_speech_timestamps

    pieces: list[Any] = []
    timestamps: list[dict[str, float]] = []
    owners: list[tuple[_Clip, dict[str, Any]]] = []
    cursor = 0
    for clip in group:
        for piece, meta in zip(clip.pieces, clip.chunks, strict=True):
            timestamps.append({"start": cursor / SAMPLING_RATE, "end": (cursor + len(piece)) / SAMPLING_RATE})
            owners.append((clip, meta))
            pieces.append(piece)
            cursor += len(piece)
    options = decode_options(settings, language)
    options.pop("vad_filter")
    segments, _ = BatchedInferencePipeline(loaded.model).transcribe(
        np.concatenate(pieces), clip_timestamps=timestamps, **options
    )
    for segment in segments:
        # the chunk it came from: by its middle (its start is rounded to the millisecond, and may fall a
        # hair before its chunk's start)
        middle = (segment.start + segment.end) / 2
        index = max(i for i, t in enumerate(timestamps) if t["start"] <= middle)
        clip, meta = owners[index]
        shift = meta["offset"] - timestamps[index]["start"]  # joint audio -> the clip's speech-only time
        segment.start += shift
        segment.end += shift
        for word in segment.words or []:
            word.start += shift
            word.end += shift
        clip.segments.append(segment)
    for clip in group:
        clip.segments = list(restore_speech_timestamps(clip.segments, clip.speech, SAMPLING_RATE))
