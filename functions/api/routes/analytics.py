"""Analytics: outcomes and demographics in; validity, adverse impact, drift and re-weighting out."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.analytics.models import DriftReport, ImpactReport, ReweightingProposal, ValidityReport
from jiping.analytics.service import Analytics, record_demographics, record_outcomes
from jiping.bootstrap import analytics as analytics_bootstrap
from jiping.domain.errors import NotFound, PortalError
from jiping.portal.interviews import InterviewView, view
from jiping.reports.analytics import content_security_policy, render_drift, render_impact, render_validity
from jiping.scoring.rescoring import NotScored, rescore_interview
from jiping.scoring.results import composite_label
from pydantic import BaseModel

from ..context import IdempotencyKey, idempotent, interview, principal, settings, tenant
from ..schemas import SAFE_ID, Accepted, RescoreIn, ReweightingIn, Stored

router = APIGatewayHttpRouter()

JobId = Annotated[str, Query(min_length=1, max_length=128, pattern=SAFE_ID)]
Version = Annotated[int | None, Query(ge=1, description="the profile version (default: the latest)")]
Format = Annotated[str, Query(pattern="^(json|html)$")]
BATCH = 'one JSON object, a JSON array, {"items": [...]} or text/csv with a header row'
STORED: dict[int, OpenAPIResponse] = {
    201: {"description": "stored", "content": {"application/json": {"model": Stored}}}
}


def _report(model: type[BaseModel]) -> dict[int, OpenAPIResponse]:
    return {200: {"description": "the report", "content": {"application/json": {"model": model}}}}


def analytics() -> Analytics:
    s = settings()
    return Analytics(
        tenant(router.current_event),
        interviews=bootstrap.interview_repository(s.interviews_table),
        outcomes=analytics_bootstrap.analytics_store(s.analytics_table),
        profiles=bootstrap.profile_repository(s.profiles_table),
        demographics=analytics_bootstrap.demographics_store(s.demographics_table),
    )


def _batch(route: str, idempotency_key: str | None, record: Callable[..., int]) -> Response[Any]:
    event = router.current_event
    body, content_type = event.decoded_body or "", event.headers.get("content-type")
    interviews = bootstrap.interview_repository(settings().interviews_table)

    def make() -> tuple[int, Any]:
        return 201, {"stored": record(tenant(event), body, content_type, interviews=interviews)}

    return idempotent(event, idempotency_key, route, {"body": body, "type": content_type}, make)


@router.post(
    "/v1/outcomes",
    responses=STORED,
    description="Outcomes from the EHR: hire, probation, performance ratings. " + BATCH,
)
def post_outcomes(idempotency_key: IdempotencyKey = None) -> Response[Any]:
    store = analytics_bootstrap.analytics_store(settings().analytics_table)
    return _batch("outcomes", idempotency_key, partial(record_outcomes, store=store))


@router.post(
    "/v1/demographics",
    responses=STORED,
    description="Optional demographic attributes per interview, "
    "stored apart and used only by the impact report. " + BATCH,
)
def post_demographics(idempotency_key: IdempotencyKey = None) -> Response[Any]:
    store = analytics_bootstrap.demographics_store(settings().demographics_table)
    return _batch("demographics", idempotency_key, partial(record_demographics, store=store))


def _page(report: BaseModel, fmt: str, render: Callable[[Any], str]) -> Response[Any]:
    if fmt == "html":
        page = render(report)
        csp = {"Content-Security-Policy": content_security_policy(page)}
        return Response(status_code=200, content_type="text/html; charset=utf-8", body=page, headers=csp)
    json_type = content_types.APPLICATION_JSON
    return Response(status_code=200, content_type=json_type, body=report.model_dump_json())


@router.get("/v1/analytics/validity", responses=_report(ValidityReport))
def get_validity(
    job_id: JobId,
    version: Version = None,
    min_n: Annotated[int, Query(ge=10, le=10_000)] = 30,
    proposal_id: Annotated[str | None, Query(max_length=64)] = None,
    format: Format = "json",
) -> Response[Any]:
    """Predictive validity (绩效联动): each competency and the overall score against each outcome."""
    service = analytics()
    report = service.validity(job_id, version, min_n=min_n)
    proposal = service.proposal(proposal_id) if proposal_id else None
    return _page(report, format, lambda r: render_validity(r, proposal))


@router.get("/v1/analytics/impact", responses=_report(ImpactReport))
def get_impact(
    job_id: JobId,
    version: Version = None,
    attributes: Annotated[str | None, Query(max_length=500, description="comma-separated")] = None,
    format: Format = "json",
) -> Response[Any]:
    """Adverse impact (NYC LL144 definitions): selection and scoring rates and impact ratios per group."""
    chosen = [a.strip() for a in attributes.split(",") if a.strip()] if attributes else None
    return _page(analytics().impact(job_id, version, attributes=chosen), format, render_impact)


@router.get("/v1/analytics/drift", responses=_report(DriftReport))
def get_drift(
    job_id: JobId,
    version: Version = None,
    window_days: Annotated[int, Query(ge=1, le=92)] = 7,
    format: Format = "json",
) -> Response[Any]:
    """Score drift over time against the first weeks of the version."""
    return _page(analytics().drift(job_id, version, window_days=window_days), format, render_drift)


@router.post(
    "/v1/analytics/reweighting",
    responses={
        201: {"description": "proposed", "content": {"application/json": {"model": ReweightingProposal}}}
    },
)
def propose(
    request: Annotated[ReweightingIn, Body()], idempotency_key: IdempotencyKey = None
) -> Response[Any]:
    """Fit competency weights to an outcome; a proposal only, until someone accepts it."""

    def make() -> tuple[int, Any]:
        return 201, analytics().propose(request.job_id, request.version, request.outcome).model_dump(
            mode="json"
        )

    body = request.model_dump(mode="json")
    return idempotent(router.current_event, idempotency_key, "reweighting", body, make)


@router.get("/v1/analytics/reweighting/<proposal_id>")
def get_proposal(proposal_id: str) -> ReweightingProposal:
    return analytics().proposal(proposal_id)


@router.post("/v1/analytics/reweighting/<proposal_id>/accept")
def accept(proposal_id: str) -> Accepted:
    """A new profile version with the proposed weights. Nothing is re-scored: see /rescore."""
    proposal, profile = analytics().accept(proposal_id)
    return Accepted(
        proposal=proposal,
        profile_id=profile.id,
        profile_version=profile.version,
        composite_model=composite_label(profile),
    )


@router.post("/v1/interviews/<interview_id>/rescore")
def rescore(interview_id: str, request: Annotated[RescoreIn, Body()]) -> InterviewView:
    """Re-score a scored interview under another version of its profile; the earlier result is kept."""
    s, event = settings(), router.current_event
    interview(event, interview_id)
    caller = principal(event)
    try:
        done = rescore_interview(
            caller.tenant_id,
            interview_id,
            request.version,
            repo=bootstrap.interview_repository(s.interviews_table),
            profiles=bootstrap.profile_repository(s.profiles_table),
            store=bootstrap.object_store(),
            artifacts_bucket=s.artifacts_bucket,
            audit=bootstrap.audit_log(s.audit_table),
            audit_retention_days=s.audit_retention_days,
            key_id=caller.key_id,
        )
    except NotScored:
        raise PortalError("NOT_SCORED", "the interview has no result to re-score", 409) from None
    except NotFound:
        raise PortalError(
            "PROFILE_NOT_FOUND", "no such profile version for this interview's job", 404
        ) from None
    return view(done)
