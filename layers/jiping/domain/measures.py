"""Measured signals: what perception (vision, speech, transcription) hands to scoring.

Every value says what it rests on (``n``: frames, words, seconds…) and, when it could not be
measured, why (``missing``); a missing signal never carries a substitute number. Nothing here infers
emotions or personality: these are observable behaviours (a face in view, head pose, speaking rate).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from jiping.domain.models import Model


class Measure(Model):
    """One measured value, with its support, or the reason it is missing."""

    value: float | None = None
    n: int = Field(default=0, ge=0)  # how many frames / words / pauses / seconds it rests on
    unit: str | None = None
    missing: str | None = None  # why there is no value (detector unavailable, nothing seen, too short…)

    @model_validator(mode="after")
    def _value_xor_missing(self) -> Measure:
        if (self.value is None) == (self.missing is None):
            raise ValueError("a Measure has either a value or a missing reason, never both or neither")
        return self

    @classmethod
    def of(cls, value: float, n: int, unit: str | None = None) -> Measure:
        return cls(value=round(float(value), 4), n=n, unit=unit)

    @classmethod
    def absent(cls, reason: str, n: int = 0, unit: str | None = None) -> Measure:
        return cls(missing=reason, n=n, unit=unit)


class FlagCode(StrEnum):
    NO_FACE = "NO_FACE"  # no face for a long stretch
    MULTIPLE_FACES = "MULTIPLE_FACES"  # more than one face in view
    LOOKING_AWAY = "LOOKING_AWAY"  # looking away from the camera for most of an answer
    NO_SPEECH = "NO_SPEECH"  # silent or no speech detected in an answer
    LOW_ASR_CONFIDENCE = "LOW_ASR_CONFIDENCE"  # a stretch the recogniser was unsure of
    SHORT_ANSWER = "SHORT_ANSWER"
    SIGNAL_MISSING = "SIGNAL_MISSING"  # a detector could not run


class Flag(Model):
    code: FlagCode
    detail: str
    start: float | None = None  # seconds, on the media's own clock
    end: float | None = None
    question_id: str | None = None


class Window(Model):
    """A stretch of one media file that holds one answer (the whole clip, or a timeline entry)."""

    question_id: str
    media_id: str
    start: float = Field(ge=0)
    end: float | None = None  # None: to the end of the media

    def contains(self, t: float) -> bool:
        return t >= self.start and (self.end is None or t < self.end)
