"""The HR workspace's routes (``/v1/workspace/…``): what the pages under ``/hr/`` call. They are served by the
WorkspaceApi function (``workspace.py``), authorised by the person's session cookie (WeCom OAuth or Cognito
sign-in), never by an API key; the role checks are in ``jiping.portal.workspace``."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from jiping import bootstrap
from jiping.adapters.cognito import exchange_code
from jiping.delivery.wecom import Notifier, Subject, WecomError
from jiping.domain.errors import NotFound, PortalError
from jiping.domain.models import Interview, InterviewStatus, ObjectLocation, utcnow
from jiping.domain.profiles import JobProfile
from jiping.observability import logger
from jiping.portal import workspace as ws
from jiping.portal.audit import AuditRecord, override, record
from jiping.portal.exports import pool_csv, results_csv
from jiping.portal.interviews import PoolFilters, PoolPage, talent_pool
from jiping.portal.outline import Outline, outline
from jiping.portal.report_view import MediaLink, ReportView, report_view
from jiping.portal.resumes import load_resume_text
from jiping.settings import WorkspaceSettings, load
from pydantic import Field

from ..context import json_response

router = APIGatewayHttpRouter()
SESSION: list[dict[str, list[str]]] = [{"workspaceSession": []}]  # the OpenAPI security of these routes
MEDIA_URL_TTL_S = 900  # the report's players: long enough to watch an interview
AUDIO_SUFFIXES = (".weba", ".m4a", ".mp3", ".wav")


@lru_cache(maxsize=1)
def settings() -> WorkspaceSettings:
    return load(WorkspaceSettings)


def _store() -> ws.WorkspaceStore:
    return bootstrap.workspace_store(settings().workspace_table)


def _notifier() -> Notifier | None:
    s = settings()
    return bootstrap.candidate_messenger(
        s.wecom_secret_arn, s.wecom_state_table, s.alerts_topic_arn, s.wecom_api_base, s.wecom_timeout_s
    )


def _user() -> ws.User:
    """The signed-in person; a state-changing request must also carry the CSRF header."""
    event = router.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    ws.check_csrf(event.request_context.http.method, headers)
    return ws.signed_in(_store(), event.cookies or headers.get("cookie"), utcnow())


def _hr() -> ws.User:
    user = _user()
    ws.require_hr(user)
    return user


def _profile(tenant_id: str, job_id: str, version: int | None = None) -> JobProfile:
    found = bootstrap.profile_repository(settings().profiles_table).get(tenant_id, job_id, version)
    if found is None:
        raise PortalError("JOB_NOT_FOUND", "no such job in your workspace", 404)
    return found


def _interview(user: ws.User, interview_id: str) -> Interview:
    found = bootstrap.interview_repository(settings().interviews_table).get(user.tenant_id, interview_id)
    return ws.may_read(_store(), user, found)


def _result(interview: Interview) -> dict[str, Any]:
    if not interview.result_key:
        raise PortalError("NOT_SCORED", "this interview has no result yet", 409)
    try:
        document = bootstrap.object_store().get_json(
            ObjectLocation(bucket=settings().artifacts_bucket, key=interview.result_key)
        )
    except NotFound:
        raise PortalError("NOT_SCORED", "this interview's result is not available", 409) from None
    return document if isinstance(document, dict) else {}


def _cookie(value: str, max_age: int) -> Cookie:
    return Cookie(
        name=ws.SESSION_COOKIE,
        value=value,
        path="/v1/workspace",
        secure=settings().secure_cookies,
        http_only=True,
        max_age=max_age,
        same_site=SameSite.LAX_MODE,
    )


def _redirect(location: str, cookie: Cookie | None = None) -> Response[Any]:
    return Response(
        status_code=302,
        headers={"Location": location, "Cache-Control": "no-store"},
        cookies=[cookie] if cookie else None,
    )


def _signed_in(token: str, user: ws.User) -> Cookie:
    logger.info("workspace sign-in", login=user.login, role=user.role)  # no user id: a person's identifier
    return _cookie(token, ws.SESSION_HOURS * 3600)


# --- signing in -------------------------------------------------------------------------------------------


class Config(ws.Model):
    logins: list[str]
    cognito: dict[str, str] | None = None


class CognitoIn(ws.Model):
    id_token: str = Field(min_length=1, max_length=8192)


@router.get("/v1/workspace/config", security=[])
def config() -> Config:
    """How one may sign in here (the login page shows these buttons)."""
    s = settings()
    logins = (["wecom"] if s.wecom_secret_arn else []) + (["cognito"] if s.cognito_user_pool_id else [])
    cognito = (
        {"domain": s.cognito_domain, "client_id": s.cognito_client_id} if s.cognito_user_pool_id else None
    )
    return Config(logins=logins, cognito=cognito)


@router.get(
    "/v1/workspace/login/wecom",
    security=[],
    description="Starts WeCom sign-in (企业微信网页授权): 302 to WeCom, which returns to /v1/workspace/oauth/wecom.",
    responses={302: {"description": "to WeCom's sign-in"}},
)
def login_wecom(
    tenant: Annotated[str, Query(min_length=1, max_length=128)],
    next: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[Any]:
    s, notifier = settings(), _wecom_sign_in()
    state = ws.begin_login(_store(), tenant, next, utcnow())
    callback = f"{s.workspace_base_url.rstrip('/')}/v1/workspace/oauth/wecom"
    return _redirect(notifier.authorize_url(s.wecom_oauth_url, callback, state))


@router.get(
    "/v1/workspace/oauth/wecom",
    security=[],
    description="WeCom's return (the OAuth callback URL to register in WeCom): a session cookie and 302 to the "
    "page, or 302 to /hr/login?error=CODE.",
    responses={302: {"description": "to the workspace"}},
)
def oauth_wecom(
    code: Annotated[str | None, Query(max_length=512)] = None,
    state: Annotated[str | None, Query(max_length=256)] = None,
) -> Response[Any]:
    notifier = _wecom_sign_in()
    try:
        token, user, to = ws.finish_login(
            _store(), "wecom", state, lambda: notifier.member_of_code(code) if code else None, utcnow()
        )
    except ws.LoginRefused as refused:
        return _redirect(f"{ws.HOME}login?error={refused.code}")
    except WecomError:  # an invalid or spent code: WeCom refused it
        return _redirect(f"{ws.HOME}login?error=WECOM_REFUSED")
    return _redirect(to, _signed_in(token, user))


@router.get(
    "/v1/workspace/login/cognito",
    security=[],
    description="Starts Cognito sign-in: 302 to the user pool's hosted UI (authorization code with PKCE), which "
    "returns to /v1/workspace/oauth/cognito (the callback URL to register on the app client).",
    responses={302: {"description": "to the hosted UI"}},
)
def login_cognito_hosted(
    next: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[Any]:
    s = _cognito_sign_in()
    verifier, challenge = ws.pkce_pair()
    state = ws.begin_login(_store(), None, next, utcnow(), verifier)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": s.cognito_client_id,
            "redirect_uri": _cognito_callback(),
            "scope": "openid",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return _redirect(f"{s.cognito_domain.rstrip('/')}/oauth2/authorize?{query}")


def _wecom_sign_in() -> Notifier:
    notifier = _notifier()
    if notifier is None:
        raise PortalError("WECOM_NOT_CONFIGURED", "this deployment has no WeCom sign-in", 404)
    return notifier


def _cognito_sign_in() -> WorkspaceSettings:
    s = settings()
    if not s.cognito_user_pool_id or not s.cognito_domain:
        raise PortalError("COGNITO_NOT_CONFIGURED", "this deployment has no Cognito sign-in", 404)
    return s


def _cognito_callback() -> str:
    return f"{settings().workspace_base_url.rstrip('/')}/v1/workspace/oauth/cognito"


@router.get(
    "/v1/workspace/oauth/cognito",
    security=[],
    description="The hosted UI's return: the code is exchanged for the ID token here, which is verified; a "
    "session cookie and 302 to the page, or 302 to /hr/login?error=CODE.",
    responses={302: {"description": "to the workspace"}},
)
def oauth_cognito(
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=256)] = None,
) -> Response[Any]:
    s = _cognito_sign_in()
    try:
        taken = ws.take_login(_store(), state, utcnow())
        if not code or not taken.verifier:
            raise ws.LoginRefused("COGNITO_FAILED", "no code came back", 400)
        id_token = exchange_code(
            s.cognito_domain, s.cognito_client_id, code, _cognito_callback(), taken.verifier
        )
        verifier = bootstrap.cognito_verifier(s.cognito_user_pool_id, s.cognito_client_id, s.cognito_jwks_url)
        tenant_id, user_id = ws.cognito_identity(verifier.claims(id_token))
        token, user = ws.sign_in(_store(), tenant_id, "cognito", user_id, utcnow())
    except PortalError as refused:
        code_ = refused.code if refused.code in ("LOGIN_EXPIRED", "NOT_A_MEMBER") else "COGNITO_FAILED"
        return _redirect(f"{ws.HOME}login?error={code_}")
    return _redirect(taken.next, _signed_in(token, user))


@router.post(
    "/v1/workspace/sessions/cognito",
    security=[],
    description="Signs in with an Amazon Cognito ID token a client already holds (e.g. an HR portal's own "
    "Cognito sign-in): a session cookie. The pages use /v1/workspace/login/cognito instead.",
    responses={201: {"description": "signed in", "content": {"application/json": {"model": ws.User}}}},
)
def login_cognito(request: Annotated[CognitoIn, Body()]) -> Response[Any]:
    s = settings()
    event = router.current_event
    ws.check_csrf("POST", {k.lower(): v for k, v in (event.headers or {}).items()})
    if not s.cognito_user_pool_id:
        raise PortalError("COGNITO_NOT_CONFIGURED", "this deployment has no Cognito sign-in", 404)
    verifier = bootstrap.cognito_verifier(s.cognito_user_pool_id, s.cognito_client_id, s.cognito_jwks_url)
    tenant_id, user_id = ws.cognito_identity(verifier.claims(request.id_token))
    token, user = ws.sign_in(_store(), tenant_id, "cognito", user_id, utcnow())
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=user.model_dump_json(),
        cookies=[_signed_in(token, user)],
    )


@router.get("/v1/workspace/me", security=SESSION)
def me() -> ws.User:
    return _user()


@router.post("/v1/workspace/logout", security=SESSION, responses={204: {"description": "signed out"}})
def logout() -> Response[Any]:
    event = router.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    ws.check_csrf("POST", headers)
    cookies = event.cookies or [headers.get("cookie") or ""]
    token = next((t for t in (ws.session_token(c) for c in cookies) if t), None)
    if token:
        _store().delete_session(ws.digest(token))
    return Response(status_code=204, cookies=[_cookie("", 0)])


# --- jobs, the pool, exports ------------------------------------------------------------------------------


@router.get("/v1/workspace/jobs", security=SESSION)
def jobs() -> list[ws.JobSummary]:
    user = _hr()
    repo = bootstrap.interview_repository(settings().interviews_table)
    profiles = bootstrap.profile_repository(settings().profiles_table).list(user.tenant_id)
    return [ws.job_summary(repo, user.tenant_id, p) for p in profiles]


@router.get("/v1/workspace/jobs/<job_id>", security=SESSION)
def job(job_id: str) -> ws.JobSummary:
    user = _hr()
    repo = bootstrap.interview_repository(settings().interviews_table)
    return ws.job_summary(repo, user.tenant_id, _profile(user.tenant_id, job_id))


class WorkspacePoolEntry(ws.Model):
    rank: int
    interview_id: str
    candidate_ref: str | None
    overall_score: float | None
    level: int | None
    recommendation: str | None
    status: str
    review_needed: bool
    pushed_to: list[dict[str, str]]
    decision: str | None
    scored_at: Any = None


class WorkspacePool(ws.Model):
    items: list[WorkspacePoolEntry]
    next_cursor: str | None


def _level(score: float | None) -> int | None:
    from jiping.scoring.results import level_of

    return level_of(score) if score is not None else None


def _entries(user: ws.User, page: PoolPage) -> list[WorkspacePoolEntry]:
    store = _store()
    out = []
    for entry in page.items:
        notes = store.notes(user.tenant_id, entry.interview_id)
        pushes, decided = notes.pushes, notes.decision
        out.append(
            WorkspacePoolEntry(
                **entry.model_dump(exclude={"job_version"}),
                level=_level(entry.overall_score),
                pushed_to=[{"user_id": p.manager.user_id, "name": p.manager.name} for p in pushes],
                decision=decided.decision if decided else None,
            )
        )
    return out


Status = Annotated[str | None, Query(pattern="^(CREATED|PROCESSING|TRANSCRIBED|SCORED|REJECTED|FAILED)$")]
Recommendation = Annotated[str | None, Query(pattern="^(advance|review|decline)$")]
Score = Annotated[float | None, Query(ge=0, le=100)]


def _filters(
    status: str | None,
    recommendation: str | None,
    min_score: float | None,
    max_score: float | None,
    review: bool,
) -> PoolFilters:
    if review:
        if recommendation not in (None, "review"):
            raise PortalError("FILTER_CONFLICT", "review=1 is the recommendation review", 422)
        recommendation = "review"
    return PoolFilters(status=status, recommendation=recommendation, min_score=min_score, max_score=max_score)


@router.get("/v1/workspace/jobs/<job_id>/pool", security=SESSION)
def pool(
    job_id: str,
    status: Status = None,
    recommendation: Recommendation = None,
    min_score: Score = None,
    max_score: Score = None,
    review: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> WorkspacePool:
    user = _hr()
    repo = bootstrap.interview_repository(settings().interviews_table)
    filters = _filters(status, recommendation, min_score, max_score, review)
    page = talent_pool(repo, user.tenant_id, job_id, filters, limit=limit, cursor=cursor)
    return WorkspacePool(items=_entries(user, page), next_cursor=page.next_cursor)


def _csv(name: str, data: bytes) -> Response[Any]:
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=data,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/v1/workspace/jobs/<job_id>/pool.csv", security=SESSION)
def pool_export(
    job_id: str,
    status: Status = None,
    recommendation: Recommendation = None,
    min_score: Score = None,
    max_score: Score = None,
    review: Annotated[bool, Query()] = False,
) -> Response[Any]:
    """The whole filtered talent pool as CSV (UTF-8 with BOM; cells that would start a formula neutralised)."""
    user = _hr()
    repo = bootstrap.interview_repository(settings().interviews_table)
    filters = _filters(status, recommendation, min_score, max_score, review)
    rows: list[WorkspacePoolEntry] = []
    cursor = None
    while True:
        page = talent_pool(repo, user.tenant_id, job_id, filters, limit=500, cursor=cursor)
        rows += _entries(user, page)
        cursor = page.next_cursor
        if cursor is None:
            break
    return _csv(f"{job_id}-pool.csv", pool_csv([r.model_dump() for r in rows]))


@router.get("/v1/workspace/jobs/<job_id>/results.csv", security=SESSION)
def results_export(job_id: str) -> Response[Any]:
    """Every scored interview of the job, with its per-competency scores, as CSV."""
    user = _hr()
    profile = _profile(user.tenant_id, job_id)
    repo = bootstrap.interview_repository(settings().interviews_table)
    scored = [i for i in ws.every_row(repo, user.tenant_id, job_id) if i.status is InterviewStatus.SCORED]
    return _csv(f"{job_id}-results.csv", results_csv(scored, profile))


# --- pushing to a manager ---------------------------------------------------------------------------------


@router.get("/v1/workspace/managers", security=SESSION)
def managers() -> list[dict[str, str]]:
    user = _hr()
    return [
        {"user_id": m.user_id, "name": m.name}
        for m in _store().members(user.tenant_id)
        if m.role == "manager"
    ]


@router.post("/v1/workspace/jobs/<job_id>/push", security=SESSION)
def push(job_id: str, request: Annotated[ws.PushIn, Body()]) -> ws.PushOut:
    """Hand the job's top candidates (or the ones named) to a hiring manager, who gets a WeCom card."""
    s, user = settings(), _hr()
    store, now = _store(), utcnow()
    profile = _profile(user.tenant_id, job_id)
    manager = next(
        (m for m in store.members(user.tenant_id) if m.user_id == request.manager and m.role == "manager"),
        None,
    )
    if manager is None:
        raise PortalError("MANAGER_NOT_FOUND", "no hiring manager of this workspace has this id", 422)
    repo = bootstrap.interview_repository(s.interviews_table)
    chosen = ws.chosen_for_push(repo, user.tenant_id, job_id, request)
    audit = bootstrap.audit_log(s.audit_table)
    pushed, already = [], []
    to = ws.Author(user_id=manager.user_id, name=manager.name, role="manager")
    for interview_id in chosen:
        made = ws.Push(
            tenant_id=user.tenant_id,
            interview_id=interview_id,
            job_id=job_id,
            manager=to,
            by=user.author(),
            at=now,
            note=request.note,
        )
        if store.add_push(made):
            pushed.append(interview_id)
            interview = repo.get(user.tenant_id, interview_id)
            if interview is not None:
                record(
                    audit,
                    interview,
                    "pushed",
                    actor=user.actor,
                    retention_days=s.audit_retention_days,
                    manager=f"user:{manager.login}:{manager.user_id}",
                )
        else:
            already.append(interview_id)
    card: dict[str, Any] = {"status": "skipped", "reason": "nothing new to push"}
    notifier = _notifier()
    if pushed and notifier is None:
        card = {"status": "skipped", "reason": "this deployment has no WeCom"}
    elif pushed and notifier is not None and manager.login == "wecom":
        url = f"{s.workspace_base_url.rstrip('/')}{ws.HOME}?t={user.tenant_id}"
        subject = Subject(
            tenant_id=user.tenant_id,
            interview_id=f"job:{job_id}",
            id=ws.digest(f"push|{manager.user_id}|{'|'.join(sorted(pushed))}")[:32],
        )
        notice = notifier.tell_member(
            subject, manager.user_id, ws.push_card(profile.title, user.name, len(pushed), url, request.note)
        )
        card = {"status": notice.status, "reason": notice.reason}
    elif pushed:
        card = {"status": "skipped", "reason": "the manager signs in with Cognito, not WeCom"}
    logger.info("pushed to a manager", pushed=len(pushed), already=len(already), card=card["status"])
    return ws.PushOut(pushed=pushed, already=already, card=card)


