"""What the HR-portal API does, apart from HTTP: API keys, interviews with upload forms, reports, the
talent pool. ``functions/api/`` maps routes onto these; the request and response models here are
what the OpenAPI document is generated from.

API keys: ``jp_{key_id}_{secret}``; only ``sha256(secret)`` is stored, by key id, with the tenant it
belongs to, its scopes (``portal``, ``ehr``, ``admin``: what it may call), an optional expiry and
whether it was revoked. Every route reads the tenant from the authorizer's context, never from the request, and
every store is keyed by tenant, so a key never reaches another tenant's data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import AwareDatetime, Field, field_validator

from jiping.domain.errors import PortalError
from jiping.domain.models import (
    AsrTier,
    Interview,
    InterviewStatus,
    Model,
    Question,
    StatusChange,
    WecomRecipients,
    check_id,
    utcnow,
)
from jiping.ports import InterviewRepository

KEY_PREFIX = "jp_"
UPLOAD_TYPES = (
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "audio/mp4",
    "audio/mpeg",
    "audio/wav",
    "audio/webm",
)
_SUFFIX = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "audio/mp4": "m4a",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/webm": "weba",
}
UPLOAD_FORM_TTL_S = 3600
CONSENT_CLOCK_SKEW = timedelta(minutes=5)  # a portal's clock may run a little ahead
LINK_TTL_S = 300


# --- API keys -------------------------------------------------------------------------------------


Scope = Literal["portal", "ehr", "admin"]
SCOPES: tuple[Scope, ...] = ("portal", "ehr", "admin")


class ApiKeyRecord(Model):
    key_id: str
    tenant_id: str
    secret_sha256: str
    created_at: datetime
    scopes: list[Scope] = Field(default_factory=lambda: list[Scope](["portal"]))
    expires_at: datetime | None = None
    revoked: bool = False
    revoked_at: datetime | None = None


class Principal(Model):
    """Who calls: the key (its id, never its secret), its tenant and what it may do."""

    tenant_id: str
    key_id: str
    scopes: tuple[Scope, ...]

    @property
    def actor(self) -> str:
        """The audit log's actor for what this key does."""
        return f"key:{self.key_id}"


class ApiKeyStore(Protocol):
    def put(self, record: ApiKeyRecord) -> None: ...

    def get(self, key_id: str) -> ApiKeyRecord | None: ...

    def revoke(self, key_id: str, at: datetime) -> ApiKeyRecord | None: ...


def mint_key(
    store: ApiKeyStore,
    tenant_id: str,
    scopes: Sequence[Scope],
    *,
    expires_in_days: int | None = None,
) -> str:
    """A new API key for the tenant with these scopes; the token is returned once and never stored."""
    check_id(tenant_id, "tenant_id")
    unknown = set(scopes) - set(SCOPES)
    if not scopes or unknown:
        raise ValueError(f"an API key needs one or more scopes of {', '.join(SCOPES)}")
    if expires_in_days is not None and expires_in_days < 1:
        raise ValueError("an expiry is at least one day")
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    now = utcnow()
    store.put(
        ApiKeyRecord(
            key_id=key_id,
            tenant_id=tenant_id,
            created_at=now,
            secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
            scopes=[s for s in SCOPES if s in scopes],
            expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        )
    )
    return f"{KEY_PREFIX}{key_id}_{secret}"


def revoke_key(store: ApiKeyStore, key_id: str) -> ApiKeyRecord:
    """Revoke a key for good (the record stays, marked, so that its audit records keep their meaning)."""
    key_id = key_id.removeprefix(KEY_PREFIX).partition("_")[0]  # a whole token works too
    done = store.revoke(key_id, utcnow()) if key_id.isalnum() else None
    if done is None:
        raise ValueError(f"no API key {key_id}")
    return done


