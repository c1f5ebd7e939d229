"""The HR workspace's rules: sessions, sign-in round trips, what each role may see, the job's figures and the
choice of a push (jiping.portal.workspace), on in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jiping.domain.errors import PortalError
from jiping.domain.models import CandidateSide, Interview, InterviewStatus
from jiping.domain.profiles import bundled_profiles
from jiping.portal import workspace as ws
from jiping.portal.workspace import (
    Comment,
    DecisionRecord,
    LoginState,
    Member,
    Notes,
    Push,
    PushIn,
    User,
)

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
T = "t-ws"


class MemoryWorkspace:
    def __init__(self) -> None:
        self.members_: dict[tuple[str, str, str], Member] = {}
        self.sessions: dict[str, User] = {}
        self.states: dict[str, LoginState] = {}
        self.pushes: dict[tuple[str, str, str], Push] = {}

    def put_member(self, member: Member) -> None:
        self.members_[(member.tenant_id, member.login, member.user_id)] = member

    def get_member(self, tenant_id: str, login: str, user_id: str) -> Member | None:
        return self.members_.get((tenant_id, login, user_id))

    def members(self, tenant_id: str) -> list[Member]:
        return [m for (t, _, _), m in self.members_.items() if t == tenant_id]

    def delete_member(self, tenant_id: str, login: str, user_id: str) -> bool:
        return self.members_.pop((tenant_id, login, user_id), None) is not None

    def put_session(self, token_sha256: str, user: User) -> None:
        self.sessions[token_sha256] = user

    def get_session(self, token_sha256: str) -> User | None:
        return self.sessions.get(token_sha256)

    def delete_session(self, token_sha256: str) -> None:
        self.sessions.pop(token_sha256, None)

    def put_state(self, state_sha256: str, state: LoginState) -> None:
        self.states[state_sha256] = state

    def take_state(self, state_sha256: str) -> LoginState | None:
        return self.states.pop(state_sha256, None)

    def add_push(self, push: Push) -> bool:
        key = (push.tenant_id, push.interview_id, push.manager.user_id)
        new = key not in self.pushes
        self.pushes[key] = push
        return new

    def notes(self, tenant_id: str, interview_id: str) -> Notes:
        return Notes(
            pushes=[p for (t, i, _), p in self.pushes.items() if (t, i) == (tenant_id, interview_id)]
        )

    def pushes_for_manager(self, tenant_id: str, manager: str) -> list[Push]:
        return [p for (t, _, m), p in self.pushes.items() if (t, m) == (tenant_id, manager)]

    def is_pushed(self, tenant_id: str, interview_id: str, manager: str) -> bool:
        return (tenant_id, interview_id, manager) in self.pushes

    def add_comment(self, tenant_id: str, interview_id: str, comment: Comment) -> None: ...

    def put_decision(self, tenant_id: str, interview_id: str, decision: DecisionRecord) -> None: ...

    def delete_interview(self, tenant_id: str, interview_id: str) -> int:
        return 0


class Pool:
    """A job's rows, as the PoolByJob index gives them: best score first, a page at a time."""

    def __init__(self, rows: list[Interview]) -> None:
        self.rows = sorted(rows, key=lambda i: (i.overall_score is None, -(i.overall_score or 0.0)))
        self.pages = 0

    def pool_page(self, tenant_id: str, job_id: str, *, limit: int = 50, after: Any = None, **_: Any) -> Any:
        self.pages += 1
        start = int(after["n"]) if after else 0
        chosen = [i for i in self.rows if i.tenant_id == tenant_id and i.job_id == job_id]
        page = chosen[start : start + limit]
        more = {"n": str(start + limit)} if start + limit < len(chosen) else None
        return page, more


def interview(
    n: int, status: InterviewStatus = InterviewStatus.SCORED, score: float | None = None, **kw: Any
) -> Interview:
    return Interview(
        tenant_id=kw.pop("tenant_id", T),
        interview_id=f"iv-{n}",
        job_id=kw.pop("job_id", "customer-service"),
        status=status,
        created_at=NOW,
        updated_at=NOW,
        overall_score=score,
        **kw,
    )


@pytest.fixture
def store() -> MemoryWorkspace:
    s = MemoryWorkspace()
    s.put_member(Member(tenant_id=T, login="wecom", user_id="zhangsan", role="hr", name="张三"))
    s.put_member(Member(tenant_id=T, login="wecom", user_id="lisi", role="manager", name="李四"))
    return s


def cookie(token: str) -> str:
    return f"other=1; {ws.SESSION_COOKIE}={token}"


