"""The candidate's side (issue 17): invitation links, the session a link opens, the candidate page's routes
(consent, takes, upload forms, written answers), feedback in plain words, and practice interviews.

Links and sessions
    An invitation is a random token in a link (``{candidate_base_url}/c/{token}``). Only its SHA-256 is
    stored (``link#…``), bound to one interview, with an expiry (the deadline). The page exchanges it once
    for a session (``jc_…``, stored as ``session#…``); the exchange is a conditional write, so a link opens
    one session only (``LINK_USED`` after that) and never after its deadline (``LINK_EXPIRED``). A link
    shown in a chat preview is fetched as a page, never exchanged: the exchange is the page's own POST.

What a candidate may do is bounded by the job profile, copied onto the interview when they are invited
(``CandidateSide``): each question's ``max_seconds`` (a longer recording is refused before any byte is
stored: the declared length, and the form's byte limit at a generous bit rate), its ``takes`` (a
re-record beyond them is ``RERECORD_LIMIT``), ``text_allowed`` and the deadline.

Practice interviews (模拟面试) ask the profile's practice questions, are never shown to HR (the talent
pool, analytics, webhooks and HR notices all leave them out: ``Interview.practice``) and are deleted after
the tenant's practice retention.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import Field

from jiping.domain.errors import PortalError
from jiping.domain.models import (
    CandidateQuestion,
    CandidateSide,
    Interview,
    InterviewStatus,
    Model,
    Question,
    StatusChange,
    WecomRecipients,
    check_id,
)
from jiping.domain.profiles import JobProfile
from jiping.portal.interviews import CLOSED, Consent, Presigner, WecomIn, record_consent
from jiping.ports import InterviewRepository

SESSION_PREFIX = "jc_"
SESSION_TTL = timedelta(days=30)  # the candidate may come back for the result and feedback
CONSENT_VERSION = "candidate-2026-12"  # the consent text the page shows (web/candidate/app.js)
DURATION_GRACE_S = 2.0  # MediaRecorder stops a little after the countdown
# The byte limit of an upload form: the question's seconds at a generous bit rate (bytes/s), plus a header.
VIDEO_BYTES_PER_S = 400_000  # 3.2 Mbit/s: MediaRecorder's VP8 at 640x480 is ~1-2.5 Mbit/s
AUDIO_BYTES_PER_S = 40_000  # 320 kbit/s: Opus at ~32-128 kbit/s
FORM_OVERHEAD_BYTES = 256 * 1024
UPLOAD_FORM_TTL_S = 3600
CANDIDATE_TYPES = ("video/webm", "audio/webm", "video/mp4", "audio/mp4")
_SUFFIX = {"video/webm": "webm", "audio/webm": "weba", "video/mp4": "mp4", "audio/mp4": "m4a"}


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _refuse(code: str, message: str, status: int) -> PortalError:
    return PortalError(code, message, status)


# --- records and ports ---------------------------------------------------------------------------------------


class LinkRecord(Model):
    """A link or a session, by the SHA-256 of its token (the token itself is never stored)."""

    kind: Literal["link", "session"]
    token_sha256: str
    tenant_id: str
    interview_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None  # links: when the page exchanged it for a session


class CandidateOptions(Model):
    """A tenant's choices for the candidate side (``PUT /v1/settings/candidates``)."""

    feedback: bool = Field(
        default=False, description="send the candidate feedback after scoring (off by default)"
    )
    feedback_score: bool = Field(default=False, description="include the overall score in that feedback")
    practice_retention_days: int = Field(
        default=7, ge=1, le=90, description="days a practice interview is kept before it is deleted"
    )


class Due(Model):
    """Work the sweep does at ``due_at``: remind the candidate, or delete a practice interview."""

    kind: Literal["remind", "purge"]
    tenant_id: str
    interview_id: str
    due_at: datetime