class PushedEntry(WorkspacePoolEntry):
    job_id: str
    job_title: str
    pushed_by: dict[str, str]
    pushed_at: Any
    note: str | None


@router.get("/v1/workspace/pushed", security=SESSION)
def pushed_to_me() -> dict[str, list[PushedEntry]]:
    """The candidates pushed to the signed-in manager, newest first."""
    user = _user()
    store = _store()
    repo = bootstrap.interview_repository(settings().interviews_table)
    titles: dict[str, str] = {}
    items: list[PushedEntry] = []
    for p in sorted(store.pushes_for_manager(user.tenant_id, user.user_id), key=lambda p: p.at, reverse=True):
        interview = repo.get(user.tenant_id, p.interview_id)
        if interview is None:
            continue
        if p.job_id not in titles:
            found = bootstrap.profile_repository(settings().profiles_table).get(user.tenant_id, p.job_id)
            titles[p.job_id] = found.title if found else p.job_id
        decided = store.notes(user.tenant_id, p.interview_id).decision
        items.append(
            PushedEntry(
                rank=len(items) + 1,
                interview_id=interview.interview_id,
                candidate_ref=interview.candidate_ref,
                overall_score=interview.overall_score,
                level=_level(interview.overall_score),
                recommendation=interview.recommendation,
                status=interview.status.value,
                review_needed=interview.recommendation == "review",
                pushed_to=[{"user_id": p.manager.user_id, "name": p.manager.name}],
                decision=decided.decision if decided else None,
                scored_at=interview.scored_at,
                job_id=p.job_id,
                job_title=titles[p.job_id],
                pushed_by={"user_id": p.by.user_id, "name": p.by.name},
                pushed_at=p.at,
                note=p.note,
            )
        )
    return {"items": items}


