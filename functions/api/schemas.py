"""The request and response models that exist only at the HTTP edge (the domain's own are reused as is)."""

from __future__ import annotations

from typing import Any, Literal

from jiping.analytics.models import OutcomeKind, ReweightingProposal
from jiping.delivery.webhooks import ALL_EVENTS
from pydantic import BaseModel, Field

SAFE_ID = r"^[A-Za-z0-9_.-]+$"


class Health(BaseModel):
    status: str
    version: str


class TextAnswerBody(BaseModel):
    text: str = Field(description="the written answer (文字作答), 1 to 8,000 characters", max_length=20000)


class ProfileSummary(BaseModel):
    id: str
    title: str
    language: str
    versions: list[int]


class EndpointIn(BaseModel):
    endpoint_id: str = Field(min_length=1, max_length=128, pattern=SAFE_ID)
    url: str = Field(min_length=8, max_length=2000)
    event_types: list[str] = Field(default_factory=lambda: list(ALL_EVENTS))
    include_transcripts: bool = False
    description: str | None = Field(default=None, max_length=500)


class EndpointOut(BaseModel):
    endpoint_id: str
    url: str
    event_types: list[str]
    include_transcripts: bool
    status: str
    disabled_reason: str | None = None
    secret: str | None = Field(default=None, description="shown once: on creation and rotation")


class DeliveryOut(BaseModel):
    delivery_id: str
    endpoint_id: str
    event_type: str
    interview_id: str
    status: str
    attempts: list[dict[str, Any]]
    next_attempt_at: str | None = None
    replays: int = 0


class Stored(BaseModel):
    stored: int


class ReweightingIn(BaseModel):
    job_id: str = Field(min_length=1, max_length=128, pattern=SAFE_ID)
    version: int | None = Field(default=None, ge=1)
    outcome: OutcomeKind = "performance"


class Accepted(BaseModel):
    proposal: ReweightingProposal
    profile_id: str
    profile_version: int
    composite_model: str = Field(description="the scoring-model version of results under the new profile")


class RescoreIn(BaseModel):
    version: int = Field(ge=1, description="the profile version to score under")


class ReviewRequestIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)


class OverrideIn(BaseModel):
    decision: Literal["advance", "review", "decline"]
    reviewer: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="the reviewer's id in the portal (no name), recorded beside the API key",
    )
    reason: str = Field(min_length=1, max_length=2000)