class LinkStore(Protocol):
    def put(self, record: LinkRecord) -> None: ...

    def get(self, kind: str, token_sha256: str) -> LinkRecord | None: ...

    def claim(self, token_sha256: str, now: datetime) -> bool:
        """Mark an unused, unexpired link used (conditional): False when it was used or has expired."""
        ...

    def options(self, tenant_id: str) -> CandidateOptions: ...

    def put_options(self, tenant_id: str, options: CandidateOptions) -> None: ...

    def schedule(self, due: Due) -> None: ...

    def due(self, now: datetime, limit: int) -> list[Due]: ...

    def done(self, due: Due) -> None: ...


# --- invitations -------------------------------------------------------------------------------------------


class InvitationIn(Model):
    expires_in_hours: int = Field(default=72, ge=1, le=720, description="the link's deadline, from now")
    remind_before_hours: int = Field(
        default=24, ge=0, le=168, description="a WeCom reminder this long before the deadline (0: none)"
    )


class WecomOutcome(Model):
    status: Literal["sent", "skipped", "failed"]
    reason: str | None = None


class Invitation(Model):
    interview_id: str
    url: str = Field(
        description="the candidate's link: single use, expires at the deadline; send it by SMS or "
        "e-mail when WeCom did not"
    )
    expires_at: datetime
    practice: bool = False
    wecom: WecomOutcome


class PracticeIn(Model):
    job_id: str = Field(min_length=1, max_length=128)
    job_version: int = Field(ge=1)
    candidate_ref: str = Field(min_length=1, max_length=128)
    wecom: WecomIn | None = None
    expires_in_hours: int = Field(default=72, ge=1, le=720)


def candidate_side(profile: JobProfile, questions: list[Question], deadline: datetime) -> CandidateSide:
    """How the page asks the interview's questions, from the profile (practice questions included)."""
    asked = []
    for q in questions:
        spec = profile.question(q.question_id)
        if spec is None:
            raise _refuse("UNKNOWN_QUESTION", f"question {q.question_id} is not in the job profile", 422)
        if not q.text:  # the portal named the question only: the page shows the profile's words
            q.text = spec.text_en if profile.language == "en" and spec.text_en else spec.text
        asked.append(
            CandidateQuestion(
                question_id=q.question_id,
                max_seconds=spec.max_seconds,
                thinking_seconds=spec.thinking_seconds,
                takes_allowed=spec.takes,
                text_allowed=spec.text_allowed,
            )
        )
    language: Literal["zh", "en"] = "en" if profile.language == "en" else "zh"
    return CandidateSide(language=language, job_title=profile.title, deadline=deadline, questions=asked)


def invite(
    repo: InterviewRepository,
    links: LinkStore,
    profile: JobProfile,
    tenant_id: str,
    interview_id: str,
    request: InvitationIn,
    now: datetime,
) -> tuple[str, Interview]:
    """A new link to the interview (the token, returned once) and the interview as the page will see it."""
    deadline = now + timedelta(hours=request.expires_in_hours)

    def apply(current: Interview | None) -> Interview:
        if current is None:
            raise _refuse("INTERVIEW_NOT_FOUND", "no such interview for this tenant", 404)
        if current.status in CLOSED:
            raise _refuse("UPLOADS_CLOSED", f"the interview is {current.status.value.lower()}", 409)
        side = candidate_side(profile, current.questions, deadline)
        if current.candidate is not None:
            side.takes = current.candidate.takes  # a new link does not give the takes back
        current.candidate, current.updated_at = side, now
        return current

    interview = repo.update(tenant_id, interview_id, apply)
    token = _new_link(links, tenant_id, interview_id, deadline, now)
    remind_at = deadline - timedelta(hours=request.remind_before_hours)
    if request.remind_before_hours and remind_at > now and not interview.practice:
        links.schedule(Due(kind="remind", tenant_id=tenant_id, interview_id=interview_id, due_at=remind_at))
    return token, interview


