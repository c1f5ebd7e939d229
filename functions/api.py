"""The HTTP API for HR portals (API Gateway HTTP API + this Lambda, Powertools resolver).

Every route but the health check runs behind the ``Authorizer`` function, which resolves the
``Authorization: Bearer jp_…`` key to its tenant; the tenant comes from the authorizer's context only.
Inputs are validated with pydantic; every error is ``{"error": {"code", "message"}}`` with a stable code.
POSTs honour ``Idempotency-Key`` (the same key and body replay the first response; another body is a 422).
The OpenAPI document is generated from these routes (``python -m functions.api`` / docs/openapi.json).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import __version__, bootstrap
from jiping.adapters.dynamo.analytics import DynamoAnalyticsStore, DynamoDemographicsStore
from jiping.adapters.dynamo.audit import DynamoAuditLog
from jiping.adapters.dynamo.profiles import DynamoProfileRepository, ProfileVersionExists
from jiping.adapters.dynamo.webhooks import DynamoWebhookStore
from jiping.adapters.portal import S3Presigner
from jiping.analytics.models import (
    DriftReport,
    ImpactReport,
    OutcomeKind,
    ReweightingProposal,
    ValidityReport,
)
from jiping.analytics.service import Analytics, AnalyticsError, record_demographics, record_outcomes
from jiping.delivery.webhooks import (
    ALL_EVENTS,
    WebhookError,
    enable_endpoint,
    register_endpoint,
    rotate_secret,
    summary,
)
from jiping.domain.errors import InterviewErased, NotFound
from jiping.domain.models import utcnow
from jiping.domain.profiles import JobProfile, ProfileError
from jiping.observability import logger, metrics, tracer
from jiping.portal.audit import AuditRecord, ReviewError, override, request_review
from jiping.portal.interviews import (
    CreateInterview,
    InterviewCreated,
    InterviewView,
    PoolEntry,
    PortalError,
    ReportLinks,
    report_links,
    start_interview,
    talent_pool,
    view,
)
from jiping.portal.text_answers import TextAnswerReceipt, submit_text_answer
from jiping.scoring.rescoring import NotScored
from jiping.scoring.v1 import IncompatibleProfile, composite_label
from jiping.settings import ApiSettings, load
from pydantic import BaseModel, Field

app = APIGatewayHttpResolver(enable_validation=True)
app.configure_openapi(
    title="Jiping API",
    version=__version__,
    description="AI interview evaluation for HR portals: interviews, reports, talent pool, job profiles, webhooks.",
    security_schemes={"apiKey": HTTPBearer(description="Authorization: Bearer jp_{key_id}_{secret}")},
    security=[{"apiKey": []}],
)

IDEMPOTENCY_TTL_S = 24 * 3600


@lru_cache(maxsize=1)
def settings() -> ApiSettings:
    return load(ApiSettings)


def _error(status: int, code: str, message: str) -> Response[Any]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False))  # fmt: skip


def tenant() -> str:
    context = app.current_event.request_context.authorizer.get_lambda or {}
    tenant_id = context.get("tenant_id")
    if not tenant_id:
        raise PortalError("UNAUTHENTICATED", "an API key is required", 401)
    return str(tenant_id)


# --- errors: one shape ----------------------------------------------------------------------------


@app.exception_handler(RequestValidationError)
def invalid(exc: RequestValidationError) -> Response[Any]:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    return _error(
        422, "INVALID_REQUEST", f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request"
    )


@app.exception_handler(PortalError)
def portal_error(exc: PortalError) -> Response[Any]:
    return _error(exc.status, exc.code, exc.message)


@app.exception_handler(WebhookError)
def webhook_error(exc: WebhookError) -> Response[Any]:
    status = 404 if exc.code.endswith("NOT_FOUND") else 409 if exc.code == "ENDPOINT_DISABLED" else 422
    return _error(status, exc.code, exc.detail)


@app.exception_handler(ProfileError)
def profile_error(exc: ProfileError) -> Response[Any]:
    return _error(422, "INVALID_PROFILE", str(exc)[:500])


@app.exception_handler(ProfileVersionExists)
def profile_exists(exc: ProfileVersionExists) -> Response[Any]:
    return _error(409, "PROFILE_VERSION_EXISTS", str(exc))


@app.exception_handler(InterviewErased)
def interview_erased(exc: InterviewErased) -> Response[Any]:
    return _error(409, "INTERVIEW_ERASED", "this interview id was erased; use a new one")


@app.exception_handler(NotFound)
def not_found_error(exc: NotFound) -> Response[Any]:
    return _error(404, "NOT_FOUND", "no such resource for this tenant")


@app.not_found
def no_route(exc: Exception) -> Response[Any]:
    return _error(404, "NO_SUCH_ROUTE", "no such route")


# --- idempotency ----------------------------------------------------------------------------------


def idempotent(key: str | None, route: str, body: Any, make: Any) -> tuple[int, Any]:
    """(status, body) of ``make()``, or of its first run for the same tenant, key and route."""
    if not key:
        return make()
    if not 1 <= len(key) <= 255:
        raise PortalError("INVALID_IDEMPOTENCY_KEY", "Idempotency-Key holds 1 to 255 characters", 422)
    from jiping.portal.idempotency import IdempotencyConflict, remember

    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    try:
        return remember(
            settings().idempotency_table, f"{tenant()}#{route}#{key}", digest, make, IDEMPOTENCY_TTL_S
        )
    except IdempotencyConflict:
        raise PortalError(
            "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with another request body", 422
        ) from None


IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description="replays the first response")
]


# --- routes ---------------------------------------------------------------------------------------


class Health(BaseModel):
    status: str
    version: str


@app.get("/v1/health")
def health() -> Health:
    return Health(status="ok", version=__version__)


@app.post(
    "/v1/interviews",
    responses={201: {"description": "created", "content": {"application/json": {"model": InterviewCreated}}}},
)
def create(
    request: Annotated[CreateInterview, Body()], idempotency_key: IdempotencyKey = None
) -> Response[Any]:
    s, t = settings(), tenant()

    def make() -> tuple[int, Any]:
        known = None
        if request.job_version is not None:
            known = DynamoProfileRepository(bootstrap.client("dynamodb"), s.profiles_table).get(
                t, request.job_id, request.job_version) is not None  # fmt: skip
        created = start_interview(request, t, bootstrap.interview_repository(s.interviews_table),
                                  S3Presigner(bootstrap.client("s3")), s.uploads_bucket, known)  # fmt: skip
        return 201, created.model_dump(mode="json")

    status, body = idempotent(idempotency_key, "create-interview", request.model_dump(mode="json"), make)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def _interview(interview_id: str) -> Any:
    found = bootstrap.interview_repository(settings().interviews_table).get(tenant(), interview_id)
    if found is None:
        raise PortalError("INTERVIEW_NOT_FOUND", "no such interview for this tenant", 404)
    return found


@app.get("/v1/interviews/<interview_id>")
def get_interview(interview_id: str) -> InterviewView:
    return view(_interview(interview_id))


class TextAnswerBody(BaseModel):
    text: str = Field(description="the written answer (文字作答), 1 to 8,000 characters", max_length=20000)


@app.post(
    "/v1/interviews/<interview_id>/answers/<question_id>",
    description="A written answer to one question of the tenant's own interview. It goes through the same "
    "workflow as a recorded answer, without transcription or vision. Idempotent: the same text again answers "
    "200 with the first receipt; another text for an answered question is 409 ANSWER_EXISTS, and so is any "
    "answer once the interview is scored (409 INTERVIEW_SCORED).",
    responses={
        202: {"description": "stored; the workflow starts", "content": {"application/json": {"model": TextAnswerReceipt}}},
        200: {"description": "the same text was already stored", "content": {"application/json": {"model": TextAnswerReceipt}}},
    },
)  # fmt: skip
def post_text_answer(
    interview_id: str, question_id: str, request: Annotated[TextAnswerBody, Body()]
) -> Response[Any]:
    s = settings()
    receipt = submit_text_answer(
        bootstrap.interview_repository(s.interviews_table), bootstrap.object_store(), s.uploads_bucket,
        tenant(), interview_id, question_id, request.text, utcnow(),
    )  # fmt: skip
    logger.info("text answer received", question_id=question_id, characters=receipt.characters,
                replayed=receipt.replayed)  # fmt: skip
    return Response(status_code=200 if receipt.replayed else 202, content_type=content_types.APPLICATION_JSON,
                    body=receipt.model_dump_json())  # fmt: skip


@app.get("/v1/interviews/<interview_id>/report")
def get_report(interview_id: str) -> ReportLinks:
    return report_links(
        _interview(interview_id), S3Presigner(bootstrap.client("s3")), settings().artifacts_bucket
    )


@app.get("/v1/jobs/<job_id>/interviews")
def list_pool(
    job_id: str,
    status: Annotated[str | None, Query()] = None,
    recommendation: Annotated[str | None, Query(pattern="^(advance|review|decline)$")] = None,
    min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[PoolEntry]:
    interviews = bootstrap.interview_repository(settings().interviews_table).list_for_tenant(tenant())
    return talent_pool(
        interviews, job_id, status=status, recommendation=recommendation, min_score=min_score, limit=limit
    )


# --- job profiles (versioned) ---------------------------------------------------------------------


def _profiles() -> DynamoProfileRepository:
    return DynamoProfileRepository(bootstrap.client("dynamodb"), settings().profiles_table)


@app.post("/v1/profiles")
def put_profile(
    profile: Annotated[dict[str, Any], Body()], idempotency_key: IdempotencyKey = None
) -> Response[Any]:
    from jiping.domain.profiles import profile_from_text

    def make() -> tuple[int, Any]:
        parsed = profile_from_text(json.dumps(profile), "json", "request body")
        _profiles().put(tenant(), parsed)
        return 201, {"id": parsed.id, "version": parsed.version}

    status, body = idempotent(idempotency_key, "put-profile", profile, make)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


class ProfileSummary(BaseModel):
    id: str
    title: str
    language: str
    versions: list[int]


@app.get("/v1/profiles")
def list_profiles() -> list[ProfileSummary]:
    """The tenant's job profiles and their versions (every version is kept: old results use theirs)."""
    grouped: dict[str, list[JobProfile]] = {}
    for profile in _profiles().list(tenant()):
        grouped.setdefault(profile.id, []).append(profile)
    return [
        ProfileSummary(id=pid, title=max(vs, key=lambda v: v.version).title,
                       language=max(vs, key=lambda v: v.version).language, versions=sorted(v.version for v in vs))
        for pid, vs in sorted(grouped.items())
    ]  # fmt: skip