def test_a_session_opens_from_its_cookie_only_while_it_lasts_and_the_membership_holds(store) -> None:
    token, user = ws.open_session(store, store.get_member(T, "wecom", "zhangsan"), NOW)
    assert token.startswith("jw_") and token not in str(store.sessions)  # only its hash is stored
    assert ws.signed_in(store, [cookie(token)], NOW).actor == "user:wecom:zhangsan"
    for cookies in (None, ["other=1"], [cookie("jw_forged")]):
        with pytest.raises(PortalError) as refused:
            ws.signed_in(store, cookies, NOW)
        assert (refused.value.code, refused.value.status) == ("SESSION_REQUIRED", 401)
    with pytest.raises(PortalError, match="SESSION_EXPIRED"):
        ws.signed_in(store, [cookie(token)], user.expires_at)
    # the administrator makes them a manager: the next request has the new role
    store.put_member(Member(tenant_id=T, login="wecom", user_id="zhangsan", role="manager", name="张三"))
    assert ws.signed_in(store, [cookie(token)], NOW).role == "manager"
    # ... and removes them: the session ends at once
    store.delete_member(T, "wecom", "zhangsan")
    with pytest.raises(PortalError, match="SESSION_REQUIRED"):
        ws.signed_in(store, [cookie(token)], NOW)
    assert store.sessions == {}


def test_a_sign_in_round_trip_works_once_in_time_for_members_only_and_goes_nowhere_but_the_workspace(
    store,
) -> None:
    state = ws.begin_login(store, T, "/hr/jobs/customer-service?t=t-ws", NOW)
    token, user, to = ws.finish_login(store, "wecom", state, lambda: "lisi", NOW + timedelta(minutes=1))
    assert (user.user_id, user.role, to) == ("lisi", "manager", "/hr/jobs/customer-service?t=t-ws")
    with pytest.raises(ws.LoginRefused, match="LOGIN_EXPIRED"):  # a replayed callback
        ws.finish_login(store, "wecom", state, lambda: "lisi", NOW)
    late = ws.begin_login(store, T, None, NOW)
    with pytest.raises(ws.LoginRefused, match="LOGIN_EXPIRED"):
        ws.finish_login(store, "wecom", late, lambda: "lisi", NOW + timedelta(minutes=ws.LOGIN_STATE_MINUTES))
    for identity in (lambda: None, lambda: "wangwu"):  # outside the corp; in the corp, not in the workspace
        fresh = ws.begin_login(store, T, None, NOW)
        with pytest.raises(ws.LoginRefused, match="NOT_A_MEMBER"):
            ws.finish_login(store, "wecom", fresh, identity, NOW)
    for elsewhere in ("https://evil.example/hr/", "//evil.example/hr/", "/hr/\\evil", "/api", "/hr//x", None):
        assert ws.safe_next(elsewhere) == ws.HOME
    with pytest.raises(PortalError, match="INVALID_TENANT"):
        ws.begin_login(store, "t/../x", None, NOW)


def test_a_manager_sees_only_what_was_pushed_to_them_and_nobody_sees_another_tenants(store) -> None:
    hr = User(**store.get_member(T, "wecom", "zhangsan").model_dump(), expires_at=NOW + timedelta(hours=1))
    manager = User(**store.get_member(T, "wecom", "lisi").model_dump(), expires_at=NOW + timedelta(hours=1))
    mine, other = interview(1, score=80.0), interview(2, score=70.0)
    assert ws.may_read(store, hr, mine) is mine
    for user, row in ((manager, mine), (hr, interview(3, tenant_id="t-other")), (hr, None)):
        with pytest.raises(PortalError) as hidden:
            ws.may_read(store, user, row)
        assert (hidden.value.code, hidden.value.status) == ("INTERVIEW_NOT_FOUND", 404)
    store.add_push(
        Push(
            tenant_id=T,
            interview_id="iv-1",
            job_id="customer-service",
            manager=manager.author(),
            by=hr.author(),
            at=NOW,
        )
    )
    assert ws.may_read(store, manager, mine) is mine
    with pytest.raises(PortalError, match="INTERVIEW_NOT_FOUND"):
        ws.may_read(store, manager, other)
    with pytest.raises(PortalError, match="ROLE_FORBIDDEN"):
        ws.require_hr(manager)
    with pytest.raises(PortalError, match="CSRF_HEADER_REQUIRED"):
        ws.check_csrf("POST", {})
    ws.check_csrf("POST", {"x-jiping-workspace": "1"})
    ws.check_csrf("GET", {})


