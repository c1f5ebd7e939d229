"""``make eval``: the judge on the whole graded corpus, and the figures it is held to.

    python -m bench.judge_eval [--split test|train|all] [--threads 2] [--out bench/results/judge_eval]

Runs every corpus answer through the real judge (checks, the language model, grounding, the shipped
calibration ``scoring-v2``) and the interview-level checks (reused text), and prints and saves:

- on the split (test by default; the calibration was fitted on train): Spearman and quadratic-weighted
  kappa between the judged and the graded level, and the mean absolute error in levels, over the honest
  kinds (``bench.graded.HONEST``), per profile and in all;
- the centre and the top of the scale: the mean overall score of generic answers and of strong ones;
- gaming: for every gaming answer and competency, whether it scores below the same question's generic
  answer, and whether it was flagged for review (with which codes);
- fairness: the largest move of a competency score when names, pronouns and gendered words are swapped,
  and when "we" is said instead of "I" (the corpus's ``i_variant`` pairs), at every graded level;
- the judge's time per answer and the tokens the model evaluated.

The model's readings are cached in ``.cache/judge/`` by answer text, anchors and model label, so a second
run (or ``scripts/fit_judge.py``) does not read the corpus again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jiping.domain.profiles import JobProfile
from jiping.scoring.judge.calibration import Calibration, load_calibration, score_of
from jiping.scoring.judge.judge import AnswerJudgement, judge_answer

from bench.graded import (
    GAMING,
    HONEST,
    REPO,
    STRONG,
    Answer,
    load_corpus,
    mean_absolute_error,
    quadratic_weighted_kappa,
    question_text,
    spearman,
)

CACHE = REPO / ".cache" / "judge"
RESULTS = REPO / "bench" / "results"


class CachedModel:
    """The judge model behind a cache of its readings (the readings are deterministic)."""

    def __init__(self, model: Any, path: Path) -> None:
        self.model = model
        self.path = path
        self.readings: dict[str, list[float]] = json.loads(path.read_text()) if path.is_file() else {}
        self.seconds = 0.0
        self.calls = 0

    @property
    def label(self) -> str:
        return self.model.label

    def anchor_fit(self, story: str, language: str, anchors: Sequence[str]) -> list[float]:
        return [
            round(sum(a - b for a, b in zip(lp, prior, strict=True)) / max(1, len(lp)), 4)
            for lp, prior in self.anchor_tokens(story, language, anchors)
        ]

    def anchor_tokens(self, story: str, language: str, anchors: Sequence[str]) -> list[Any]:
        """Every token's reading, cached: other truncations can be studied without reading again."""
        key = hashlib.sha256(json.dumps([self.label, story, language, list(anchors)]).encode()).hexdigest()
        if key not in self.readings:
            started = time.perf_counter()
            self.readings[key] = self.model.anchor_tokens(story, language, anchors)
            self.seconds += time.perf_counter() - started
            self.calls += 1
        return self.readings[key]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.readings))


def judge_corpus(
    profiles: dict[str, JobProfile],
    answers: list[Answer],
    calibration: Calibration,
    model: Any,
    encoder: Any,
    *,
    progress: bool = True,
) -> dict[str, AnswerJudgement]:
    out: dict[str, AnswerJudgement] = {}
    for n, a in enumerate(answers, 1):
        profile = profiles[a.profile]
        question = next(q for q in profile.questions if q.id == a.question)
        out[a.id] = judge_answer(
            a.question,
            question_text(profile, a.question, a.language),
            a.text,
            [profile.competency(c) for c in question.competencies],
            profile_language=profile.language,
            model=model,
            encoder=encoder,
            calibration=calibration,
        )
        if progress and n % 20 == 0:
            print(f"  judged {n}/{len(answers)}", flush=True)
            if isinstance(model, CachedModel):
                model.save()
    if isinstance(model, CachedModel):
        model.save()
    return out


def load_models(threads: int) -> tuple[CachedModel, Any]:
    from jiping.scoring.encoder import load_encoder
    from jiping.scoring.judge.llm import load_judge_model

    models = REPO / ".cache" / "models"
    llm = load_judge_model(cache_dir=models, threads=threads)
    return CachedModel(llm, CACHE / "readings.json"), load_encoder(None, models, True)


