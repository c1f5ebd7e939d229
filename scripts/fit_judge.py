"""Fit the judge's calibration (``layers/jiping/scoring/scoring_model/scoring-v2.json``) on the corpus's train split.

    python scripts/fit_judge.py [--threads 2]

Only answers from the train split's questions are used (``eval/corpus/*.yaml``, ``test_questions`` excluded),
and of those only the accounts (the checks' ``narrative``): generic answers and gaming are held by the checks'
caps, not by the calibration. Steps:

1. the judge reads every train answer (the model's readings come from ``.cache/judge/`` when present);
2. ridge regression of the graded level on the standardised features (α chosen by leave-one-question-out
   cross-validation among 0.1–100);
3. a linear stretch of the result (``level = mean + s · (z − mean_z)``, ``s`` matching the graded levels'
   spread), so that the scale's ends stay reachable: a ridge fit pulls every prediction to the middle;
4. one-feature maps for the two layers' own readings (the model's anchor fit, the grounded support), used to
   detect disagreement.

The card records the corpus digest, the chosen α, and the train figures (Spearman, QWK, MAE).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "layers")]

from jiping.scoring.judge.calibration import MODEL_DIR, VERSION, Calibration  # noqa: E402 - after the sys.path line above
from jiping.scoring.judge.judge import FEATURES  # noqa: E402
from jiping.scoring.judge.kinds import AnswerKind  # noqa: E402

from bench.graded import (  # noqa: E402
    CORPUS,
    HONEST,
    load_corpus,
    mean_absolute_error,
    quadratic_weighted_kappa,
    spearman,
)
from bench.judge_eval import judge_corpus, load_models  # noqa: E402

ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


def corpus_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(CORPUS.glob("*.yaml")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def ridge(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Weights and bias in the features' own units (fitted on standardised features)."""
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    xs = (x - mu) / sd
    w = np.linalg.solve(xs.T @ xs + alpha * np.eye(x.shape[1]), xs.T @ (y - y.mean()))
    weights = w / sd
    return weights, float(y.mean() - weights @ mu)


def stretch(z: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(start, knot, slope) of ``level = start + slope · max(0, z − knot)``, matching the levels' spread."""
    slope = float(y.std() / z.std()) if z.std() > 0 else 0.0
    knot = float(z.min() - 10.0 * (z.std() or 1.0))
    start = float(y.mean() + slope * (knot - z.mean()))
    return start, knot, slope


def fit(rows: list[tuple[dict[str, float], int, str]]) -> dict:
    x = np.asarray([[f[n] for n in FEATURES] for f, _, _ in rows], dtype=np.float64)
    y = np.asarray([g for _, g, _ in rows], dtype=np.float64)
    groups = np.asarray([q for _, _, q in rows])
    best = None
    for alpha in ALPHAS:  # leave one question out
        pred = np.zeros_like(y)
        for g in np.unique(groups):
            inside = groups != g
            w, b = ridge(x[inside], y[inside], alpha)
            pred[~inside] = x[~inside] @ w + b
        score = spearman(pred, y)
        if best is None or score > best[1]:
            best = (alpha, score)
    assert best is not None
    alpha = best[0]
    weights, bias = ridge(x, y, alpha)
    z = x @ weights + bias
    start, knot, slope = stretch(z, y)
    level = np.clip(start + slope * np.maximum(0.0, z - knot), 1, 5)
    layers = {}
    for name, feature in (("model", "anchor_fit_5_1"), ("grounding", "support_5_1")):
        column = x[:, FEATURES.index(feature)]
        b = float(np.cov(column, y)[0, 1] / column.var()) if column.var() > 0 else 0.0
        b *= (
            float(y.std() / (abs(b) * column.std())) if b and column.std() > 0 else 0.0
        )  # spread as the levels'
        layers[name] = {"feature": feature, "a": float(y.mean() - b * column.mean()), "b": b}
    return {
        "version": VERSION,
        "features": list(FEATURES),
        "weights": [round(float(v), 6) for v in weights],
        "bias": round(bias, 6),
        "start": round(start, 6),
        "knots": [round(knot, 6)],
        "slopes": [round(slope, 6)],
        "layers": layers,
        "fit": {
            "alpha": alpha,
            "cv_spearman_leave_one_question_out": round(best[1], 3),
            "n": len(rows),
            "train_spearman": round(spearman(level, y), 3),
            "train_qwk": round(
                quadratic_weighted_kappa([int(v + 0.5) for v in level], [int(v) for v in y]), 3
            ),
            "train_mae_levels": round(mean_absolute_error(level, y), 3),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    profiles, answers = load_corpus()
    train = [a for a in answers if a.split == "train"]
    model, encoder = load_models(args.threads)
    judged = judge_corpus(profiles, train, Calibration.neutral(), model, encoder)
    rows = [
        (judged[a.id].competency(cid).features, level, f"{a.profile}/{a.question}")
        for a in train
        if a.kind in HONEST and judged[a.id].checks.kind is AnswerKind.NARRATIVE
        for cid, level in a.levels.items()
    ]
    card = fit(rows)
    card["corpus_sha256"] = corpus_digest()
    card["model"] = model.label
    card["trained_on"] = "eval/corpus train split: the account answers of the train questions"
    out = MODEL_DIR / f"{VERSION}.json"
    out.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(card["fit"], indent=2))
    print(f"wrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
