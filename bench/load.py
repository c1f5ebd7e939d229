"""The campus peak in miniature: hundreds of short interviews uploaded at once to the local cloud.

Every upload is one interview (a short answer clip: the English sample answer, whisper tiny.en), all
PUT within a second or two; a tenth of them get their S3 event delivered twice more. Every clip is
transcribed by the local CPU worker pool (worker threads on the emulated SQS queue, answering the
workflow's waitForTaskToken tasks). The run checks that nothing is lost (every interview ends in a
recorded state), nothing is duplicated (one execution per upload, one TRANSCRIBED per interview, one
accepted pool answer per clip) and the queues drain, and reports throughput, latency percentiles
(upload to the execution's end) and how the pool batched. ``make bench`` runs it after ``bench.run``.

    python -m bench.load [--interviews 200] [--model tiny.en]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from infra import constants
from infra.localcloud.cloud import LocalCloud

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "events" / "media" / "q2_en.mp4"
RESULTS = REPO / "bench" / "results"
TENANT = "t-load"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interviews", type=int, default=200)
    parser.add_argument("--model", default="tiny.en", help="the whisper model of the Transcribe stage")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    process = psutil.Process()
    peak_rss = 0
    with (
        LocalCloud() as cloud,
        cloud.function_overrides(constants.ASR_CPU_POOL, {"WHISPER_MODEL": args.model}),
    ):
        # Each interview as the portal registers it, with the candidate's consent to video analysis,
        # so that every execution runs both branches (registered before the clock starts).
        for i in range(args.interviews):
            cloud.register_consent(TENANT, f"iv-load-{i:04d}")
        cloud.register_consent(TENANT, "iv-load-warmup")
        warm = cloud.upload(CLIP, TENANT, "iv-load-warmup", "answer.mp4")  # model loads, not measured
        cloud.wait_for_execution(cloud.execution_arn(**warm), timeout=600)
        before = {e["executionArn"] for e in cloud.executions()}  # the warm-up's: one, on the first page
        pool = cloud.pools[constants.ASR_CPU_POOL]
        answered_before = len(pool.answers)
        passes_before = sum(len(w.passes) for w in pool_workers(pool))
        sqs = cloud.client("sqs")
        started = time.time()
        uploads: list[tuple[str, dict[str, str], float]] = []
        for i in range(args.interviews):
            interview = f"iv-load-{i:04d}"
            up = cloud.upload(CLIP, TENANT, interview, "answer.mp4")
            uploads.append((interview, up, time.time()))
            if i % 10 == 0:  # at least once: the same S3 event twice more
                event = json.loads((REPO / "events" / "s3_object_created.json").read_text())
                event["detail"]["bucket"]["name"] = up["bucket"]
                event["detail"]["object"].update({"key": up["key"], "version-id": up["version_id"]})
                for _ in range(2):
                    sqs.send_message(
                        QueueUrl=cloud.outputs[constants.OUTPUT_BUFFER_QUEUE], MessageBody=json.dumps(event)
                    )
        submitted_s = time.time() - started
        latencies: list[float] = []
        statuses: dict[str, int] = {}
        for _interview, up, at in uploads:
            result = cloud.wait_for_execution(cloud.execution_arn(**up), timeout=args.timeout)
            desc = cloud.client("stepfunctions").describe_execution(executionArn=result.arn)
            stop = desc["stopDate"]
            stop_s = stop.timestamp() if isinstance(stop, datetime) else float(stop)
            latencies.append(stop_s - at)
            statuses[result.status] = statuses.get(result.status, 0) + 1
            peak_rss = max(peak_rss, process.memory_info().rss)
        finished = max(at + lat for (_, _, at), lat in zip(uploads, latencies, strict=True))
        cloud.drain(timeout=120)
        pages = cloud.client("stepfunctions").get_paginator("list_executions")
        every = [
            e for page in pages.paginate(stateMachineArn=cloud.state_machine_arn) for e in page["executions"]
        ]
        executions = [e for e in every if e["executionArn"] not in before]
        repo_rows = [cloud_row(cloud, interview) for interview, _, _ in uploads]
        transcribed = sum(1 for r in repo_rows if r is not None and r.status.value == "TRANSCRIBED")
        once = sum(
            1
            for r in repo_rows
            if r is not None and [h.status.value for h in r.status_history].count("TRANSCRIBED") == 1
        )
        depth = sqs.get_queue_attributes(
            QueueUrl=cloud.outputs[constants.OUTPUT_BUFFER_QUEUE],
            AttributeNames=["ApproximateNumberOfMessages"],
        )["Attributes"]["ApproximateNumberOfMessages"]
        pool_depth = sum(
            int(v)
            for v in sqs.get_queue_attributes(
                QueueUrl=cloud.outputs[f"{constants.ASR_CPU_POOL}QueueUrl"],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"].values()
        )
        answers = pool.answers[answered_before:]
        accepted = [a for a in answers if a.accepted]
        passes = [p for w in pool_workers(pool) for p in w.passes][passes_before:]
        workers = len(pool.workers)
    wall = finished - started
    lines = [
        f"load: {args.interviews} interviews ({CLIP.name}, {args.model}) uploaded in {submitted_s:.1f} s, "
        f"{args.interviews // 10 + (1 if args.interviews % 10 else 0)} S3 events delivered 3 times; {os.cpu_count()} cores",
        f"  executions started: {len(executions)} (one per upload: {len(executions) == args.interviews}); "
        f"statuses {statuses}",
        f"  interviews TRANSCRIBED: {transcribed}/{args.interviews}; recorded once: {once}/{args.interviews}; "
        f"buffer queue after: {depth} messages",
        f"  all done in {wall:.1f} s: {args.interviews / wall * 60:.1f} interviews a minute",
        f"  latency upload -> end: p50 {percentile(latencies, 0.5):.1f} s, p95 {percentile(latencies, 0.95):.1f} s, "
        f"p99 {percentile(latencies, 0.99):.1f} s, max {max(latencies):.1f} s, mean {statistics.mean(latencies):.1f} s",
        f"  transcription pool ({workers} workers): {len(accepted)} answers accepted for "
        f"{args.interviews} clips ({len({a.token for a in accepted})} distinct tasks), {len(answers) - len(accepted)} "
        f"refused; {len(passes)} passes, clips a pass: max {max((p.received for p in passes), default=0)}, "
        f"mean {statistics.mean([p.received for p in passes]) if passes else 0:.1f}; queue after: {pool_depth}",
        f"  peak RSS of the local cloud process: {peak_rss / 2**30:.2f} GiB",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.txt").write_text(text + "\n")
    ok = (
        len(executions) == args.interviews
        and transcribed == once == args.interviews
        and depth == "0"
        and len(accepted) == len({a.token for a in accepted}) == args.interviews
        and pool_depth == 0
    )
    return 0 if ok else 1


def pool_workers(pool: Any) -> list[Any]:
    """The PoolWorker objects of a local pool's threads (their pass reports)."""
    return [w.worker for w in pool.workers if w.worker is not None]


def cloud_row(cloud: LocalCloud, interview: str):
    from jiping.adapters.dynamo.interviews import DynamoInterviewRepository

    return DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE]).get(TENANT, interview)


if __name__ == "__main__":
    raise SystemExit(main())
