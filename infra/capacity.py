"""``jiping capacity``: what a recruiting peak needs and costs on the warm worker pools (docs/capacity.md).

A model, not a measurement. Step Functions hands each clip to a pool's SQS queue and waits
(``sqs:sendMessage.waitForTaskToken``); long-lived workers keep their model loaded, take
``POOL_CLIPS_PER_PASS`` clips at once and scale on backlog per worker. Two ASR tiers: ``cpu`` (whisper
base int8 on Fargate Spot, the default) and ``gpu`` (large-v3-turbo fp16, one worker per g6/g5/g4dn.xlarge).
Vision runs on a Fargate pool (short clips on a Lambda), speech features and the judge on Lambdas.

Every figure is an :class:`Assumption` printed with its kind (measured on this project's machine,
published, read from the stack, or a guess) and its source; ``--set NAME=VALUE`` replaces any of them.
The headline cost is compute only; Step Functions, S3, DynamoDB, API Gateway, SQS, EventBridge and logs
are estimated on separate lines.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, replace
from typing import Any

from infra import constants

TARGET_USD_PER_INTERVIEW = 0.01
TARGET_DRAIN_HOURS = 0.5
DEFAULT_TIER = str(constants.DEFAULTS.get("jiping:asrTier", "cpu"))  # when a job profile does not choose
TIERS = ("cpu", "gpu")
STAGES = ("asr", "video_decode", "face", "pose", "speech_features", "scoring", "other_lambdas")
GIB = 1024.0

PERF = "/work/shared/reference/performance-facts.md"  # measured on a 2-vCPU machine like the bench's
RESEARCH = "reference/peak-and-group-research.md"
BENCH = "bench/results/latest.txt (make bench)"
JUDGE_BENCH = "bench/results/judge_speed.txt (make bench)"
WORKFLOW = "infra/constructs/workflow.py"
UNVERIFIED = "AWS list price, us-east-1, not in the reference files (check the pricing page)"

# GPU instances for the gpu tier: the GPU, and its speed relative to an RTX 3090 for batched
# faster-whisper (no published L4/A10G/T4 figure exists: a guess, see RESEARCH 1.1).
GPUS: dict[str, dict[str, Any]] = {
    "g6.xlarge": {
        "gpu": "NVIDIA L4 24 GB",
        "vcpus": 4,
        "relative": 0.50,
        "why": "L4: half the A10G's memory bandwidth; put below the A10G",
    },
    "g5.xlarge": {
        "gpu": "NVIDIA A10G 24 GB",
        "vcpus": 4,
        "relative": 0.66,
        "why": "A10G ~ RTX 3070 Ti (research 1.1), which ran large-v2 batched at 46x vs the 3090's 70x",
    },
    "g4dn.xlarge": {"gpu": "NVIDIA T4 16 GB", "vcpus": 4, "relative": 0.35, "why": "T4: about half an A10G"},
}
# On-demand price an hour (RESEARCH 1.3: tsaol/aws-gpu from instances.vantage.sh; CN data 2026-01-21).
GPU_PRICES: dict[str, dict[str, float | None]] = {
    "us-east-1": {"g6.xlarge": 0.8048, "g5.xlarge": 1.006, "g4dn.xlarge": 0.526},
    "cn-north-1": {"g6.xlarge": None, "g5.xlarge": 9.514, "g4dn.xlarge": 5.223},
    "cn-northwest-1": {"g6.xlarge": None, "g5.xlarge": 6.701, "g4dn.xlarge": 3.711},
}
REGION_PROFILES: dict[str, dict[str, str]] = {
    "aws": {"region": "us-east-1", "currency": "USD", "gpu": "g6.xlarge"},
    "aws-cn": {"region": "cn-north-1", "currency": "CNY", "gpu": "g5.xlarge"},  # AWS China has no g6
}


@dataclass(frozen=True)
class Assumption:
    name: str
    value: float
    unit: str
    kind: str  # measured | published | stack | guess | input
    source: str


@dataclass(frozen=True)
class Scenario:
    interviews: int = 12_000
    minutes: float = 15.0
    answers: int = 6
    window_hours: float = 10.0
    region_profile: str = "aws"
    cn_region: str = "cn-north-1"
    gpu: str | None = None  # None: the region profile's
    cpu_spot: bool = True
    gpu_spot: bool = False
    lambda_arch: str = "x86_64"
    score_memory_mb: int = constants.SCORE_MEMORY_MB
    score_threads: int = constants.SCORE_JUDGE_THREADS
    vision_share: float = 1.0  # interviews with video and recorded consent to video analysis
    cross_clip_batching: bool = True
    overrides: tuple[tuple[str, float], ...] = ()

    @property
    def region(self) -> str:
        return self.cn_region if self.region_profile == "aws-cn" else REGION_PROFILES["aws"]["region"]

    @property
    def gpu_type(self) -> str:
        return self.gpu or REGION_PROFILES[self.region_profile]["gpu"]


def _a(name: str, value: float, unit: str, kind: str, source: str) -> Assumption:
    return Assumption(name, float(value), unit, kind, source)


def _measured() -> list[Assumption]:
    return [
        _a(
            "cpu_asr_rtf",
            0.094,
            "worker-s per audio-s",
            "measured",
            f"{PERF}: whisper base int8, BatchedInferencePipeline bs8 beam 5, 2 threads, 900 s English (WER 3.7%)",
        ),
        _a("cpu_asr_model_load_s", 0.8, "s per worker start", "measured", f"{PERF}: base load 0.4-0.8 s"),
        _a(
            "audio_decode_s_per_s",
            0.7 / 900,
            "s per audio-s",
            "measured",
            f"{PERF}: audio decode of the 900 s mp4 0.7 s",
        ),
        _a(
            "vision_rtf",
            61.2 / 900,
            "worker-s per video-s (2 vCPU)",
            "measured",
            f"{BENCH}: vision alone on the 15-min 640x480 video, face 4 fps + pose 1 fps, 61.2 s wall (0.100 CPU-s per s)",
        ),
        _a(
            "vision_share_decode",
            33.3 / 119.6,
            "share of vision time",
            "measured",
            f"{BENCH}: stage timings decode 22.7 + convert 10.6 of 119.6 s",
        ),
        _a("vision_share_face", 57.6 / 119.6, "share", "measured", f"{BENCH}: face 57.6 of 119.6 s"),
        _a("vision_share_pose", 28.7 / 119.6, "share", "measured", f"{BENCH}: pose 28.7 of 119.6 s"),
        _a(
            "speech_features_s_per_s",
            3.63 / 900,
            "Lambda-s per audio-s",
            "measured",
            f"{BENCH}: AudioFeatures 3.63 s on the 900 s interview",
        ),
        _a(
            "speech_features_overhead_s",
            0.1,
            "s per invocation",
            "measured",
            f"{BENCH}: AudioFeatures 0.11 s on a 9 s clip",
        ),
        _a(
            "judge_s_per_answer",
            107.8 / 6,
            "s per answer at 2 threads",
            "measured",
            f"{JUDGE_BENCH}: six-question interview 107.8 s, llama.cpp 2 threads on 2 cores (qwen2.5 1.5B q4_k_m)",
        ),
        _a("judge_load_s", 3.5, "s per cold start", "measured", f"{JUDGE_BENCH}: model mmap + encoder"),
        _a("judge_rss_gib", 2.40, "GiB", "measured", f"{JUDGE_BENCH}: peak RSS"),
        _a(
            "probe_s",
            0.61,
            "s per clip (2 GB Lambda)",
            "measured",
            f"{BENCH}: ProbeMedia on the 900 s file (0.05 s on short clips)",
        ),
        _a(
            "small_lambdas_s",
            0.03 + 0.19 + 0.04,
            "s per clip (1 GB Lambdas)",
            "measured",
            f"{BENCH}: PlanAnswers 0.03 + RecordTranscribed 0.19 + PublishTranscribed 0.04",
        ),
    ]


def _published(scn: Scenario) -> list[Assumption]:
    gpu = scn.gpu_type
    return [
        _a(
            "gpu_xrt_anchor",
            108,
            "audio-s per GPU-s",
            "published",
            f"{RESEARCH} 1.1, speaches #169: large-v3-turbo, faster-whisper bs16, RTX 3090, 1 h file",
        ),
        _a(
            "gpu_relative_speed",
            GPUS[gpu]["relative"],
            f"x RTX 3090 ({gpu})",
            "guess",
            f"{GPUS[gpu]['why']}; no published L4/A10G/T4 figure ({RESEARCH} 1.1)",
        ),
        _a(
            "gpu_chunk_s",
            30,
            "audio-s per batch item",
            "published",
            "faster-whisper: VAD segments merged into chunks of at most 30 s (chunk_length)",
        ),
        _a(
            "fargate_usd_per_vcpu_h",
            0.04048,
            "USD",
            "published",
            f"{RESEARCH} 1.3 (wring): Fargate Linux x86, us-east-1",
        ),
        _a("fargate_usd_per_gb_h", 0.004445, "USD", "published", f"{RESEARCH} 1.3 (wring)"),
        _a(
            "lambda_usd_per_gb_s",
            0.0000166667 if scn.lambda_arch == "x86_64" else 0.0000133334,
            f"USD ({scn.lambda_arch})",
            "published",
            f"{RESEARCH} 1.3: x86 0.0000166667, arm64 0.0000133334",
        ),
        _a("lambda_usd_per_million_requests", 0.20, "USD", "published", UNVERIFIED),
        _a(
            "lambda_concurrency",
            1000,
            "concurrent executions",
            "published",
            f"{RESEARCH} 1.3: regional default quota (new accounts get less)",
        ),
        _a("lambda_mb_per_vcpu", 1769, "MB", "published", f"{RESEARCH} 1.3: 1,769 MB = 1 vCPU"),
        _a(
            "sfn_usd_per_1000_transitions",
            0.025,
            "USD",
            "published",
            "AWS Step Functions Standard pricing (the brief; Express cannot wait for a task token)",
        ),
        _a(
            "scaling_reaction_s",
            180,
            "s",
            "guess",
            "infra/constructs/pools.py: step scaling on a one-minute alarm (1 datapoint) over SQS metrics, "
            "which CloudWatch publishes each minute and may show a minute or two late; taken as 3 min",
        ),
        _a(
            "scale_in_idle_s",
            60 + 60 + constants.POOL_SCALE_COOLDOWN_S,
            "s idle before scale-in",
            "stack",
            "the same alarm seeing an empty queue (1 datapoint, a minute late) + POOL_SCALE_COOLDOWN_S",
        ),
    ]


def _stack() -> list[Assumption]:
    c = constants
    short = float(str(c.DEFAULTS["jiping:shortClipMaxSeconds"]))
    return [
        _a("clips_per_pass", c.POOL_CLIPS_PER_PASS, "clips", "stack", "POOL_CLIPS_PER_PASS"),
        _a(
            "backlog_per_worker",
            c.POOL_BACKLOG_PER_WORKER,
            "clips",
            "stack",
            "POOL_BACKLOG_PER_WORKER (the step policy: one worker per this many clips waiting or in hand)",
        ),
        _a("gpu_batch_size", c.ASR_GPU_BATCH_SIZE, "chunks", "stack", "ASR_GPU_BATCH_SIZE"),
        _a("cpu_worker_vcpus", c.ASR_CPU_WORKER_VCPUS, "vCPU", "stack", "ASR_CPU_WORKER_VCPUS"),
        _a("cpu_worker_gib", c.ASR_CPU_WORKER_MEMORY_MIB / GIB, "GiB", "stack", "ASR_CPU_WORKER_MEMORY_MIB"),
        _a("asr_cpu_max_workers", c.ASR_CPU_MAX_WORKERS, "workers", "stack", "ASR_CPU_MAX_WORKERS"),
        _a(
            "asr_gpu_max_workers",
            float(str(c.DEFAULTS.get("jiping:gpuMaxWorkers", c.ASR_GPU_MAX_WORKERS))),
            "workers",
            "stack",
            "jiping:gpuMaxWorkers (else ASR_GPU_MAX_WORKERS)",
        ),
        _a("vision_worker_vcpus", c.VISION_WORKER_VCPUS, "vCPU", "stack", "VISION_WORKER_VCPUS"),
        _a("vision_worker_gib", c.VISION_WORKER_MEMORY_MIB / GIB, "GiB", "stack", "VISION_WORKER_MEMORY_MIB"),
        _a("vision_max_workers", c.VISION_MAX_WORKERS, "workers", "stack", "VISION_MAX_WORKERS"),
        _a(
            "short_clip_max_s",
            short,
            "s",
            "stack",
            "jiping:shortClipMaxSeconds (shorter videos go to the vision Lambda; every clip is transcribed on a pool)",
        ),
        _a("vision_lambda_gb", c.VISION_LAMBDA_MEMORY_MB / 1024, "GB", "stack", "VISION_LAMBDA_MEMORY_MB"),
        _a("audio_features_gb", c.AUDIO_FEATURES_MEMORY_MB / 1024, "GB", "stack", "AUDIO_FEATURES_MEMORY_MB"),
        _a("probe_gb", c.PROBE_MEMORY_MB / 1024, "GB", "stack", "PROBE_MEMORY_MB"),
        _a("small_lambda_gb", c.LAMBDA_MEMORY_MB / 1024, "GB", "stack", "LAMBDA_MEMORY_MB"),
        _a("answer_map_concurrency", c.ANSWER_MAP_CONCURRENCY, "answers", "stack", "ANSWER_MAP_CONCURRENCY"),
    ]


def _guesses() -> list[Assumption]:
    return [
        _a(
            "fargate_task_start_s",
            60,
            "s (billed: image pull + start)",
            "guess",
            "a ~1.5 GB image pulled from ECR into a new Fargate task (Fargate caches no images)",
        ),
        _a("gpu_instance_boot_s", 90, "s", "guess", "EC2 launch + ECS agent registration"),
        _a(
            "gpu_image_pull_s",
            180,
            "s",
            "guess",
            f"an ~8 GB CUDA image; {RESEARCH} 1.2: 15-20 GB take 4-6 min",
        ),
        _a(
            "gpu_model_load_s",
            15,
            "s per worker start",
            "guess",
            "large-v3-turbo fp16 (~1.6 GB) from the baked image onto the GPU",
        ),
        _a(
            "fargate_spot_share",
            constants.FARGATE_SPOT_WEIGHT
            / (constants.FARGATE_SPOT_WEIGHT + constants.FARGATE_ON_DEMAND_WEIGHT),
            "of the tasks",
            "stack",
            "FARGATE_SPOT_WEIGHT : FARGATE_ON_DEMAND_WEIGHT (ECS splits a pool's tasks by these weights)",
        ),
        _a(
            "fargate_spot_discount",
            0.65,
            "share off",
            "guess",
            f"{RESEARCH} 1.3: Fargate Spot 'up to 70%' off; taken a little below",
        ),
        _a(
            "ec2_spot_discount",
            0.60,
            "share off",
            "guess",
            f"{RESEARCH} 1.3: 'up to 90%'; the research assumes 60%",
        ),
        _a(
            "spot_interruptions_per_worker_h",
            0.05,
            "per worker-hour",
            "guess",
            "pessimistic; each costs a restart and half a pass redone",
        ),
        _a(
            "judge_thread_efficiency",
            0.75,
            "speed-up per extra thread beyond 2, as a share of linear",
            "guess",
            "llama.cpp prompt eval scales near-linearly, generation less",
        ),
        _a(
            "analyse_answer_s",
            1.0,
            "s per answer (score Lambda)",
            "guess",
            f"sentence encoder 8.5 ms/pair ({PERF}) + text features",
        ),
        _a("plan_scoring_s", 0.3, "s per interview (score Lambda)", "guess", "reads the interview's answers"),
        _a(
            "start_evaluation_s",
            0.05,
            "s per clip (1 GB Lambda)",
            "guess",
            "the buffer starter, batches of 10",
        ),
        _a(
            "lambda_requests_per_clip",
            7,
            "requests",
            "guess",
            "start, probe, plan, speech features, (vision Lambda), record, publish",
        ),
        _a(
            "cny_per_usd",
            7.10,
            "CNY",
            "guess",
            "exchange rate used to compare CNY prices with the USD target (--cny-per-usd)",
        ),
    ]


def _outside() -> list[Assumption]:
    return [
        _a("s3_usd_per_1000_puts", 0.005, "USD", "published", UNVERIFIED),
        _a("s3_usd_per_1000_gets", 0.0004, "USD", "published", UNVERIFIED),
        _a("s3_usd_per_gb_month", 0.023, "USD", "published", UNVERIFIED),
        _a("video_mbit_s", 1.0, "Mbit/s", "guess", "640x480 H.264 from a phone page"),
        _a(
            "upload_retention_days",
            float(str(constants.DEFAULTS["jiping:uploadRetentionDays"])),
            "days",
            "stack",
            "jiping:uploadRetentionDays",
        ),
        _a("dynamodb_usd_per_million_writes", 0.625, "USD", "published", UNVERIFIED + "; on-demand"),
        _a(
            "dynamodb_writes_per_clip", 6, "write units", "guess", "interview row, idempotency records, audit"
        ),
        _a("api_usd_per_million_requests", 1.00, "USD", "published", UNVERIFIED + "; HTTP API"),
        _a("api_requests_per_interview", 20, "requests", "guess", "create, forms, status, report"),
        _a("sqs_usd_per_million_requests", 0.40, "USD", "published", UNVERIFIED),
        _a(
            "sqs_requests_per_clip",
            14,
            "requests",
            "guess",
            "buffer 3 + per pool send/receive/visibility/delete ~5 + idle long polls",
        ),
        _a("eventbridge_usd_per_million_events", 1.00, "USD", "published", UNVERIFIED),
        _a("logs_usd_per_gb", 0.50, "USD", "published", UNVERIFIED + "; CloudWatch Logs ingestion"),
        _a("log_kb_per_clip", 60, "KB", "guess", "Step Functions events (no data) + Powertools JSON logs"),
    ]


def _prices(scn: Scenario, a: dict[str, Assumption]) -> list[Assumption]:
    """The regional prices: GPU from the research table; AWS China's other prices scaled (a guess)."""
    gpu, region = scn.gpu_type, scn.region
    price = GPU_PRICES[region][gpu]
    if price is None:
        raise ValueError(f"{gpu} is not offered in {region}: use --gpu g5.xlarge or g4dn.xlarge")
    currency = REGION_PROFILES[scn.region_profile]["currency"]
    out = [
        _a(
            "gpu_price_h",
            price,
            f"{currency} an hour ({gpu}, {region}, on demand)",
            "published",
            f"{RESEARCH} 1.3 (tsaol/aws-gpu, instances.vantage.sh)",
        )
    ]
    if currency == "CNY":
        us = GPU_PRICES["us-east-1"]["g5.xlarge"]
        cn = GPU_PRICES[region]["g5.xlarge"]
        assert us is not None and cn is not None
        out.append(
            _a(
                "cn_price_ratio",
                cn / us,
                f"CNY per USD of us-east-1 list price ({region})",
                "guess",
                f"Fargate, Lambda and the rest are not in the research file: the g5.xlarge ratio ({cn} CNY / {us} USD) is applied to every us-east-1 price",
            )
        )
    return out


