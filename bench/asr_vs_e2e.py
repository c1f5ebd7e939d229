"""Benchmark: the sample interview end to end on the local cloud, against bare faster-whisper.

    make bench        (or: .venv/bin/python -m bench.asr_vs_e2e [--repeat N])

Bare faster-whisper runs the same model with the same settings as the Transcribe stage (the
constants and the settings defaults in ``jiping.transcription``/``jiping.settings``) on the same
files, in the same process, after a warm-up; the end-to-end figure is ``jiping evaluate`` with the
local cloud already up (synthesis and deployment are reported apart).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from infra.localcloud.cloud import REPO, LocalCloud

SAMPLE = REPO / "events" / "media"


def bare_whisper(path: Path, model, beam_size: int) -> float:
    from jiping import transcription as t

    started = time.perf_counter()
    segments, _info = model.transcribe(
        str(path),
        beam_size=beam_size,
        word_timestamps=True,
        vad_filter=True,
        condition_on_previous_text=False,
        temperature=list(t.TEMPERATURES),
        compression_ratio_threshold=t.COMPRESSION_RATIO_THRESHOLD,
        no_speech_threshold=t.NO_SPEECH_THRESHOLD,
        log_prob_threshold=t.LOG_PROB_THRESHOLD,
    )
    list(segments)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    clips = json.loads((SAMPLE / "sample_interview.json").read_text())

    from faster_whisper import WhisperModel
    from jiping import model_assets
    from jiping.settings import TranscribeSettings

    settings = TranscribeSettings(model_cache_dir=str(REPO / ".cache" / "models"))
    model = WhisperModel(
        str(model_assets.resolve("whisper-base", cache_dir=settings.model_cache_dir)),
        device="cpu",
        compute_type="int8",
        cpu_threads=settings.whisper_cpu_threads,
    )
    started = time.perf_counter()
    with LocalCloud() as cloud:
        up_s = time.perf_counter() - started
        rows = []
        for i, clip in enumerate(clips):
            path = SAMPLE / clip["file"]
            bare_whisper(path, model, settings.whisper_beam_size)  # warm-up
            bare = [bare_whisper(path, model, settings.whisper_beam_size) for _ in range(args.repeat)]
            e2e, stages = [], {}
            for r in range(args.repeat + 1):  # the first run is the cold start of every function
                t0 = time.perf_counter()
                up = cloud.upload(path, "bench", f"iv-bench-{i}-{r}", clip["file"])
                result = cloud.wait_for_execution(cloud.execution_arn(**up))
                assert result.status == "SUCCEEDED", result.error
                if r:
                    e2e.append(time.perf_counter() - t0)
                    for s in result.states():
                        stages.setdefault(s["name"], []).append(s.get("seconds") or 0.0)
            rows.append(
                (
                    clip["id"],
                    clip["duration_s"],
                    statistics.median(bare),
                    statistics.median(e2e),
                    {k: statistics.median(v) for k, v in stages.items()},
                )
            )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"local cloud up (synth cache + deploy) in {up_s:.1f} s; medians of {args.repeat} warm runs"
    )
    print(f"{'clip':8} {'audio s':>8} {'bare ASR s':>11} {'end-to-end s':>13} {'ratio':>6}  stages (s)")
    for cid, dur, bare_s, e2e_s, stages in rows:
        stage_text = ", ".join(f"{k} {v:.2f}" for k, v in stages.items() if v >= 0.01)
        print(f"{cid:8} {dur:8.1f} {bare_s:11.2f} {e2e_s:13.2f} {e2e_s / bare_s:6.2f}  {stage_text}")
    return 0


if __name__ == "__main__":
    tempfile.tempdir = tempfile.gettempdir()
    raise SystemExit(main())
