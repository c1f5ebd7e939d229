"""scoring-v1: answer features to a 0-100 score per competency with an ONNX model (docs/scoring-v1.md)."""

from __future__ import annotations

import hashlib
import json
import math
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jiping.domain.answers import AnswerAnalysis
from jiping.domain.errors import ModelAssetError
from jiping.domain.measures import FlagCode
from jiping.domain.profiles import JobProfile, profile_version_id
from jiping.scoring.answers import _lang, _measure
from jiping.scoring.evidence import compose_reason, select_evidence, sentences
from jiping.scoring.features import AnswerFeatures
from jiping.scoring.results import (
    ASR_CONFIDENCE_MIN,
    FEATURE_NAMES,
    INTEGRITY_FLAGS,
    MODEL_DIR,
    NONVERBAL,
    OWNERSHIP_FULL,
    RATE_RANGE,
    REQUIRED,
    SCORING_MODEL_VERSION,
    SHORT_TOKENS,
    TOKENS_FULL,
    TOKENS_LONG,
    CompetencyScore,
    ScoreResult,
    ScoreVersions,
    _combine,
    anchor_of,
    level_of,
)

if TYPE_CHECKING:
    from jiping.scoring.encoder import SentenceEncoder


# --- the model ----------------------------------------------------------------------------------