def test_the_job_summary_counts_the_funnel_bins_the_scores_and_averages_each_competency() -> None:
    profile = bundled_profiles()["customer-service"]
    first, second = profile.competencies[0].id, profile.competencies[1].id
    rows = [
        interview(1, score=95.0, recommendation="advance", competency_scores={first: 90.0, second: 80.0}),
        interview(2, score=91.0, recommendation="advance", competency_scores={first: 70.0}),
        interview(3, score=45.5, recommendation="decline", competency_scores={first: 50.0, second: None}),
        interview(4, score=100.0, recommendation="review", competency_scores={}),
        interview(5, InterviewStatus.REJECTED),
        interview(6, InterviewStatus.FAILED),
        interview(7, InterviewStatus.PROCESSING),
        interview(8, InterviewStatus.CREATED),  # invited, nothing in
        interview(
            9, InterviewStatus.CREATED, candidate=CandidateSide(language="zh", submitted={"q1": "text"})
        ),
        interview(10, job_id="another-job", score=12.0),
    ]
    pool = Pool(rows)
    summary = ws.job_summary(pool, T, profile)
    assert summary.counts.model_dump() == {
        "invited": 9,
        "started": 8,
        "completed": 6,
        "scored": 4,
        "rejected": 1,
        "failed": 1,
    }
    assert (summary.passed, summary.pass_rate) == (2, 0.5)
    assert [b.count for b in summary.distribution] == [0, 0, 0, 0, 1, 0, 0, 0, 0, 3]  # 100 is in the top bin
    assert summary.model_dump(by_alias=True)["distribution"][4] == {"from": 40, "to": 50, "count": 1}
    means = {c.id: (c.mean, c.n) for c in summary.competencies}
    assert means[first] == (70.0, 3) and means[second] == (80.0, 1)
    assert summary.recommendations == {"advance": 2, "review": 1, "decline": 1}


def test_a_push_takes_the_top_share_of_the_scored_or_only_scored_interviews_of_the_job_named() -> None:
    rows = [interview(n, score=float(n * 7 % 100)) for n in range(1, 11)] + [
        interview(11, InterviewStatus.CREATED)
    ]
    pool = Pool(rows)
    best = sorted((r for r in rows if r.overall_score is not None), key=lambda r: -r.overall_score)
    top = ws.chosen_for_push(pool, T, "customer-service", PushIn(manager="lisi", top_percent=30))
    assert top == [r.interview_id for r in best[:3]]
    assert ws.chosen_for_push(pool, T, "customer-service", PushIn(manager="lisi", top_percent=1)) == [
        best[0].interview_id
    ]
    named = ws.chosen_for_push(
        pool, T, "customer-service", PushIn(manager="lisi", interview_ids=["iv-2", "iv-2"])
    )
    assert named == ["iv-2"]
    for wrong in (["iv-11"], ["iv-99"]):  # not scored; not the job's
        with pytest.raises(PortalError, match="NOT_IN_POOL"):
            ws.chosen_for_push(pool, T, "customer-service", PushIn(manager="lisi", interview_ids=wrong))
    with pytest.raises(PortalError, match="PUSH_CHOICE"):
        ws.chosen_for_push(pool, T, "customer-service", PushIn(manager="lisi"))
    with pytest.raises(PortalError, match="NOTHING_SCORED"):
        ws.chosen_for_push(Pool([]), T, "customer-service", PushIn(manager="lisi", top_percent=30))


def test_a_cognito_token_must_name_its_tenant_and_user() -> None:
    assert ws.cognito_identity({"custom:tenant_id": T, "cognito:username": "hr-1"}) == (T, "hr-1")
    for claims in (
        {"cognito:username": "hr-1"},
        {"custom:tenant_id": T},
        {"custom:tenant_id": 3, "cognito:username": "x"},
    ):
        with pytest.raises(ws.LoginRefused, match="NOT_A_MEMBER"):
            ws.cognito_identity(claims)


def test_the_managers_card_carries_what_people_typed_as_text_not_markup() -> None:
    card = ws.push_card(
        "客服专员", "张三", 3, "https://hr.example/hr/?t=t", '<div class="highlight">急</div>'
    )
    assert "3 位候选人" in card["description"] and card["url"] == "https://hr.example/hr/?t=t"
    assert "&lt;div class=&quot;highlight&quot;&gt;急&lt;/div&gt;" in card["description"]
    assert '<div class="highlight">' not in card["description"]
