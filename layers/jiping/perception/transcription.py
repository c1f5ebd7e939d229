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
from dataclasses import dataclass
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
    chinese = _is_chinese(info.language)
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
        language=info.language,
        language_probability=round(info.language_probability, 4),
        duration_s=round(info.duration, 3),
        text=joiner.join(s.text for s in segments).strip(),
        segments=segments,
        model=loaded.info,
        timings={"load_s": round(loaded.load_s, 3), "transcribe_s": round(time.perf_counter() - started, 3)},
    )