@app.get("/v1/profiles/<profile_id>")
def get_profile(profile_id: str, version: Annotated[int | None, Query(ge=1)] = None) -> JobProfile:
    found = _profiles().get(tenant(), profile_id, version)
    if found is None:
        raise PortalError("PROFILE_NOT_FOUND", "no such job profile (version) for this tenant", 404)
    return found


# --- webhook endpoints ----------------------------------------------------------------------------


class EndpointIn(BaseModel):
    endpoint_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.-]+$")
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


def _endpoint_out(endpoint: Any, show_secret: bool = False) -> EndpointOut:
    return EndpointOut(endpoint_id=endpoint.endpoint_id, url=endpoint.url, event_types=endpoint.event_types,
                       include_transcripts=endpoint.include_transcripts, status=endpoint.status.value,
                       disabled_reason=endpoint.disabled_reason,
                       secret=endpoint.secrets[-1].secret if show_secret else None)  # fmt: skip


def _webhook_store() -> DynamoWebhookStore:
    return DynamoWebhookStore(settings().webhooks_table)


def _url_policy() -> Any:
    from jiping.adapters.http import UrlPolicy

    s = settings()
    return UrlPolicy(allow_http=s.webhook_allow_http, allow_private=s.webhook_allow_private)


@app.post("/v1/webhooks")
def create_endpoint(
    endpoint: Annotated[EndpointIn, Body()], idempotency_key: IdempotencyKey = None
) -> Response[Any]:
    def make() -> tuple[int, Any]:
        made = register_endpoint(_webhook_store(), tenant(), endpoint.endpoint_id, endpoint.url,
                                 validate_url=_url_policy().check_url, event_types=endpoint.event_types,
                                 include_transcripts=endpoint.include_transcripts, description=endpoint.description)  # fmt: skip
        return 201, _endpoint_out(made, show_secret=True).model_dump()

    status, body = idempotent(idempotency_key, "create-webhook", endpoint.model_dump(), make)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


