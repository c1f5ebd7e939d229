"""The judge's speed and memory on this machine: ``python -m bench.judge_speed`` (part of ``make bench``).

A six-question interview of realistic answers (the graded corpus's level-4 and level-5 accounts, on two
Chinese and one English profile, each judged on every competency its question probes) goes through the
real judge with nothing cached: the model's load, then each answer's wall time, the tokens the model
evaluated, and the process's peak resident memory. Targets on 2 cores: ≤ 15 s an answer, ≤ 120 s the
interview. Written to ``bench/results/judge_speed.txt``.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import psutil
from jiping.scoring.judge.calibration import load_calibration
from jiping.scoring.judge.judge import judge_answer

from bench.graded import REPO, load_corpus, question_text

RESULTS = REPO / "bench" / "results"
PICK = [  # (profile, question): one answer each, six questions in all
    ("customer-service", "difficult_customer"),
    ("customer-service", "explain_policy"),
    ("customer-service", "complex_issue"),
    ("sales-manager", "biggest_deal"),
    ("sales-manager", "tough_negotiation"),
    ("project-manager", "risk_ahead"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "judge_speed.txt")
    args = parser.parse_args()
    from jiping.scoring.encoder import load_encoder
    from jiping.scoring.judge.llm import load_judge_model

    process = psutil.Process()
    models = REPO / ".cache" / "models"
    started = time.perf_counter()
    model = load_judge_model(cache_dir=models, threads=args.threads)
    encoder = load_encoder(None, models, True)
    load_s = time.perf_counter() - started
    profiles, answers = load_corpus()
    lines = [
        f"judge speed, {platform.machine()}, {psutil.cpu_count()} cores, llama.cpp threads {args.threads}",
        f"model {model.label}; calibration {load_calibration().label}",
        f"load (model mmap + encoder): {load_s:.1f} s",
        "",
        f"{'answer':38s} {'comps':>5s} {'chars':>6s} {'tokens':>7s} {'seconds':>8s}",
    ]
    total = 0.0
    peak = process.memory_info().rss
    for profile_id, qid in PICK:
        profile = profiles[profile_id]
        answer = next(
            a
            for a in answers
            if a.profile == profile_id
            and a.question == qid
            and a.kind == "honest"
            and max(a.levels.values()) >= 4
        )
        question = next(q for q in profile.questions if q.id == qid)
        before = model.tokens_evaluated
        t = time.perf_counter()
        judge_answer(
            qid,
            question_text(profile, qid, answer.language),
            answer.text,
            [profile.competency(c) for c in question.competencies],
            profile_language=profile.language,
            model=model,
            encoder=encoder,
            calibration=load_calibration(),
        )
        seconds = time.perf_counter() - t
        total += seconds
        peak = max(peak, process.memory_info().rss)
        lines.append(
            f"{answer.id:38s} {len(question.competencies):5d} {len(answer.text):6d} "
            f"{model.tokens_evaluated - before:7d} {seconds:8.1f}"
        )
    lines += [
        "",
        f"six-question interview: {total:.1f} s (target <= 120 s); slowest answer "
        f"{max(float(line.split()[-1]) for line in lines[5:]):.1f} s (target <= 15 s)",
        f"peak RSS {peak / 2**30:.2f} GiB",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
