"""Domain models: what moves between the workflow's stages, what is stored and what is published.

Input models parse what arrives at the edge (S3 events, workflow state), domain models carry the
work, and the stored shapes live with their adapters; conversions between them are explicit.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Json, field_validator, model_validator


def utcnow() -> datetime:
    return datetime.now(UTC)


# Transcription tiers: "cpu" (whisper base on the Fargate pool), "gpu" (large-v3-turbo on the GPU pool).
AsrTier = Literal["cpu", "gpu"]


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False)


class InterviewStatus(StrEnum):
    CREATED = "CREATED"
    PROCESSING = "PROCESSING"
    TRANSCRIBED = "TRANSCRIBED"
    SCORED = "SCORED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"


class ReasonCode(StrEnum):
    """Why an upload was rejected. Stable strings: stored, published and shown to portals."""

    NOT_MEDIA = "NOT_MEDIA"  # not a media container PyAV can open
    NO_AUDIO_STREAM = "NO_AUDIO_STREAM"  # a container without any audio stream
    ZERO_DURATION = "ZERO_DURATION"  # zero or unknown duration, or no audio samples at all
    TOO_LONG = "TOO_LONG"  # longer than the configured maximum
    TOO_LARGE = "TOO_LARGE"  # larger than the configured maximum size
    UNDECODABLE_AUDIO = "UNDECODABLE_AUDIO"  # the audio stream exists but does not decode
    RESOLUTION_TOO_HIGH = "RESOLUTION_TOO_HIGH"  # more video pixels per frame than the configured maximum


Outcome = Literal["TRANSCRIBED", "REJECTED", "FAILED"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


def check_id(value: str, what: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError(f"{what} must be 1-128 characters of letters, digits, '_', '-', '.'")
    return value


class ObjectLocation(Model):
    """An S3 object; also accepted as an ``s3://bucket/key`` URI (containers take their input that way)."""

    bucket: str
    key: str
    version_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_uri(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.startswith("s3://") or "/" not in value[5:]:
                raise ValueError("an object location is {bucket, key[, version_id]} or s3://bucket/key")
            bucket, key = value[5:].split("/", 1)
            return {"bucket": bucket, "key": key}
        return value

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


class UploadRef(ObjectLocation):
    """The uploaded object that started an evaluation, as S3 reported it."""

    size: int = Field(ge=0)
    etag: str | None = None
    sequencer: str | None = None


class ExecutionInput(Model):
    """The input of one `evaluate-interview` execution (one uploaded media object)."""

    upload: UploadRef
    tenant_id: str
    interview_id: str
    media_id: str
    artifact_prefix: str
    received_at: datetime

    _check_tenant = field_validator("tenant_id")(lambda v: check_id(v, "tenant_id"))
    _check_interview = field_validator("interview_id")(lambda v: check_id(v, "interview_id"))

    @staticmethod
    def execution_name(upload: ObjectLocation) -> str:
        """The Step Functions execution name: one per upload key, so duplicate events start nothing and a
        later version of the same key starts no second evaluation (``stages.start_evaluation``)."""
        raw = f"{upload.bucket}/{upload.key}".encode()
        return "upload-" + hashlib.sha256(raw).hexdigest()[:64]


class AudioStreamInfo(Model):
    codec: str
    sample_rate: int | None = None
    channels: int | None = None
    duration_s: float | None = None
    decoded_seconds_checked: float = 0.0


class VideoStreamInfo(Model):
    codec: str
    width: int
    height: int
    fps: float | None = None
    rotation: int = 0


class ProbeResult(Model):
    accepted: bool
    reason_code: ReasonCode | None = None
    detail: str | None = None
    route: Literal["lambda", "pool", "text"] = "lambda"  # text: a written answer (jiping.portal.text_answers)
    container: str | None = None
    duration_s: float | None = None
    size_bytes: int
    audio: AudioStreamInfo | None = None
    video: VideoStreamInfo | None = None


class TranscribeRequest(Model):
    source: ObjectLocation
    output: ObjectLocation
    language: str | None = None  # None: detect


class Word(Model):
    start: float
    end: float
    word: str
    probability: float


class Segment(Model):
    id: int
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: list[Word] = Field(default_factory=list)


class AsrModelInfo(Model):
    name: str
    device: str
    compute_type: str
    sha256: str | None = None


class Transcript(Model):
    """What the transcription stage writes to the artifacts bucket (transcript.json)."""

    language: str
    language_probability: float
    duration_s: float
    text: str
    segments: list[Segment]
    model: AsrModelInfo
    timings: dict[str, float] = Field(default_factory=dict)


class TranscriptionSummary(Model):
    """What the transcription stage returns to the workflow (the transcript itself stays in S3)."""

    output: ObjectLocation
    language: str
    language_probability: float
    duration_s: float
    segments: int
    words: int
    characters: int
    model: AsrModelInfo
    timings: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def of(cls, transcript: Transcript, output: ObjectLocation) -> TranscriptionSummary:
        return cls(
            output=output,
            language=transcript.language,
            language_probability=transcript.language_probability,
            duration_s=transcript.duration_s,
            segments=len(transcript.segments),
            words=sum(len(s.words) for s in transcript.segments),
            characters=len(transcript.text),
            model=transcript.model,
            timings=transcript.timings,
        )


class StageError(Model):
    """A Catch result as Step Functions writes it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    error: str = Field(alias="Error")
    cause: str | None = Field(default=None, alias="Cause")


# The ends of a Step Functions execution that did not succeed (the watchdog's rule, redrive).
UNSUCCESSFUL_EXECUTION_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")


class ExecutionEnded(Model):
    """The detail of a "Step Functions Execution Status Change" event for an execution that ended."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    execution_arn: str = Field(alias="executionArn")
    state_machine_arn: str = Field(alias="stateMachineArn")
    name: str
    status: Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"]
    start_date: datetime = Field(alias="startDate")  # epoch milliseconds in the event
    stop_date: datetime | None = Field(default=None, alias="stopDate")
    input: Json[ExecutionInput]
    error: str | None = None
    cause: str | None = None


class WorkflowState(ExecutionInput):
    """The execution state as the workflow accumulated it, read by the Persist stage."""

    probe: ProbeResult | None = None
    plan: dict[str, Any] | None = None  # jiping.domain.answers.AnalysisPlan
    analysis: dict[str, Any] | None = None  # the stages' summaries (transcription, audio, vision)
    error: StageError | None = None

    @field_validator("analysis", mode="before")
    @classmethod
    def _merge_branches(cls, value: Any) -> Any:
        """The Parallel state hands back one object per branch; they hold disjoint keys."""
        if isinstance(value, list):
            merged: dict[str, Any] = {}
            for branch in value:
                merged |= branch or {}
            return merged
        return value


class PersistRequest(Model):
    outcome: Outcome
    execution_id: str
    execution_started_at: datetime
    input: WorkflowState


class MediaRecord(Model):
    """One uploaded media object of an interview, as stored."""

    media_id: str
    status: InterviewStatus
    key: str
    version_id: str | None = None
    execution_id: str | None = None
    duration_s: float | None = None
    language: str | None = None
    transcript_key: str | None = None
    analysis_key: str | None = None
    questions: list[str] = Field(default_factory=list)  # the questions this media answers
    flags: list[str] = Field(default_factory=list)  # flag codes raised on this media's answers
    reason_code: ReasonCode | None = None
    error: str | None = None
    updated_at: datetime
    # "workflow": the execution recorded its own end; "watchdog": it ended without doing so (a
    # States.Runtime error, a timeout, an abort) and RecordUnfinished recorded it from its status change.
    recorded_by: Literal["workflow", "watchdog"] = "workflow"


class StatusChange(Model):
    status: InterviewStatus
    at: datetime
    media_id: str | None = None
    reason_code: ReasonCode | None = None
    error: str | None = None
    execution_id: str | None = None


class Question(Model):
    """A question of the interview and where its answer is: a clip of its own, or a stretch of one video."""

    question_id: str
    text: str | None = None
    media_id: str | None = None  # the clip that answers it (one clip per question)
    start_s: float | None = Field(
        default=None, ge=0
    )  # or its stretch of a longer video (a question timeline)
    end_s: float | None = Field(default=None, ge=0)

    _check_id = field_validator("question_id")(lambda v: check_id(v, "question_id"))


class WecomRecipients(Model):
    """Who is told in WeCom: HR owners / hiring managers (directory members, by userid) and the
    candidate when they are the company's external contact (external_userid), sent by ``sender``
    (a member who has the candidate as a contact; default: the first HR owner)."""

    hr_user_ids: list[str] = Field(default_factory=list, max_length=20)
    candidate_external_userid: str | None = None
    sender_user_id: str | None = None

    _check_ids = field_validator("hr_user_ids")(lambda v: [check_id(i, "hr_user_id") for i in v])


class ScoreSnapshot(Model):
    """One result of an interview as it stood: its profile version, scores and versions."""

    job_version: int | None
    overall_score: float | None
    recommendation: str | None
    competency_scores: dict[str, float | None]
    score_versions: dict[str, str | None]
    result_key: str | None
    scored_at: datetime | None


class CandidateQuestion(Model):
    """How the candidate page asks one question (from the job profile when the candidate was invited)."""

    question_id: str
    max_seconds: int
    thinking_seconds: int = 0
    takes_allowed: int = 1
    text_allowed: bool = False


class CandidateSide(Model):
    """What the candidate page needs of an invited interview (jiping.portal.candidates)."""

    language: Literal["zh", "en"] = "zh"
    job_title: str = ""
    deadline: datetime | None = None
    questions: list[CandidateQuestion] = Field(default_factory=list)
    takes: dict[str, int] = Field(default_factory=dict)  # question id -> recordings started
    submitted: dict[str, Literal["recording", "text"]] = Field(default_factory=dict)
    """Question id -> how its answer was handed in (one way per question)."""

    def question(self, question_id: str) -> CandidateQuestion | None:
        return next((q for q in self.questions if q.question_id == question_id), None)


class Interview(Model):
    tenant_id: str
    interview_id: str
    job_id: str | None = None
    job_version: int | None = None  # the job profile's version, when the job is a profile
    questions: list[Question] = Field(default_factory=list)
    status: InterviewStatus
    created_at: datetime
    updated_at: datetime
    status_history: list[StatusChange] = Field(default_factory=list)
    media: dict[str, MediaRecord] = Field(default_factory=dict)
    overall_score: float | None = None
    recommendation: str | None = None
    result_key: str | None = None
    competency_scores: dict[str, float | None] = Field(
        default_factory=dict
    )  # id -> score (None: not assessed)
    scored_at: datetime | None = None
    score_versions: dict[str, str | None] = Field(default_factory=dict)  # rubric, scoring_model, encoder
    score_history: list[ScoreSnapshot] = Field(default_factory=list)
    """Earlier results of this interview, oldest first: a re-score keeps what it replaces."""
    human_review: dict[str, Any] | None = (
        None  # a review request and a reviewer's decision (jiping.portal.audit)
    )
    wecom: WecomRecipients | None = None
    candidate_ref: str | None = None  # the portal's reference for the candidate (no name, no contact)
    consent: dict[str, Any] | None = None  # the consent that governs processing now (the last recorded)
    consent_history: list[dict[str, Any]] = Field(default_factory=list)  # every consent, oldest first
    request_sha256: str | None = None  # the creating request, so that another one for this id is refused
    asr_tier: AsrTier | None = None  # the job profile's transcription tier (None: the stack's default)
    practice: bool = False
    """A practice interview (模拟面试): scored for the candidate's own feedback only, never in the talent pool,
    analytics, webhooks or HR notices, and deleted at ``expires_at``."""
    candidate: CandidateSide | None = None  # set when the candidate is invited to the candidate page
    expires_at: datetime | None = None  # when the row is deleted (practice interviews)

    def ready_to_score(self) -> bool:
        """A job profile is known and every question of the interview has an analysed answer."""
        if self.job_version is None or not self.questions:
            return False
        answered = {
            q for m in self.media.values() if m.status is InterviewStatus.TRANSCRIBED for q in m.questions
        }
        return {q.question_id for q in self.questions} <= answered


class DomainEvent(Model):
    """A domain event on the Jiping bus. ``id`` is stable for one execution and outcome."""

    id: str
    type: Literal[
        "interview.transcribed",
        "interview.scored",
        "interview.rejected",
        "interview.failed",
        "interview.erased",
        "interview.commented",  # HR's or a hiring manager's comment (the workspace)
        "interview.decided",  # a hiring manager's or HR's decision (the workspace)
    ]
    time: datetime
    tenant_id: str
    interview_id: str
    data: dict[str, Any]

    @staticmethod
    def stable_id(execution_id: str, outcome: str) -> str:
        return "evt_" + hashlib.sha256(f"{execution_id}|{outcome}".encode()).hexdigest()[:32]


class EventEnvelope(Model):
    """A domain event as EventBridge hands it to an SQS consumer (only the fields used: the emulator
    leaves out ``account``)."""

    detail_type: str = Field(alias="detail-type")
    source: str
    detail: DomainEvent