def practice_interview(
    repo: InterviewRepository,
    links: LinkStore,
    profile: JobProfile,
    tenant_id: str,
    request: PracticeIn,
    now: datetime,
) -> tuple[str, Interview]:
    """A practice interview on the profile's practice questions, its link, and its deletion scheduled."""
    check_id(request.candidate_ref, "candidate_ref")
    if not profile.practice_questions:
        raise _refuse("NO_PRACTICE_QUESTIONS", f"job profile {profile.id} v{profile.version} has none", 422)
    interview_id = "pr-" + secrets.token_hex(8)
    retention = links.options(tenant_id).practice_retention_days
    expires = now + timedelta(days=retention)
    questions = [Question(question_id=q.id, text=q.text, media_id=q.id) for q in profile.practice_questions]
    deadline = min(now + timedelta(hours=request.expires_in_hours), expires)

    def apply(current: Interview | None) -> Interview:
        return Interview(
            tenant_id=tenant_id,
            interview_id=interview_id,
            job_id=profile.id,
            job_version=profile.version,
            questions=questions,
            status=InterviewStatus.CREATED,
            created_at=now,
            updated_at=now,
            status_history=[StatusChange(status=InterviewStatus.CREATED, at=now)],
            wecom=WecomRecipients(**request.wecom.model_dump()) if request.wecom else None,
            candidate_ref=request.candidate_ref,
            practice=True,
            candidate=candidate_side(profile, questions, deadline),
            expires_at=expires,
        )

    interview = repo.update(tenant_id, interview_id, apply)
    links.schedule(Due(kind="purge", tenant_id=tenant_id, interview_id=interview_id, due_at=expires))
    return _new_link(links, tenant_id, interview_id, deadline, now), interview  # no reminder for practice


def _new_link(links: LinkStore, tenant_id: str, interview_id: str, deadline: datetime, now: datetime) -> str:
    """A new link's token (returned once; only its hash is stored), valid until ``deadline``."""
    token = secrets.token_urlsafe(24)
    links.put(
        LinkRecord(
            kind="link",
            token_sha256=token_sha256(token),
            tenant_id=tenant_id,
            interview_id=interview_id,
            created_at=now,
            expires_at=deadline,
        )
    )
    return token


def invitation_text(interview: Interview, url: str) -> str:
    """The WeCom message that carries the link: the job, the deadline and the format."""
    side = interview.candidate
    assert side is not None
    n = len(side.questions)
    longest = max((q.max_seconds for q in side.questions), default=0)
    if side.language == "en":
        kind = "a practice interview" if interview.practice else "an interview"
        return (
            f"You are invited to {kind} for {side.job_title}: {n} questions, up to {_minutes(longest, 'en')} "
            f"each, answered on your phone whenever it suits you before {_deadline(side)}. {url}"
        )
    kind = "模拟面试（练习）" if interview.practice else "AI 面试"
    return (
        f"您好，邀请您参加「{side.job_title}」的{kind}：共 {n} 题，每题最长 {_minutes(longest, 'zh')}，"
        f"请在 {_deadline(side)} 前用手机随时作答，无需下载应用。{url}"
    )


def reminder_text(interview: Interview) -> str:
    side = interview.candidate
    assert side is not None
    if side.language == "en":
        return (
            f"A reminder: your interview for {side.job_title} closes at {_deadline(side)}. Please use the link "
            "in our earlier message."
        )
    return f"温馨提醒：「{side.job_title}」的 AI 面试将于 {_deadline(side)} 截止，请使用之前收到的链接作答。"


def _minutes(seconds: int, language: str) -> str:
    if seconds % 60:
        return f"{seconds} s" if language == "en" else f"{seconds} 秒"
    return f"{seconds // 60} min" if language == "en" else f"{seconds // 60} 分钟"


def _deadline(side: CandidateSide) -> str:
    # China Standard Time: what candidates of a Chinese company read (the page shows their local time)
    assert side.deadline is not None
    local = side.deadline.astimezone(ZoneInfo("Asia/Shanghai"))
    return local.strftime("%Y-%m-%d %H:%M") + (" (UTC+8)" if side.language == "en" else "")