# --- one interview ----------------------------------------------------------------------------------------


def _media(interview: Interview) -> dict[str, MediaLink]:
    presigner, bucket = bootstrap.presigner(), settings().uploads_bucket
    links: dict[str, MediaLink] = {}
    for media in interview.media.values():
        if media.key.endswith(".json"):  # a written answer: nothing to play
            continue
        kind = "audio" if media.key.endswith(AUDIO_SUFFIXES) else "video"
        url = presigner.get_url(bucket, media.key, MEDIA_URL_TTL_S)
        for question_id in media.questions or [
            q.question_id for q in interview.questions if q.media_id == media.media_id
        ]:
            links[question_id] = MediaLink(url=url, kind=kind)
    return links


def _report(user: ws.User, interview: Interview) -> ReportView:
    store = _store()
    profile = None
    if interview.job_id:
        profile = bootstrap.profile_repository(settings().profiles_table).get(
            user.tenant_id, interview.job_id, interview.job_version
        )
    language = (
        interview.candidate.language if interview.candidate else (profile.language if profile else "zh")
    )
    view = report_view(_result(interview), interview, profile, media=_media(interview), language=language)
    notes = store.notes(user.tenant_id, interview.interview_id)
    decided, pushes = notes.decision, notes.pushes
    return view.with_workspace(
        decision=decided.model_dump(mode="json") if decided else None,
        pushed_to=[
            {"user_id": p.manager.user_id, "name": p.manager.name, "at": p.at.isoformat()}
            for p in pushes
            if user.role == "hr" or p.manager.user_id == user.user_id
        ],
        comments=[c.model_dump(mode="json") for c in notes.comments],
        viewer={"role": user.role, "can_override": user.role == "hr", "can_push": user.role == "hr"},
    )


