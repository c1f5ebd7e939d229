"""The candidate's routes (``/v1/candidate/…``): what the candidate page calls, authorised by the candidate's
session (``Authorization: Bearer jc_…``, from a link's one exchange), never by an API key. They are served by
the CandidateApi function (``candidate.py``) with its own grants; see ``jiping.portal.candidates``."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.domain.errors import NotFound, PortalError
from jiping.domain.models import Interview, ObjectLocation, utcnow
from jiping.observability import logger
from jiping.portal import candidates
from jiping.portal.audit import record, request_review
from jiping.portal.candidates import CandidateUploadForm, CandidateView, LinkRecord, UploadIn
from jiping.portal.text_answers import submit_text_answer
from jiping.settings import CandidateSettings, load
from pydantic import Field

from ..context import json_response
from ..schemas import TextAnswerBody

router = APIGatewayHttpRouter()
CANDIDATE: list[dict[str, list[str]]] = [
    {"candidateSession": []}
]  # the OpenAPI security of these routes (not an API key)


@lru_cache(maxsize=1)
def settings() -> CandidateSettings:
    return load(CandidateSettings)


class SessionIn(candidates.Model):
    token: str = Field(min_length=1, max_length=256, description="the token of the invitation link")


class SessionOut(candidates.Model):
    session: str = Field(description="send it as Authorization: Bearer … on every other candidate route")
    expires_at: Any
    interview: CandidateView


class ConsentIn(candidates.Model):
    audio: bool = Field(description="consent to transcribe and analyse the answers' audio")
    video: bool = Field(description="consent to analyse the video (face, gaze, posture): separate, optional")
    version: str = Field(min_length=1, max_length=64, description="the version of the consent text shown")


class TakeOut(candidates.Model):
    take: int
    takes_left: int


class ReviewIn(candidates.Model):
    reason: str = Field(min_length=1, max_length=1000)


def _session() -> LinkRecord:
    headers = router.current_event.headers or {}
    links = bootstrap.candidate_links(settings().candidate_links_table)
    return candidates.session_of(links, headers.get("authorization"), utcnow())


def _interview(session: LinkRecord) -> Interview:
    found = bootstrap.interview_repository(settings().interviews_table).get(
        session.tenant_id, session.interview_id
    )
    if found is None:  # erased (or deleted: a practice interview past its retention)
        raise PortalError("INTERVIEW_GONE", "this interview is no longer available", 410)
    return found


def _view(interview: Interview) -> CandidateView:
    """The page's view, with the feedback once scored: always for practice, else if the tenant opted in."""
    feedback = None
    if interview.result_key and interview.candidate is not None:
        links = bootstrap.candidate_links(settings().candidate_links_table)
        options = links.options(interview.tenant_id)
        if interview.practice or options.feedback:
            try:
                document = bootstrap.object_store().get_json(
                    ObjectLocation(bucket=settings().artifacts_bucket, key=interview.result_key)
                )
            except NotFound:
                document = None
            if isinstance(document, dict):
                feedback = candidates.feedback_from_result(
                    document, interview.candidate.language, options.feedback_score and not interview.practice
                )
    return candidates.candidate_view(interview, feedback)


@router.post(
    "/v1/candidate/sessions",
    security=[],
    description="Open the interview behind an invitation link: its token is exchanged once for a session. "
    "404 LINK_INVALID, 410 LINK_EXPIRED, 410 LINK_USED.",
    responses={201: {"description": "opened", "content": {"application/json": {"model": SessionOut}}}},
)
def open_session(request: Annotated[SessionIn, Body()]) -> Response[Any]:
    s = settings()
    session, opened = candidates.open_session(
        bootstrap.candidate_links(s.candidate_links_table), request.token, utcnow()
    )
    interview = _interview(opened)
    body = SessionOut(session=session, expires_at=opened.expires_at, interview=_view(interview))
    logger.info("candidate link opened", practice=interview.practice)
    return json_response(201, body.model_dump(mode="json"))


@router.get("/v1/candidate/interview", security=CANDIDATE)
def get_interview() -> CandidateView:
    return _view(_interview(_session()))


