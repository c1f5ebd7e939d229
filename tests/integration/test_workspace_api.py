"""The HR workspace's routes on the local cloud (issue 18): WeCom OAuth through the stand-in and Cognito with a
pool's real ID token, short sessions in an HttpOnly cookie, what each role may see (through the same calls the
pages make), pushes with the manager's WeCom card, comments and decisions audited by user and published,
résumés, exports, and erasure of it all. (The pages in a browser: tests/integration/test_workspace_page.py and
tests/e2e/test_workspace_round.py.)"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import secrets
import threading
from http.cookiejar import DefaultCookiePolicy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
from jiping.domain.models import InterviewStatus, utcnow
from jiping.domain.profiles import bundled_profiles
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi
from infra.localcloud.synth import LOCAL_API_URL
from tests.conftest import delivered_events
from tests.support.results import sample_result

TENANT, OTHER = "t-ws", "t-ws-other"
CSRF = {"x-jiping-workspace": "1"}


@pytest.fixture(scope="module")
def server(cloud: Any) -> httpx.Client:
    client = httpx.Client(transport=httpx.WSGITransport(app=LocalApi(cloud).wsgi), base_url=LOCAL_API_URL)
    client.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # each call names its session
    return client


def _key(cloud: Any, tenant: str) -> dict[str, str]:
    key = mint_key(DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), tenant, SCOPES)
    return {"authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def admin(cloud: Any, server: httpx.Client) -> dict[str, dict[str, str]]:
    """Each tenant's key, its profile, and its members: 张三 (HR) and 李四 (manager) in WeCom, 王五 (HR) in
    Cognito; 赵六 is HR of the other tenant."""
    keys = {TENANT: _key(cloud, TENANT), OTHER: _key(cloud, OTHER)}
    profile = bundled_profiles()["customer-service"].model_dump(mode="json", exclude_none=True)
    for key in keys.values():
        assert server.post("/v1/profiles", json=profile, headers=key).status_code in (201, 409)
    members = [
        (TENANT, "wecom", "zhangsan", "hr", "张三"),
        (TENANT, "wecom", "lisi", "manager", "李四"),
        (TENANT, "cognito", "wangwu", "hr", "王五"),
        (OTHER, "wecom", "zhaoliu", "hr", "赵六"),
    ]
    for tenant, login, user, role, name in members:
        put = server.put(
            f"/v1/workspace-members/{login}/{user}", json={"role": role, "name": name}, headers=keys[tenant]
        )
        assert put.status_code == 200, put.text
    cloud.wecom.directory |= {"zhaoliu": "赵六", "wangwu": "王五"}
    return keys


def wecom_sign_in(
    cloud: Any, server: httpx.Client, tenant: str, user: str, next_path: str = "/hr/"
) -> httpx.Response:
    """The browser's round trip: our login route -> WeCom's page (the stand-in, as ``user``) -> our callback."""
    start = server.get("/v1/workspace/login/wecom", params={"tenant": tenant, "next": next_path})
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    assert authorize.startswith(cloud.wecom.oauth_url) and "scope=snsapi_base" in authorize
    wecom = httpx.get(authorize, cookies={"wecom_user": user}, follow_redirects=False)
    assert wecom.status_code == 302
    back = urlsplit(wecom.headers["location"])
    assert f"{back.scheme}://{back.netloc}" == LOCAL_API_URL and back.path == "/v1/workspace/oauth/wecom"
    return server.get(back.path, params=parse_qs(back.query))


def session_of(response: httpx.Response) -> dict[str, str]:
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/v1/workspace" in cookie
    return {"cookie": cookie.split(";", 1)[0]}


@pytest.fixture(scope="module")
def people(cloud: Any, server: httpx.Client, admin: Any) -> dict[str, dict[str, str]]:
    return {
        user: session_of(wecom_sign_in(cloud, server, tenant, user))
        for tenant, user in ((TENANT, "zhangsan"), (TENANT, "lisi"), (OTHER, "zhaoliu"))
    }


def scored(
    cloud: Any, server: httpx.Client, key: dict[str, str], tenant: str, n: int, score: float, rec: str
) -> str:
    """An interview of the job, scored: its row and its result document (the sample result, re-scored)."""
    interview_id = f"iv-ws-{n}"
    body = {
        "interview_id": interview_id,
        "candidate_ref": f"C-{n:04d}",
        "job_id": "customer-service",
        "job_version": 1,
        "questions": [{"question_id": "difficult_customer"}, {"question_id": "under_pressure"}],
    }
    assert server.post("/v1/interviews", json=body, headers=key).status_code == 201
    result = sample_result(interview_id, overall_score=score, recommendation=rec)
    result_key = f"{tenant}/{interview_id}/result.json"
    cloud.client("s3").put_object(
        Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET],
        Key=result_key,
        Body=json.dumps(result).encode(),
    )
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])

    def done(current: Any) -> Any:
        current.status, current.overall_score, current.recommendation = InterviewStatus.SCORED, score, rec
        current.result_key, current.scored_at = result_key, utcnow()
        current.competency_scores = {c["id"]: c["score"] for c in result["competencies"]}
        return current

    repo.update(tenant, interview_id, done)
    return interview_id


@pytest.fixture(scope="module")
def pool(cloud: Any, server: httpx.Client, admin: Any) -> list[str]:
    scores = [
        (91.0, "advance"),
        (84.5, "advance"),
        (77.0, "advance"),
        (63.0, "review"),
        (58.0, "review"),
        (52.0, "decline"),
        (47.5, "decline"),
        (40.0, "decline"),
        (35.0, "decline"),
        (22.0, "decline"),
    ]
    made = [scored(cloud, server, admin[TENANT], TENANT, n, s, r) for n, (s, r) in enumerate(scores)]
    scored(cloud, server, admin[OTHER], OTHER, 99, 88.0, "advance")
    return made


class HostedUi:
    """Cognito's token endpoint (``/oauth2/token``) on 127.0.0.1: it hands out ``id_token`` for a code whose
    PKCE verifier matches the challenge the authorize step was given."""

    def __init__(self, id_token: str) -> None:
        self.id_token, self.challenge = id_token, ""
        hosted = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                form = {
                    k: v[0]
                    for k, v in parse_qs(
                        self.rfile.read(int(self.headers["content-length"])).decode()
                    ).items()
                }
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                good = base64.urlsafe_b64encode(digest).decode().rstrip("=") == hosted.challenge
                body = json.dumps(
                    {"id_token": hosted.id_token} if good else {"error": "invalid_grant"}
                ).encode()
                self.send_response(200 if good else 400)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HostedUi:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_wecom_sign_in_gives_a_short_httponly_session_once_and_only_to_members(cloud, server, admin) -> None:
    signed = wecom_sign_in(cloud, server, TENANT, "zhangsan", "/hr/jobs/customer-service?t=t-ws")
    assert signed.status_code == 302 and signed.headers["location"] == "/hr/jobs/customer-service?t=t-ws"
    session = session_of(signed)
    assert "Secure" not in signed.headers["set-cookie"]  # http://127.0.0.1 only: Secure in AWS (settings)
    me = server.get("/v1/workspace/me", headers=session).json()
    assert (me["tenant_id"], me["user_id"], me["role"], me["login"]) == (TENANT, "zhangsan", "hr", "wecom")
    # a WeCom user of the corp who is not a member, and one outside the corp
    cloud.wecom.directory["wangwu"] = "王五"
    for user in ("wangwu", "outsider"):
        refused = wecom_sign_in(cloud, server, TENANT, user)
        assert refused.status_code == 302 and refused.headers["location"] == "/hr/login?error=NOT_A_MEMBER"
        assert "set-cookie" not in refused.headers
    # a replayed callback (the same state), a forged state, a spent code
    start = server.get("/v1/workspace/login/wecom", params={"tenant": TENANT})
    back = urlsplit(
        httpx.get(start.headers["location"], cookies={"wecom_user": "zhangsan"}).headers["location"]
    )
    assert session_of(server.get(back.path, params=parse_qs(back.query)))
    replay = server.get(back.path, params=parse_qs(back.query))
    assert replay.headers["location"] == "/hr/login?error=LOGIN_EXPIRED"
    start = server.get("/v1/workspace/login/wecom", params={"tenant": TENANT})
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    spent = server.get("/v1/workspace/oauth/wecom", params={"code": "not-a-code", "state": state})
    assert spent.headers["location"] == "/hr/login?error=WECOM_REFUSED"
    # the next page is the workspace's, never another site
    evil = wecom_sign_in(cloud, server, TENANT, "zhangsan", "//evil.example/hr/")
    assert evil.headers["location"] == "/hr/"
    # signing out ends the session on the server, not only in the browser
    out = server.post("/v1/workspace/logout", headers=session | CSRF)
    assert out.status_code == 204 and "Max-Age=0" in out.headers["set-cookie"]
    assert code(server.get("/v1/workspace/me", headers=session)) == "SESSION_REQUIRED"


def test_cognito_sign_in_takes_a_real_pool_token_and_refuses_forged_or_foreign_ones(
    cloud, server, admin
) -> None:
    idp = cloud.client("cognito-idp")
    pool_id = idp.create_user_pool(
        PoolName="jiping-hr", Schema=[{"Name": "tenant_id", "AttributeDataType": "String", "Mutable": True}]
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="hr", ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"]
    )["UserPoolClient"]["ClientId"]

    password = secrets.token_urlsafe(16) + "!Aa1"  # the pool's policy: upper, lower, digit, symbol

    def token(user: str, tenant: str) -> str:
        idp.admin_create_user(
            UserPoolId=pool_id, Username=user, UserAttributes=[{"Name": "custom:tenant_id", "Value": tenant}]
        )
        idp.admin_set_user_password(UserPoolId=pool_id, Username=user, Password=password, Permanent=True)
        auth = idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_NO_SRP_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": password},
        )
        return str(auth["AuthenticationResult"]["IdToken"])

    env = {
        "COGNITO_USER_POOL_ID": pool_id,
        "COGNITO_CLIENT_ID": client_id,
        "COGNITO_JWKS_URL": cloud.cognito_jwks_url(),
    }
    with cloud.function_overrides("WorkspaceApi", env):
        assert server.get("/v1/workspace/config").json()["logins"] == ["wecom", "cognito"]
        hr = token("wangwu", TENANT)
        signed = server.post("/v1/workspace/sessions/cognito", json={"id_token": hr}, headers=CSRF)
        assert signed.status_code == 201, signed.text
        me = server.get("/v1/workspace/me", headers=session_of(signed)).json()
        assert (me["user_id"], me["login"], me["role"]) == ("wangwu", "cognito", "hr")
        stranger = token("nobody", TENANT)  # a user of the pool, not a member of the workspace
        refused = server.post("/v1/workspace/sessions/cognito", json={"id_token": stranger}, headers=CSRF)
        assert (refused.status_code, code(refused)) == (403, "NOT_A_MEMBER")
        head, body, _ = hr.split(".")
        forged = server.post(
            "/v1/workspace/sessions/cognito", json={"id_token": f"{head}.{body}.AAAA"}, headers=CSRF
        )
        assert (forged.status_code, code(forged)) == (401, "TOKEN_INVALID")
        no_header = server.post("/v1/workspace/sessions/cognito", json={"id_token": hr})
        assert (no_header.status_code, code(no_header)) == (403, "CSRF_HEADER_REQUIRED")

    # the pages' way: the hosted UI with PKCE, the code exchanged by the server (the token endpoint a stand-in
    # that checks the verifier against the challenge, as Cognito does)
    hosted = HostedUi(id_token=hr)
    with hosted, cloud.function_overrides("WorkspaceApi", env | {"COGNITO_DOMAIN": hosted.url}):
        start = server.get("/v1/workspace/login/cognito", params={"next": "/hr/jobs/customer-service"})
        assert start.status_code == 302
        authorize = urlsplit(start.headers["location"])
        asked = {k: v[0] for k, v in parse_qs(authorize.query).items()}
        assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{hosted.url}/oauth2/authorize"
        assert asked["client_id"] == client_id and asked["code_challenge_method"] == "S256"
        assert asked["redirect_uri"] == f"{LOCAL_API_URL}/v1/workspace/oauth/cognito"
        hosted.challenge = asked["code_challenge"]
        back = server.get("/v1/workspace/oauth/cognito", params={"code": "code-1", "state": asked["state"]})
        assert back.status_code == 302 and back.headers["location"] == "/hr/jobs/customer-service"
        me = server.get("/v1/workspace/me", headers=session_of(back)).json()
        assert (me["user_id"], me["login"]) == ("wangwu", "cognito")
        again = server.get("/v1/workspace/oauth/cognito", params={"code": "code-1", "state": asked["state"]})
        assert again.headers["location"] == "/hr/login?error=LOGIN_EXPIRED"
        # a code the token endpoint refuses (here: a verifier that does not match its challenge)
        start = server.get("/v1/workspace/login/cognito")
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        hosted.challenge = "not-the-challenge"
        refused = server.get("/v1/workspace/oauth/cognito", params={"code": "code-2", "state": state})
        assert refused.headers["location"] == "/hr/login?error=COGNITO_FAILED"
        assert "set-cookie" not in refused.headers


def test_each_role_sees_only_what_it_may_through_the_pages_own_calls(cloud, server, people, pool) -> None:
    hr, manager, stranger = people["zhangsan"], people["lisi"], people["zhaoliu"]
    assert server.get("/v1/workspace/jobs/customer-service", headers=hr).status_code == 200
    for path in (
        "/v1/workspace/jobs",
        "/v1/workspace/jobs/customer-service",
        "/v1/workspace/jobs/customer-service/pool",
        "/v1/workspace/jobs/customer-service/pool.csv",
        "/v1/workspace/managers",
    ):
        refused = server.get(path, headers=manager)
        assert (refused.status_code, code(refused)) == (403, "ROLE_FORBIDDEN"), path
    # nothing pushed yet: the manager cannot open any candidate, and learns nothing from the answer
    for interview_id in (pool[0], "iv-ws-99", "no-such-interview"):
        hidden = server.get(f"/v1/workspace/interviews/{interview_id}", headers=manager)
        assert (hidden.status_code, code(hidden)) == (404, "INTERVIEW_NOT_FOUND")
        for sub in ("/outline",):
            assert (
                server.get(f"/v1/workspace/interviews/{interview_id}{sub}", headers=manager).status_code
                == 404
            )
        posted = server.post(
            f"/v1/workspace/interviews/{interview_id}/comments", json={"text": "x"}, headers=manager | CSRF
        )
        assert posted.status_code == 404
    # another tenant's HR sees none of this tenant's candidates or jobs' people
    other = server.get(f"/v1/workspace/interviews/{pool[0]}", headers=stranger)
    assert (other.status_code, code(other)) == (404, "INTERVIEW_NOT_FOUND")
    theirs = server.get("/v1/workspace/jobs/customer-service/pool", headers=stranger).json()["items"]
    assert [e["interview_id"] for e in theirs] == ["iv-ws-99"]
    # no session, or a state change without the CSRF header
    assert code(server.get("/v1/workspace/jobs")) == "SESSION_REQUIRED"
    bare = server.post(f"/v1/workspace/interviews/{pool[0]}/comments", json={"text": "x"}, headers=hr)
    assert (bare.status_code, code(bare)) == (403, "CSRF_HEADER_REQUIRED")
    # an API key is no session, and a session is no API key
    assert server.get("/v1/workspace/jobs", headers={"authorization": "Bearer jp_x_y"}).status_code == 401
    assert server.get("/v1/interviews/" + pool[0], headers=hr).status_code == 401


def test_hr_pushes_the_top_share_to_a_manager_who_gets_a_card_and_sees_only_those(
    cloud, server, people, pool
) -> None:
    hr, manager = people["zhangsan"], people["lisi"]
    job = server.get("/v1/workspace/jobs/customer-service", headers=hr).json()
    assert (
        job["counts"]["scored"] == 10
        and job["pass_rate"] == 0.3
        and sum(b["count"] for b in job["distribution"]) == 10
    )
    page = server.get("/v1/workspace/jobs/customer-service/pool", params={"limit": 4}, headers=hr).json()
    rest = server.get(
        "/v1/workspace/jobs/customer-service/pool",
        params={"limit": 10, "cursor": page["next_cursor"]},
        headers=hr,
    ).json()
    assert [e["rank"] for e in page["items"] + rest["items"]] == list(range(1, 11)) and rest[
        "next_cursor"
    ] is None
    assert [e["interview_id"] for e in page["items"][:3]] == pool[:3]
    review = server.get(
        "/v1/workspace/jobs/customer-service/pool", params={"review": "true"}, headers=hr
    ).json()
    assert [e["interview_id"] for e in review["items"]] == pool[3:5]
    assert server.get("/v1/workspace/managers", headers=hr).json() == [{"user_id": "lisi", "name": "李四"}]
    cloud.wecom.reset()
    pushed = server.post(
        "/v1/workspace/jobs/customer-service/push",
        json={"manager": "lisi", "top_percent": 30},
        headers=hr | CSRF,
    )
    assert pushed.status_code == 200, pushed.text
    assert pushed.json() == {"pushed": pool[:3], "already": [], "card": {"status": "sent", "reason": None}}
    (card,) = [m for m in cloud.wecom.messages if m["api"] == "message/send"]
    assert card["touser"] == "lisi" and card["msgtype"] == "textcard"
    assert (
        card["textcard"]["url"] == f"{LOCAL_API_URL}/hr/?t={TENANT}"
        and "3 位候选人" in card["textcard"]["description"]
    )
    again = server.post(
        "/v1/workspace/jobs/customer-service/push",
        json={"manager": "lisi", "top_percent": 30},
        headers=hr | CSRF,
    ).json()
    assert again["pushed"] == [] and again["already"] == pool[:3]
    assert len([m for m in cloud.wecom.messages if m["api"] == "message/send"]) == 1  # no second card
    mine = server.get("/v1/workspace/pushed", headers=manager).json()["items"]
    assert {e["interview_id"] for e in mine} == set(pool[:3]) and mine[0]["pushed_by"]["name"] == "张三"
    assert server.get(f"/v1/workspace/interviews/{pool[0]}", headers=manager).status_code == 200
    assert server.get(f"/v1/workspace/interviews/{pool[3]}", headers=manager).status_code == 404
    wrong = server.post(
        "/v1/workspace/jobs/customer-service/push",
        json={"manager": "zhangsan", "top_percent": 30},
        headers=hr | CSRF,
    )
    assert (wrong.status_code, code(wrong)) == (422, "MANAGER_NOT_FOUND")


def test_comments_decisions_and_overrides_are_audited_by_user_published_and_erased_with_the_interview(
    cloud, server, admin, people, pool
) -> None:
    hr, manager = people["zhangsan"], people["lisi"]
    target = pool[1]
    server.post(
        "/v1/workspace/jobs/customer-service/push",
        json={"manager": "lisi", "interview_ids": [target]},
        headers=hr | CSRF,
    )
    text = "逻辑思维得分高，但缺乏行业经验，建议二次面试重点考察"
    made = server.post(
        f"/v1/workspace/interviews/{target}/comments", json={"text": text}, headers=manager | CSRF
    )
    assert made.status_code == 201 and made.json()["author"] == {
        "user_id": "lisi",
        "name": "李四",
        "role": "manager",
    }
    decided = server.post(
        f"/v1/workspace/interviews/{target}/decision",
        json={"decision": "advance", "reason": "进入二面"},
        headers=manager | CSRF,
    )
    assert decided.status_code == 200 and decided.json()["decision"]["by"]["user_id"] == "lisi"
    managers_override = server.post(
        f"/v1/workspace/interviews/{target}/override",
        json={"recommendation": "decline", "reason": "x"},
        headers=manager | CSRF,
    )
    assert code(managers_override) == "ROLE_FORBIDDEN"
    overridden = server.post(
        f"/v1/workspace/interviews/{target}/override",
        json={"recommendation": "review", "reason": "经验需再核实"},
        headers=hr | CSRF,
    ).json()
    assert (overridden["recommendation"], overridden["model_recommendation"]) == ("review", "advance")
    report = server.get(f"/v1/workspace/interviews/{target}", headers=hr).json()
    assert [c["text"] for c in report["comments"]] == [text]
    audit = server.get(f"/v1/workspace/interviews/{target}/audit", headers=hr).json()
    actors = {(r["kind"], r["actor"]) for r in audit}
    assert {
        ("pushed", "user:wecom:zhangsan"),
        ("commented", "user:wecom:lisi"),
        ("decided", "user:wecom:lisi"),
        ("override", "user:wecom:zhangsan"),
    } <= actors
    published = [e["detail"] for e in delivered_events(cloud, target)]
    kinds = {e["type"] for e in published}
    assert {"interview.commented", "interview.decided"} <= kinds
    commented = next(e for e in published if e["type"] == "interview.commented")
    assert commented["data"]["text"] == text and commented["data"]["author"]["user_id"] == "lisi"
    # erasing the candidate removes the comments, the push and the decision, and the manager's list entry
    erased = server.delete("/v1/candidates/C-0001", headers=admin[TENANT])
    assert erased.status_code == 200, erased.text
    assert target not in {
        e["interview_id"] for e in server.get("/v1/workspace/pushed", headers=manager).json()["items"]
    }
    table = cloud.client("dynamodb")
    leftovers = table.scan(TableName=cloud.outputs[constants.OUTPUT_WORKSPACE_TABLE])["Items"]
    assert not [i for i in leftovers if target in json.dumps(i)]


def test_a_resume_feeds_the_outline_and_the_exports_hold_the_whole_pool_and_every_competency(
    cloud, server, admin, people, pool
) -> None:
    hr = people["zhangsan"]
    target = pool[4]
    resume = '2019-2023 某银行信用卡中心 客服组长，带领 8 人团队处理投诉\n=HYPERLINK("http://evil")\n'
    put = server.post(
        f"/v1/interviews/{target}/resume",
        content=resume.encode(),
        headers=admin[TENANT] | {"content-type": "text/plain; charset=utf-8"},
    )
    assert put.status_code == 201, put.text
    stored = cloud.client("s3").list_objects_v2(
        Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Prefix=f"{TENANT}/{target}/resume/"
    )
    assert stored["KeyCount"] >= 1
    bad = server.post(
        f"/v1/interviews/{target}/resume",
        content=b"\x00\x01",
        headers=admin[TENANT] | {"content-type": "image/png"},
    )
    assert (bad.status_code, code(bad)) == (415, "RESUME_UNSUPPORTED_TYPE")
    outline = server.get(f"/v1/workspace/interviews/{target}/outline", headers=hr).json()
    assert outline["resume_supplied"] is True and outline["focus"]
    sources = {q["source"] for f in outline["focus"] for q in f["questions"]}
    assert "evaluation_gap" in sources or "question_bank" in sources
    assert all(2 <= len(f["questions"]) <= 3 for f in outline["focus"])
    exported = server.get("/v1/workspace/jobs/customer-service/pool.csv", headers=hr)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"] == 'attachment; filename="customer-service-pool.csv"'
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 9 and "interview_id" in rows[0]  # the ten, less the one erased above
    results = server.get("/v1/workspace/jobs/customer-service/results.csv", headers=hr)
    header = next(csv.reader(io.StringIO(results.content.decode("utf-8-sig"))))
    profile = bundled_profiles()["customer-service"]
    assert all(any(c.name in h for h in header) for c in profile.competencies)