# --- sessions ---------------------------------------------------------------------------------------------


def open_session(links: LinkStore, token: str, now: datetime) -> tuple[str, LinkRecord]:
    """Exchange a link's token for a session (once): the session token and its record."""
    if not isinstance(token, str) or not 16 <= len(token) <= 128:
        raise _refuse("LINK_INVALID", "this link is not valid", 404)
    digest = token_sha256(token)
    link = links.get("link", digest)
    if link is None:
        raise _refuse("LINK_INVALID", "this link is not valid", 404)
    if now >= link.expires_at:
        raise _refuse("LINK_EXPIRED", "this link has expired", 410)
    if link.used_at is not None or not links.claim(digest, now):
        again = links.get("link", digest)
        if again is not None and again.used_at is None and now >= again.expires_at:
            raise _refuse("LINK_EXPIRED", "this link has expired", 410)
        raise _refuse("LINK_USED", "this link was already opened; ask for a new one", 410)
    session = SESSION_PREFIX + secrets.token_urlsafe(32)
    record = LinkRecord(
        kind="session",
        token_sha256=token_sha256(session),
        tenant_id=link.tenant_id,
        interview_id=link.interview_id,
        created_at=now,
        expires_at=now + SESSION_TTL,
    )
    links.put(record)
    return session, record


