"""Interviews: create with upload forms, read, written answers, the report's links, the talent pool."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import __version__, bootstrap
from jiping.domain.models import utcnow
from jiping.observability import logger
from jiping.portal.audit import record
from jiping.portal.interviews import (
    Consent,
    CreateInterview,
    InterviewCreated,
    InterviewView,
    PoolFilters,
    PoolPage,
    ReportLinks,
    check_request,
    record_consent,
    report_links,
    start_interview,
    talent_pool,
    view,
)
from jiping.portal.quotas import INTERVIEWS_PER_DAY
from jiping.portal.text_answers import TextAnswerReceipt, submit_text_answer

from ..context import IdempotencyKey, idempotent, interview, principal, settings, tenant
from ..schemas import Health, TextAnswerBody

router = APIGatewayHttpRouter()


@router.get("/v1/health")
def health() -> Health:
    return Health(status="ok", version=__version__)


@router.post(
    "/v1/interviews",
    responses={201: {"description": "created", "content": {"application/json": {"model": InterviewCreated}}}},
)
def create(
    request: Annotated[CreateInterview, Body()], idempotency_key: IdempotencyKey = None
) -> Response[Any]:
    s, t = settings(), tenant(router.current_event)

    def make() -> tuple[int, Any]:
        repo = bootstrap.interview_repository(s.interviews_table)
        profile = None
        if request.job_version is not None:
            profiles = bootstrap.profile_repository(s.profiles_table)
            profile = profiles.get(t, request.job_id, request.job_version)
        profile_known = None if request.job_version is None else profile is not None
        check_request(request, profile_known)  # a refused request uses no quota
        if request.interview_id is None or repo.get(t, request.interview_id) is None:
            counter = bootstrap.quota_counter(s.idempotency_table)
            INTERVIEWS_PER_DAY.take(counter, t, s.quota_interviews_per_day, utcnow())
        created = start_interview(
            request,
            t,
            repo,
            bootstrap.presigner(),
            s.uploads_bucket,
            profile_known,
            asr_tier=profile.asr_tier if profile is not None else None,
        )
        return 201, created.model_dump(mode="json")

    body = request.model_dump(mode="json")
    return idempotent(router.current_event, idempotency_key, "create-interview", body, make)


@router.get("/v1/interviews/<interview_id>")
def get_interview(interview_id: str) -> InterviewView:
    return view(interview(router.current_event, interview_id))


@router.post(
    "/v1/interviews/<interview_id>/consent",
    description="A consent the candidate gave later (withdrawing video analysis, or a new version of the "
    "text). It is appended to the interview's consent history and governs processing from then on; earlier "
    "entries never change. A consent dated before the last one recorded is 409 CONSENT_OUT_OF_ORDER.",
)
def post_consent(interview_id: str, request: Annotated[Consent, Body()]) -> InterviewView:
    s, caller = settings(), principal(router.current_event)
    repo = bootstrap.interview_repository(s.interviews_table)
    updated = record_consent(repo, caller.tenant_id, interview_id, request)
    record(
        bootstrap.audit_log(s.audit_table),
        updated,
        "consent_recorded",
        key_id=caller.key_id,
        retention_days=s.audit_retention_days,
        **request.model_dump(mode="json"),
    )
    return view(updated)


@router.post(
    "/v1/interviews/<interview_id>/answers/<question_id>",
    description="A written answer to one question of the tenant's own interview. It goes through the same "
    "workflow as a recorded answer, without transcription or vision. Idempotent: the same text again answers "
    "200 with the first receipt; another text for an answered question is 409 ANSWER_EXISTS, and so is any "
    "answer once the interview is scored (409 INTERVIEW_SCORED).",
    responses={
        202: {
            "description": "stored; the workflow starts",
            "content": {"application/json": {"model": TextAnswerReceipt}},
        },
        200: {
            "description": "the same text was already stored",
            "content": {"application/json": {"model": TextAnswerReceipt}},
        },
    },
)
def post_text_answer(
    interview_id: str, question_id: str, request: Annotated[TextAnswerBody, Body()]
) -> Response[Any]:
    s = settings()
    receipt = submit_text_answer(
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.object_store(),
        s.uploads_bucket,
        tenant(router.current_event),
        interview_id,
        question_id,
        request.text,
        utcnow(),
    )
    logger.info(
        "text answer received",
        question_id=question_id,
        characters=receipt.characters,
        replayed=receipt.replayed,
    )
    return Response(
        status_code=200 if receipt.replayed else 202,
        content_type=content_types.APPLICATION_JSON,
        body=receipt.model_dump_json(),
    )


@router.get("/v1/interviews/<interview_id>/report")
def get_report(interview_id: str) -> ReportLinks:
    found = interview(router.current_event, interview_id)
    return report_links(found, bootstrap.presigner(), settings().artifacts_bucket)


@router.get(
    "/v1/jobs/<job_id>/interviews",
    description="The job's talent pool (人才库): its interviews, best score first (unscored last), a page at a "
    "time. Pass `next_cursor` back as `cursor` for the next page; a cursor works only with the filters it "
    "came with (400 INVALID_CURSOR).",
)
def list_pool(
    job_id: str,
    status: Annotated[
        str | None, Query(pattern="^(CREATED|PROCESSING|TRANSCRIBED|SCORED|REJECTED|FAILED)$")
    ] = None,
    recommendation: Annotated[str | None, Query(pattern="^(advance|review|decline)$")] = None,
    min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> PoolPage:
    repo = bootstrap.interview_repository(settings().interviews_table)
    filters = PoolFilters(
        status=status, recommendation=recommendation, min_score=min_score, max_score=max_score
    )
    return talent_pool(repo, tenant(router.current_event), job_id, filters, limit=limit, cursor=cursor)
