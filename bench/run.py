"""``make bench``: the sample interview and a generated 15-minute interview through the local cloud.

For every stage of each execution it prints the wall time, the real-time factor (stage time / media
duration) and the peak resident memory of the process while the stage ran; and, in the same run,
bare faster-whisper (same model, same options: ``jiping.perception.transcription.decode_options``) on the same
media, with the ratio of our end-to-end time (upload to published event) to it.

Everything runs in one process on this machine's CPU: the local cloud runs the stages in threads,
so stages that overlap (the Parallel branches) share the peak memory figure. Targets for the
15-minute interview on a 2-core machine: end-to-end / bare ASR <= 1.3, vision <= 0.1 x real time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from bench.media import audio_only, long_interview
from infra import constants
from infra.localcloud.cloud import REPO, LocalCloud, local_overrides

SAMPLE = REPO / "events" / "media"
RESULTS = REPO / "bench" / "results"
TARGET_RATIO = 1.3
TARGET_VISION_RTF = 0.1


class MemorySampler:
    """Samples this process's RSS every few milliseconds; answers peak RSS over a time span."""

    def __init__(self, interval: float = 0.02) -> None:
        self.samples: list[tuple[float, int]] = []
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._proc = psutil.Process()

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), self._proc.memory_info().rss))
            self._stop.wait(self._interval)

    def peak(self, start: float, end: float) -> int:
        inside = [rss for t, rss in self.samples if start <= t <= end]
        return max(inside) if inside else 0


@dataclass
class Run:
    name: str
    duration_s: float
    bare_s: float = 0.0
    bare_peak: int = 0
    e2e_s: float = 0.0
    stages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.e2e_s / self.bare_s if self.bare_s else float("nan")


def _duration(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        duration = c.duration or 0
    return duration / av.time_base


def bare_asr(path: Path, model: Any, settings: Any, mem: MemorySampler) -> tuple[float, int]:
    from jiping.perception.transcription import decode_options, run_whisper

    start_wall, started = time.time(), time.perf_counter()
    run_whisper(model, str(path), decode_options(settings))
    return time.perf_counter() - started, mem.peak(start_wall, time.time())


def vision_standalone(path: Path, mem: MemorySampler) -> dict[str, Any]:
    """The vision stage's analysis alone on this machine (default settings), with nothing beside it."""
    from jiping.perception.vision import analyze
    from jiping.settings import VisionSettings

    settings = VisionSettings(model_cache_dir=str(REPO / ".cache" / "models"))
    start_wall, started = time.time(), time.perf_counter()
    cpu0 = psutil.Process().cpu_times()
    track = analyze(path, settings)
    cpu1 = psutil.Process().cpu_times()
    seconds = time.perf_counter() - started
    return {
        "name": path.name,
        "seconds": seconds,
        "cpu_s": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
        "duration_s": track.duration_s,
        "frames": track.frames_sampled,
        "sample_fps": settings.vision_sample_fps,
        "pose_fps": settings.pose_sample_fps,
        "timings": track.timings,
        "peak_rss": mem.peak(start_wall, time.time()),
    }


def evaluate(
    cloud: LocalCloud, path: Path, interview: str, mem: MemorySampler
) -> tuple[float, list[dict[str, Any]]]:
    started = time.perf_counter()
    cloud.register_consent("bench", interview)  # video analysis needs the candidate's recorded consent
    up = cloud.upload(path, "bench", interview, path.name)
    result = cloud.wait_for_execution(cloud.execution_arn(**up), timeout=3600)
    elapsed = time.perf_counter() - started
    if result.status != "SUCCEEDED":
        raise SystemExit(f"{path.name}: execution {result.status}: {result.error} {result.cause}")
    stages = []
    for state in result.states():
        if state.get("seconds") is None or state["type"] in {"Choice", "Pass", "Succeed"}:
            continue
        begin = state["started"].timestamp() if isinstance(state["started"], datetime) else state["started"]
        stages.append(
            {
                "name": state["name"],
                "seconds": state["seconds"],
                "peak_rss": mem.peak(begin, begin + state["seconds"]),
            }
        )
    return elapsed, stages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=15.0, help="length of the generated interview")
    parser.add_argument("--skip-long", action="store_true", help="only the sample interview")
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

    from faster_whisper import WhisperModel
    from jiping import model_assets
    from jiping.settings import TranscribeSettings, function_environment, load

    clips = [
        SAMPLE / c["file"]
        for c in json.loads((SAMPLE / "sample_interview.json").read_text())
        if c.get("quality", "strong") == "strong"
    ]
    long = [] if args.skip_long else [long_interview(args.minutes)]
    # The long interview twice: as recorded, and its audio alone (no vision branch), which shows the
    # orchestration's own overhead apart from the vision work that shares this machine's two cores.
    media = clips + long + [audio_only(p) for p in long]
    # The settings the Transcribe stage runs with in the local cloud (its environment and overrides).
    with function_environment(local_overrides(REPO / ".cache" / "models")[constants.ASR_CPU_POOL]):
        settings = load(TranscribeSettings)
    model = WhisperModel(
        str(model_assets.resolve("whisper-base", cache_dir=settings.model_cache_dir)),
        device="cpu",
        compute_type="int8",
        cpu_threads=settings.whisper_cpu_threads,
    )
    runs: list[Run] = []
    with MemorySampler() as mem:
        started = time.perf_counter()
        with LocalCloud() as cloud:
            up_s = time.perf_counter() - started
            evaluate(cloud, clips[-1], "iv-warmup", mem)  # cold starts and model loads, not measured
            bare_asr(clips[-1], model, settings, mem)
            for i, path in enumerate(media):
                run = Run(path.name, _duration(path))
                run.bare_s, run.bare_peak = bare_asr(path, model, settings, mem)
                run.e2e_s, run.stages = evaluate(cloud, path, f"iv-bench-{i}", mem)
                runs.append(run)
        vision_alone = [vision_standalone(p, mem) for p in long]
    report(runs, up_s, vision_alone, save=not args.skip_long)
    return 0