def assumptions(scn: Scenario) -> dict[str, Assumption]:
    """Every figure the model uses, by name, with ``scn.overrides`` applied (kind ``input``)."""
    items = _measured() + _published(scn) + _stack() + _guesses() + _outside()
    a = {x.name: x for x in items}
    a.update({x.name: x for x in _prices(scn, a)})
    for name, value in scn.overrides:
        if name not in a:
            raise ValueError(f"unknown assumption {name!r}: one of {', '.join(sorted(a))}")
        a[name] = replace(a[name], value=float(value), kind="input", source="--set / command line")
    return a


class _Model:
    """One tier of one scenario: the arithmetic, kept in small steps."""

    def __init__(self, scn: Scenario, tier: str) -> None:
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier!r}: cpu or gpu")
        _check(scn)
        self.scn, self.tier = scn, tier
        self.assumptions = assumptions(scn)
        self.v = {k: x.value for k, x in self.assumptions.items()}
        self.clip_s = scn.minutes * 60 / scn.answers
        self.clips = scn.interviews * scn.answers
        self.window_s = scn.window_hours * 3600
        self.arrivals = self.clips / self.window_s  # clips a second
        self.short = self.clip_s <= self.v["short_clip_max_s"]

    # -- prices, in the profile's currency -----------------------------------------------------------

    def local(self, usd: float) -> float:
        return usd * self.v.get("cn_price_ratio", 1.0)

    def to_usd(self, amount: float) -> float:
        return amount / self.v["cny_per_usd"] if "cn_price_ratio" in self.v else amount

    def fargate_h(self, vcpus: float, gib: float, spot: bool) -> float:
        v = self.v
        price = self.local(vcpus * v["fargate_usd_per_vcpu_h"] + gib * v["fargate_usd_per_gb_h"])
        if not spot:
            return price
        return price * (1 - v["fargate_spot_discount"] * v["fargate_spot_share"])

    def lambda_cost(self, gb_s: float, requests: float = 0.0) -> float:
        v = self.v
        return self.local(
            gb_s * v["lambda_usd_per_gb_s"] + requests * v["lambda_usd_per_million_requests"] / 1e6
        )

    # -- pools ---------------------------------------------------------------------------------------

    def asr_pool(self) -> dict[str, Any] | None:
        v, p = self.v, self.v["clips_per_pass"]
        decode = self.clip_s * v["audio_decode_s_per_s"]
        if self.tier == "cpu":
            per_clip = self.clip_s * v["cpu_asr_rtf"] + decode
            return self.pool(
                "asr",
                per_clip,
                p * per_clip,
                v["fargate_task_start_s"] + v["cpu_asr_model_load_s"],
                self.fargate_h(v["cpu_worker_vcpus"], v["cpu_worker_gib"], self.scn.cpu_spot),
                int(v["asr_cpu_max_workers"]),
                self.scn.cpu_spot,
                f"Fargate{' Spot' if self.scn.cpu_spot else ''} task {v['cpu_worker_vcpus']:g} vCPU / {v['cpu_worker_gib']:g} GiB, whisper base int8",
            )
        bs, chunk = v["gpu_batch_size"], v["gpu_chunk_s"]
        chunks = math.ceil(self.clip_s / chunk)
        batches = math.ceil(p * chunks / bs) if self.scn.cross_clip_batching else p * math.ceil(chunks / bs)
        batch_s = bs * chunk / (v["gpu_xrt_anchor"] * v["gpu_relative_speed"])
        pass_s = batches * batch_s + p * decode
        price = v["gpu_price_h"] * ((1 - v["ec2_spot_discount"]) if self.scn.gpu_spot else 1.0)
        return self.pool(
            "asr",
            pass_s / p,
            pass_s,
            v["gpu_instance_boot_s"] + v["gpu_image_pull_s"] + v["gpu_model_load_s"],
            price,
            int(v["asr_gpu_max_workers"]),
            self.scn.gpu_spot,
            f"{self.scn.gpu_type}{' Spot' if self.scn.gpu_spot else ''} ({GPUS[self.scn.gpu_type]['gpu']}), ECS on EC2, large-v3-turbo fp16, one worker per instance",
            extra={
                "chunks_per_clip": chunks,
                "batches_per_pass": batches,
                "batch_fill": round(p * chunks / (batches * bs), 3),
            },
        )

    def vision_pool(self) -> dict[str, Any] | None:
        if self.short or self.scn.vision_share <= 0:
            return None
        v = self.v
        per_clip = self.clip_s * v["vision_rtf"]
        return self.pool(
            "vision",
            per_clip,
            v["clips_per_pass"] * per_clip,
            v["fargate_task_start_s"],
            self.fargate_h(v["vision_worker_vcpus"], v["vision_worker_gib"], self.scn.cpu_spot),
            int(v["vision_max_workers"]),
            self.scn.cpu_spot,
            f"Fargate{' Spot' if self.scn.cpu_spot else ''} task {v['vision_worker_vcpus']:g} vCPU / {v['vision_worker_gib']:g} GiB, MediaPipe",
            share=self.scn.vision_share,
        )

    def pool(
        self,
        name: str,
        s_per_clip: float,
        pass_s: float,
        start_s: float,
        price_h: float,
        max_workers: int,
        spot: bool,
        runs_on: str,
        *,
        share: float = 1.0,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Workers to keep pace, backlog and drain, and what the pool is billed for."""
        v = self.v
        arrivals = self.arrivals * share
        interrupts_h = v["spot_interruptions_per_worker_h"] if spot else 0.0
        overhead = interrupts_h * (start_s + pass_s / 2) / 3600  # restarts and half a pass redone
        need = arrivals * s_per_clip * (1 + overhead)
        needed = max(1, math.ceil(need))
        workers = min(needed, max_workers)
        capacity = workers / (s_per_clip * (1 + overhead))  # clips a second
        deficit = max(0.0, arrivals - capacity)
        ramp = arrivals * (v["scaling_reaction_s"] + start_s)  # clips waiting before the first workers
        setpoint = (
            v["backlog_per_worker"] * workers
        )  # the step policy holds about this many waiting or in hand
        backlog_end = deficit * self.window_s + setpoint + (ramp if deficit > 0 else 0.0)
        drain_s = min(backlog_end, self.clips * share) / capacity + pass_s
        busy_s = self.clips * share * s_per_clip
        running_s = busy_s * workers / min(need, workers) if need > 0 else 0.0
        starts = workers + interrupts_h * running_s / 3600
        cost = {
            "work": busy_s * price_h / 3600,
            "idle_rounding": (running_s - busy_s) * price_h / 3600,
            "starts_and_model_load": starts * start_s * price_h / 3600,
            "spot_interruptions": interrupts_h * running_s / 3600 * pass_s / 2 * price_h / 3600,
            "scale_in_tail": workers * v["scale_in_idle_s"] * price_h / 3600,
        }
        return {
            "name": name,
            "runs_on": runs_on,
            "worker_s_per_clip": s_per_clip,
            "pass_s": pass_s,
            "worker_price_per_h": price_h,
            "arrivals_clips_per_h": arrivals * 3600,
            "workers_to_keep_pace": needed,
            "max_workers": max_workers,
            "workers": workers,
            "capacity_clips_per_h": capacity * 3600,
            "scale_out_s": v["scaling_reaction_s"] + start_s,
            "backlog_before_first_worker_clips": ramp,
            "backlog_at_window_end_clips": backlog_end,
            "drain_s": drain_s,
            "worker_starts": starts,
            "worker_hours": (running_s + starts * start_s) / 3600,
            "cost": cost,
            **(extra or {}),
        }


def _check(scn: Scenario) -> None:
    if scn.interviews < 1 or scn.minutes <= 0 or scn.window_hours <= 0 or scn.answers < 1:
        raise ValueError("interviews, minutes, window hours and answers must be positive")
    if scn.region_profile not in REGION_PROFILES:
        raise ValueError(f"unknown region profile {scn.region_profile!r}: aws or aws-cn")
    if scn.gpu_type not in GPUS:
        raise ValueError(f"unknown GPU instance {scn.gpu_type!r}: one of {sorted(GPUS)}")
    if scn.lambda_arch not in ("x86_64", "arm64"):
        raise ValueError("lambda arch: x86_64 or arm64")
    if scn.score_memory_mb < 2.4 * 1024 + 512:
        raise ValueError(
            "the judge needs 2.4 GiB resident (judge_speed): give the score Lambda at least 2,970 MB"
        )
    if not 0 <= scn.vision_share <= 1:
        raise ValueError("vision share is between 0 and 1")


def _stage_lambdas(m: _Model) -> dict[str, dict[str, float]]:
    """Lambda seconds and cost per interview for the stages that run on Lambdas."""
    v, scn, n = m.v, m.scn, m.scn.answers
    score_gb = scn.score_memory_mb / 1024
    vcpus = scn.score_memory_mb / v["lambda_mb_per_vcpu"]
    threads = max(1.0, min(float(scn.score_threads), vcpus))
    speed = threads / 2 if threads < 2 else 1 + v["judge_thread_efficiency"] * (threads - 2) / 2
    judge_s = v["judge_s_per_answer"] / speed
    # Cold starts: one per concurrent scoring environment, shared by the interviews.
    concurrency = scn.interviews / m.window_s * (n * (judge_s + v["analyse_answer_s"]) + v["plan_scoring_s"])
    scoring_s = (
        n * (judge_s + v["analyse_answer_s"])
        + v["plan_scoring_s"]
        + max(1.0, concurrency) * v["judge_load_s"] / scn.interviews
    )
    features_s = n * (m.clip_s * v["speech_features_s_per_s"] + v["speech_features_overhead_s"])
    probe_s, small_s = n * v["probe_s"], n * (v["small_lambdas_s"] + v["start_evaluation_s"]) + 0.04
    requests = n * v["lambda_requests_per_clip"] + n + 3
    out = {
        "scoring": {
            "seconds": scoring_s,
            "gb": score_gb,
            "cost": m.lambda_cost(scoring_s * score_gb),
            "judge_s_per_answer": judge_s,
            "judge_threads": threads,
            "concurrency": concurrency,
        },
        "speech_features": {
            "seconds": features_s,
            "gb": v["audio_features_gb"],
            "cost": m.lambda_cost(features_s * v["audio_features_gb"]),
        },
        "other_lambdas": {
            "seconds": probe_s + small_s,
            "gb": v["small_lambda_gb"],
            "cost": m.lambda_cost(probe_s * v["probe_gb"] + small_s * v["small_lambda_gb"], requests),
        },
    }
    if m.short:
        vis_s = n * m.clip_s * v["vision_rtf"] * scn.vision_share
        out["vision"] = {
            "seconds": vis_s,
            "gb": v["vision_lambda_gb"],
            "cost": m.lambda_cost(vis_s * v["vision_lambda_gb"]),
        }
    return out


def _transitions(answers: int) -> float:
    """State transitions of one interview's executions (one per clip), counted by hand from WORKFLOW.

    Per clip, video with consent: ProbeMedia, Accepted?, PlanAnswers, Analyse, ChooseTranscriber,
    Transcribe (pool), AudioFeatures, SpeechMeasured, HasVideo?, ChooseVisionRunner, Vision (pool),
    VisionMeasured, RecordTranscribed, PublishTranscribed, AllAnswered?, Transcribed = 16. The last clip
    ends in PlanScoring, AnalyseAnswers, one AnalyseAnswer per answer, ScoreInterview, PublishScored,
    Scored instead of Transcribed. Retries add more.
    """
    return 16 * answers - 1 + 5 + answers


def _outside_costs(m: _Model) -> dict[str, float]:
    """What the compute figure leaves out, estimated per interview (profile currency)."""
    v, n = m.v, m.scn.answers
    transitions = _transitions(n)
    video_gb = m.scn.minutes * 60 * v["video_mbit_s"] / 8 / 1000
    return {
        "step_functions": m.local(transitions / 1000 * v["sfn_usd_per_1000_transitions"]),
        "s3_requests": m.local(
            (6 * n + 2) * v["s3_usd_per_1000_puts"] / 1000 + 8 * n * v["s3_usd_per_1000_gets"] / 1000
        ),
        "s3_storage_of_uploads": m.local(
            video_gb * v["s3_usd_per_gb_month"] * v["upload_retention_days"] / 30
        ),
        "dynamodb": m.local(
            (n + 2) * v["dynamodb_writes_per_clip"] * v["dynamodb_usd_per_million_writes"] / 1e6 * 1.5
        ),
        "api_gateway": m.local(v["api_requests_per_interview"] * v["api_usd_per_million_requests"] / 1e6),
        "sqs": m.local(n * v["sqs_requests_per_clip"] * v["sqs_usd_per_million_requests"] / 1e6),
        "eventbridge": m.local((2 * n + 1) * v["eventbridge_usd_per_million_events"] / 1e6),
        "cloudwatch_logs": m.local(n * v["log_kb_per_clip"] / 1e6 * v["logs_usd_per_gb"]),
    }


def _stage_costs(
    m: _Model, asr: dict[str, Any] | None, vision: dict[str, Any] | None, lam: dict[str, dict[str, float]]
) -> tuple[dict[str, float], dict[str, float]]:
    """Cost and compute seconds per interview, by stage."""
    v, n_int = m.v, m.scn.interviews
    cost = {s: 0.0 for s in STAGES}
    secs = {s: 0.0 for s in STAGES}
    if asr is not None:
        cost["asr"] = sum(asr["cost"].values()) / n_int
        secs["asr"] = asr["worker_hours"] * 3600 / n_int
    else:
        cost["asr"], secs["asr"] = lam["asr"]["cost"], lam["asr"]["seconds"]
    vis_cost = sum(vision["cost"].values()) / n_int if vision else lam.get("vision", {}).get("cost", 0.0)
    vis_s = vision["worker_hours"] * 3600 / n_int if vision else lam.get("vision", {}).get("seconds", 0.0)
    for stage, share in (
        ("video_decode", "vision_share_decode"),
        ("face", "vision_share_face"),
        ("pose", "vision_share_pose"),
    ):
        cost[stage], secs[stage] = vis_cost * v[share], vis_s * v[share]
    for stage in ("speech_features", "scoring", "other_lambdas"):
        cost[stage], secs[stage] = lam[stage]["cost"], lam[stage]["seconds"]
    return cost, secs


def plan(scn: Scenario, tier: str = DEFAULT_TIER) -> dict[str, Any]:
    """Workers, drain and cost per interview of one ASR tier for a peak (a JSON-ready dict)."""
    m = _Model(scn, tier)
    asr, vision = m.asr_pool(), m.vision_pool()
    lam = _stage_lambdas(m)
    cost, secs = _stage_costs(m, asr, vision, lam)
    compute = sum(cost.values())
    outside = _outside_costs(m)
    pools_drain = max([p["drain_s"] for p in (asr, vision) if p] or [m.clip_s * 0.2])
    after = (
        lam["speech_features"]["seconds"] / scn.answers
        + lam["scoring"]["seconds"]
        + lam["other_lambdas"]["seconds"] / scn.answers
    )
    drain_h = (pools_drain + after) / 3600
    currency = REGION_PROFILES[scn.region_profile]["currency"]
    usd = m.to_usd(compute)
    return {
        "tier": tier,
        "default_tier": tier == DEFAULT_TIER,
        "region": scn.region,
        "currency": currency,
        "routes": {
            "asr": "pool" if asr else "lambda",
            "vision": "pool" if vision else ("lambda" if scn.vision_share > 0 else "none"),
        },
        "pools": {p["name"]: p for p in (asr, vision) if p},
        "compute_seconds_per_interview": secs,
        "cost_per_interview": {
            "scope": "compute only (workers, Lambdas); see outside_the_figure",
            "by_stage": cost,
            "compute": compute,
            "compute_usd": usd,
        },
        "outside_the_figure_per_interview": {**outside, "total": sum(outside.values())},
        "all_in_estimate_per_interview": compute + sum(outside.values()),
        "scoring": {
            k: lam["scoring"][k] for k in ("judge_s_per_answer", "judge_threads", "concurrency", "gb")
        },
        "state_transitions_per_interview": _transitions(scn.answers),
        "cost_total": compute * scn.interviews,
        "drain_hours_after_window": drain_h,
        "meets": {"cost": usd <= TARGET_USD_PER_INTERVIEW, "drain": drain_h <= TARGET_DRAIN_HOURS},
        "quotas": _quotas(m, asr, vision, lam),
    }


def _quotas(
    m: _Model, asr: dict[str, Any] | None, vision: dict[str, Any] | None, lam: dict[str, dict[str, float]]
) -> dict[str, Any]:
    v = m.v
    fargate = (vision["workers"] * v["vision_worker_vcpus"] if vision else 0) + (
        asr["workers"] * v["cpu_worker_vcpus"] if asr and m.tier == "cpu" else 0
    )
    return {
        f"fargate{'_spot' if m.scn.cpu_spot else ''}_vcpus_needed": fargate,
        "g_instance_vcpus_needed": asr["workers"] * GPUS[m.scn.gpu_type]["vcpus"]
        if asr and m.tier == "gpu"
        else 0,
        "scoring_lambda_concurrency_needed": math.ceil(lam["scoring"]["concurrency"]),
        "lambda_concurrency_quota": v["lambda_concurrency"],
        "lambda_concurrency_ok": math.ceil(lam["scoring"]["concurrency"]) <= v["lambda_concurrency"],
    }


# -- levers: which settings meet the targets ---------------------------------------------------------

SCORE_2_VCPU = {"score_memory_mb": 3584, "score_threads": 2}  # 2 vCPU, 2 threads: what judge_speed measured
ARM = "(judge speed on Graviton taken as equal: a guess)"
LEVERS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("SCORE_MEMORY_MB 3584, SCORE_JUDGE_THREADS 2 (the measured setting)", SCORE_2_VCPU),
    (f"Lambdas on arm64 {ARM}", {"lambda_arch": "arm64"}),
    (f"SCORE_MEMORY_MB 3584, 2 threads, on arm64 {ARM}", {**SCORE_2_VCPU, "lambda_arch": "arm64"}),
    ("GPU on EC2 Spot", {"gpu_spot": True}),
    ("GPU on EC2 Spot + SCORE_MEMORY_MB 3584, 2 threads", {**SCORE_2_VCPU, "gpu_spot": True}),
    (
        f"GPU on EC2 Spot + SCORE_MEMORY_MB 3584, 2 threads, arm64 {ARM}",
        {**SCORE_2_VCPU, "gpu_spot": True, "lambda_arch": "arm64"},
    ),
    ("GPU g5.xlarge", {"gpu": "g5.xlarge"}),
    ("GPU g4dn.xlarge", {"gpu": "g4dn.xlarge"}),
)


def levers(scn: Scenario, tier: str) -> list[dict[str, Any]]:
    """The default design's alternatives that change the tier's cost, each computed, not asserted."""
    out = []
    for label, change in LEVERS:
        if tier == "cpu" and ("gpu" in change or "gpu_spot" in change):  # no GPU in the cpu tier
            continue
        alt = replace(scn, **change)
        if alt == scn:
            continue
        try:
            p = plan(alt, tier)
        except ValueError:
            continue
        out.append(
            {
                "setting": label,
                "change": change,
                "compute_usd": p["cost_per_interview"]["compute_usd"],
                "drain_hours": p["drain_hours_after_window"],
                "meets": p["meets"],
            }
        )
    return out


def compare(scn: Scenario, tiers: tuple[str, ...] = TIERS) -> dict[str, Any]:
    """The document ``jiping capacity`` prints: scenario, targets, each tier, levers, assumptions."""
    plans = {t: plan(scn, t) for t in tiers}
    levers_ = {t: levers(scn, t) for t in tiers}
    a = assumptions(scn)
    return {
        "scenario": {
            "interviews": scn.interviews,
            "minutes": scn.minutes,
            "answers": scn.answers,
            "clip_seconds": scn.minutes * 60 / scn.answers,
            "window_hours": scn.window_hours,
            "region_profile": scn.region_profile,
            "region": scn.region,
            "gpu": scn.gpu_type,
            "cpu_spot": scn.cpu_spot,
            "gpu_spot": scn.gpu_spot,
            "lambda_arch": scn.lambda_arch,
            "score_memory_mb": scn.score_memory_mb,
            "score_threads": scn.score_threads,
            "vision_share": scn.vision_share,
            "cross_clip_batching": scn.cross_clip_batching,
        },
        "targets": {
            "compute_usd_per_interview": TARGET_USD_PER_INTERVIEW,
            "drain_hours_after_window": TARGET_DRAIN_HOURS,
            "scope": "the cost target is compute only (pool workers and Lambdas); Step Functions, S3, DynamoDB, "
            "API Gateway, SQS, EventBridge and logs are estimated separately under outside_the_figure_per_interview",
        },
        "default_tier": DEFAULT_TIER,
        "tiers": plans,
        "verdict": {t: _verdict(p) for t, p in plans.items()},
        "levers": levers_,
        "summary": _summary(plans, levers_),
        "assumptions": [vars(x) for x in a.values()],
        "not_included": [
            "data transfer (NAT gateways, cross-AZ, to the EHR), ECR storage, KMS requests, CloudWatch metrics and alarms",
            "idle warm workers kept on purpose outside the window (none by default: pools scale to zero)",
            "retries, failed and rejected clips, re-evaluations (redrive)",
            "the webhook and WeCom deliveries, the HR workspace, analytics",
            "no GPU figure here was measured on an L4, A10G or T4: run the first GPU check (research 1.1) and --set gpu_relative_speed",
        ],
    }


def _summary(plans: dict[str, dict[str, Any]], levers_: dict[str, list[dict[str, Any]]]) -> list[str]:
    """One line per tier: does it meet the targets as configured, and if not, the cheapest setting that does."""
    out = []
    for tier, p in plans.items():
        name = f"tier {tier}{' (the default)' if p['default_tier'] else ''}"
        if all(p["meets"].values()):
            out.append(f"{name} as configured {_verdict(p)}")
            continue
        meeting = sorted(
            (x for x in levers_[tier] if all(x["meets"].values())), key=lambda x: x["compute_usd"]
        )
        plain = [x for x in meeting if ARM not in x["setting"]]  # no guess about Graviton
        fix = "; none of the computed levers meets both"
        if meeting:
            first = (plain or meeting)[0]
            fix = f"; meets both with: {first['setting']} (${first['compute_usd']:.4f})"
            if meeting[0] is not first:
                fix += f"; cheapest: {meeting[0]['setting']} (${meeting[0]['compute_usd']:.4f})"
        out.append(f"{name} as configured {_verdict(p)}{fix}")
    return out


def _verdict(p: dict[str, Any]) -> str:
    c, d = p["cost_per_interview"]["compute_usd"], p["drain_hours_after_window"]
    ok = p["meets"]["cost"] and p["meets"]["drain"]
    return (
        f"{'meets' if ok else 'does NOT meet'} the targets: compute ${c:.4f} per interview "
        f"({'<=' if p['meets']['cost'] else '>'} ${TARGET_USD_PER_INTERVIEW}), drained {d:.2f} h after the window "
        f"({'<=' if p['meets']['drain'] else '>'} {TARGET_DRAIN_HOURS} h)"
    )


# -- output --------------------------------------------------------------------------------------------


def _money(x: float, currency: str) -> str:
    return (
        f"{'$' if currency == 'USD' else '¥'}{x:.4f}"
        if abs(x) < 1
        else f"{'$' if currency == 'USD' else '¥'}{x:,.2f}"
    )


def _render_tier(p: dict[str, Any], levers_: list[dict[str, Any]]) -> list[str]:
    cur = p["currency"]
    c = p["cost_per_interview"]
    head = f"Tier {p['tier']}{' (default)' if p['default_tier'] else ''}: {_verdict(p)}"
    lines = [head, f"  routes: ASR {p['routes']['asr']}, vision {p['routes']['vision']}"]
    for pool in p["pools"].values():
        lines.append(
            f"  {pool['name']} pool on {pool['runs_on']}: {pool['worker_s_per_clip']:.1f} worker-s a clip "
            f"({pool['pass_s']:.0f} s a pass), {pool['arrivals_clips_per_h']:,.0f} clips/h arrive -> "
            f"{pool['workers_to_keep_pace']} workers to keep pace (max {pool['max_workers']}, running {pool['workers']}); "
            f"scale-out {pool['scale_out_s']:.0f} s; {pool['worker_starts']:.1f} worker starts, {pool['worker_hours']:.1f} worker-h; "
            f"backlog at window end {pool['backlog_at_window_end_clips']:,.0f} clips, drained in {pool['drain_s'] / 60:.1f} min"
        )
        lines.append("    billed: " + ", ".join(f"{k} {_money(val, cur)}" for k, val in pool["cost"].items()))
    lines.append(
        f"  drain after the window: {p['drain_hours_after_window']:.2f} h (pools, then the last interview's features and scoring)"
    )
    lines.append(
        "  compute seconds per interview: "
        + ", ".join(f"{k} {val:.1f}" for k, val in p["compute_seconds_per_interview"].items())
    )
    lines.append(
        f"  compute cost per interview (workers and Lambdas only): {_money(c['compute'], cur)}"
        + (f" = ${c['compute_usd']:.4f}" if cur != "USD" else "")
    )
    lines += [f"    {k:<16} {_money(val, cur)}" for k, val in c["by_stage"].items()]
    o = p["outside_the_figure_per_interview"]
    lines.append(
        f"  outside the figure, estimated per interview: {_money(o['total'], cur)} ({p['state_transitions_per_interview']:.0f} state transitions)"
    )
    lines += [f"    {k:<22} {_money(val, cur)}" for k, val in o.items() if k != "total"]
    lines.append(f"  all-in estimate per interview: {_money(p['all_in_estimate_per_interview'], cur)}")
    s = p["scoring"]
    lines.append(
        f"  judge: {s['judge_s_per_answer']:.1f} s an answer at {s['judge_threads']:g} threads on a {s['gb']:g} GB Lambda; {s['concurrency']:.0f} concurrent"
    )
    lines.append(
        "  quotas needed: "
        + ", ".join(
            f"{k} {val}" if isinstance(val, bool) else f"{k} {val:g}" for k, val in p["quotas"].items()
        )
    )
    if levers_:
        lines.append("  levers (each computed):")
        lines += [
            f"    - {x['setting']}: ${x['compute_usd']:.4f}, drain {x['drain_hours']:.2f} h{' (meets both)' if all(x['meets'].values()) else ''}"
            for x in levers_
        ]
    return lines


def render(doc: dict[str, Any]) -> str:
    s = doc["scenario"]
    lines = [
        f"Capacity for {s['interviews']:,} interviews of {s['minutes']:g} min ({s['answers']} clips of {s['clip_seconds']:.0f} s) "
        f"arriving over {s['window_hours']:g} h, {s['region_profile']} ({s['region']}), warm worker pools",
        f"Targets: compute <= ${doc['targets']['compute_usd_per_interview']} per interview, drained <= "
        f"{doc['targets']['drain_hours_after_window']} h after the window. Note: {doc['targets']['scope']}.",
        "",
        "Summary:",
        *[f"  - {x}" for x in doc["summary"]],
        "",
    ]
    for tier, p in doc["tiers"].items():
        lines += _render_tier(p, doc["levers"][tier]) + [""]
    lines.append("Not included: " + "; ".join(doc["not_included"]))
    lines += ["", "Assumptions ([kind] name = value unit: source):"]
    lines += [
        f"  [{a['kind']}] {a['name']} = {a['value']:g} {a['unit']}: {a['source']}" for a in doc["assumptions"]
    ]
    return "\n".join(lines)


def _rounded(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 6) if abs(x) < 1 else round(x, 2)
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


# -- CLI -----------------------------------------------------------------------------------------------

FLAG_OVERRIDES = {  # named flags that set an assumption
    "gpu_price": "gpu_price_h",
    "fargate_vcpu_price": "fargate_usd_per_vcpu_h",
    "fargate_gb_price": "fargate_usd_per_gb_h",
    "lambda_gb_s_price": "lambda_usd_per_gb_s",
    "asr_cpu_max_workers": "asr_cpu_max_workers",
    "asr_gpu_max_workers": "asr_gpu_max_workers",
    "vision_max_workers": "vision_max_workers",
    "lambda_concurrency": "lambda_concurrency",
    "cny_per_usd": "cny_per_usd",
}


def add_parser(sub: Any) -> None:
    c = sub.add_parser(
        "capacity", help="workers, drain and cost per interview of a peak on the warm worker pools"
    )
    c.add_argument("--interviews", type=int, default=12_000)
    c.add_argument("--minutes", type=float, default=15.0, help="interview length")
    c.add_argument("--answers", type=int, default=6, help="clips (questions) per interview")
    c.add_argument("--window-hours", type=float, default=10.0, help="the hours over which uploads arrive")
    c.add_argument(
        "--tier",
        choices=(*TIERS, "both"),
        default="both",
        help=f"ASR tier (default both; the stack's default is {DEFAULT_TIER})",
    )
    c.add_argument(
        "--gpu", choices=sorted(GPUS), help="gpu tier instance (default g6.xlarge; g5.xlarge in aws-cn)"
    )
    c.add_argument("--region-profile", choices=sorted(REGION_PROFILES), default="aws")
    c.add_argument("--cn-region", choices=("cn-north-1", "cn-northwest-1"), default="cn-north-1")
    c.add_argument("--gpu-spot", action="store_true", help="GPU workers on EC2 Spot")
    c.add_argument("--no-cpu-spot", action="store_true", help="Fargate on demand instead of Fargate Spot")
    c.add_argument("--lambda-arch", choices=("x86_64", "arm64"), default="x86_64")
    c.add_argument("--score-memory-mb", type=int, default=constants.SCORE_MEMORY_MB)
    c.add_argument("--score-threads", type=int, default=constants.SCORE_JUDGE_THREADS)
    c.add_argument(
        "--vision-share", type=float, default=1.0, help="share of interviews with video analysis consent"
    )
    c.add_argument(
        "--no-cross-clip-batching", action="store_true", help="gpu: batch each clip's chunks alone"
    )
    c.add_argument("--gpu-price", type=float, help="an hour, in the profile's currency")
    c.add_argument("--fargate-vcpu-price", type=float, help="USD per vCPU-hour (us-east-1 basis)")
    c.add_argument("--fargate-gb-price", type=float, help="USD per GB-hour (us-east-1 basis)")
    c.add_argument("--lambda-gb-s-price", type=float, help="USD per GB-second (us-east-1 basis)")
    c.add_argument("--asr-cpu-max-workers", type=int)
    c.add_argument("--asr-gpu-max-workers", type=int)
    c.add_argument("--vision-max-workers", type=int)
    c.add_argument("--lambda-concurrency", type=int)
    c.add_argument("--cny-per-usd", type=float)
    c.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="replace any assumption (see the list printed)",
    )
    c.add_argument("--json", action="store_true")


def scenario_from(args: argparse.Namespace) -> Scenario:
    overrides = [
        (key, float(getattr(args, flag)))
        for flag, key in FLAG_OVERRIDES.items()
        if getattr(args, flag) is not None
    ]
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set {item!r}: NAME=VALUE")
        overrides.append((name.strip(), float(value)))
    return Scenario(
        interviews=args.interviews,
        minutes=args.minutes,
        answers=args.answers,
        window_hours=args.window_hours,
        region_profile=args.region_profile,
        cn_region=args.cn_region,
        gpu=args.gpu,
        cpu_spot=not args.no_cpu_spot,
        gpu_spot=args.gpu_spot,
        lambda_arch=args.lambda_arch,
        score_memory_mb=args.score_memory_mb,
        score_threads=args.score_threads,
        vision_share=args.vision_share,
        cross_clip_batching=not args.no_cross_clip_batching,
        overrides=tuple(overrides),
    )


def run(args: argparse.Namespace) -> int:
    try:
        doc = compare(scenario_from(args), TIERS if args.tier == "both" else (args.tier,))
    except ValueError as exc:
        print(f"jiping: {exc}")
        return 2
    print(json.dumps(_rounded(doc), indent=2, ensure_ascii=False) if args.json else render(doc))
    return 0
