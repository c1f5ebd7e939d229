"""Competency scoring with evidence: answer features -> a 0-100 score per competency, quotes, a reason.

Model (``scoring_model/scoring-v1.onnx``, built by ``scripts/build_scoring_model.py``, whose docstring
and ``scoring-v1.json`` document the weights): one row per (answer, competency),

    score = 100 * sigmoid(bias + sum_i weight_i * (x_i - reference_i))

Features, in this order (``FEATURE_NAMES``; see ``feature_vector``): relevance_to_question,
relevance_to_competency, indicator_coverage, star_score, specificity_score, ownership
(min(I share / 0.5, 1)), length_adequacy (tokens / 20 below 20 tokens, 1 up to 600, then falling to 0
at 1200), asr_confidence, looking_at_camera, speaking_rate_adequacy (1 inside 180-320 hanzi/min or
110-190 words/min, falling linearly to 0 at half / 1.5x the range's ends).

Missing features are fed at their reference value, so they add exactly 0 points, and are listed as
missing (``CompetencyScore.missing``); a missing feature the score needs makes the result "review".
Non-verbal features are fed at their reference (add 0, not listed missing) unless the profile's
``nonverbal_contributes`` is true.

Contributions (points): with ``z = bias + sum_i c_i`` and ``c_i = weight_i * (x_i - reference_i)``,
``points_i = c_i * (score - baseline) / (z - bias)`` where ``baseline = 100 * sigmoid(bias)`` (50).
So ``baseline + sum_i points_i == score`` exactly, each feature's share of the move away from the
baseline is its share of the logit, and the signs are the signs of ``c_i``. ``contributions``
holds ``"baseline"`` and every feature. A competency probed by several answers gets the mean of
their scores and contributions (the identity still holds).

Level (1-5) from the score: 0-19.9 -> 1, 20-39.9 -> 2, 40-59.9 -> 3, 60-79.9 -> 4, 80-100 -> 5; the
anchor shown is that level's, or the nearest defined level below (1, 3 and 5 always exist).

Evidence: the answer's words are cut into sentences at 。！？.!? and at pauses > ``PAUSE_S``; the
sentences with the most indicator hits for the competency come first, then the highest similarity to
its indicator phrases (with an encoder; otherwise the most numbers and concrete verbs), then order.
Up to 3 sentences with hits are quoted, or the single best one when none has a hit. A quote is the
exact words as transcribed (a contiguous span of the transcript text) with the first word's start and
the last word's end.

Reason: one or two sentences in the profile's language (an ``auto`` profile: the answer's language;
Chinese "评估理由：…" when nothing was answered) naming the STAR parts found, quoting the best
evidence (its first 40 hanzi / 80 characters), the indicator phrases it matched (or that none did),
and the features that raised / lowered the score most (|points| >= 0.5).

Asked and not asked: an interview may ask a subset of the profile's questions (``asked``). A
competency that no asked question probes is *not assessed*: it has no score and no level, says so in
its reason, and the overall score is the weighted mean over the assessed competencies only (weights
renormalised; ``assessed_weight`` records their share). A competency probed by an asked question that
got no usable answer *is* assessed, scores 0 and forces review.

Review: the recommendation is forced to "review" and the reason listed when any answer is empty or
short (< ``SHORT_TOKENS`` tokens or a SHORT_ANSWER flag), off-topic, has ASR confidence < 0.6, carries
a NO_FACE / MULTIPLE_FACES / LOOKING_AWAY flag, lacks a feature the score needs, when an asked
question has no answer, or when the assessed competencies carry less than ``MIN_ASSESSED_WEIGHT`` of
the profile's weight.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from jiping.domain.answers import AnswerAnalysis
from jiping.domain.errors import JipingError, ModelAssetError
from jiping.domain.measures import FlagCode
from jiping.domain.models import Model
from jiping.domain.profiles import Competency, JobProfile, Recommendation, profile_version_id, weights_digest
from jiping.perception.text import is_chinese
from jiping.scoring.features import AnswerFeatures, analyze_answer, joined

if TYPE_CHECKING:
    from jiping.scoring.encoder import SentenceEncoder

SCORING_MODEL_VERSION = "scoring-v1"
MODEL_DIR = Path(__file__).resolve().parent / "scoring_model"

FEATURE_NAMES = (
    "relevance_to_question",
    "relevance_to_competency",
    "indicator_coverage",
    "star_score",
    "specificity_score",
    "ownership",
    "length_adequacy",
    "asr_confidence",
    "looking_at_camera",
    "speaking_rate_adequacy",
)
NONVERBAL = frozenset({"looking_at_camera", "speaking_rate_adequacy"})
REQUIRED = frozenset(
    {
        "relevance_to_question",
        "relevance_to_competency",
        "indicator_coverage",
        "star_score",
        "specificity_score",
        "asr_confidence",
    }
)  # a missing one (or a missing non-verbal one when non-verbal contributes) forces review

OWNERSHIP_FULL = 0.5  # I share at which ownership is full
TOKENS_FULL = 20  # tokens for a full length_adequacy
TOKENS_LONG = 600  # beyond this, length_adequacy falls, to 0 at twice this
RATE_RANGE = {"zh": (180.0, 320.0), "en": (110.0, 190.0)}  # ordinary speaking rates
SHORT_TOKENS = 8
MIN_ASSESSED_WEIGHT = 0.5
ASR_CONFIDENCE_MIN = 0.6
PAUSE_S = 0.8
MAX_EVIDENCE = 3
INTEGRITY_FLAGS = (FlagCode.NO_FACE, FlagCode.MULTIPLE_FACES, FlagCode.LOOKING_AWAY)
_SENTENCE_END = tuple("。！？.!?")

_LABELS = {
    "zh": {
        "relevance_to_question": "与问题的相关度",
        "relevance_to_competency": "与该胜任力的相关度",
        "indicator_coverage": "行为指标覆盖",
        "star_score": "STAR 结构",
        "specificity_score": "具体性（数字与具体动作）",
        "ownership": "个人贡献（我 vs 我们）",
        "length_adequacy": "回答长度",
        "asr_confidence": "语音识别置信度",
        "looking_at_camera": "注视镜头",
        "speaking_rate_adequacy": "语速",
    },
    "en": {
        "relevance_to_question": "relevance to the question",
        "relevance_to_competency": "relevance to the competency",
        "indicator_coverage": "indicator coverage",
        "star_score": "STAR structure",
        "specificity_score": "specificity (numbers and concrete actions)",
        "ownership": "ownership (I vs we)",
        "length_adequacy": "answer length",
        "asr_confidence": "ASR confidence",
        "looking_at_camera": "looking at the camera",
        "speaking_rate_adequacy": "speaking rate",
    },
}
_STAR_LABELS = {
    "zh": {"situation": "情境", "task": "任务", "action": "行动", "result": "结果"},
    "en": {"situation": "situation", "task": "task", "action": "action", "result": "result"},
}


# --- models -------------------------------------------------------------------------------------


class EvidenceQuote(Model):
    question_id: str
    text: str  # the exact words, a contiguous span of the answer's transcript text (whole sentences)
    start: float | None = None  # seconds, the first word's start (None: a text answer has no clock)
    end: float | None = None  # seconds, the last word's end


class ReasonItem(Model):
    """One behaviour of an anchor the reason names: shown (with the sentence that shows it) or lacking."""

    level: int  # the anchor level it belongs to
    text: str  # the behaviour, in the profile's words
    quote: str | None = None  # the candidate's sentence that shows it (strengths only)
    question_id: str | None = None


class ReviewFlag(Model):
    """Why a result needs a person: a stable code (for portals and the EHR), the question, a detail."""

    code: str
    question_id: str | None = None
    detail: str


class CompetencyScore(Model):
    id: str
    name: str
    score: float | None = Field(default=None, ge=0, le=100)  # 1 decimal; None: not assessed
    level: int | None = Field(default=None, ge=1, le=5)
    assessed: bool = True
    """False when no question of this interview probes the competency: no score, not in the overall."""
    anchor: str | None = None  # the behavioural anchor of the level (or the nearest level below)
    evidence: list[EvidenceQuote] = Field(default_factory=list, max_length=MAX_EVIDENCE)
    """1-3 quotes; empty only when no answered question probes the competency."""
    contributions: dict[str, float] = Field(default_factory=dict)
    """``baseline`` and feature name -> points; they sum to ``score`` (see the module doc)."""
    missing: dict[str, str] = Field(default_factory=dict)  # feature -> why it is missing
    question_ids: list[str] = Field(default_factory=list)  # the answers the score rests on
    reason: str
    strengths: list[ReasonItem] = Field(default_factory=list)  # scoring-v2: the behaviours shown, quoted
    gaps: list[ReasonItem] = Field(default_factory=list)  # scoring-v2: the next level's behaviours not shown
    judgement: dict[str, Any] | None = None
    """scoring-v2: per question, what the judge's layers read (answer kind, cap, the model's anchor fit, the
    grounded support, the calibrated level) - the raw measures behind the level."""


class ScoreVersions(Model):
    rubric: str
    scoring_model: str  # the per-competency model (ONNX)
    encoder: str | None = None
    composite_model: str | None = None
    """The whole scoring model of the overall score: ``{scoring_model}+weights:{digest}``. A re-weighting
    (jiping.analytics.reweighting) changes the weights, so it makes a new composite version."""
    judge_model: str | None = None  # scoring-v2: the judge's language model and prompt version
    judge_checks: str | None = None  # scoring-v2: the deterministic checks' lexicon digest


class ScoreResult(Model):
    overall_score: float | None  # None only when no competency could be assessed
    assessed_weight: float = 1.0  # the share of the profile's weight behind ``overall_score``
    recommendation: Recommendation
    review_reasons: list[str] = Field(default_factory=list)
    review_flags: list[ReviewFlag] = Field(default_factory=list)  # scoring-v2: the reasons' codes
    competencies: list[CompetencyScore]
    versions: ScoreVersions


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


def model_label(directory: Path = MODEL_DIR, version: str = SCORING_MODEL_VERSION) -> str:
    """``ScoringModel.label`` from the model card alone (no onnxruntime: the API uses it)."""
    card = json.loads((directory / f"{version}.json").read_text(encoding="utf-8"))
    return f"{version}@sha256:{card['sha256'][:12]}"


def composite_label(profile: JobProfile, model: str | None = None) -> str:
    """The scoring-model version of an overall score: the per-competency model and the profile's weights."""
    return f"{model or model_label()}+weights:{weights_digest(profile)}"


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


