"""The HR workspace, apart from HTTP: who may sign in (members and their roles), their short sessions, what
each role may see, and what HR and hiring managers do there (hand candidates to a manager, comment, decide).

Sign-in is the company's own: WeCom OAuth (企业微信网页授权) for members of its corp, or an Amazon Cognito
user pool where there is no WeCom. Either way the person must be a *member* of the tenant's workspace,
registered by the tenant's administrator with a role:

- ``hr`` sees the tenant's jobs, talent pools and reports, pushes candidates to managers and overrides;
- ``manager`` sees only the candidates pushed to them (anything else is 404, as if it did not exist).

A session is a random token (``jw_…``) in an HttpOnly cookie; only its SHA-256 is stored, with the member,
for ``SESSION_HOURS``. Every request re-reads the member, so a member removed or re-roled loses access at
once. Every action is audited under ``user:{login}:{user_id}``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.cookies import CookieError, SimpleCookie
from typing import Any, Literal, Protocol

from pydantic import Field

from jiping.domain.errors import PortalError
from jiping.domain.models import DomainEvent, Interview, InterviewStatus, Model, check_id
from jiping.domain.profiles import JobProfile
from jiping.portal.interviews import PoolSource

Role = Literal["hr", "manager"]
Login = Literal["wecom", "cognito"]
Decision = Literal["advance", "hold", "decline"]
SESSION_PREFIX = "jw_"
SESSION_COOKIE = "jw_session"
SESSION_HOURS = 8  # a working day; the page sends the person to sign in again after it
LOGIN_STATE_MINUTES = 10  # an OAuth round trip (the state) is good for this long, once
CSRF_HEADER = "x-jiping-workspace"  # every state-changing request carries it (a cross-site form cannot)
HOME = "/hr/"
MAX_PUSH = 200  # candidates in one push
SCORE_BINS = 10


# --- members and sessions ---------------------------------------------------------------------------------


class Member(Model):
    """A person the tenant's administrator let into the workspace."""

    tenant_id: str
    login: Login
    user_id: str = Field(min_length=1, max_length=64, description="the WeCom userid, or the Cognito username")
    role: Role
    name: str = Field(min_length=1, max_length=64)


class MemberIn(Model):
    role: Role
    name: str = Field(min_length=1, max_length=64, description="shown to colleagues (no contact details)")


class User(Model):
    """The signed-in person, from their session."""

    tenant_id: str
    login: Login
    user_id: str
    role: Role
    name: str
    expires_at: datetime

    @property
    def actor(self) -> str:
        """The audit log's actor for what this person does."""
        return f"user:{self.login}:{self.user_id}"

    def author(self) -> Author:
        return Author(user_id=self.user_id, name=self.name, role=self.role)


class Author(Model):
    user_id: str
    name: str
    role: Role


class LoginState(Model):
    """One OAuth round trip: which tenant signs in (WeCom; Cognito's token names it), where the page goes
    afterwards, and the PKCE verifier of a Cognito round trip."""

    tenant_id: str = ""
    next: str
    expires_at: datetime
    verifier: str | None = None


class Push(Model):
    tenant_id: str
    interview_id: str
    job_id: str
    manager: Author
    by: Author
    at: datetime
    note: str | None = None


class Comment(Model):
    id: str
    author: Author
    text: str
    at: datetime


class DecisionRecord(Model):
    decision: Decision
    reason: str
    by: Author
    at: datetime


class Notes(Model):
    """What HR and managers did about one interview: its pushes, comments (oldest first) and decision."""

    pushes: list[Push] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    decision: DecisionRecord | None = None


