"""Mandarin character error rate of the cpu tier's model: ``python -m bench.mandarin_cer``.

The Mandarin sample clips (``events/media``, language ``zh``) go through the project's own transcription
path (``jiping.perception.transcription.load_model`` + ``transcribe``: VAD, word timestamps, the
temperature ladder, OpenCC t2s) with whisper base int8 from the local model cache, never fetched. The
reference is each clip's exact ``spoken_text``. CER counts hanzi only (punctuation, spaces, digits and
Latin letters dropped on both sides): Levenshtein distance / reference length, summed over the clips for
the overall figure. Beam 5 and 1, batched (8) and sequential, one CPU thread; then the default settings
on the same clips with white noise added (fixed seed) at 10 dB and 0 dB signal-to-noise ratio.

What this is not: the clips are a synthetic single-speaker voice (FastSpeech2, Baker), 26 s in all,
clean audio. It checks the code path and catches gross regressions; it says little about real candidates.
Only whisper base runs here (no carrier for small, medium, large-v3 or large-v3-turbo: the hub is
unreachable). Written to ``bench/results/mandarin_cer.txt``.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
from jiping.perception.transcription import load_model, to_simplified, transcribe
from jiping.settings import TranscribeSettings

from bench.media import RATE, _clip_audio

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO / "events" / "media"
RESULTS = REPO / "bench" / "results"
HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CONFIGS = [  # (label, beam size, batch size; 0 = sequential)
    ("beam 5, batched 8 (the default)", 5, 8),
    ("beam 5, sequential", 5, 0),
    ("beam 1, batched 8", 1, 8),
    ("beam 1, sequential", 1, 0),
]
SNRS_DB = (10.0, 0.0)
SEED = 15


def hanzi(text: str) -> str:
    """The Chinese characters of ``text``, in Simplified form (the same OpenCC t2s the pipeline uses)."""
    return "".join(HANZI.findall(to_simplified(text)))


def edit_distance(ref: str, hyp: str) -> int:
    """Plain Levenshtein distance (substitutions, deletions, insertions each cost 1)."""
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def zh_clips() -> list[dict[str, Any]]:
    clips = json.loads((MEDIA / "sample_interview.json").read_text(encoding="utf-8"))
    return [c for c in clips if c["language"] == "zh"]


def noisy_copy(path: Path, snr_db: float, out_dir: Path) -> Path:
    """A WAV of ``path``'s audio with white noise at ``snr_db`` (power over the whole clip, silence included)."""
    audio = _clip_audio(path).astype(np.float64)
    noise = np.random.default_rng(SEED).standard_normal(audio.size)
    noise *= np.sqrt(np.mean(audio**2) / (np.mean(noise**2) * 10 ** (snr_db / 10)))
    mixed = np.clip(audio + noise, -32768, 32767).astype(np.int16)
    out = out_dir / f"{path.stem}_snr{snr_db:g}.wav"
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(mixed.tobytes())
    return out


def settings_for(beam: int, batch: int, threads: int) -> TranscribeSettings:
    return TranscribeSettings(
        whisper_model="base",
        whisper_beam_size=beam,
        whisper_batch_size=batch,
        whisper_cpu_threads=threads,
        model_cache_dir=str(REPO / ".cache" / "models"),
        model_fetch=False,
    )


def measure(
    label: str, files: list[Path], clips: list[dict[str, Any]], settings: TranscribeSettings
) -> list[str]:
    loaded = load_model(settings)
    errors = total = 0
    seconds = 0.0
    lines = [f"{label}  (model {loaded.info.name}, sha256 {(loaded.info.sha256 or '?')[:12]}…)"]
    for path, clip in zip(files, clips, strict=True):
        started = time.perf_counter()
        transcript = transcribe(path, loaded, settings)
        seconds += time.perf_counter() - started
        ref, hyp = hanzi(str(clip["spoken_text"])), hanzi(transcript.text)
        distance = edit_distance(ref, hyp)
        errors, total = errors + distance, total + len(ref)
        lines.append(
            f"  {clip['id']:<15} lang {transcript.language} ({transcript.language_probability:.2f})  "
            f"CER {100 * distance / len(ref):5.1f} % ({distance}/{len(ref)})  {transcript.text}"
        )
    lines.append(
        f"  overall CER {100 * errors / total:.1f} % ({errors}/{total}), transcription {seconds:.1f} s"
    )
    lines.append("")
    return lines


def run(threads: int) -> str:
    clips = zh_clips()
    lines = [
        "Mandarin CER, whisper base int8 on the CPU, the project's transcription path (python -m bench.mandarin_cer)",
        f"machine: {platform.machine()}, {threads} CPU thread(s); clips: {', '.join(str(c['id']) for c in clips)} "
        f"({sum(float(c['duration_s']) for c in clips):.1f} s, synthetic voice)",
        "CER = edit distance over hanzi / reference hanzi (punctuation dropped, Simplified on both sides)",
        "",
    ]
    files = [MEDIA / str(c["file"]) for c in clips]
    for label, beam, batch in CONFIGS:
        lines += measure(label, files, clips, settings_for(beam, batch, threads))
    with tempfile.TemporaryDirectory() as tmp:
        for snr in SNRS_DB:
            noisy = [noisy_copy(f, snr, Path(tmp)) for f in files]
            lines += measure(
                f"beam 5, batched 8, white noise at {snr:g} dB SNR", noisy, clips, settings_for(5, 8, threads)
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for CTranslate2 (default 1)")
    parser.add_argument("--out", type=Path, default=RESULTS / "mandarin_cer.txt")
    args = parser.parse_args()
    report = run(args.threads)
    print(report)
    args.out.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