# --- features -----------------------------------------------------------------------------------


def _lang(language: str | None) -> str:
    return "zh" if is_chinese(language) else "en"


def _measure(d: dict[str, Any] | None, key: str) -> tuple[float | None, str | None]:
    """A ``Measure`` inside a stage's dict: (value, None) or (None, why missing)."""
    if not d:
        return None, "signal not available"
    m = d.get(key)
    if not isinstance(m, dict):
        return None, f"{key} not reported"
    if m.get("value") is None:
        return None, m.get("missing") or f"{key} missing"
    return float(m["value"]), None


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


def competency_phrases(competency: Competency, language: str | None) -> list[str]:
    """The indicator phrases (and their synonyms) of a competency in the answer's language."""
    lang = _lang(language)
    phrases = competency.indicators.get(lang) or next(iter(competency.indicators.values()))
    extra = [alt for p in phrases for alt in competency.synonyms.get(p, [])]
    return [*phrases, *(e for e in extra if e not in phrases)]


def question_text(profile: JobProfile, question_id: str, language: str | None) -> str:
    question = next(q for q in profile.questions if q.id == question_id)
    if _lang(language) == "en" and question.text_en and profile.language != "en":
        return question.text_en
    return question.text


def answer_features_for(
    profile: JobProfile, answers: list[AnswerAnalysis], encoder: SentenceEncoder | None
) -> dict[str, AnswerFeatures]:
    """``analyze_answer`` for every answer to a profile question, with that question's competencies."""
    known = {q.id: q for q in profile.questions}
    out: dict[str, AnswerFeatures] = {}
    for answer in answers:
        question = known.get(answer.question_id)
        if question is None:
            continue
        lang = answer.transcript.language
        comps = {cid: competency_phrases(profile.competency(cid), lang) for cid in question.competencies}
        out[answer.question_id] = analyze_answer(
            answer.transcript.text, lang, question_text(profile, question.id, lang), comps, encoder
        )
    return out