@app.get("/v1/webhooks")
def list_endpoints() -> list[EndpointOut]:
    return [_endpoint_out(e) for e in _webhook_store().list_endpoints(tenant())]


def _endpoint(endpoint_id: str) -> Any:
    found = _webhook_store().get_endpoint(tenant(), endpoint_id)
    if found is None:
        raise WebhookError("ENDPOINT_NOT_FOUND", "no such endpoint for this tenant")
    return found


@app.get("/v1/webhooks/<endpoint_id>")
def get_endpoint(endpoint_id: str) -> EndpointOut:
    return _endpoint_out(_endpoint(endpoint_id))


@app.delete("/v1/webhooks/<endpoint_id>")
def delete_endpoint(endpoint_id: str) -> Response[Any]:
    _endpoint(endpoint_id)
    _webhook_store().delete_endpoint(tenant(), endpoint_id)
    return Response(status_code=204, content_type=content_types.APPLICATION_JSON, body="")


@app.post("/v1/webhooks/<endpoint_id>/rotate-secret")
def rotate(endpoint_id: str) -> EndpointOut:
    return _endpoint_out(rotate_secret(_webhook_store(), tenant(), endpoint_id), show_secret=True)


@app.post("/v1/webhooks/<endpoint_id>/enable")
def enable(endpoint_id: str) -> EndpointOut:
    _endpoint(endpoint_id)
    return _endpoint_out(enable_endpoint(_webhook_store(), tenant(), endpoint_id))