def session_of(links: LinkStore, authorization: str | None, now: datetime) -> LinkRecord:
    """The session an ``Authorization: Bearer jc_…`` header names, or 401."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    if not token.startswith(SESSION_PREFIX) or len(token) > 128:
        raise _refuse("SESSION_INVALID", "open the interview from its link again", 401)
    found = links.get("session", token_sha256(token))
    if found is None:
        raise _refuse("SESSION_INVALID", "open the interview from its link again", 401)
    if now >= found.expires_at:
        raise _refuse("SESSION_EXPIRED", "this session has expired", 401)
    return found


# --- what the page shows ----------------------------------------------------------------------------------


class FeedbackItem(Model):
    competency: str
    kind: Literal["strength", "development"]
    text: str


class Feedback(Model):
    items: list[FeedbackItem]
    overall_score: float | None = None


class CandidateQuestionView(Model):
    question_id: str
    text: str
    max_seconds: int
    thinking_seconds: int
    takes_allowed: int
    takes_used: int
    text_allowed: bool
    answered: bool


class CandidateView(Model):
    interview_id: str
    language: Literal["zh", "en"]
    practice: bool
    job_title: str
    deadline: datetime | None
    stage: Literal["invited", "in_progress", "completed"]
    consent: dict[str, Any] | None
    consent_version: str = CONSENT_VERSION
    questions: list[CandidateQuestionView]
    result: Literal["pending", "scored", "rejected", "failed"]
    feedback: Feedback | None = None
    review_requested: bool = False


def _answered(interview: Interview) -> set[str]:
    """Questions answered: handed in on the page, or analysed (an answer uploaded through the portal)."""
    handed_in = set(interview.candidate.submitted) if interview.candidate else set()
    return handed_in | {q for m in interview.media.values() for q in m.questions}


def candidate_view(interview: Interview, feedback: Feedback | None) -> CandidateView:
    side = _side(interview)
    done = _answered(interview)
    texts = {q.question_id: q.text or "" for q in interview.questions}
    consent = interview.consent
    given = (
        {
            "audio": bool(consent.get("audio")),
            "video": bool(consent.get("biometric")),
            "version": consent.get("version"),
        }
        if consent
        else None
    )
    if done >= set(texts):
        stage: Literal["invited", "in_progress", "completed"] = "completed"
    elif done or given or any(side.takes.values()):
        stage = "in_progress"
    else:
        stage = "invited"
    result: Literal["pending", "scored", "rejected", "failed"] = {
        InterviewStatus.SCORED: "scored",
        InterviewStatus.REJECTED: "rejected",
        InterviewStatus.FAILED: "failed",
    }.get(interview.status, "pending")  # type: ignore[assignment]
    review = interview.human_review or {}
    return CandidateView(
        interview_id=interview.interview_id,
        language=side.language,
        practice=interview.practice,
        job_title=side.job_title,
        deadline=side.deadline,
        stage=stage,
        consent=given,
        questions=[
            CandidateQuestionView(
                question_id=q.question_id,
                text=texts.get(q.question_id, ""),
                max_seconds=q.max_seconds,
                thinking_seconds=q.thinking_seconds,
                takes_allowed=q.takes_allowed,
                takes_used=side.takes.get(q.question_id, 0),
                text_allowed=q.text_allowed,
                answered=q.question_id in done,
            )
            for q in side.questions
        ],
        result=result,
        feedback=feedback,
        review_requested=bool(review.get("requested_at")),
    )


_FEEDBACK = {
    "strength": {"en": "Your answers showed this: {}.", "zh": "你的回答体现了：{}。"},
    "development": {"en": "Something to work on: {}.", "zh": "可以进一步加强：{}。"},
}


def feedback_from_result(document: dict[str, Any], language: str, include_score: bool) -> Feedback:
    """Per assessed competency, one strength (a behaviour the answers showed) or, where none was shown, one
    development point (the next level's behaviour they did not show), in the profile's words. No score
    unless the tenant opted in; nothing about other candidates."""
    items = []
    for competency in document.get("competencies", []):
        if not competency.get("assessed", True):
            continue
        for kind, found in (
            ("strength", competency.get("strengths")),
            ("development", competency.get("gaps")),
        ):
            if found:
                text = _FEEDBACK[kind]["en" if language == "en" else "zh"].format(found[0]["text"])
                items.append(FeedbackItem(competency=competency["name"], kind=kind, text=text))  # type: ignore[arg-type]
    score = document.get("overall_score") if include_score else None
    return Feedback(items=items, overall_score=score)


def feedback_text(feedback: Feedback, language: str) -> str:
    """The feedback as one WeCom message."""
    head = "Your interview feedback:" if language == "en" else "您的面试反馈："
    label = {"strength": ("Strength", "优势"), "development": ("To develop", "可提升")}
    lines = [head]
    for item in feedback.items:
        name = label[item.kind][0 if language == "en" else 1]
        lines.append(
            f"· {item.competency}（{name}）{item.text}"
            if language != "en"
            else f"· {item.competency} ({name}): {item.text}"
        )
    if feedback.overall_score is not None:
        lines.append(
            f"Overall: {feedback.overall_score:.0f}/100"
            if language == "en"
            else f"总分：{feedback.overall_score:.0f}/100"
        )
    return "\n".join(lines)


def _stored(repo: InterviewRepository, tenant_id: str, interview_id: str) -> Interview:
    found = repo.get(tenant_id, interview_id)
    if found is None:
        raise _refuse("INTERVIEW_NOT_FOUND", "no such interview", 404)
    return found


def _side(interview: Interview) -> CandidateSide:
    if interview.candidate is None:
        raise _refuse("NOT_INVITED", "the interview has no candidate page", 409)
    return interview.candidate


# --- what the page does -------------------------------------------------------------------------------------


def _open_question(interview: Interview, question_id: str, now: datetime) -> CandidateQuestion:
    side = _side(interview)
    spec = side.question(question_id)
    if spec is None:
        raise _refuse("QUESTION_NOT_FOUND", "the interview does not ask this question", 404)
    if interview.status in CLOSED:
        raise _refuse("UPLOADS_CLOSED", "the interview is closed", 409)
    if side.deadline is not None and now >= side.deadline:
        raise _refuse("DEADLINE_PASSED", "the deadline for this interview has passed", 410)
    if question_id in _answered(interview):
        raise _refuse("ANSWER_EXISTS", "this question is already answered", 409)
    return spec


def give_consent(
    repo: InterviewRepository,
    tenant_id: str,
    interview_id: str,
    audio: bool,
    video: bool,
    version: str,
    now: datetime,
) -> Interview:
    """The candidate's consent on the page: audio and video separately, with the text's version."""
    interview = _stored(repo, tenant_id, interview_id)
    side = _side(interview)
    if version != CONSENT_VERSION:
        raise _refuse(
            "CONSENT_VERSION", f"the consent text is version {CONSENT_VERSION}; reload the page", 409
        )
    if video and not audio:
        raise _refuse("CONSENT_REQUIRED", "video analysis needs the audio too: a recording holds both", 422)
    if not audio and not all(q.text_allowed for q in side.questions):
        raise _refuse(
            "CONSENT_REQUIRED",
            "some questions are answered by recording only: they need consent to audio",
            422,
        )
    return record_consent(
        repo, tenant_id, interview_id, Consent(biometric=video, audio=audio, version=version, given_at=now)
    )


def start_take(
    repo: InterviewRepository, tenant_id: str, interview_id: str, question_id: str, now: datetime
) -> tuple[int, int]:
    """A recording of the answer starts: the take's number and the takes left (``RERECORD_LIMIT`` at 0)."""
    taken: list[int] = []

    def apply(current: Interview | None) -> Interview:
        if current is None:
            raise _refuse("INTERVIEW_NOT_FOUND", "no such interview", 404)
        spec = _open_question(current, question_id, now)
        if not (current.consent or {}).get("audio"):
            raise _refuse("CONSENT_REQUIRED", "a recording needs the candidate's consent to audio", 403)
        side = _side(current)
        used = side.takes.get(question_id, 0)
        if used >= spec.takes_allowed:
            raise _refuse("RERECORD_LIMIT", f"this question allows {spec.takes_allowed} recordings", 409)
        side.takes[question_id] = used + 1
        current.updated_at = now
        taken[:] = [used + 1, spec.takes_allowed - used - 1]
        return current

    repo.update(tenant_id, interview_id, apply)
    return taken[0], taken[1]


class UploadIn(Model):
    content_type: str = Field(max_length=100)
    seconds: float = Field(gt=0, le=3600)


class CandidateUploadForm(Model):
    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_in: int


def upload_form(
    repo: InterviewRepository,
    presigner: Presigner,
    uploads_bucket: str,
    tenant_id: str,
    interview_id: str,
    question_id: str,
    request: UploadIn,
    now: datetime,
) -> CandidateUploadForm:
    """The form for the recorded answer: one key, the content type, and a byte limit from ``max_seconds``."""
    interview = _stored(repo, tenant_id, interview_id)
    spec = _open_question(interview, question_id, now)
    content_type = request.content_type.split(";")[0].strip().lower()
    if content_type not in CANDIDATE_TYPES:
        raise _refuse("UNSUPPORTED_TYPE", f"a recording is one of {', '.join(CANDIDATE_TYPES)}", 422)
    consent = interview.consent or {}
    if content_type.startswith("video/") and not consent.get("biometric"):
        raise _refuse("VIDEO_NOT_CONSENTED", "video was not consented to: record the audio only", 403)
    if not consent.get("audio"):
        raise _refuse("CONSENT_REQUIRED", "a recording needs the candidate's consent to audio", 403)
    if not _side(interview).takes.get(question_id):
        raise _refuse("NO_TAKE", "start a recording first", 409)
    if request.seconds > spec.max_seconds + DURATION_GRACE_S:
        raise _refuse(
            "TOO_LONG",
            f"the answer is {request.seconds:.0f} s; this question allows {spec.max_seconds} s",
            422,
        )
    rate = VIDEO_BYTES_PER_S if content_type.startswith("video/") else AUDIO_BYTES_PER_S
    max_bytes = int((spec.max_seconds + DURATION_GRACE_S) * rate) + FORM_OVERHEAD_BYTES
    key = f"uploads/{tenant_id}/{interview_id}/{question_id}.{_SUFFIX[content_type]}"
    form = presigner.post_form(uploads_bucket, key, content_type, max_bytes, UPLOAD_FORM_TTL_S)
    return CandidateUploadForm(
        url=form["url"], fields=form["fields"], max_bytes=max_bytes, expires_in=UPLOAD_FORM_TTL_S
    )


def check_text_answer(
    repo: InterviewRepository, tenant_id: str, interview_id: str, question_id: str, now: datetime
) -> None:
    """A written answer from the page: only where the question allows one, before the deadline."""
    interview = _stored(repo, tenant_id, interview_id)
    spec = _open_question(interview, question_id, now)
    if not spec.text_allowed:
        raise _refuse("TEXT_NOT_ALLOWED", "this question is answered by recording, not in writing", 422)


def mark_submitted(
    repo: InterviewRepository,
    tenant_id: str,
    interview_id: str,
    question_id: str,
    how: Literal["recording", "text"],
    now: datetime,
) -> Interview:
    """The answer is handed in (the page's word for a recording S3 accepted; a stored text): one way per
    question, so a question never gets both a recording and a text to score."""

    def apply(current: Interview | None) -> Interview:
        if current is None:
            raise _refuse("INTERVIEW_NOT_FOUND", "no such interview", 404)
        side = _side(current)
        if side.submitted.get(question_id) == how:
            return current  # said twice (a retried request)
        _open_question(current, question_id, now)
        if how == "recording" and not side.takes.get(question_id):
            raise _refuse("NO_TAKE", "no recording of this answer was started", 409)
        side.submitted[question_id] = how
        current.updated_at = now
        return current

    return repo.update(tenant_id, interview_id, apply)


# --- the sweep: reminders and practice deletion ---------------------------------------------------------------


class Reminders(Protocol):
    def tell_candidate(self, interview: Interview, message_id: str, text: str) -> Any: ...


class PracticeStores(Protocol):
    """What deleting a practice interview touches (``jiping.portal.erasure``'s stores)."""

    def delete_prefix(self, bucket: str, prefix: str) -> int: ...


class SweepReport(Model):
    reminded: int = 0
    not_reminded: int = 0  # answered already, or the interview is gone
    purged: int = 0


def sweep(
    links: LinkStore,
    repo: InterviewRepository,
    *,
    now: datetime,
    remind: Reminders | None,
    objects: PracticeStores,
    uploads_bucket: str,
    artifacts_bucket: str,
    erase: Any,
    forget: Any = None,
    limit: int = 200,
) -> SweepReport:
    """Do the due work: remind candidates who have not finished before their deadline (in WeCom), and delete
    practice interviews past the tenant's retention (objects, then the row: ``erase`` leaves a tombstone so
    that an execution still running cannot write it back; ``forget`` drops its audit and notice records)."""
    report = SweepReport()
    for due in links.due(now, limit):
        interview = repo.get(due.tenant_id, due.interview_id)
        if due.kind == "remind":
            finished = (
                interview is None
                or interview.candidate is None
                or (candidate_view(interview, None).stage == "completed")
            )
            deadline = interview.candidate.deadline if interview and interview.candidate else None
            if finished or remind is None or (deadline is not None and deadline <= now):
                report.not_reminded += 1
            else:
                assert interview is not None
                remind.tell_candidate(interview, f"remind#{due.due_at.isoformat()}", reminder_text(interview))
                report.reminded += 1
        elif interview is None or interview.practice:  # never anything but a practice interview
            prefix = f"{due.tenant_id}/{due.interview_id}/"
            objects.delete_prefix(uploads_bucket, f"uploads/{prefix}")
            objects.delete_prefix(artifacts_bucket, prefix)
            if forget is not None:
                forget(due.tenant_id, due.interview_id)
            if interview is not None:
                erase(due.tenant_id, due.interview_id)
            report.purged += 1
        links.done(due)
    return report