# --- evidence -----------------------------------------------------------------------------------


class _Sentence(Model):
    question_id: str
    index: int
    text: str
    start: float
    end: float
    language: str


def sentences(answer: AnswerAnalysis) -> list[_Sentence]:
    """The answer's words cut at sentence punctuation and pauses, as exact spans with times."""
    spans: list[tuple[str, float, float]] = []
    current: list[Any] = []

    def close() -> None:
        if current:
            text = "".join(w.word for w in current).strip()
            if text:
                spans.append((text, current[0].start, current[-1].end))
            current.clear()

    for seg in answer.transcript.segments:
        if not seg.words:  # no word timings: the segment is the finest span there is
            close()
            if seg.text.strip():
                spans.append((seg.text.strip(), seg.start, seg.end))
            continue
        for word in seg.words:
            if current and word.start - current[-1].end > PAUSE_S:
                close()
            current.append(word)
            if word.word.strip().endswith(_SENTENCE_END):
                close()
    close()
    return [
        _Sentence(
            question_id=answer.question_id,
            index=i,
            text=t,
            start=s,
            end=e,
            language=answer.transcript.language,
        )
        for i, (t, s, e) in enumerate(spans)
    ]


def select_evidence(
    candidates: list[_Sentence], competency: Competency, encoder: SentenceEncoder | None
) -> tuple[list[EvidenceQuote], list[str]]:
    """Up to 3 quotes for the competency, and the indicator phrases they contain."""
    if not candidates:
        return [], []
    hits: list[list[str]] = []
    concrete: list[float] = []
    for s in candidates:
        phrases = competency_phrases(competency, s.language)
        f = analyze_answer(s.text, s.language, "", {competency.id: phrases}, None)
        hits.append(f.indicator_hits.get(competency.id, []))
        spec = f.specificity
        concrete.append(
            (spec.numbers.value or 0.0) + (spec.action_verbs.value or 0.0) if not f.is_empty else 0.0
        )
    if encoder is not None:
        lang = _lang(candidates[0].language)
        vectors = encoder.encode(
            [s.text for s in candidates] + [joined(competency_phrases(competency, lang), lang)]
        )
        similarity = [float(v @ vectors[-1]) for v in vectors[:-1]]
    else:
        similarity = concrete
    order = sorted(range(len(candidates)), key=lambda i: (-len(hits[i]), -similarity[i], i))
    chosen = [i for i in order if hits[i]][:MAX_EVIDENCE] or order[:1]
    quotes = [
        EvidenceQuote(
            question_id=candidates[i].question_id,
            text=candidates[i].text,
            start=candidates[i].start,
            end=candidates[i].end,
        )
        for i in chosen
    ]
    found = list(dict.fromkeys(p for i in chosen for p in hits[i]))
    return quotes, found