class DeliveryOut(BaseModel):
    delivery_id: str
    endpoint_id: str
    event_type: str
    interview_id: str
    status: str
    attempts: list[dict[str, Any]]
    next_attempt_at: str | None = None
    replays: int = 0


@app.get("/v1/webhooks/<endpoint_id>/deliveries")
def deliveries(endpoint_id: str, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeliveryOut]:
    _endpoint(endpoint_id)
    found = _webhook_store().list_deliveries(tenant(), endpoint_id)[:limit]
    return [DeliveryOut.model_validate(summary(d)) for d in found]


@lru_cache(maxsize=1)
def webhook_service() -> Any:
    """The webhook service (its HTTP client reused across requests), for replays."""
    return bootstrap.webhooks(settings().webhook_settings())


@app.post("/v1/deliveries/<delivery_id>/replay")
def replay(delivery_id: str) -> DeliveryOut:
    return DeliveryOut.model_validate(summary(webhook_service().replay(tenant(), delivery_id)))


# --- erasure -------------------------------------------------------------------------------------


@app.delete("/v1/candidates/<candidate_ref>")
def erase(candidate_ref: str) -> Any:
    """Erase the candidate's interviews everywhere (media and artifacts with all versions, deliveries,
    notices, rows) and publish ``interview.erased`` for each."""
    from jiping.adapters.dynamo.wecom import DynamoWecomStore
    from jiping.adapters.eventbridge import EventBridgePublisher
    from jiping.adapters.s3 import S3ObjectStore
    from jiping.portal.erasure import erase_candidate

    s, t = settings(), tenant()
    report = erase_candidate(
        t, candidate_ref, interviews=bootstrap.interview_repository(s.interviews_table),
        objects=S3ObjectStore(bootstrap.client("s3")), uploads_bucket=s.uploads_bucket,
        artifacts_bucket=s.artifacts_bucket, deliveries=_webhook_store(), notices=DynamoWecomStore(s.wecom_state_table),
        outcomes=_analytics_store(), demographics=_demographics_store(), audit=_audit(),
        audit_retention_days=s.audit_retention_days,
        publisher=EventBridgePublisher(bootstrap.client("events"), s.event_bus_name, "jiping"),
    )  # fmt: skip
    if not report.interviews:
        raise PortalError(
            "CANDIDATE_NOT_FOUND", "no interview of this tenant has this candidate reference", 404
        )
    return report.model_dump()