@router.get("/v1/workspace/interviews/<interview_id>", security=SESSION)
def interview_report(interview_id: str) -> ReportView:
    user = _user()
    return _report(user, _interview(user, interview_id))


@router.get("/v1/workspace/interviews/<interview_id>/outline", security=SESSION)
def interview_outline(interview_id: str) -> Outline:
    """The second interview's outline (面试提纲): the largest gaps, follow-up questions with their sources, and
    the résumé's lines about them where one was supplied."""
    user = _user()
    interview = _interview(user, interview_id)
    if not interview.job_id:
        raise PortalError("JOB_NOT_FOUND", "this interview names no job profile", 404)
    profile = _profile(user.tenant_id, interview.job_id, interview.job_version)
    resume = load_resume_text(
        bootstrap.object_store(), settings().artifacts_bucket, user.tenant_id, interview.interview_id
    )
    language = interview.candidate.language if interview.candidate else profile.language
    return outline(_result(interview), profile, resume, language=language)


@router.post(
    "/v1/workspace/interviews/<interview_id>/comments",
    security=SESSION,
    responses={201: {"description": "kept", "content": {"application/json": {"model": ws.Comment}}}},
)
def comment(interview_id: str, request: Annotated[ws.CommentIn, Body()]) -> Response[Any]:
    """A comment on the candidate, kept with the interview (and erased with it), sent as interview.commented."""
    s, user = settings(), _user()
    interview = _interview(user, interview_id)
    made = ws.new_comment(user, request.text, utcnow())
    _store().add_comment(user.tenant_id, interview_id, made)
    record(
        bootstrap.audit_log(s.audit_table),
        interview,
        "commented",
        actor=user.actor,
        retention_days=s.audit_retention_days,
        comment_id=made.id,
    )
    bootstrap.event_publisher(s.publish_settings()).publish(
        [ws.comment_event(user.tenant_id, interview_id, made)]
    )
    return json_response(201, made.model_dump(mode="json"))