def authenticate(
    store: ApiKeyStore, authorization: str | None, now: datetime | None = None
) -> Principal | None:
    """The caller of a valid, unrevoked, unexpired ``Authorization: Bearer jp_…`` header, else None."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization[len("Bearer ") :].strip()
    if not token.startswith(KEY_PREFIX) or token.count("_") < 2:
        return None
    key_id, _, secret = token[len(KEY_PREFIX) :].partition("_")
    record = store.get(key_id) if key_id.isalnum() else None
    if record is None or record.revoked:
        return None
    if record.expires_at is not None and (now or utcnow()) >= record.expires_at:
        return None
    given = hashlib.sha256(secret.encode()).hexdigest()
    if not hmac.compare_digest(given, record.secret_sha256):
        return None
    return Principal(tenant_id=record.tenant_id, key_id=record.key_id, scopes=tuple(record.scopes))


# --- interviews -----------------------------------------------------------------------------------


class Consent(Model):
    """The candidate's separate consent (PIPL art. 29) to the processing of their interview.

    ``biometric`` false with ``audio`` true makes an audio-only interview: the answers are transcribed
    and scored from what was said and how it sounded; no frame of the video is analysed."""

    biometric: bool = Field(description="consent to analyse the face and video")
    audio: bool = Field(default=True, description="consent to transcribe and analyse the answers' audio")
    version: str = Field(min_length=1, max_length=64, description="the consent text's version")
    given_at: AwareDatetime = Field(description="when the candidate consented, with its time zone")

    @field_validator("given_at")
    @classmethod
    def _not_in_the_future(cls, value: datetime) -> datetime:
        if value > utcnow() + CONSENT_CLOCK_SKEW:
            raise ValueError("a consent cannot be given in the future")
        return value


class QuestionIn(Model):
    question_id: str = Field(min_length=1, max_length=128)
    text: str | None = Field(default=None, max_length=2000)
    content_type: Literal[UPLOAD_TYPES] = "video/mp4"  # type: ignore[valid-type]
    max_bytes: int = Field(default=512 * 1024**2, ge=1024, le=2 * 1024**3)

    _check = field_validator("question_id")(lambda v: check_id(v, "question_id"))


class WecomIn(Model):
    hr_user_ids: list[str] = Field(default_factory=list, max_length=20)
    candidate_external_userid: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]{1,128}$")

    _check_ids = field_validator("hr_user_ids")(lambda v: [check_id(i, "hr_user_id") for i in v])


class CreateInterview(Model):
    interview_id: str | None = Field(default=None, description="your id for it; generated when absent")
    candidate_ref: str = Field(min_length=1, max_length=128, description="your reference, not a name")
    job_id: str = Field(min_length=1, max_length=128)
    job_version: int | None = Field(default=None, ge=1)
    questions: list[QuestionIn] = Field(min_length=1, max_length=50)
    wecom: WecomIn | None = None
    consent: Consent | None = Field(
        default=None,
        description="the candidate's consent as the portal recorded it; leave it out when the candidate is "
        "invited to the candidate page, which asks for it (no upload form is handed out until then)",
    )

    _check_ids = field_validator("interview_id", "candidate_ref", "job_id")(
        lambda v: check_id(v, "id") if v is not None else v
    )


class UploadForm(Model):
    question_id: str
    url: str
    fields: dict[str, str]
    content_type: str
    max_bytes: int
    expires_in: int


class InterviewCreated(Model):
    interview_id: str
    status: str
    uploads: list[UploadForm]


class Presigner(Protocol):
    def post_form(
        self, bucket: str, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> dict[str, Any]: ...

    def get_url(self, bucket: str, key: str, expires_in: int) -> str: ...


CLOSED = (InterviewStatus.SCORED, InterviewStatus.REJECTED, InterviewStatus.FAILED)


def request_digest(request: CreateInterview) -> str:
    """What makes two creations of one interview the same request."""
    canonical = request.model_dump_json(exclude={"interview_id"})
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_request(request: CreateInterview, profile_known: bool | None = None) -> None:
    """What makes a request to create an interview one that cannot be served (422)."""
    if request.consent is not None and not (request.consent.biometric or request.consent.audio):
        raise PortalError(
            "CONSENT_REQUIRED",
            "the interview needs the candidate's recorded consent (video, or audio only)",
            422,
        )
    if profile_known is False:
        raise PortalError("UNKNOWN_JOB_PROFILE", f"no job profile {request.job_id} for this tenant", 422)
    ids = [q.question_id for q in request.questions]
    if len(set(ids)) != len(ids):
        raise PortalError("DUPLICATE_QUESTION", "each question id may appear once", 422)


def start_interview(
    request: CreateInterview,
    tenant_id: str,
    repo: InterviewRepository,
    presigner: Presigner,
    uploads_bucket: str,
    profile_known: bool | None = None,
    asr_tier: AsrTier | None = None,
) -> InterviewCreated:
    """Register the interview and hand out one upload form per question (content type and size bound).

    Posting the same request again hands out fresh forms for the questions not yet answered, until the
    interview is evaluated; another request for the same id is 409, and nothing of the first changes
    (its consent record above all: ``record_consent`` appends to it).
    """
    check_request(request, profile_known)
    check_id(tenant_id, "tenant_id")
    interview_id = request.interview_id or "iv-" + secrets.token_hex(8)
    check_id(interview_id, "interview_id")
    digest = request_digest(request)

    def apply(current: Interview | None) -> Interview:
        if current is not None:
            if current.request_sha256 != digest:
                raise PortalError(
                    "INTERVIEW_EXISTS",
                    "this interview id is taken by another request; consent changes go to "
                    f"POST /v1/interviews/{interview_id}/consent",
                    409,
                )
            if current.status in CLOSED:
                raise PortalError(
                    "UPLOADS_CLOSED", f"the interview is {current.status.value.lower()}: no more uploads", 409
                )
            return current
        now = utcnow()
        consent = (
            request.consent.model_dump(mode="json") | {"recorded_at": now.isoformat()}
            if request.consent is not None
            else None
        )
        return Interview(
            tenant_id=tenant_id,
            interview_id=interview_id,
            job_id=request.job_id,
            job_version=request.job_version,
            questions=[
                Question(question_id=q.question_id, text=q.text, media_id=q.question_id)
                for q in request.questions
            ],
            wecom=WecomRecipients(**request.wecom.model_dump()) if request.wecom else None,
            candidate_ref=request.candidate_ref,
            consent=consent,
            consent_history=[consent] if consent else [],
            request_sha256=digest,
            asr_tier=asr_tier,
            status=InterviewStatus.CREATED,
            created_at=now,
            updated_at=now,
            status_history=[StatusChange(status=InterviewStatus.CREATED, at=now)],
        )

    interview = repo.update(tenant_id, interview_id, apply)
    answered = {q for m in interview.media.values() for q in m.questions}
    forms = []
    for q in request.questions if interview.consent else []:  # no consent yet: the candidate page asks
        if q.question_id in answered:  # its upload key has started its one evaluation
            continue
        key = f"uploads/{tenant_id}/{interview_id}/{q.question_id}.{_SUFFIX[q.content_type]}"
        form = presigner.post_form(uploads_bucket, key, q.content_type, q.max_bytes, UPLOAD_FORM_TTL_S)
        forms.append(
            UploadForm(
                question_id=q.question_id,
                url=form["url"],
                fields=form["fields"],
                content_type=q.content_type,
                max_bytes=q.max_bytes,
                expires_in=UPLOAD_FORM_TTL_S,
            )
        )
    return InterviewCreated(interview_id=interview_id, status=interview.status.value, uploads=forms)


def record_consent(
    repo: InterviewRepository, tenant_id: str, interview_id: str, consent: Consent
) -> Interview:
    """Append a consent the candidate gave later (a withdrawal, or a new version of the text): it governs
    processing from now on; what was consented before stays in the history as it was."""

    def apply(current: Interview | None) -> Interview:
        if current is None:
            raise PortalError("INTERVIEW_NOT_FOUND", "no such interview for this tenant", 404)
        history = current.consent_history or ([current.consent] if current.consent else [])
        if history and consent.given_at < datetime.fromisoformat(history[-1]["given_at"]):
            raise PortalError(
                "CONSENT_OUT_OF_ORDER", "a consent cannot be given before the one already recorded", 409
            )
        now = utcnow()
        entry = consent.model_dump(mode="json") | {"recorded_at": now.isoformat()}
        current.consent, current.consent_history = entry, [*history, entry]
        current.updated_at = now
        return current

    return repo.update(tenant_id, interview_id, apply)


class InterviewView(Model):
    interview_id: str
    candidate_ref: str | None
    job_id: str | None
    job_version: int | None
    status: str
    status_history: list[dict[str, Any]]
    questions: list[str]
    overall_score: float | None
    recommendation: str | None
    human_review: dict[str, Any] | None = None
    consent: list[dict[str, Any]] = Field(
        default_factory=list, description="every consent recorded, oldest first; the last one governs"
    )
    created_at: datetime
    updated_at: datetime


def view(interview: Interview) -> InterviewView:
    return InterviewView(
        interview_id=interview.interview_id,
        candidate_ref=interview.candidate_ref,
        job_id=interview.job_id,
        job_version=interview.job_version,
        status=interview.status.value,
        status_history=[h.model_dump(mode="json", exclude_none=True) for h in interview.status_history],
        questions=[q.question_id for q in interview.questions],
        overall_score=interview.overall_score,
        recommendation=interview.recommendation,
        human_review=interview.human_review,
        consent=interview.consent_history or ([interview.consent] if interview.consent else []),
        created_at=interview.created_at,
        updated_at=interview.updated_at,
    )


class ReportLinks(Model):
    interview_id: str
    html: str
    json_url: str = Field(alias="json", serialization_alias="json")
    expires_in: int

    model_config = {"populate_by_name": True}


def report_links(interview: Interview, presigner: Presigner, artifacts_bucket: str) -> ReportLinks:
    if interview.result_key is None:
        raise PortalError("NOT_SCORED", "the interview has no report yet", 409)
    html_key = interview.result_key.rsplit("/", 1)[0] + "/report.html"
    return ReportLinks(
        interview_id=interview.interview_id,
        html=presigner.get_url(artifacts_bucket, html_key, LINK_TTL_S),
        json_url=presigner.get_url(artifacts_bucket, interview.result_key, LINK_TTL_S),
        expires_in=LINK_TTL_S,
    )


class PoolEntry(Model):
    rank: int
    interview_id: str
    candidate_ref: str | None
    overall_score: float | None
    recommendation: str | None
    status: str
    job_version: int | None
    review_needed: bool = False  # the recommendation is "review": a person has to look
    scored_at: datetime | None = None


class PoolPage(Model):
    items: list[PoolEntry]
    next_cursor: str | None = Field(description="pass it as ?cursor= for the next page; null: the last page")


class PoolFilters(Model):
    status: str | None = None
    recommendation: str | None = None
    min_score: float | None = None
    max_score: float | None = None


class PoolSource(Protocol):
    def pool_page(
        self,
        tenant_id: str,
        job_id: str,
        *,
        status: str | None = None,
        recommendation: str | None = None,
        min_score: float | None = None,
        max_score: float | None = None,
        limit: int = 50,
        after: dict[str, str] | None = None,
    ) -> tuple[list[Interview], dict[str, str] | None]: ...


def _cursor_digest(tenant_id: str, job_id: str, filters: PoolFilters) -> str:
    described = f"{tenant_id}|{job_id}|{filters.model_dump_json()}"
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def _read_cursor(cursor: str, digest: str) -> tuple[dict[str, str], int]:
    invalid = PortalError("INVALID_CURSOR", "the cursor is not one this list returned, for these filters")
    try:
        doc = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
        after, rank, made_for = doc["after"], int(doc["rank"]), doc["for"]
    except (ValueError, KeyError, TypeError):
        raise invalid from None
    if (
        made_for != digest
        or not isinstance(after, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in after.items())
    ):
        raise invalid
    return after, rank


def pool_entry(interview: Interview, rank: int) -> PoolEntry:
    return PoolEntry(
        rank=rank,
        interview_id=interview.interview_id,
        candidate_ref=interview.candidate_ref,
        overall_score=interview.overall_score,
        recommendation=interview.recommendation,
        status=interview.status.value,
        job_version=interview.job_version,
        review_needed=interview.recommendation == "review",
        scored_at=interview.scored_at,
    )


def talent_pool(
    source: PoolSource,
    tenant_id: str,
    job_id: str,
    filters: PoolFilters,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> PoolPage:
    """One page of a job's interviews, best score first (unscored last), filtered (人才库). The rows come
    from an index ordered by score, so every page is the right slice of the whole job, however large; the
    cursor is bound to the tenant, the job and the filters (another's is 400 INVALID_CURSOR)."""
    if (
        filters.min_score is not None
        and filters.max_score is not None
        and filters.min_score > filters.max_score
    ):
        raise PortalError("INVALID_SCORE_BAND", "min_score is above max_score", 422)
    digest = _cursor_digest(tenant_id, job_id, filters)
    after, ranked = _read_cursor(cursor, digest) if cursor else (None, 0)
    rows, more = source.pool_page(tenant_id, job_id, **filters.model_dump(), limit=limit, after=after)
    items = [pool_entry(i, ranked + n + 1) for n, i in enumerate(rows) if not i.practice]
    next_cursor = None
    if more is not None:
        doc = {"after": more, "rank": ranked + len(rows), "for": digest}
        next_cursor = base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")
    return PoolPage(items=items, next_cursor=next_cursor)


# --- registering an interview ---------------------------------------------------------------------------------


def create_interview(
    repo: InterviewRepository,
    tenant_id: str,
    interview_id: str,
    job_id: str,
    questions: Sequence[Question] = (),
    job_version: int | None = None,
    wecom: WecomRecipients | None = None,
    consent: dict[str, Any] | None = None,
    asr_tier: AsrTier | None = None,
) -> Interview:
    """Register an interview before its media arrive (what the portal API does on POST /v1/interviews).

    Idempotent: an existing interview is returned unchanged.
    """
    check_id(tenant_id, "tenant_id")
    check_id(interview_id, "interview_id")

    def apply(current: Interview | None) -> Interview:
        if current is not None:
            return current
        now = utcnow()
        return Interview(
            tenant_id=tenant_id,
            interview_id=interview_id,
            job_id=job_id,
            job_version=job_version,
            questions=list(questions),
            wecom=wecom,
            consent=consent,
            asr_tier=asr_tier,
            status=InterviewStatus.CREATED,
            created_at=now,
            updated_at=now,
            status_history=[StatusChange(status=InterviewStatus.CREATED, at=now)],
        )

    return repo.update(tenant_id, interview_id, apply)