# --- analytics: outcomes, demographics, validity, impact, drift, re-weighting ----------------------


@app.exception_handler(AnalyticsError)
def analytics_error(exc: AnalyticsError) -> Response[Any]:
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.rows:
        body["rows"] = exc.rows
    return Response(status_code=exc.status, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps({"error": body}, ensure_ascii=False))  # fmt: skip


@app.exception_handler(IncompatibleProfile)
def incompatible(exc: IncompatibleProfile) -> Response[Any]:
    return _error(409, "PROFILE_INCOMPATIBLE", str(exc))


def _analytics_store() -> DynamoAnalyticsStore:
    return DynamoAnalyticsStore(settings().analytics_table)


def _demographics_store() -> DynamoDemographicsStore:
    return DynamoDemographicsStore(settings().demographics_table)


def analytics() -> Analytics:
    return Analytics(tenant(), interviews=bootstrap.interview_repository(settings().interviews_table),
                     outcomes=_analytics_store(), profiles=_profiles(), demographics=_demographics_store())  # fmt: skip


class Stored(BaseModel):
    stored: int


_BATCH = {"description": 'one JSON object, a JSON array, {"items": [...]} or text/csv with a header row'}


def _batch(route: str, idempotency_key: str | None, record: Any) -> Response[Any]:
    event = app.current_event
    body, content_type = event.decoded_body or "", event.headers.get("content-type")

    def make() -> tuple[int, Any]:
        stored = record(tenant(), body, content_type,
                        interviews=bootstrap.interview_repository(settings().interviews_table))  # fmt: skip
        return 201, {"stored": stored}

    status, out = idempotent(idempotency_key, route, {"body": body, "type": content_type}, make)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(out))


@app.post("/v1/outcomes", description="Outcomes from the EHR: hire, probation, performance ratings. " + _BATCH["description"],
          responses={201: {"description": "stored", "content": {"application/json": {"model": Stored}}}})  # fmt: skip
def post_outcomes(idempotency_key: IdempotencyKey = None) -> Response[Any]:
    def record(t: str, body: str, kind: str | None, interviews: Any) -> int:
        return record_outcomes(t, body, kind, interviews=interviews, store=_analytics_store())

    return _batch("outcomes", idempotency_key, record)


@app.post("/v1/demographics", description="Optional demographic attributes per interview, stored apart and used "
          "only by the impact report. " + _BATCH["description"],
          responses={201: {"description": "stored", "content": {"application/json": {"model": Stored}}}})  # fmt: skip
def post_demographics(idempotency_key: IdempotencyKey = None) -> Response[Any]:
    def record(t: str, body: str, kind: str | None, interviews: Any) -> int:
        return record_demographics(t, body, kind, interviews=interviews, store=_demographics_store())

    return _batch("demographics", idempotency_key, record)


JobId = Annotated[str, Query(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.-]+$")]
Version = Annotated[int | None, Query(ge=1, description="the profile version (default: the latest)")]
Format = Annotated[str, Query(pattern="^(json|html)$")]


def _page(report: BaseModel, fmt: str, render: Any) -> Response[Any]:
    if fmt == "html":
        from jiping.reports.analytics import content_security_policy

        page = render(report)
        return Response(status_code=200, content_type="text/html; charset=utf-8", body=page,
                        headers={"Content-Security-Policy": content_security_policy(page)})  # fmt: skip
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=report.model_dump_json()
    )


@app.get("/v1/analytics/validity",
         responses={200: {"description": "the report", "content": {"application/json": {"model": ValidityReport}}}})  # fmt: skip
def get_validity(job_id: JobId, version: Version = None, min_n: Annotated[int, Query(ge=10, le=10_000)] = 30,
                 proposal_id: Annotated[str | None, Query(max_length=64)] = None, format: Format = "json") -> Response[Any]:  # fmt: skip
    """Predictive validity (绩效联动): each competency and the overall score against each outcome."""
    from jiping.reports.analytics import render_validity

    service = analytics()
    report = service.validity(job_id, version, min_n=min_n)
    proposal = service.proposal(proposal_id) if proposal_id else None
    return _page(report, format, lambda r: render_validity(r, proposal))


