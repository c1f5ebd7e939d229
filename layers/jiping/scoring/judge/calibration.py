"""The judge's calibration: from the judgement's features to a level 1–5, fitted on graded answers.

``scoring_model/scoring-v2.json`` is written by ``scripts/fit_judge.py`` from the graded corpus's **train split
only** (``eval/``): the coefficients, the corpus digest and the fit's figures. Its sha256 is the scoring
model's version (``scoring-v2@sha256:…``, in every result and audit record). Eight numbers and a stretch
need no runtime: numpy evaluates them. The function:

    z     = bias + Σ weight_i · feature_i                       (ridge regression on the graded level)
    level = clip(start + Σ_k slope_k · max(0, z − knot_k), 1, 5)  (a monotone piecewise-linear stretch,
                                                                  so that the ends of the scale are reachable)

``layer_levels`` turns the model's reading alone and the grounded support alone into levels (one linear
map each, fitted the same way): the judge compares them to find disagreement between its layers.
Score = 20 × level − 10: level 1 → 10, 3 → 50, 5 → 90 (``score_of``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from jiping.domain.errors import ModelAssetError
from jiping.scoring.judge.judge import FEATURES

MODEL_DIR = Path(__file__).resolve().parents[1] / "scoring_model"
VERSION = "scoring-v2"


def score_of(level: float) -> float:
    """0–100 from a level 1–5 (the middle of each level's fifth of the scale)."""
    return round(min(100.0, max(0.0, 20.0 * level - 10.0)), 1)


def level_of(score: float) -> int:
    return min(5, 1 + int(score // 20))


class Calibration:
    def __init__(self, card: dict[str, Any], sha256: str | None = None) -> None:
        names = tuple(card["features"])
        if names != FEATURES:
            raise ModelAssetError(f"calibration features {names} are not the judge's {FEATURES}")
        self.card = card
        self.version = card.get("version", VERSION)
        self.sha256 = sha256
        self.weights = np.asarray(card["weights"], dtype=np.float64)
        self.bias = float(card["bias"])
        self.start = float(card["start"])
        self.knots = np.asarray(card["knots"], dtype=np.float64)
        self.slopes = np.asarray(card["slopes"], dtype=np.float64)
        self.layers = card["layers"]

    @classmethod
    def neutral(cls) -> Calibration:
        """Level 3 for everything: used only to collect features before a fit."""
        zero = [0.0] * len(FEATURES)
        return cls(
            {
                "features": list(FEATURES),
                "weights": zero,
                "bias": 0.0,
                "start": 3.0,
                "knots": [0.0],
                "slopes": [0.0],
                "layers": {
                    "model": {"feature": "anchor_fit_5_1", "a": 3.0, "b": 0.0},
                    "grounding": {"feature": "support_5_1", "a": 3.0, "b": 0.0},
                },
            }
        )

    @property
    def label(self) -> str:
        return f"{self.version}@sha256:{self.sha256[:12]}" if self.sha256 else self.version

    def z(self, features: dict[str, float]) -> float:
        x = np.asarray([features[name] for name in FEATURES], dtype=np.float64)
        return float(self.bias + self.weights @ x)

    def level(self, features: dict[str, float]) -> float:
        z = self.z(features)
        value = self.start + float(self.slopes @ np.maximum(0.0, z - self.knots))
        return float(min(5.0, max(1.0, value)))

    def layer_levels(self, features: dict[str, float]) -> dict[str, float]:
        return {
            name: float(min(5.0, max(1.0, m["a"] + m["b"] * features[m["feature"]])))
            for name, m in self.layers.items()
        }


_LOCK = threading.Lock()
_LOADED: dict[str, Calibration] = {}


def load_calibration(directory: Path = MODEL_DIR, version: str = VERSION) -> Calibration:
    """The shipped calibration (its sha256 is its version)."""
    key = f"{directory.resolve()}/{version}"
    with _LOCK:
        if key not in _LOADED:
            try:
                raw = (directory / f"{version}.json").read_bytes()
                card = json.loads(raw)
            except (OSError, ValueError) as exc:
                raise ModelAssetError(f"calibration {version} cannot be read: {exc}") from exc
            _LOADED[key] = Calibration(card, hashlib.sha256(raw).hexdigest())
        return _LOADED[key]
