"""What a score is: the scale's constants, the result models, levels and anchors, and the overall score
under the profile's weights (``_combine``, ``rescore``). Shared by scoring-v1 and the judge (scoring-v2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from jiping.domain.errors import JipingError
from jiping.domain.measures import FlagCode
from jiping.domain.models import Model
from jiping.domain.profiles import Competency, JobProfile, Recommendation, profile_version_id, weights_digest

if TYPE_CHECKING:
    pass


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


def model_label(directory: Path = MODEL_DIR, version: str = SCORING_MODEL_VERSION) -> str:
    """``ScoringModel.label`` from the model card alone (no onnxruntime: the API uses it)."""
    card = json.loads((directory / f"{version}.json").read_text(encoding="utf-8"))
    return f"{version}@sha256:{card['sha256'][:12]}"


def composite_label(profile: JobProfile, model: str | None = None) -> str:
    """The scoring-model version of an overall score: the per-competency model and the profile's weights."""
    return f"{model or model_label()}+weights:{weights_digest(profile)}"


# --- scoring ------------------------------------------------------------------------------------


def level_of(score: float) -> int:
    return min(5, 1 + int(score // 20))


def anchor_of(competency: Competency, level: int | None) -> str | None:
    if level is None:
        return None
    defined = [lv for lv in competency.anchors if lv <= level]
    return competency.anchors[max(defined)] if defined else None


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