# --- reason -------------------------------------------------------------------------------------


def _fragment(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit]


def compose_reason(
    lang: str,
    competency: Competency,
    evidence: list[EvidenceQuote],
    hits: list[str],
    star: dict[str, bool] | None,
    contributions: dict[str, float],
    *,
    assessed: bool = True,
) -> str:
    """One or two sentences quoting what the candidate said and naming the features that moved it."""
    if not assessed:
        if lang == "zh":
            return f"评估理由：本次面试没有考察“{competency.name}”的问题，未评估，不计入总分。"
        return f'Reason: no question of this interview probes "{competency.name}"; not assessed, not in the overall score.'
    labels = _LABELS[lang]
    ranked = sorted(((k, v) for k, v in contributions.items() if k != "baseline"), key=lambda kv: kv[1])
    plus = [labels[k] for k, v in reversed(ranked) if v >= 0.5][:2]
    minus = [labels[k] for k, v in ranked if v <= -0.5][:1]
    if lang == "zh":
        if not evidence:
            return f"评估理由：没有回答考察“{competency.name}”的问题，无法依据回答评估。"
        parts = []
        if star is not None:
            present = [_STAR_LABELS["zh"][c] for c, ok in star.items() if ok]
            k = len(present)
            parts.append(
                f"回答包含{'、'.join(present)}（STAR {k}/4）" if k else "回答没有讲出具体经过（STAR 0/4）"
            )
        quote = _fragment(evidence[0].text)
        tail = "…" if len(quote) < len(evidence[0].text) else ""
        said = f"提到“{quote}”{tail}"
        if hits:
            said += f"，与“{competency.name}”的行为指标（{'、'.join(hits)}）相符"
        else:
            said += f"，但未出现“{competency.name}”的行为指标"
        parts.append(said)
        text = "评估理由：" + "，".join(parts)
        moves = []
        if plus:
            moves.append("主要加分：" + "、".join(plus))
        if minus:
            moves.append("主要减分：" + "、".join(minus))
        return text + ("；" + "，".join(moves) if moves else "") + "。"
    if not evidence:
        return f'Reason: no answered question probes "{competency.name}", so it could not be assessed.'
    parts = []
    if star is not None:
        present = [_STAR_LABELS["en"][c] for c, ok in star.items() if ok]
        k = len(present)
        parts.append(
            f"the answer covers {', '.join(present)} (STAR {k}/4)"
            if k
            else "the answer gives no concrete account (STAR 0/4)"
        )
    quote = _fragment(evidence[0].text, 80)
    tail = "…" if len(quote) < len(evidence[0].text) else ""
    said = f'says "{quote}"{tail}'
    if hits:
        said += f', which matches the indicators of "{competency.name}" ({", ".join(hits)})'
    else:
        said += f', but shows none of the indicators of "{competency.name}"'
    parts.append(said)
    text = "Reason: " + ", ".join(parts)
    moves = []
    if plus:
        moves.append("raised most by " + " and ".join(plus))
    if minus:
        moves.append("lowered most by " + minus[0])
    return text + ("; " + ", ".join(moves) if moves else "") + "."