@app.get("/v1/analytics/impact",
         responses={200: {"description": "the report", "content": {"application/json": {"model": ImpactReport}}}})  # fmt: skip
def get_impact(job_id: JobId, version: Version = None,
               attributes: Annotated[str | None, Query(max_length=500, description="comma-separated")] = None,
               format: Format = "json") -> Response[Any]:  # fmt: skip
    """Adverse impact (NYC LL144 definitions): selection and scoring rates and impact ratios per group."""
    from jiping.reports.analytics import render_impact

    chosen = [a.strip() for a in attributes.split(",") if a.strip()] if attributes else None
    return _page(analytics().impact(job_id, version, attributes=chosen), format, render_impact)


@app.get("/v1/analytics/drift",
         responses={200: {"description": "the report", "content": {"application/json": {"model": DriftReport}}}})  # fmt: skip
def get_drift(job_id: JobId, version: Version = None, window_days: Annotated[int, Query(ge=1, le=92)] = 7,
              format: Format = "json") -> Response[Any]:  # fmt: skip
    """Score drift over time against the first weeks of the version."""
    from jiping.reports.analytics import render_drift

    return _page(analytics().drift(job_id, version, window_days=window_days), format, render_drift)


class ReweightingIn(BaseModel):
    job_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.-]+$")
    version: int | None = Field(default=None, ge=1)
    outcome: OutcomeKind = "performance"


@app.post("/v1/analytics/reweighting",
          responses={201: {"description": "proposed", "content": {"application/json": {"model": ReweightingProposal}}}})  # fmt: skip
def propose(
    request: Annotated[ReweightingIn, Body()], idempotency_key: IdempotencyKey = None
) -> Response[Any]:
    """Fit competency weights to an outcome; a proposal only, until someone accepts it."""

    def make() -> tuple[int, Any]:
        proposal = analytics().propose(request.job_id, request.version, request.outcome)
        return 201, proposal.model_dump(mode="json")

    status, body = idempotent(idempotency_key, "reweighting", request.model_dump(mode="json"), make)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


@app.get("/v1/analytics/reweighting/<proposal_id>")
def get_proposal(proposal_id: str) -> ReweightingProposal:
    return analytics().proposal(proposal_id)


class Accepted(BaseModel):
    proposal: ReweightingProposal
    profile_id: str
    profile_version: int
    composite_model: str = Field(description="the scoring-model version of results under the new profile")


@app.post("/v1/analytics/reweighting/<proposal_id>/accept")
def accept(proposal_id: str) -> Accepted:
    """A new profile version with the proposed weights. Nothing is re-scored: see /rescore."""
    proposal, profile = analytics().accept(proposal_id)
    return Accepted(proposal=proposal, profile_id=profile.id, profile_version=profile.version,
                    composite_model=composite_label(profile))  # fmt: skip


class RescoreIn(BaseModel):
    version: int = Field(ge=1, description="the profile version to score under")


@app.post("/v1/interviews/<interview_id>/rescore")
def rescore(interview_id: str, request: Annotated[RescoreIn, Body()]) -> InterviewView:
    """Re-score a scored interview under another version of its profile; the earlier result is kept."""
    from jiping.adapters.s3 import S3ObjectStore
    from jiping.scoring.rescoring import rescore_interview

    s = settings()
    _interview(interview_id)
    try:
        done = rescore_interview(tenant(), interview_id, request.version,
                                 repo=bootstrap.interview_repository(s.interviews_table), profiles=_profiles(),
                                 store=S3ObjectStore(bootstrap.client("s3")), artifacts_bucket=s.artifacts_bucket,
                                 audit=_audit(), audit_retention_days=s.audit_retention_days)  # fmt: skip
    except NotScored:
        raise PortalError("NOT_SCORED", "the interview has no result to re-score", 409) from None
    except NotFound:
        raise PortalError(
            "PROFILE_NOT_FOUND", "no such profile version for this interview's job", 404
        ) from None
    return view(done)


# --- human oversight: review requests, reviewers' decisions, the audit log ---------------------------