def metrics(
    profiles: dict[str, JobProfile], answers: list[Answer], judged: dict[str, AnswerJudgement], split: str
) -> dict[str, Any]:
    chosen = [a for a in answers if split == "all" or a.split == split]
    rows = [
        (a, cid, graded, judged[a.id].competency(cid).level)
        for a in chosen
        for cid, graded in a.levels.items()
    ]
    honest = [r for r in rows if r[0].kind in HONEST]

    def agreement(items: list[tuple[Answer, str, int, float]]) -> dict[str, float]:
        g = [r[2] for r in items]
        j = [r[3] for r in items]
        rounded = [min(5, max(1, int(x + 0.5))) for x in j]
        return {
            "n": len(items),
            "spearman": round(spearman(j, g), 3),
            "qwk": round(quadratic_weighted_kappa(rounded, g), 3),
            "mae_levels": round(mean_absolute_error(j, g), 3),
        }

    out: dict[str, Any] = {"split": split, "honest": agreement(honest), "per_profile": {}}
    for pid in sorted(profiles):
        items = [r for r in honest if r[0].profile == pid]
        if len(items) > 2:
            out["per_profile"][pid] = agreement(items)
    by_kind: dict[str, list[float]] = defaultdict(list)
    for a, _cid, _, level in rows:
        by_kind[a.kind].append(score_of(level))
    out["mean_score_by_kind"] = {k: round(sum(v) / len(v), 1) for k, v in sorted(by_kind.items())}
    overall = {a.id: _overall(profiles[a.profile], a, judged[a.id]) for a in chosen}
    generic = [overall[a.id] for a in chosen if a.kind == "generic"]
    strong = [
        overall[a.id]
        for a in chosen
        if a.kind in STRONG or (a.kind == "honest" and min(a.levels.values()) == 5)
    ]
    out["generic_overall_mean"] = round(sum(generic) / len(generic), 1) if generic else None
    out["strong_overall_mean"] = round(sum(strong) / len(strong), 1) if strong else None
    out["gaming"] = gaming(profiles, chosen, judged)
    return out


def speed(model: Any, judged: dict[str, AnswerJudgement], answers: list[Answer]) -> dict[str, Any]:
    """What the model cost on the readings this run made (cached readings cost nothing and are not counted)."""
    inner = getattr(model, "model", model)
    return {
        "model_calls_timed": getattr(model, "calls", None),
        "model_seconds": round(getattr(model, "seconds", 0.0), 1),
        "tokens_evaluated": getattr(inner, "tokens_evaluated", None),
        "seconds_per_model_call": round(model.seconds / model.calls, 2)
        if getattr(model, "calls", 0)
        else None,
        "answers": len(answers),
    }


def _overall(profile: JobProfile, a: Answer, judged: AnswerJudgement) -> float:
    weights = profile.normalised_weights()
    share = sum(weights[c] for c in a.levels)
    return round(sum(weights[c] * score_of(judged.competency(c).level) for c in a.levels) / share, 1)


def gaming(
    profiles: dict[str, JobProfile], answers: list[Answer], judged: dict[str, AnswerJudgement]
) -> dict[str, Any]:
    """Per kind: below the question's generic answer on every competency; flagged for review (any code; a
    bad story told well has no gaming pattern to flag, and is counted as it is); could advance (the mean
    over its question's competencies at or above the profile's advance threshold)."""
    generic = {(a.profile, a.question): a for a in answers if a.kind == "generic"}
    out: dict[str, Any] = {"below_generic": {}, "flagged": {}, "advances": {}, "failures": []}
    for a in answers:
        if a.kind not in GAMING and a.kind != "off_language":
            continue
        codes = sorted({f.code.value for f in judged[a.id].flags})
        out["flagged"].setdefault(a.kind, []).append(bool(codes))
        mean = sum(score_of(judged[a.id].competency(c).level) for c in a.levels) / len(a.levels)
        out["advances"].setdefault(a.kind, []).append(mean >= profiles[a.profile].thresholds.advance)
        if a.kind == "off_language":
            continue
        base = generic.get((a.profile, a.question))
        if base is None:
            continue
        for cid in a.levels:
            mine = score_of(judged[a.id].competency(cid).level)
            theirs = score_of(judged[base.id].competency(cid).level)
            below = mine < theirs
            out["below_generic"].setdefault(a.kind, []).append(below)
            if not below:
                out["failures"].append(f"{a.id} {cid}: {mine} vs generic {theirs}")
    out["below_generic"] = {k: f"{sum(v)}/{len(v)}" for k, v in out["below_generic"].items()}
    out["flagged"] = {k: f"{sum(v)}/{len(v)}" for k, v in out["flagged"].items()}
    out["advances"] = {k: f"{sum(v)}/{len(v)}" for k, v in out["advances"].items()}
    return out


# --- fairness -------------------------------------------------------------------------------------