@router.post("/v1/candidate/consent", security=CANDIDATE)
def give_consent(request: Annotated[ConsentIn, Body()]) -> CandidateView:
    s, session = settings(), _session()
    updated = candidates.give_consent(
        bootstrap.interview_repository(s.interviews_table),
        session.tenant_id,
        session.interview_id,
        request.audio,
        request.video,
        request.version,
        utcnow(),
    )
    record(
        bootstrap.audit_log(s.audit_table),
        updated,
        "consent_recorded",
        actor="candidate",
        retention_days=s.audit_retention_days,
        audio=request.audio,
        biometric=request.video,
        version=request.version,
        on="candidate page",
    )
    return _view(updated)


@router.post(
    "/v1/candidate/answers/<question_id>/takes",
    security=CANDIDATE,
    description="A recording of the answer starts. 409 RERECORD_LIMIT when the profile's takes are used up.",
    responses={201: {"description": "started", "content": {"application/json": {"model": TakeOut}}}},
)
def start_take(question_id: str) -> Response[Any]:
    session = _session()
    take, left = candidates.start_take(
        bootstrap.interview_repository(settings().interviews_table),
        session.tenant_id,
        session.interview_id,
        question_id,
        utcnow(),
    )
    return json_response(201, TakeOut(take=take, takes_left=left).model_dump())


@router.post(
    "/v1/candidate/answers/<question_id>/upload",
    security=CANDIDATE,
    description="The presigned form for the recorded answer (one key; the content type; a byte limit from the "
    "question's max_seconds). 422 TOO_LONG, 409 NO_TAKE, 403 VIDEO_NOT_CONSENTED.",
    responses={
        201: {"description": "a form", "content": {"application/json": {"model": CandidateUploadForm}}}
    },
)
def upload_form(question_id: str, request: Annotated[UploadIn, Body()]) -> Response[Any]:
    s, session = settings(), _session()
    form = candidates.upload_form(
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.presigner(),
        s.uploads_bucket,
        session.tenant_id,
        session.interview_id,
        question_id,
        request,
        utcnow(),
    )
    return json_response(201, form.model_dump())


@router.post("/v1/candidate/answers/<question_id>/uploaded", security=CANDIDATE)
def uploaded(question_id: str) -> CandidateView:
    """S3 accepted the recording: the question is handed in (the workflow is already on it)."""
    s, session = settings(), _session()
    updated = candidates.mark_submitted(
        bootstrap.interview_repository(s.interviews_table),
        session.tenant_id,
        session.interview_id,
        question_id,
        "recording",
        utcnow(),
    )
    return _view(updated)


@router.post("/v1/candidate/answers/<question_id>/text", security=CANDIDATE)
def text_answer(question_id: str, request: Annotated[TextAnswerBody, Body()]) -> Response[Any]:
    """A written answer, where the question allows one: through the same workflow as a recording."""
    s, session = settings(), _session()
    repo, now = bootstrap.interview_repository(s.interviews_table), utcnow()
    candidates.check_text_answer(repo, session.tenant_id, session.interview_id, question_id, now)
    receipt = submit_text_answer(
        repo,
        bootstrap.object_store(),
        s.uploads_bucket,
        session.tenant_id,
        session.interview_id,
        question_id,
        request.text,
        now,
    )
    candidates.mark_submitted(repo, session.tenant_id, session.interview_id, question_id, "text", now)
    return json_response(202, receipt.model_dump(mode="json"))


@router.post("/v1/candidate/review-request", security=CANDIDATE)
def review_request(request: Annotated[ReviewIn, Body()]) -> Response[Any]:
    """The candidate asks for a person to review the result (the same route HR portals call for them)."""
    s, session = settings(), _session()
    interview = _interview(session)
    if interview.practice or interview.result_key is None:
        raise PortalError("NOT_SCORED", "there is no result to review yet", 409)
    done = request_review(
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.audit_log(s.audit_table),
        session.tenant_id,
        session.interview_id,
        reason=request.reason,
        retention_days=s.audit_retention_days,
    )
    return json_response(202, _view(done).model_dump(mode="json"))