class ScoringModel:
    """The ONNX session and the card (weights, references) it was built from."""

    def __init__(self, directory: Path = MODEL_DIR, version: str = SCORING_MODEL_VERSION) -> None:
        import onnxruntime as ort

        onnx_path = directory / f"{version}.onnx"
        card_path = directory / f"{version}.json"
        try:
            data = onnx_path.read_bytes()
            self.card: dict[str, Any] = json.loads(card_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelAssetError(f"scoring model {version} cannot be read: {exc}") from exc
        self.sha256 = hashlib.sha256(data).hexdigest()
        if self.sha256 != self.card.get("sha256"):
            raise ModelAssetError(
                f"{onnx_path.name}: sha256 {self.sha256[:12]} does not match {card_path.name}; rebuild it"
            )
        names = tuple(f["name"] for f in self.card["features"])
        if names != FEATURE_NAMES:
            raise ModelAssetError(f"{card_path.name}: feature order {names} is not {FEATURE_NAMES}")
        self.version = version
        self.weights = np.asarray([f["weight"] for f in self.card["features"]], dtype=np.float64)
        self.reference = np.asarray([f["reference"] for f in self.card["features"]], dtype=np.float64)
        self.bias = float(self.card["bias"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])

    @property
    def label(self) -> str:
        return f"{self.version}@sha256:{self.sha256[:12]}"

    @property
    def baseline(self) -> float:
        return 100.0 / (1.0 + math.exp(-self.bias))

    def score(self, rows: list[list[float]]) -> np.ndarray:
        """0-100 per row (shape ``[len(rows)]``)."""
        if not rows:
            return np.zeros(0)
        x = np.asarray(rows, dtype=np.float32)
        return np.asarray(self._session.run(["score"], {"features": x})[0], dtype=np.float64)[:, 0]

    def contributions(self, row: list[float], score: float) -> dict[str, float]:
        """Points per feature, summing with the baseline to ``score`` (see the module doc)."""
        logits = self.weights * (np.asarray(row, dtype=np.float64) - self.reference)
        moved = float(logits.sum())
        if abs(moved) > 1e-9:
            scale = (score - self.baseline) / moved
        else:  # the limit: the sigmoid's slope at the bias
            p = self.baseline / 100.0
            scale = 100.0 * p * (1.0 - p)
        return {name: float(c * scale) for name, c in zip(FEATURE_NAMES, logits, strict=True)}


_LOCK = threading.Lock()
_MODELS: dict[str, ScoringModel] = {}


def load_scoring_model(directory: Path = MODEL_DIR) -> ScoringModel:
    """The process-wide scoring model, loaded (and its sha256 checked) on first use."""
    key = str(directory.resolve())
    with _LOCK:
        model = _MODELS.get(key)
        if model is None:
            model = ScoringModel(directory)
            _MODELS[key] = model
    return model


def length_adequacy(tokens: float) -> float:
    if tokens < TOKENS_FULL:
        return tokens / TOKENS_FULL
    if tokens <= TOKENS_LONG:
        return 1.0
    return max(0.0, 1.0 - (tokens - TOKENS_LONG) / TOKENS_LONG)


def rate_adequacy(rate: float, language: str | None) -> float:
    low, high = RATE_RANGE[_lang(language)]
    if rate < low:
        return max(0.0, (rate - low / 2) / (low / 2))
    if rate > high:
        return max(0.0, 1.0 - (rate - high) / (high / 2))
    return 1.0


OFF_TOPIC_ZEROED = ("star_score", "specificity_score", "ownership", "length_adequacy")


def feature_vector(
    features: AnswerFeatures,
    competency_id: str,
    speech: dict[str, Any] | None,
    vision: dict[str, Any] | None,
    nonverbal: bool,
    *,
    missing: dict[str, str] | None = None,
) -> tuple[list[float], list[str]]:
    """The model's input row for one (answer, competency), and the feature names in order.

    A feature that could not be measured gets its reference (neutral) value, which adds 0 points,
    and is written to ``missing`` (name -> reason) when a dict is given. Non-verbal features get
    their reference unless ``nonverbal``.
    """
    reference = dict(zip(FEATURE_NAMES, load_scoring_model().reference.tolist(), strict=True))
    raw: dict[str, tuple[float | None, str | None]] = {}

    def of(m: Any, why: str) -> tuple[float | None, str | None]:
        if m is None:
            return None, why
        return (m.value, None) if m.value is not None else (None, m.missing)

    raw["relevance_to_question"] = of(features.relevance_to_question, "not computed")
    raw["relevance_to_competency"] = of(
        features.relevance_to_competency.get(competency_id), "not computed for this competency"
    )
    raw["indicator_coverage"] = of(
        features.indicator_coverage.get(competency_id), "not computed for this competency"
    )
    raw["star_score"] = of(features.star.score, "not computed")
    raw["specificity_score"] = of(features.specificity.score, "not computed")
    own, why = of(features.specificity.ownership, "not computed")
    raw["ownership"] = (min(own / OWNERSHIP_FULL, 1.0), None) if own is not None else (None, why)
    tokens, why = of(features.tokens, "not computed")
    raw["length_adequacy"] = (length_adequacy(tokens), None) if tokens is not None else (None, why)
    if features.is_off_topic:
        # How an answer is built earns nothing when it does not address the question: a well-told story
        # about a holiday is still no evidence of the competency. Structure, specificity, ownership and
        # length are measured (and reported) but enter the score at zero.
        for name in OFF_TOPIC_ZEROED:
            if raw[name][0] is not None:
                raw[name] = (0.0, None)
    raw["asr_confidence"] = _measure(speech, "asr_confidence")
    if nonverbal:
        raw["looking_at_camera"] = _measure(vision, "looking_at_camera")
        rate, why = _measure(speech, "speaking_rate")
        language = (speech or {}).get("language") or features.language
        raw["speaking_rate_adequacy"] = (
            (rate_adequacy(rate, language), None) if rate is not None else (None, why)
        )
    values: list[float] = []
    for name in FEATURE_NAMES:
        value, why = raw.get(name, (reference[name], None))
        if value is None:
            if missing is not None:
                missing[name] = why or "missing"
            value = reference[name]
        values.append(float(value))
    return values, list(FEATURE_NAMES)


def _answer_review_reasons(answer: AnswerAnalysis, features: AnswerFeatures, nonverbal: bool) -> list[str]:
    qid = answer.question_id
    reasons = []
    tokens = features.tokens.value or 0
    if features.is_empty:
        reasons.append(f"{qid}: empty answer ({features.empty_reason})")
    elif tokens < SHORT_TOKENS or any(f.code == FlagCode.SHORT_ANSWER for f in answer.flags):
        reasons.append(f"{qid}: short answer ({tokens:g} tokens)")
    if features.is_off_topic:
        reasons.append(f"{qid}: off-topic answer ({features.off_topic_reason})")
    asr, _ = _measure(answer.speech, "asr_confidence")
    if asr is not None and asr < ASR_CONFIDENCE_MIN:
        reasons.append(f"{qid}: ASR confidence {asr:.2f} < {ASR_CONFIDENCE_MIN}")
    for code in INTEGRITY_FLAGS:
        flagged = [f for f in answer.flags if f.code == code]
        if flagged:
            reasons.append(f"{qid}: integrity flag {code.value} ({flagged[0].detail})")
    if nonverbal and answer.vision is None:
        reasons.append(f"{qid}: vision signals missing ({answer.vision_missing or 'not available'})")
    return reasons


def score_interview(
    profile: JobProfile,
    answers: list[AnswerAnalysis],
    answer_features: dict[str, AnswerFeatures],
    *,
    asked: list[str] | None = None,
    encoder: SentenceEncoder | None = None,
) -> ScoreResult:
    """Score every competency of the profile from the answers to its questions.

    ``asked`` lists the question ids the interview asked (default: every profile question); see the
    module doc for competencies no asked question probes. ``encoder`` (optional) ranks evidence
    sentences by similarity to the indicators; without it the tie-break is the sentence's numbers and
    concrete verbs.
    """
    model = load_scoring_model()
    nonverbal = profile.nonverbal_contributes
    by_question = {a.question_id: a for a in answers}
    questions = [q for q in profile.questions if asked is None or q.id in asked]
    probed = {cid for q in questions for cid in q.competencies}
    reasons: list[str] = []
    rows: list[list[float]] = []
    keys: list[tuple[str, str]] = []  # (competency id, question id) per row
    missing_by_row: list[dict[str, str]] = []
    for question in questions:
        answer = by_question.get(question.id)
        features = answer_features.get(question.id)
        if answer is None:
            reasons.append(f"{question.id}: no answer to an asked question")
            continue
        if features is None:
            reasons.append(f"{question.id}: the answer's text features are missing")
            continue
        reasons += _answer_review_reasons(answer, features, nonverbal)
        if features.is_empty:
            continue
        needed: dict[str, str] = {}
        for cid in question.competencies:
            row_missing: dict[str, str] = {}
            row, _ = feature_vector(
                features, cid, answer.speech, answer.vision, nonverbal, missing=row_missing
            )
            rows.append(row)
            keys.append((cid, question.id))
            missing_by_row.append(row_missing)
            needed.update(
                {k: v for k, v in row_missing.items() if k in REQUIRED or (nonverbal and k in NONVERBAL)}
            )
        for name, why in sorted(needed.items()):
            reasons.append(f"{question.id}: {name} missing ({why})")

    scores = model.score(rows)
    result: list[CompetencyScore] = []
    for competency in profile.competencies:
        idx = [i for i, (cid, _) in enumerate(keys) if cid == competency.id]
        qids = [keys[i][1] for i in idx]
        assessed = competency.id in probed
        score: float | None
        contributions: dict[str, float] = {}
        missing: dict[str, str] = {}
        star = None
        if not assessed:
            score = None
        elif not idx:
            reasons.append(f"{competency.id}: no usable answer to the questions that probe it")
            score = 0.0
        else:
            score = float(np.mean([scores[i] for i in idx]))
            per_row = [model.contributions(rows[i], float(scores[i])) for i in idx]
            contributions = {"baseline": round(model.baseline, 2)}
            contributions |= {n: round(float(np.mean([c[n] for c in per_row])), 2) for n in FEATURE_NAMES}
            missing = {k: v for i in idx for k, v in missing_by_row[i].items()}
            best_q = max(qids, key=lambda q: answer_features[q].star.score.value or 0.0)
            s = answer_features[best_q].star
            star = {"situation": s.situation, "task": s.task, "action": s.action, "result": s.result}
        lang: str
        if profile.language in ("zh", "en"):
            lang = profile.language
        else:  # auto: the language the candidate answered in (Chinese when nothing was answered)
            lang = _lang(by_question[qids[0]].transcript.language) if qids else "zh"
        candidates = [s for q in qids for s in sentences(by_question[q])]
        evidence, hits = select_evidence(candidates, competency, encoder)
        level = level_of(score) if score is not None else None
        result.append(
            CompetencyScore(
                id=competency.id,
                name=competency.name,
                score=round(score, 1) if score is not None else None,
                level=level,
                assessed=assessed,
                anchor=anchor_of(competency, level),
                evidence=evidence,
                contributions=contributions,
                missing=missing,
                question_ids=qids,
                reason=compose_reason(
                    lang, competency, evidence, hits, star, contributions, assessed=assessed
                ),
            )
        )
    encoder_label = next((f.encoder for f in answer_features.values() if f.encoder), None)
    versions = ScoreVersions(
        rubric=profile_version_id(profile), scoring_model=model.label, encoder=encoder_label
    )
    return _combine(profile, result, reasons, versions)