def report(runs: list[Run], up_s: float, vision_alone: list[dict[str, Any]], save: bool = True) -> None:
    mib = 1024 * 1024
    cpu = platform.processor() or platform.machine()
    lines = [
        f"machine: {cpu}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, no GPU; local cloud up in {up_s:.1f} s",
        "",
        f"{'media':24} {'audio s':>8} {'bare ASR s':>10} {'e2e s':>8} {'e2e/ASR':>8}",
    ]
    for r in runs:
        lines.append(f"{r.name:24} {r.duration_s:8.1f} {r.bare_s:10.2f} {r.e2e_s:8.2f} {r.ratio:8.2f}")
    for r in runs:
        lines += [
            "",
            f"{r.name} ({r.duration_s:.0f} s): bare faster-whisper {r.bare_s:.2f} s, "
            f"RTF {r.bare_s / r.duration_s:.3f}, peak RSS {r.bare_peak / mib:.0f} MiB",
        ]
        lines.append(f"  {'stage':22} {'wall s':>8} {'RTF':>7} {'peak RSS MiB':>13}")
        for s in r.stages:
            lines.append(
                f"  {s['name']:22} {s['seconds']:8.2f} {s['seconds'] / r.duration_s:7.3f} "
                f"{s['peak_rss'] / mib:13.0f}"
            )
    for v in vision_alone:
        lines += [
            "",
            f"vision alone on {v['name']} ({v['duration_s']:.0f} s, face {v['sample_fps']:g} fps, pose "
            f"{v['pose_fps']:g} fps, {v['frames']} frames): {v['seconds']:.1f} s wall, "
            f"RTF {v['seconds'] / v['duration_s']:.3f}, {v['cpu_s'] / v['duration_s']:.3f} CPU-s per s, "
            f"peak RSS {v['peak_rss'] / mib:.0f} MiB; stage timings {v['timings']}",
        ]
    lines.append("")
    long_runs = [r for r in runs if r.duration_s > 300]
    for r in long_runs:
        verdict = "met" if r.ratio <= TARGET_RATIO else "NOT met"
        lines.append(f"target end-to-end / bare ASR <= {TARGET_RATIO} on {r.name}: {r.ratio:.2f} ({verdict})")
    for v in vision_alone:
        rtf = v["seconds"] / v["duration_s"]
        verdict = "met" if rtf <= TARGET_VISION_RTF else "NOT met"
        lines.append(f"target vision <= {TARGET_VISION_RTF} x real time (alone): {rtf:.3f} ({verdict})")
    for r in long_runs:
        vision = next((s for s in r.stages if s["name"].startswith("Vision")), None)
        if vision:
            rtf = vision["seconds"] / r.duration_s
            lines.append(
                f"vision beside transcription in the workflow (two cores shared): {rtf:.3f} x real time"
            )
    text = "\n".join(lines)
    print(text)
    if save:  # the full run only: bench/results/latest.txt is what the README quotes
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "latest.txt").write_text(text + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
