"""Job profiles (胜任力模型): the competencies a job asks for, the questions that probe them, and the
thresholds that turn an overall score into a recommendation.

A profile is a versioned YAML or JSON document a company writes without code (see
``profiles/README.md``). It is parsed once, here, into strict models: unknown fields are refused so
a typo never silently drops a rule, and the cross-field rules (every question probes known
competencies, every competency is probed, ids are unique) fail with a message naming the id.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from jiping.domain.errors import JipingError
from jiping.domain.models import AsrTier, Model, check_id

#: Where the example profiles live in the repository (``profiles/*.yaml``).
BUNDLED_DIR = Path(__file__).resolve().parents[3] / "profiles"

REQUIRED_ANCHORS = (1, 3, 5)
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")

ProfileFormat = Literal["yaml", "json"]
_SUFFIXES: dict[str, ProfileFormat] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


class ProfileError(JipingError):
    """A job profile document cannot be read or does not validate; the message says where and why."""


class Recommendation(StrEnum):
    """What the thresholds make of an overall score. Stable strings: stored and shown to portals."""

    ADVANCE = "advance"
    REVIEW = "review"
    DECLINE = "decline"


class ProfileDocument(Model):
    """Base of the profile document models: unknown fields are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


def _phrases(value: list[str], what: str) -> list[str]:
    cleaned = [p.strip() for p in value]
    if not cleaned or any(not p for p in cleaned):
        raise ValueError(f"{what} must be a non-empty list of non-empty phrases")
    return cleaned