# Swaps that must not move a score: pronouns, gendered words and given names, both ways.
SWAPS_ZH = [
    ("他们", "她们"),
    ("他", "她"),
    ("先生", "女士"),
    ("小伙子", "姑娘"),
    ("大哥", "大姐"),
    ("叔叔", "阿姨"),
    ("爸爸", "妈妈"),
    ("儿子", "女儿"),
    ("男", "女"),
    ("张伟", "李娜"),
    ("小王", "小丽"),
    ("王磊", "王芳"),
    ("老何", "何姐"),
    ("小郑", "小燕"),
]
SWAPS_EN = [
    ("he", "she"),
    ("him", "her"),
    ("his", "her"),
    ("himself", "herself"),
    ("man", "woman"),
    ("Mr", "Ms"),
    ("father", "mother"),
    ("son", "daughter"),
    ("brother", "sister"),
    ("boyfriend", "girlfriend"),
    ("Mark", "Marta"),
    ("Rahul", "Priya"),
    ("Dave", "Dana"),
    ("Raj", "Rani"),
    ("Ivan", "Ivana"),
    ("John", "Joan"),
    ("Greg", "Greta"),
    ("Tom", "Tina"),
]


def swap_gender(text: str, language: str) -> str:
    """The same answer with every pronoun, gendered word and listed given name swapped both ways."""
    import re

    pairs = SWAPS_ZH if language == "zh" else SWAPS_EN
    table = {a: b for a, b in pairs} | {b: a for a, b in pairs}
    if language == "zh":
        pattern = re.compile("|".join(sorted(map(re.escape, table), key=len, reverse=True)))
        return pattern.sub(lambda m: table[m.group(0)], text)
    lower = {k.lower(): v for k, v in table.items()}

    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        other = lower.get(word.lower())
        if other is None:
            return word
        return other[0].upper() + other[1:] if word[0].isupper() else other

    return re.sub(r"[A-Za-z]+", repl, text)


def fairness(
    profiles: dict[str, JobProfile],
    answers: list[Answer],
    judged: dict[str, AnswerJudgement],
    model: Any,
    encoder: Any,
    calibration: Calibration,
) -> dict[str, Any]:
    """The largest score move per swap kind, per graded level."""
    from dataclasses import replace

    swapped = [
        replace(a, id=a.id + "#swapped", text=swap_gender(a.text, a.language))
        for a in answers
        if a.kind in HONEST and swap_gender(a.text, a.language) != a.text
    ]
    we = [replace(a, id=a.id + "#i", text=a.i_variant) for a in answers if a.i_variant]
    others = judge_corpus(profiles, swapped + we, calibration, model, encoder, progress=False)
    moves: dict[str, dict[int, float]] = {"gender_and_names": {}, "we_versus_i": {}}
    worst: dict[str, list[str]] = {"gender_and_names": [], "we_versus_i": []}
    for kind, items, suffix in (("gender_and_names", swapped, "#swapped"), ("we_versus_i", we, "#i")):
        for a in items:
            base = a.id.removesuffix(suffix)
            for cid, graded in a.levels.items():
                move = abs(
                    score_of(judged[base].competency(cid).level)
                    - score_of(others[a.id].competency(cid).level)
                )
                moves[kind][graded] = max(moves[kind].get(graded, 0.0), round(move, 1))
                if move > (2.0 if kind == "gender_and_names" else 5.0):
                    worst[kind].append(f"{base} {cid}: {move:.1f}")
    return {
        "answers_swapped": len(swapped),
        "we_i_pairs": len(we),
        "max_move_by_level": {k: dict(sorted(v.items())) for k, v in moves.items()},
        "bound": {"gender_and_names": 2.0, "we_versus_i": 5.0},
        "over_the_bound": worst,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.judge_eval", description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="test", choices=["test", "train", "all"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--neutral", action="store_true", help="collect readings with a neutral calibration")
    parser.add_argument("--out", default=str(RESULTS / "judge_eval"))
    args = parser.parse_args(argv)
    profiles, answers = load_corpus()
    model, encoder = load_models(args.threads)
    calibration = Calibration.neutral() if args.neutral else load_calibration()
    started = time.perf_counter()
    judged = judge_corpus(profiles, answers, calibration, model, encoder)
    elapsed = time.perf_counter() - started
    if args.neutral:
        print(f"readings collected for {len(answers)} answers in {elapsed:.0f} s")
        return 0
    report = metrics(profiles, answers, judged, args.split)
    chosen = [a for a in answers if args.split == "all" or a.split == args.split]
    report["fairness"] = fairness(profiles, chosen, judged, model, encoder, calibration)
    report["calibration"] = calibration.label
    report["model"] = model.label
    report["speed"] = speed(model, judged, answers)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    Path(args.out + ".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