class WorkspaceStore(Protocol):
    def put_member(self, member: Member) -> None: ...

    def get_member(self, tenant_id: str, login: Login, user_id: str) -> Member | None: ...

    def members(self, tenant_id: str) -> list[Member]: ...

    def delete_member(self, tenant_id: str, login: Login, user_id: str) -> bool: ...

    def put_session(self, token_sha256: str, user: User) -> None: ...

    def get_session(self, token_sha256: str) -> User | None: ...

    def delete_session(self, token_sha256: str) -> None: ...

    def put_state(self, state_sha256: str, state: LoginState) -> None: ...

    def take_state(self, state_sha256: str) -> LoginState | None:
        """The state, deleted as it is read (a second read gets None)."""

    def add_push(self, push: Push) -> bool:
        """False when the candidate was already pushed to that manager."""

    def notes(self, tenant_id: str, interview_id: str) -> Notes:
        """Everything done about the interview, in one read."""

    def pushes_for_manager(self, tenant_id: str, manager: str) -> list[Push]: ...

    def is_pushed(self, tenant_id: str, interview_id: str, manager: str) -> bool: ...

    def add_comment(self, tenant_id: str, interview_id: str, comment: Comment) -> None: ...

    def put_decision(self, tenant_id: str, interview_id: str, decision: DecisionRecord) -> None: ...

    def delete_interview(self, tenant_id: str, interview_id: str) -> int:
        """Every row about the interview (comments, pushes, decision): erasure."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(store: WorkspaceStore, member: Member, now: datetime) -> tuple[str, User]:
    """A new session for ``member``: the token (for the cookie; never stored) and the user."""
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    user = User(**member.model_dump(), expires_at=now + timedelta(hours=SESSION_HOURS))
    store.put_session(digest(token), user)
    return token, user


def session_token(cookie_header: str | None) -> str | None:
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None and morsel.value.startswith(SESSION_PREFIX) else None


def signed_in(store: WorkspaceStore, cookies: list[str] | str | None, now: datetime) -> User:
    """The person behind the request's session cookie, with their role as it is now; 401 otherwise."""
    headers = [cookies] if isinstance(cookies, str) else (cookies or [])
    token = next((t for t in (session_token(h) for h in headers) if t), None)
    if token is None:
        raise PortalError("SESSION_REQUIRED", "sign in to the workspace first", 401)
    user = store.get_session(digest(token))
    if user is None:
        raise PortalError("SESSION_REQUIRED", "this session is unknown or was closed: sign in again", 401)
    if user.expires_at <= now:
        raise PortalError("SESSION_EXPIRED", "the session has expired: sign in again", 401)
    member = store.get_member(user.tenant_id, user.login, user.user_id)
    if member is None:  # removed by the administrator since: the session ends with the membership
        store.delete_session(digest(token))
        raise PortalError("SESSION_REQUIRED", "you are no longer a member of this workspace", 401)
    return user.model_copy(update={"role": member.role, "name": member.name})


def check_csrf(method: str, headers: dict[str, str]) -> None:
    """A state-changing request must carry ``X-Jiping-Workspace`` (a page of another site cannot send it
    without a CORS preflight, which this API never grants)."""
    if method.upper() in ("POST", "PUT", "PATCH", "DELETE") and headers.get(CSRF_HEADER) != "1":
        raise PortalError("CSRF_HEADER_REQUIRED", "send the header X-Jiping-Workspace: 1", 403)


def require_hr(user: User) -> None:
    if user.role != "hr":
        raise PortalError("ROLE_FORBIDDEN", "only HR may do this", 403)


def may_read(store: WorkspaceStore, user: User, interview: Interview | None) -> Interview:
    """The interview if this person may see it: HR, the tenant's; a manager, the ones pushed to them. Any
    other is 404, so that a manager cannot tell a candidate's existence from a refusal."""
    if (
        interview is None
        or interview.tenant_id != user.tenant_id
        or interview.practice
        or (
            user.role == "manager"
            and not store.is_pushed(user.tenant_id, interview.interview_id, user.user_id)
        )
    ):
        raise PortalError("INTERVIEW_NOT_FOUND", "no such interview in your workspace", 404)
    return interview


