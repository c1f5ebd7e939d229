"""``jiping capacity``: how the stack absorbs a campus-recruiting peak, and what it costs.

A model, not a measurement: it combines figures measured on this project's machine (``make bench``:
vision, CPU transcription) with published GPU figures and AWS prices and quotas, every one printed with
its source, and reasons about the workflow's own levers: the upload buffer queue (how fast executions
start), the answers Map's concurrency, and the GPU Batch compute environment's max vCPUs. Prices and
quotas change: override them (``--gpu-price``, ``--max-vcpus``…) with your account's figures.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from infra import constants

# GPU instances Batch may use: vCPUs, GPU, and on-demand price (us-east-1, Linux).
GPUS: dict[str, dict[str, Any]] = {
    "g6.xlarge": {"vcpus": 4, "gpu": "NVIDIA L4 24 GB", "usd_per_hour": 0.8048},
    "g5.xlarge": {"vcpus": 4, "gpu": "NVIDIA A10G 24 GB", "usd_per_hour": 1.006},
    "g6.2xlarge": {"vcpus": 8, "gpu": "NVIDIA L4 24 GB", "usd_per_hour": 0.9776},
}
PRICE_SOURCE = "AWS EC2 On-Demand pricing, us-east-1 Linux (aws.amazon.com/ec2/pricing); check your region"


@dataclass(frozen=True)
class Assumption:
    name: str
    value: float | str
    unit: str
    source: str


@dataclass
class Plan:
    interviews: int
    minutes: float
    gpu: str
    window_hours: float
    answers: int
    assumptions: list[Assumption] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    levers: list[str] = field(default_factory=list)


def assumptions(gpu: str, gpu_price: float | None) -> dict[str, Assumption]:
    spec = GPUS[gpu]
    a = [
        Assumption(
            "asr_gpu_rtf",
            0.022,
            "s of GPU per s of audio",
            "faster-whisper README: large-v2, batched (bs 8), fp16, 13 min in 17 s on an RTX 3070 Ti "
            "(reference/performance-facts.md); taken as-is for an L4 / A10G",
        ),
        Assumption(
            "gpu_job_overhead_s",
            45.0,
            "s per Batch job",
            "assumed: container start and large-v3 load from the baked image (≈3 GB) on a warm host",
        ),
        Assumption(
            "asr_cpu_rtf",
            0.32,
            "s per s of audio (short clips, Lambda)",
            "measured: make bench, TranscribeOnLambda on the sample answers (q1_zh 0.32, q2_en 0.37), "
            "whisper base int8 on 2 cores",
        ),
        Assumption(
            "vision_cpu_s_per_s",
            0.100,
            "CPU-s per s of video",
            "measured: make bench, 15-minute 640x480 video, face 4 fps + pose 1 fps (bench/results/latest.txt)",
        ),
        Assumption(
            "fargate_vision_vcpus",
            constants.VISION_JOB_VCPUS,
            "vCPU per vision job",
            "the VisionOnBatch job definition (infra/constants.py)",
        ),
        Assumption("fargate_usd_per_vcpu_hour", 0.04048, "USD", "AWS Fargate pricing, us-east-1, Linux x86"),
        Assumption("fargate_usd_per_gb_hour", 0.004445, "USD", "AWS Fargate pricing, us-east-1"),
        Assumption(
            "fargate_gb_per_job",
            constants.VISION_JOB_MEMORY_MIB / 1024,
            "GB",
            "the VisionOnBatch job definition",
        ),
        Assumption(
            "lambda_usd_per_gb_s", 0.0000166667, "USD", "AWS Lambda pricing, x86 (arm64: 0.0000133334)"
        ),
        Assumption(
            "lambda_gb_s_per_interview",
            60.0,
            "GB-s",
            "assumed from make bench's stage times: probe, plan, audio features, text features, "
            "scoring, persist, publish ≈ 40 s at 1-2 GB for a 15-minute interview",
        ),
        Assumption(
            "transitions_per_answer",
            13.0,
            "state transitions",
            "the workflow's happy path for one clip: ProbeMedia, Accepted?, PlanAnswers, Analyse and its "
            "two branches' 5 states, RecordTranscribed, PublishTranscribed, AllAnswered?, Transcribed",
        ),
        Assumption(
            "transitions_scoring",
            6.0,
            "state transitions + 1 per answer",
            "PlanScoring, AnalyseAnswers (+ one AnalyseAnswer per question), ScoreInterview, PublishScored, Scored",
        ),
        Assumption("sfn_usd_per_1000_transitions", 0.025, "USD", "AWS Step Functions Standard pricing"),
        Assumption(
            "start_execution_per_s",
            300.0,
            "per s (burst 1,300)",
            "Step Functions quota, major regions (reference/webhooks-wecom-aws-privacy-facts.md)",
        ),
        Assumption("lambda_concurrency", 1000.0, "concurrent", "Lambda regional default quota"),
        Assumption(
            "gpu_vcpus",
            float(max(spec["vcpus"], constants.GPU_JOB_VCPUS)),
            "vCPU per job (one job per GPU)",
            f"{gpu}: 1 x {spec['gpu']}, {spec['vcpus']} vCPU; a job asks {constants.GPU_JOB_VCPUS}",
        ),
        Assumption(
            "gpu_usd_per_hour",
            gpu_price if gpu_price is not None else spec["usd_per_hour"],
            "USD",
            "--gpu-price" if gpu_price is not None else PRICE_SOURCE,
        ),
    ]
    return {x.name: x for x in a}


def plan(
    interviews: int,
    minutes: float,
    gpu: str,
    *,
    window_hours: float = 10.0,
    answers: int = 6,
    max_vcpus: int | None = None,
    gpu_price: float | None = None,
) -> Plan:
    """GPU hours, Batch scaling, quotas, time to drain and cost per interview for a peak."""
    if gpu not in GPUS:
        raise ValueError(f"unknown GPU instance {gpu!r}: one of {sorted(GPUS)}")
    if interviews < 1 or minutes <= 0 or window_hours <= 0 or answers < 1:
        raise ValueError("interviews, minutes, window hours and answers must be positive")
    a = {k: v.value for k, v in assumptions(gpu, gpu_price).items()}
    vcpus = max_vcpus if max_vcpus is not None else int(str(constants.DEFAULTS["jiping:gpuMaxVcpus"]))
    audio_s = minutes * 60
    # One clip per answer: a clip up to jiping:shortClipMaxSeconds is transcribed on Lambda (CPU), longer
    # ones on the GPU, one Batch job each.
    short_clips = audio_s / answers <= float(str(constants.DEFAULTS["jiping:shortClipMaxSeconds"]))
    gpu_jobs = 0 if short_clips else answers
    gpu_s_per_interview = (0.0 if short_clips else audio_s * float(a["asr_gpu_rtf"])) + gpu_jobs * float(
        a["gpu_job_overhead_s"]
    )
    cpu_asr_gb_s = (
        audio_s * float(a["asr_cpu_rtf"]) * 6.0 if short_clips else 0.0
    )  # 6 GB transcription Lambda
    transitions = answers * float(a["transitions_per_answer"]) + float(a["transitions_scoring"]) + answers
    gpu_hours = interviews * gpu_s_per_interview / 3600
    instances = max(1, vcpus // int(float(a["gpu_vcpus"])))
    gpu_s_per_interview = max(gpu_s_per_interview, 1e-9)
    arrival_per_hour = interviews / window_hours
    capacity_per_hour = instances * 3600 / gpu_s_per_interview
    drain_hours = max(window_hours, gpu_hours / instances) + gpu_s_per_interview / 3600
    backlog_peak = max(0.0, (arrival_per_hour - capacity_per_hour) * window_hours)
    vision_cpu_hours = interviews * audio_s * float(a["vision_cpu_s_per_s"]) / 3600
    vision_job_hours = vision_cpu_hours / float(a["fargate_vision_vcpus"])  # the job's vCPUs in parallel
    cost = {
        "gpu": gpu_hours * float(a["gpu_usd_per_hour"]),
        "vision_fargate": vision_job_hours
        * (
            float(a["fargate_vision_vcpus"]) * float(a["fargate_usd_per_vcpu_hour"])
            + float(a["fargate_gb_per_job"]) * float(a["fargate_usd_per_gb_hour"])
        ),
        "lambda": interviews
        * (float(a["lambda_gb_s_per_interview"]) + cpu_asr_gb_s)
        * float(a["lambda_usd_per_gb_s"]),
        "step_functions": interviews * transitions / 1000 * float(a["sfn_usd_per_1000_transitions"]),
    }
    peak_starts_per_s = arrival_per_hour / 3600
    needed_instances = math.ceil(arrival_per_hour / (3600 / gpu_s_per_interview))
    out = Plan(interviews, minutes, gpu, window_hours, answers, list(assumptions(gpu, gpu_price).values()))
    out.figures = {
        "audio_hours": round(interviews * audio_s / 3600, 1),
        "gpu_s_per_interview": round(gpu_s_per_interview, 1),
        "gpu_hours": round(gpu_hours, 1),
        "max_vcpus": vcpus,
        "gpu_instances_at_max": instances,
        "interviews_per_hour_at_max": round(capacity_per_hour, 1),
        "arrivals_per_hour": round(arrival_per_hour, 1),
        "instances_to_keep_up": needed_instances,
        "max_vcpus_to_keep_up": needed_instances * int(float(a["gpu_vcpus"])),
        "backlog_at_end_of_window": round(backlog_peak),
        "hours_to_drain": round(drain_hours, 2),
        "start_execution_per_s_needed": round(peak_starts_per_s, 3),
        "start_execution_headroom": round(float(a["start_execution_per_s"]) / max(peak_starts_per_s, 1e-9)),
        "vision_cpu_hours": round(vision_cpu_hours, 1),
        "cost_usd_total": round(sum(cost.values()), 2),
        "cost_usd_per_interview": round(sum(cost.values()) / interviews, 4),
        **{f"cost_usd_{k}": round(v, 2) for k, v in cost.items()},
    }
    overhead = gpu_jobs * float(a["gpu_job_overhead_s"]) / gpu_s_per_interview if gpu_jobs else 0.0
    out.figures["gpu_job_overhead_share"] = round(overhead, 3)
    if overhead > 0.5:
        out.levers.append(
            f"{overhead:.0%} of the GPU time is job start and model load ({gpu_jobs} jobs an interview): record "
            "one video with a question timeline (one job) or clips of at most jiping:shortClipMaxSeconds (Lambda)"
        )
    if needed_instances > instances:
        out.levers.append(
            f"raise jiping:gpuMaxVcpus from {vcpus} to {needed_instances * int(float(a['gpu_vcpus']))} to keep up "
            f"with {arrival_per_hour:.0f} interviews an hour (else a backlog of {backlog_peak:.0f} drains "
            f"{drain_hours - window_hours:.1f} h after the window), and check the account's G-instance vCPU quota"
        )
    else:
        out.levers.append(f"jiping:gpuMaxVcpus {vcpus} keeps up: {capacity_per_hour:.0f} an hour at most")
    out.levers += [
        f"the upload buffer queue starts {constants.STARTER_BATCH_SIZE} executions per batch; "
        f"{peak_starts_per_s:.2f} starts/s is far under StartExecution's {a['start_execution_per_s']:.0f}/s",
        f"the answers Map runs {constants.ANSWER_MAP_CONCURRENCY} answers of one interview at once (Lambda, "
        f"not the GPU): raise it only for interviews with many questions",
        "GPU jobs queue in Batch, not in Step Functions: executions wait (.sync) at no cost but transitions",
    ]
    return out


def render(p: Plan) -> str:
    lines = [
        f"Capacity for {p.interviews:,} interviews of {p.minutes:g} min ({p.answers} clips each) arriving over "
        f"{p.window_hours:g} h, transcribed on {p.gpu}",
        "",
    ]
    width = max(len(k) for k in p.figures)
    lines += [f"  {k:<{width}}  {v:,}" for k, v in p.figures.items()]
    lines += ["", "Levers:"] + [f"  - {x}" for x in p.levers]
    lines += ["", "Assumptions (value, unit, source):"]
    lines += [f"  - {a.name} = {a.value} {a.unit}: {a.source}" for a in p.assumptions]
    return "\n".join(lines)


def add_parser(sub: Any) -> None:
    c = sub.add_parser("capacity", help="GPU hours, scaling, quotas, time to drain and cost of a peak")
    c.add_argument("--interviews", type=int, default=12_000)
    c.add_argument("--minutes", type=float, default=15.0, help="interview length")
    c.add_argument("--gpu", default="g6.xlarge", choices=sorted(GPUS))
    c.add_argument("--answers", type=int, default=6, help="clips (questions) per interview")
    c.add_argument("--window-hours", type=float, default=10.0, help="the hours over which uploads arrive")
    c.add_argument(
        "--max-vcpus", type=int, help="the GPU compute environment's max vCPUs (default: the stack's)"
    )
    c.add_argument("--gpu-price", type=float, help="USD an hour, to replace the published on-demand price")
    c.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    try:
        p = plan(
            args.interviews,
            args.minutes,
            args.gpu,
            window_hours=args.window_hours,
            answers=args.answers,
            max_vcpus=args.max_vcpus,
            gpu_price=args.gpu_price,
        )
    except ValueError as exc:
        print(f"jiping: {exc}")
        return 2
    print(json.dumps(asdict(p), indent=2, ensure_ascii=False) if args.json else render(p))
    return 0
