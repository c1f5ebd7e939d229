"""Build the competency scoring model ``scoring-v1`` (ONNX) and its card (JSON), deterministically.

    python scripts/build_scoring_model.py            # writes layers/jiping/scoring/scoring_model/
    python scripts/build_scoring_model.py --out-dir /tmp/x

The model is one linear layer and a sigmoid, applied to one row per (answer, competency):

    score = 100 * sigmoid(bias + sum_i weight_i * (x_i - reference_i))        # input [N, F] -> [N, 1]

The competency enters through its own features (relevance to *its* indicator phrases, the share of
*its* indicators found), so the same weights serve every competency of every profile: a new profile
needs no new model. ``reference_i`` is the neutral value of a feature: a feature at its reference
adds nothing, and a missing feature is fed at its reference (``jiping.scoring.v1`` records it as
missing; it is never a measurement). ``bias`` = 0: an answer neutral on every feature scores 50.

Initial weights, from the rubric (the anchors of the bundled profiles: level 5 = a concrete, owned
account with its situation, action and result that shows the competency's behaviours; level 1 =
generic or beside the point). In logit units; near the middle of the scale one logit is ~25 points.

  relevance_to_competency  4.0 @0.15  the answer reads like the competency's indicators (cosine);
                                       on-topic answers measure 0.15-0.35, off-topic ~0.05
  indicator_coverage       4.0 @0.00  share of the competency's indicator phrases said: the most
                                       direct evidence of the behaviours, so the largest swing
  star_score               2.0 @0.50  situation / task / action / result present (share of 4)
  specificity_score        2.5 @0.25  numbers and concrete work verbs
  relevance_to_question    2.0 @0.10  the answer addresses the question (cosine; weak, see
                                       jiping.scoring.features)
  ownership                0.8 @0.50  min(I / (I + we) / 0.5, 1): what *I* did, saturating so that
                                       one more "I" (e.g. "my name is...") changes nothing
  length_adequacy          0.6 @0.50  1 inside the expected length, less when far too short / long
  asr_confidence           0.5 @0.80  how sure the recogniser was of the words
  looking_at_camera        0.4 @0.50  non-verbal, only when the profile's nonverbal_contributes
  speaking_rate_adequacy   0.4 @0.50  non-verbal, only when the profile's nonverbal_contributes

Non-verbal features are zeroed at feature time (fed at their reference, so they add exactly 0)
unless the profile opts in: the graph has no mask input, the weights stay documented here.

Determinism: no timestamps or random values; fixed opset and IR version; protobuf serialised
with ``deterministic=True``. The JSON records the sha256 of the .onnx bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

VERSION = "scoring-v1"
OPSET = 17
IR_VERSION = 8
OUT_DIR = Path(__file__).resolve().parents[1] / "layers" / "jiping" / "scoring" / "scoring_model"

# name, weight (logit per unit), reference (neutral value), range, nonverbal, what raises it
FEATURES: list[tuple[str, float, float, str, bool, str]] = [
    ("relevance_to_question", 2.0, 0.10, "0-1 cosine", False, "the answer is about what was asked"),
    (
        "relevance_to_competency",
        4.0,
        0.15,
        "0-1 cosine",
        False,
        "the answer reads like the competency's indicator phrases",
    ),
    (
        "indicator_coverage",
        4.0,
        0.0,
        "0-1 share",
        False,
        "the competency's behavioural indicator phrases are said (negation-aware)",
    ),
    (
        "star_score",
        2.0,
        0.5,
        "0-1 share of S/T/A/R",
        False,
        "a concrete situation, task, own action and result",
    ),
    (
        "specificity_score",
        2.5,
        0.25,
        "0-1",
        False,
        "numbers and concrete work verbs rather than generalities",
    ),
    (
        "ownership",
        0.8,
        0.5,
        "0-1, min(I share / 0.5, 1)",
        False,
        "the candidate says what they did themselves (I) rather than we",
    ),
    (
        "length_adequacy",
        0.6,
        0.5,
        "0-1",
        False,
        "the answer is long enough to show the behaviour (and not far over time)",
    ),
    (
        "asr_confidence",
        0.5,
        0.8,
        "0-1 mean word probability",
        False,
        "the transcript the score rests on is reliable",
    ),
    (
        "looking_at_camera",
        0.4,
        0.5,
        "0-1 share of face frames",
        True,
        "non-verbal: looks at the camera (only if nonverbal_contributes)",
    ),
    (
        "speaking_rate_adequacy",
        0.4,
        0.5,
        "0-1",
        True,
        "non-verbal: speaks at an ordinary pace (only if nonverbal_contributes)",
    ),
]
BIAS = 0.0


def build_model_bytes() -> bytes:
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    f = len(FEATURES)
    reference = np.asarray([r for _, _, r, *_ in FEATURES], dtype=np.float32)
    weights = np.asarray([[w] for _, w, *_ in FEATURES], dtype=np.float32)
    inits = [
        numpy_helper.from_array(reference, "reference"),
        numpy_helper.from_array(weights, "weights"),
        numpy_helper.from_array(np.asarray([BIAS], dtype=np.float32), "bias"),
        numpy_helper.from_array(np.asarray([100.0], dtype=np.float32), "hundred"),
    ]
    nodes = [
        helper.make_node("Sub", ["features", "reference"], ["centred"], name="centre"),
        helper.make_node("MatMul", ["centred", "weights"], ["weighted"], name="linear"),
        helper.make_node("Add", ["weighted", "bias"], ["logit"], name="add_bias"),
        helper.make_node("Sigmoid", ["logit"], ["probability"], name="sigmoid"),
        helper.make_node("Mul", ["probability", "hundred"], ["score"], name="to_points"),
    ]
    graph = helper.make_graph(
        nodes,
        "competency_score",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", f])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="jiping",
        producer_version=VERSION,
        doc_string="score = 100 * sigmoid(bias + (features - reference) @ weights); see scoring-v1.json",
    )
    model.ir_version = IR_VERSION
    return model.SerializeToString(deterministic=True)


def card(sha256: str) -> dict:
    return {
        "version": VERSION,
        "formula": "score = 100 * sigmoid(bias + sum_i weight_i * (x_i - reference_i))",
        "input": {"name": "features", "dtype": "float32", "shape": ["N", len(FEATURES)]},
        "output": {"name": "score", "dtype": "float32", "shape": ["N", 1]},
        "bias": BIAS,
        "features": [
            {"name": n, "weight": w, "reference": r, "range": rng, "nonverbal": nv, "raises": why}
            for n, w, r, rng, nv, why in FEATURES
        ],
        "missing": "a missing feature is fed at its reference (adds 0) and listed as missing",
        "nonverbal": "fed at the reference (adds 0) unless the profile's nonverbal_contributes is true",
        "opset": OPSET,
        "sha256": sha256,
    }


def build(out_dir: Path = OUT_DIR) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    data = build_model_bytes()
    onnx_path = out_dir / f"{VERSION}.onnx"
    json_path = out_dir / f"{VERSION}.json"
    onnx_path.write_bytes(data)
    text = json.dumps(card(hashlib.sha256(data).hexdigest()), indent=2, ensure_ascii=False) + "\n"
    json_path.write_text(text, encoding="utf-8")
    return onnx_path, json_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    onnx_path, json_path = build(parser.parse_args().out_dir)
    print(onnx_path, onnx_path.stat().st_size, "bytes;", json_path)


if __name__ == "__main__":
    main()
