"""Group sessions (无领导小组讨论), apart from HTTP: one track per participant on a shared clock.

A session names a group profile (a job profile whose one question is the discussion, e.g.
``profiles/group-discussion.yaml``) and its participants. Each participant's track is an interview of
its own (``{session}.{participant}``, the discussion its one question), so the per-track path is the
interviews' own: upload form, probe, transcription, scoring on that participant's contributions, result,
talent pool, erasure. The session row ties the tracks together for the group analysis: who is who (the
name others use for them), each track's offset on the shared clock, and what was flagged.

Bad input never stops the rest of the session: a participant without consent gets no upload form and a
``CONSENT_MISSING`` flag; the others are evaluated.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Literal, Protocol

from pydantic import Field, field_validator, model_validator

from jiping.domain.errors import PortalError
from jiping.domain.models import Model, check_id, utcnow
from jiping.portal.interviews import (
    UPLOAD_TYPES,
    Consent,
    CreateInterview,
    Presigner,
    QuestionIn,
    UploadForm,
    WecomIn,
    start_interview,
)
from jiping.ports import InterviewRepository

MIN_PARTICIPANTS, MAX_PARTICIPANTS = 2, 12
MAX_OFFSET_S = 4 * 3600


class ParticipantIn(Model):
    participant_id: str = Field(min_length=1, max_length=64)
    name: str = Field(
        min_length=1,
        max_length=32,
        description="what the others call them in the discussion (e.g. 张三, or a seat such as 3号), so that "
        '"我同意张三的观点" is read as support of this participant',
    )
    candidate_ref: str = Field(min_length=1, max_length=128)
    consent: Consent | None = Field(
        default=None, description="without it the participant's track is not evaluated"
    )
    offset_s: float = Field(
        default=0.0, ge=0, le=MAX_OFFSET_S, description="where this track starts on the session's clock"
    )
    wecom: WecomIn | None = None
    content_type: Literal[UPLOAD_TYPES] = Field(  # type: ignore[valid-type]
        default="audio/mp4", description="the track's media type"
    )

    _check = field_validator("participant_id", "candidate_ref")(lambda v: check_id(v, "id"))


class CreateGroupSession(Model):
    session_id: str | None = Field(default=None, description="your id for it; generated when absent")
    job_id: str = Field(min_length=1, max_length=128, description="the group profile")
    job_version: int = Field(ge=1)
    participants: list[ParticipantIn] = Field(min_length=MIN_PARTICIPANTS, max_length=MAX_PARTICIPANTS)

    _check = field_validator("session_id", "job_id")(lambda v: check_id(v, "id") if v is not None else v)

    @model_validator(mode="after")
    def _distinct(self) -> CreateGroupSession:
        for what, values in (
            ("participant_id", [p.participant_id for p in self.participants]),
            ("name", [p.name for p in self.participants]),
            ("candidate_ref", [p.candidate_ref for p in self.participants]),
        ):
            if len(set(values)) != len(values):
                raise ValueError(f"two participants have the same {what}")
        return self


class Track(Model):
    participant_id: str
    name: str
    interview_id: str
    candidate_ref: str
    offset_s: float
    evaluated: bool = Field(description="false: the track is not evaluated (see flags)")
    upload: UploadForm | None = None


class GroupFlag(Model):
    code: str
    participant_id: str | None = None
    detail: str


class GroupSession(Model):
    tenant_id: str
    session_id: str
    job_id: str
    job_version: int
    question_id: str
    tracks: list[Track]
    flags: list[GroupFlag] = Field(default_factory=list)
    created_at: datetime


class GroupSessionCreated(Model):
    session_id: str
    tracks: list[Track]
    flags: list[GroupFlag]


class GroupSessionStore(Protocol):
    def create(self, session: GroupSession) -> bool:
        """False when the tenant already has a session of this id (nothing is written)."""

    def get(self, tenant_id: str, session_id: str) -> GroupSession | None: ...


def track_interview_id(session_id: str, participant_id: str) -> str:
    return f"{session_id}.{participant_id}"


def create_group_session(
    request: CreateGroupSession,
    tenant_id: str,
    question: QuestionIn,
    *,
    sessions: GroupSessionStore,
    interviews: InterviewRepository,
    presigner: Presigner,
    uploads_bucket: str,
) -> GroupSessionCreated:
    """Register the session and one interview per participant with consent (its upload form); a participant
    without consent is kept in the session (others refer to them) but flagged, with no form."""
    session_id = request.session_id or "gs-" + secrets.token_hex(8)
    check_id(session_id, "session_id")
    tracks, flags = [], []
    for p in request.participants:
        interview_id = track_interview_id(session_id, p.participant_id)
        track = Track(
            participant_id=p.participant_id,
            name=p.name,
            interview_id=interview_id,
            candidate_ref=p.candidate_ref,
            offset_s=p.offset_s,
            evaluated=p.consent is not None,
        )
        if p.consent is None:
            flags.append(
                GroupFlag(
                    code="CONSENT_MISSING",
                    participant_id=p.participant_id,
                    detail="no consent recorded: this track gets no upload form and is not evaluated",
                )
            )
        tracks.append(track)
    session = GroupSession(
        tenant_id=tenant_id,
        session_id=session_id,
        job_id=request.job_id,
        job_version=request.job_version,
        question_id=question.question_id,
        tracks=tracks,
        flags=flags,
        created_at=utcnow(),
    )
    if not sessions.create(session):
        raise PortalError("GROUP_SESSION_EXISTS", "this tenant already has a group session of this id", 409)
    out = []
    for track, p in zip(tracks, request.participants, strict=True):
        if p.consent is None:
            out.append(track)
            continue
        created = start_interview(
            CreateInterview(
                interview_id=track.interview_id,
                candidate_ref=p.candidate_ref,
                job_id=request.job_id,
                job_version=request.job_version,
                questions=[question.model_copy(update={"content_type": p.content_type})],
                wecom=p.wecom,
                consent=p.consent,
            ),
            tenant_id,
            interviews,
            presigner,
            uploads_bucket,
            profile_known=True,
        )
        out.append(track.model_copy(update={"upload": created.uploads[0] if created.uploads else None}))
    return GroupSessionCreated(session_id=session_id, tracks=out, flags=flags)