class Competency(ProfileDocument):
    """One competency (胜任力) with its weight, its indicator phrases and its behavioural anchors."""

    id: str
    name: str = Field(min_length=1)
    weight: float = Field(ge=0)
    """Relative weight in the overall score. 0 keeps the competency scored and shown but out of the
    overall (a re-weighting fitted to outcomes may do that); at least one weight must be above 0."""
    description: str = Field(min_length=1)
    indicators: dict[str, list[str]] = Field(min_length=1)
    """Phrases that show the competency in an answer, per language: ``{"zh": [...], "en": [...]}``."""
    synonyms: dict[str, list[str]] = Field(default_factory=dict)
    """Optional: an indicator phrase -> other phrasings that count as that phrase."""
    anchors: dict[int, str]
    """Behavioural anchors per level (1-5); levels 1, 3 and 5 are required."""

    _check_id = field_validator("id")(lambda v: check_id(v, "competency id"))

    @field_validator("indicators")
    @classmethod
    def _check_indicators(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for language in value:
            if not _LANGUAGE.fullmatch(language):
                raise ValueError(
                    f"indicator language {language!r} is not a language code such as 'zh' or 'en'"
                )
        return {language: _phrases(phrases, f"indicators[{language}]") for language, phrases in value.items()}

    @field_validator("synonyms")
    @classmethod
    def _check_synonyms(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {phrase: _phrases(alts, f"synonyms[{phrase}]") for phrase, alts in value.items()}

    @field_validator("anchors")
    @classmethod
    def _check_anchors(cls, value: dict[int, str]) -> dict[int, str]:
        outside = sorted(level for level in value if not 1 <= level <= 5)
        if outside:
            raise ValueError(f"anchor levels must be between 1 and 5, got {outside}")
        missing = [level for level in REQUIRED_ANCHORS if not (value.get(level) or "").strip()]
        if missing:
            raise ValueError(f"anchors for levels {list(REQUIRED_ANCHORS)} are required; missing {missing}")
        return dict(sorted(value.items()))


class ProfileQuestion(ProfileDocument):
    """An interview question and the competencies its answer is evaluated on."""

    id: str
    text: str = Field(min_length=1)
    """The question in the profile's language."""
    text_en: str | None = None
    competencies: list[str] = Field(min_length=1)
    """Ids of the competencies it probes; each must be one of the profile's competencies."""
    exemplar_answers: list[str] = Field(default_factory=list)
    max_seconds: int = Field(default=180, gt=0)
    """The longest answer: the candidate page stops recording there and refuses a longer upload."""
    thinking_seconds: int = Field(default=0, ge=0, le=600)
    """Time to think before answering on the candidate page (0: none)."""
    takes: int = Field(default=2, ge=1, le=10)
    """Recordings a candidate may make of this answer on the candidate page (1: no re-record)."""
    text_allowed: bool = False
    """Whether a written answer is accepted on the candidate page (and a candidate may refuse recording)."""

    _check_id = field_validator("id")(lambda v: check_id(v, "question id"))

    @field_validator("competencies")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        repeated = _duplicates(value)
        if repeated:
            raise ValueError(f"competency ids listed twice: {repeated}")
        return value


class Thresholds(ProfileDocument):
    """Cut-offs on the 0-100 overall score.

    ``overall >= advance`` -> advance; otherwise ``overall >= review`` -> review; otherwise decline.
    ``advance`` must be strictly greater than ``review``.
    """

    advance: float = Field(ge=0, le=100)
    review: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.advance > self.review:
            raise ValueError(f"advance ({self.advance:g}) must be greater than review ({self.review:g})")
        return self

    def recommend(self, overall: float) -> Recommendation:
        if overall >= self.advance:
            return Recommendation.ADVANCE
        if overall >= self.review:
            return Recommendation.REVIEW
        return Recommendation.DECLINE


class WeightsProvenance(ProfileDocument):
    """Where a version's weights came from, when an accepted re-weighting made it (jiping.analytics)."""

    proposal_id: str
    from_version: int = Field(ge=1)
    outcome: str
    n: int
    cv_r_current: float
    cv_r_proposed: float
    accepted_at: datetime


class JobProfile(ProfileDocument):
    """A versioned competency model for one job. A changed profile must get a new ``version``."""

    id: str
    title: str = Field(min_length=1)
    language: Literal["zh", "en", "auto"]
    version: int = Field(ge=1)
    description: str | None = None
    competencies: list[Competency] = Field(min_length=1)
    questions: list[ProfileQuestion] = Field(min_length=1)
    thresholds: Thresholds
    nonverbal_contributes: bool = False
    """Whether non-verbal signals (voice, face) may feed a score; off unless a company opts in."""
    asr_tier: AsrTier | None = None
    """Transcription tier for this job's interviews: "gpu" (large-v3-turbo, better Mandarin) or "cpu"
    (whisper base, cheapest); unset: the stack's ``jiping:asrTier``."""
    weights_from: WeightsProvenance | None = None
    practice_questions: list[ProfileQuestion] = Field(default_factory=list)
    """Questions for practice interviews (模拟面试) on the candidate page: never the real ones (their ids and
    texts differ), scored the same way for the candidate's own feedback and kept out of everything else."""

    _check_id = field_validator("id")(lambda v: check_id(v, "profile id"))

    @model_validator(mode="after")
    def _consistent(self) -> JobProfile:
        competency_ids = [c.id for c in self.competencies]
        repeated = _duplicates(competency_ids)
        if repeated:
            raise ValueError(f"duplicate competency ids: {repeated}")
        repeated = _duplicates([q.id for q in self.questions])
        if repeated:
            raise ValueError(f"duplicate question ids: {repeated}")
        if not any(c.weight > 0 for c in self.competencies):
            raise ValueError("every competency weight is 0: at least one must be above 0")
        known = set(competency_ids)
        for question in self.questions:
            unknown = [c for c in question.competencies if c not in known]
            if unknown:
                raise ValueError(f"question {question.id!r} probes unknown competencies {unknown}")
        probed = {c for q in self.questions for c in q.competencies}
        unprobed = [c for c in competency_ids if c not in probed]
        if unprobed:
            raise ValueError(f"competencies probed by no question: {unprobed}")
        if self.language != "auto":
            for competency in self.competencies:
                if self.language not in competency.indicators:
                    raise ValueError(
                        f"competency {competency.id!r} has no indicators in the profile language "
                        f"{self.language!r}"
                    )
        return self

    @model_validator(mode="after")
    def _practice_apart(self) -> JobProfile:
        """Practice questions probe the profile's competencies and are never the real ones."""
        known = {c.id for c in self.competencies}
        real_ids, real_texts = {q.id for q in self.questions}, {q.text.strip() for q in self.questions}
        repeated = _duplicates([q.id for q in self.practice_questions])
        if repeated:
            raise ValueError(f"duplicate practice question ids: {repeated}")
        for question in self.practice_questions:
            if question.id in real_ids or question.text.strip() in real_texts:
                raise ValueError(f"practice question {question.id!r} repeats a real question of the job")
            unknown = [c for c in question.competencies if c not in known]
            if unknown:
                raise ValueError(f"practice question {question.id!r} probes unknown competencies {unknown}")
        return self

    def question(self, question_id: str) -> ProfileQuestion | None:
        """A real or practice question of the profile by id."""
        return next((q for q in [*self.questions, *self.practice_questions] if q.id == question_id), None)

    def competency(self, competency_id: str) -> Competency:
        for competency in self.competencies:
            if competency.id == competency_id:
                return competency
        raise KeyError(competency_id)

    def normalised_weights(self) -> dict[str, float]:
        """Competency id -> weight / sum of weights (they sum to 1)."""
        total = sum(c.weight for c in self.competencies)
        return {c.id: c.weight / total for c in self.competencies}


def profile_version_id(profile: JobProfile) -> str:
    """The stable reference to one version of a profile, e.g. ``customer-service@v1``."""
    return f"{profile.id}@v{profile.version}"


def weights_digest(profile: JobProfile) -> str:
    """12 hex digits naming the profile's normalised weights (the composite scoring model's weights)."""
    weights = {k: round(v, 6) for k, v in sorted(profile.normalised_weights().items())}
    return hashlib.sha256(json.dumps(weights).encode()).hexdigest()[:12]


def profile_from_text(text: str, fmt: ProfileFormat, source: str = "profile") -> JobProfile:
    """Parse and validate a profile document; raises ``ProfileError`` naming ``source`` and the reason."""
    try:
        if fmt == "yaml":
            document: Any = yaml.safe_load(text)
        elif fmt == "json":
            document = json.loads(text)
        else:
            raise ProfileError(f"{source}: unknown profile format {fmt!r} (yaml or json)")
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ProfileError(f"{source}: not valid {fmt}: {exc}") from exc
    if not isinstance(document, dict):
        raise ProfileError(f"{source}: a job profile must be a mapping, got {type(document).__name__}")
    try:
        return JobProfile.model_validate(document)
    except ValidationError as exc:
        raise ProfileError(f"{source}: invalid job profile: {_describe(exc)}") from exc


def load_profile(path: Path) -> JobProfile:
    """Read a profile file; the format follows the suffix (``.yaml``, ``.yml`` or ``.json``)."""
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ProfileError(f"{path.name}: a profile file ends in .yaml, .yml or .json")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path.name}: cannot be read: {exc}") from exc
    return profile_from_text(text, fmt, source=path.name)


def bundled_profiles(directory: Path = BUNDLED_DIR) -> dict[str, JobProfile]:
    """The profiles shipped in ``profiles/``, by profile id."""
    profiles: dict[str, JobProfile] = {}
    for path in sorted(p for p in directory.iterdir() if p.suffix.lower() in _SUFFIXES):
        profile = load_profile(path)
        if profile.id in profiles:
            raise ProfileError(f"{path.name}: profile id {profile.id!r} is used by another file")
        profiles[profile.id] = profile
    return profiles


def _duplicates(values: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def _describe(exc: ValidationError) -> str:
    """pydantic's errors as ``location: message`` pairs, e.g. ``competencies.1.weight: ...``."""
    parts = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"]) or "profile"
        parts.append(f"{location}: {error['msg']}")
    return "; ".join(parts)