# --- signing in -------------------------------------------------------------------------------------------


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a path of the workspace only (never another site: no open redirect)."""
    if (
        not path
        or not path.startswith(HOME)
        or "//" in path
        or "\\" in path
        or any(ord(c) < 32 for c in path)
    ):
        return HOME
    return path


def begin_login(
    store: WorkspaceStore,
    tenant_id: str | None,
    next_path: str | None,
    now: datetime,
    verifier: str | None = None,
) -> str:
    """A new OAuth state (its token goes to the identity provider and comes back once) for ``tenant_id``
    (WeCom's; None for Cognito, whose token names the tenant), with the PKCE ``verifier`` if any."""
    if tenant_id is not None:
        try:
            check_id(tenant_id, "tenant")
        except ValueError:
            raise PortalError(
                "INVALID_TENANT", "the tenant is 1-128 letters, digits, '_', '-' or '.'", 400
            ) from None
    state = secrets.token_urlsafe(24)
    store.put_state(
        digest(state),
        LoginState(
            tenant_id=tenant_id or "",
            next=safe_next(next_path),
            expires_at=now + timedelta(minutes=LOGIN_STATE_MINUTES),
            verifier=verifier,
        ),
    )
    return state


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def take_login(store: WorkspaceStore, state: str | None, now: datetime) -> LoginState:
    """The round trip's state: one we issued, unused and recent (else LOGIN_EXPIRED); it is used up."""
    taken = store.take_state(digest(state)) if state else None
    if taken is None or taken.expires_at <= now:
        raise LoginRefused("LOGIN_EXPIRED", "the sign-in took too long or was already used: try again", 400)
    return taken


class LoginRefused(PortalError):
    """A sign-in that did not succeed; the page shows the code."""


def finish_login(
    store: WorkspaceStore,
    login: Login,
    state: str | None,
    identify: Callable[[], str | None],
    now: datetime,
) -> tuple[str, User, str]:
    """Complete an OAuth round trip: the state must be one we issued, unused and recent; ``identify`` returns
    the person's id at the identity provider (None: not a member of the corp). Returns the session token,
    the user and where to go."""
    taken = take_login(store, state, now)
    user_id = identify()
    if not user_id:
        raise LoginRefused("NOT_A_MEMBER", "you are not a member of the company's WeCom", 403)
    token, user = sign_in(store, taken.tenant_id, login, user_id, now)
    return token, user, taken.next


def sign_in(
    store: WorkspaceStore, tenant_id: str, login: Login, user_id: str, now: datetime
) -> tuple[str, User]:
    member = store.get_member(tenant_id, login, user_id)
    if member is None:
        raise LoginRefused(
            "NOT_A_MEMBER", "you are not a member of this workspace: ask its administrator to add you", 403
        )
    return open_session(store, member, now)


def cognito_identity(claims: dict[str, Any]) -> tuple[str, str]:
    """The tenant and the user of a verified Cognito ID token (``custom:tenant_id``, ``cognito:username``)."""
    tenant_id, user_id = claims.get("custom:tenant_id"), claims.get("cognito:username")
    if not isinstance(tenant_id, str) or not isinstance(user_id, str) or not tenant_id or not user_id:
        raise LoginRefused("NOT_A_MEMBER", "the token names no tenant (custom:tenant_id) or user", 403)
    return tenant_id, user_id


# --- jobs -------------------------------------------------------------------------------------------------


class Counts(Model):
    invited: int = 0  # every interview of the job
    started: int = 0  # at least one answer received
    completed: int = 0  # every answer in: being scored, scored, rejected or failed
    scored: int = 0
    rejected: int = 0
    failed: int = 0


class Bin(Model):
    from_: int = Field(alias="from", serialization_alias="from")
    to: int
    count: int


class CompetencyMean(Model):
    id: str
    name: str
    mean: float | None
    n: int


class JobSummary(Model):
    job_id: str
    title: str
    version: int
    counts: Counts
    passed: int
    pass_rate: float | None = Field(description="scored with the recommendation advance / scored")
    distribution: list[Bin]
    competencies: list[CompetencyMean]
    recommendations: dict[str, int]


def every_row(source: PoolSource, tenant_id: str, job_id: str) -> Iterator[Interview]:
    after = None
    while True:
        rows, after = source.pool_page(tenant_id, job_id, limit=500, after=after)
        yield from rows
        if after is None:
            return


def _started(i: Interview) -> bool:
    submitted = bool(i.candidate and i.candidate.submitted)
    return i.status is not InterviewStatus.CREATED or submitted or bool(i.media)


def job_summary(source: PoolSource, tenant_id: str, profile: JobProfile) -> JobSummary:
    """The job's funnel, pass rate, score distribution and per-competency means, from its pool index."""
    counts = Counts()
    scores: list[float] = []
    per: dict[str, list[float]] = {c.id: [] for c in profile.competencies}
    recommendations = {"advance": 0, "review": 0, "decline": 0}
    for i in every_row(source, tenant_id, profile.id):
        counts.invited += 1
        counts.started += _started(i)
        counts.completed += i.status in (
            InterviewStatus.TRANSCRIBED,
            InterviewStatus.SCORED,
            InterviewStatus.REJECTED,
            InterviewStatus.FAILED,
        )
        counts.rejected += i.status is InterviewStatus.REJECTED
        counts.failed += i.status is InterviewStatus.FAILED
        if i.status is InterviewStatus.SCORED:
            counts.scored += 1
            if i.recommendation in recommendations:
                recommendations[i.recommendation] += 1
            if i.overall_score is not None:
                scores.append(i.overall_score)
            for cid, score in i.competency_scores.items():
                if cid in per and score is not None:
                    per[cid].append(score)
    width = 100 // SCORE_BINS
    bins = [0] * SCORE_BINS
    for s in scores:
        bins[min(SCORE_BINS - 1, int(s // width))] += 1
    return JobSummary(
        job_id=profile.id,
        title=profile.title,
        version=profile.version,
        counts=counts,
        passed=recommendations["advance"],
        pass_rate=round(recommendations["advance"] / counts.scored, 4) if counts.scored else None,
        distribution=[
            Bin(**{"from": n * width, "to": (n + 1) * width, "count": c}) for n, c in enumerate(bins)
        ],
        competencies=[
            CompetencyMean(
                id=c.id,
                name=c.name,
                mean=round(sum(per[c.id]) / len(per[c.id]), 1) if per[c.id] else None,
                n=len(per[c.id]),
            )
            for c in profile.competencies
        ],
        recommendations=recommendations,
    )


# --- pushing to a manager ---------------------------------------------------------------------------------


class PushIn(Model):
    manager: str = Field(min_length=1, max_length=64, description="the manager's user id")
    top_percent: float | None = Field(default=None, gt=0, le=100, description="the top N % of the scored")
    interview_ids: list[str] | None = Field(default=None, min_length=1, max_length=MAX_PUSH)
    note: str | None = Field(default=None, max_length=500)


class PushOut(Model):
    pushed: list[str]
    already: list[str]
    card: dict[str, Any] = Field(description="the WeCom card to the manager: status sent | skipped | failed")


def chosen_for_push(source: PoolSource, tenant_id: str, job_id: str, request: PushIn) -> list[str]:
    """The interviews a push names: the top N % of the job's scored interviews by score (at least one), or
    the ids given, each of which must be a scored interview of this job."""
    if (request.top_percent is None) == (request.interview_ids is None):
        raise PortalError("PUSH_CHOICE", "give either top_percent or interview_ids", 422)
    scored = [i for i in every_row(source, tenant_id, job_id) if i.status is InterviewStatus.SCORED]
    if request.top_percent is not None:
        ranked = sorted(scored, key=lambda i: -(i.overall_score or 0.0))
        take = min(MAX_PUSH, max(1, math.ceil(len(ranked) * request.top_percent / 100))) if ranked else 0
        if not take:
            raise PortalError("NOTHING_SCORED", "this job has no scored interview to push yet", 409)
        return [i.interview_id for i in ranked[:take]]
    known = {i.interview_id for i in scored}
    unknown = [i for i in request.interview_ids or [] if i not in known]
    if unknown:
        raise PortalError(
            "NOT_IN_POOL", f"{len(unknown)} of these are not scored interviews of this job", 422
        )
    return list(dict.fromkeys(request.interview_ids or []))


def push_card(job_title: str, by: str, count: int, url: str, note: str | None) -> dict[str, str]:
    """The WeCom text card a manager gets (no candidate's name or score in a chat message). The card's
    description is WeCom's little HTML: what people typed (a name, the note) goes in escaped."""
    lines = f'<div class="normal">{html.escape(by)} 请您查看 {count} 位候选人的AI面试报告并给出意见。</div>'
    if note:
        lines += f'<div class="gray">{html.escape(note[:120])}</div>'
    return {"title": f"候选人推荐：{job_title}", "description": lines, "url": url, "btntxt": "查看候选人"}


def comment_event(tenant_id: str, interview_id: str, comment: Comment) -> DomainEvent:
    return DomainEvent(
        id=DomainEvent.stable_id(f"comment|{tenant_id}|{interview_id}|{comment.id}", "COMMENTED"),
        type="interview.commented",
        time=comment.at,
        tenant_id=tenant_id,
        interview_id=interview_id,
        data={"comment_id": comment.id, "author": comment.author.model_dump(), "text": comment.text},
    )


def decision_event(tenant_id: str, interview_id: str, decision: DecisionRecord) -> DomainEvent:
    return DomainEvent(
        id=DomainEvent.stable_id(f"decision|{tenant_id}|{interview_id}|{decision.at.isoformat()}", "DECIDED"),
        type="interview.decided",
        time=decision.at,
        tenant_id=tenant_id,
        interview_id=interview_id,
        data={"decision": decision.decision, "reason": decision.reason, "by": decision.by.model_dump()},
    )


class CommentIn(Model):
    text: str = Field(min_length=1, max_length=2000)


class DecisionIn(Model):
    decision: Decision
    reason: str = Field(min_length=1, max_length=1000)


class OverrideIn(Model):
    recommendation: Literal["advance", "review", "decline"]
    reason: str = Field(min_length=1, max_length=1000)


def new_comment(user: User, text: str, now: datetime) -> Comment:
    return Comment(id=f"c-{secrets.token_hex(8)}", author=user.author(), text=text.strip(), at=now)