# --- scoring ------------------------------------------------------------------------------------


def level_of(score: float) -> int:
    return min(5, 1 + int(score // 20))


def anchor_of(competency: Competency, level: int | None) -> str | None:
    if level is None:
        return None
    defined = [lv for lv in competency.anchors if lv <= level]
    return competency.anchors[max(defined)] if defined else None


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


_WEIGHT_REASON = "the asked questions assess "


def _combine(
    profile: JobProfile,
    competencies: list[CompetencyScore],
    reasons: list[str],
    versions: ScoreVersions,
    flags: list[ReviewFlag] | None = None,
) -> ScoreResult:
    """The overall score and recommendation from the competency scores, under the profile's weights."""
    weights = profile.normalised_weights()
    reasons = list(reasons)
    versions = versions.model_copy(
        update={"composite_model": composite_label(profile, versions.scoring_model)}
    )
    scored = [c for c in competencies if c.score is not None]
    share = sum(weights[c.id] for c in scored)
    overall = round(sum(weights[c.id] * (c.score or 0.0) for c in scored) / share, 1) if share else None
    if share < MIN_ASSESSED_WEIGHT:
        reasons.append(
            f"{_WEIGHT_REASON}{share:.0%} of the profile's competency weight (less than {MIN_ASSESSED_WEIGHT:.0%})"
        )
    recommendation = profile.thresholds.recommend(overall) if overall is not None else Recommendation.REVIEW
    if reasons or flags:
        recommendation = Recommendation.REVIEW
    return ScoreResult(
        overall_score=overall,
        assessed_weight=round(share, 4),
        recommendation=recommendation,
        review_reasons=list(dict.fromkeys(reasons)),
        review_flags=list(flags or []),
        competencies=competencies,
        versions=versions,
    )


class IncompatibleProfile(JipingError):
    """A re-score against a profile version whose competencies differ from the scored ones."""


def rescore(result: ScoreResult, profile: JobProfile) -> ScoreResult:
    """The same competency scores combined under another version of the same profile (a re-weighting).

    Competency scores come from the answers and the scoring model, which a re-weighting does not touch,
    so only the overall score, the assessed share and the recommendation are recomputed; the answers'
    own review reasons are kept. Raises ``IncompatibleProfile`` when the competencies differ.
    """
    if sorted(c.id for c in result.competencies) != sorted(c.id for c in profile.competencies):
        raise IncompatibleProfile(
            f"{profile_version_id(profile)} has other competencies than the scored result ({result.versions.rubric})"
        )
    reasons = [r for r in result.review_reasons if not r.startswith(_WEIGHT_REASON)]
    versions = result.versions.model_copy(update={"rubric": profile_version_id(profile)})
    return _combine(profile, result.competencies, reasons, versions, result.review_flags)