@router.post("/v1/workspace/interviews/<interview_id>/decision", security=SESSION)
def decide(interview_id: str, request: Annotated[ws.DecisionIn, Body()]) -> ReportView:
    """A manager's (or HR's) decision on the candidate: advance, hold or decline, with a reason; audited and
    sent as interview.decided."""
    s, user = settings(), _user()
    interview = _interview(user, interview_id)
    if not interview.result_key:
        raise PortalError("NOT_SCORED", "this interview has no result to decide on", 409)
    made = ws.DecisionRecord(decision=request.decision, reason=request.reason, by=user.author(), at=utcnow())
    _store().put_decision(user.tenant_id, interview_id, made)
    record(
        bootstrap.audit_log(s.audit_table),
        interview,
        "decided",
        actor=user.actor,
        retention_days=s.audit_retention_days,
        decision=made.decision,
        reason=made.reason,
    )
    bootstrap.event_publisher(s.publish_settings()).publish(
        [ws.decision_event(user.tenant_id, interview_id, made)]
    )
    return _report(user, interview)


@router.post("/v1/workspace/interviews/<interview_id>/override", security=SESSION)
def override_recommendation(interview_id: str, request: Annotated[ws.OverrideIn, Body()]) -> ReportView:
    """HR replaces the model's recommendation, with a reason; the model's own stays in the audit log."""
    s, user = settings(), _hr()
    _interview(user, interview_id)
    updated = override(
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.audit_log(s.audit_table),
        user.tenant_id,
        interview_id,
        decision=request.recommendation,
        reviewer=user.actor,
        reason=request.reason,
        retention_days=s.audit_retention_days,
    )
    return _report(user, updated)


@router.get("/v1/workspace/interviews/<interview_id>/audit", security=SESSION)
def interview_audit(interview_id: str) -> list[AuditRecord]:
    """Who did what about the interview (HR only), oldest first."""
    s, user = settings(), _hr()
    _interview(user, interview_id)
    records = bootstrap.audit_log(s.audit_table).records(user.tenant_id, interview_id)
    return sorted(records, key=lambda r: r.at)