def _audit() -> DynamoAuditLog:
    return DynamoAuditLog(settings().audit_table)


@app.exception_handler(ReviewError)
def review_error(exc: ReviewError) -> Response[Any]:
    return _error(exc.status, exc.code, exc.message)


class ReviewRequestIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)


class OverrideIn(BaseModel):
    decision: Literal["advance", "review", "decline"]
    reviewer: str = Field(
        min_length=1, max_length=128, description="the reviewer's id in the portal (no name)"
    )
    reason: str = Field(min_length=1, max_length=2000)


@app.post("/v1/interviews/<interview_id>/review-request")
def review_request(interview_id: str, request: Annotated[ReviewRequestIn, Body()]) -> InterviewView:
    """The candidate asks for a human review: the recommendation is ``review`` until a reviewer decides."""
    _interview(interview_id)
    return view(request_review(bootstrap.interview_repository(settings().interviews_table), _audit(), tenant(),
                               interview_id, reason=request.reason,
                               retention_days=settings().audit_retention_days))  # fmt: skip


@app.post("/v1/interviews/<interview_id>/override")
def override_decision(interview_id: str, request: Annotated[OverrideIn, Body()]) -> InterviewView:
    """A reviewer's decision replaces the recommendation; the model's stays in the audit log."""
    _interview(interview_id)
    return view(override(bootstrap.interview_repository(settings().interviews_table), _audit(), tenant(),
                         interview_id, decision=request.decision, reviewer=request.reviewer, reason=request.reason,
                         retention_days=settings().audit_retention_days))  # fmt: skip


@app.get("/v1/interviews/<interview_id>/audit")
def audit_log(interview_id: str) -> list[AuditRecord]:
    """Every score, re-score, review request and decision about the interview, oldest first."""
    _interview(interview_id)
    return sorted(_audit().records(tenant(), interview_id), key=lambda r: r.at)


# --- WeCom callback (open: WeCom signs it, no API key) --------------------------------------------


@lru_cache(maxsize=1)
def wecom_config() -> Any:
    from jiping.delivery.wecom import WecomConfig

    secret = bootstrap.client("secretsmanager").get_secret_value(SecretId=settings().wecom_secret_arn)
    return WecomConfig.model_validate_json(secret["SecretString"])


Sig = Annotated[str, Query(alias="msg_signature", min_length=1, max_length=128)]
Stamp = Annotated[str, Query(alias="timestamp", min_length=1, max_length=32)]
Nonce = Annotated[str, Query(alias="nonce", min_length=1, max_length=128)]


@app.get("/v1/wecom/callback", security=[])
def wecom_verify(msg_signature: Sig, timestamp: Stamp, nonce: Nonce,
                 echostr: Annotated[str, Query(min_length=1, max_length=4096)]) -> Response[Any]:  # fmt: skip
    """WeCom's URL check: the decrypted echostr, as plain text."""
    from jiping.delivery.wecom import CallbackRefused, verify_callback_url

    try:
        plain = verify_callback_url(wecom_config(), msg_signature, timestamp, nonce, echostr)
    except CallbackRefused as exc:
        return _error(403, "CALLBACK_REFUSED", str(exc))
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body=plain)


@app.post("/v1/wecom/callback", security=[])
def wecom_event(msg_signature: Sig, timestamp: Stamp, nonce: Nonce) -> Response[Any]:
    """A callback message (e.g. a reply asking for human review): verified, decrypted, acknowledged."""
    from jiping.delivery.wecom import CallbackRefused, decrypt_callback

    try:
        message = decrypt_callback(
            wecom_config(), app.current_event.decoded_body or "", msg_signature, timestamp, nonce
        )
    except CallbackRefused as exc:
        return _error(403, "CALLBACK_REFUSED", str(exc))
    logger.info("wecom callback", extra={"type": message["type"], "event": message["event"]})
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="success")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(raise_on_empty_metrics=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


def openapi_document() -> str:
    """The OpenAPI document generated from the routes (committed as docs/openapi.json)."""
    return json.dumps(json.loads(app.get_openapi_json_schema()), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(openapi_document(), end="")
