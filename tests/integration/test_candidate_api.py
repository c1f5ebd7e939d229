"""The candidate's routes on the local cloud (issue 17): invitations sent in WeCom and returned, links that open
once, and every bad input refused with its code and nothing stored half-way. (The page itself, in a browser:
tests/integration/test_candidate_page.py and tests/e2e/test_candidate_page.py.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.adapters.dynamo.candidate_links import DynamoCandidateLinks
from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
from jiping.domain.models import Interview, utcnow
from jiping.domain.profiles import bundled_profiles
from jiping.portal.candidates import CONSENT_VERSION, Due, LinkRecord, token_sha256
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi

BASE = "http://127.0.0.1:8000"
TENANT = "t-cand"


@pytest.fixture(scope="module")
def server(cloud: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=LocalApi(cloud).wsgi), base_url=BASE)


@pytest.fixture(scope="module")
def portal(cloud: Any, server: httpx.Client) -> dict[str, str]:
    key = mint_key(DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), TENANT, SCOPES)
    headers = {"authorization": f"Bearer {key}"}
    profile = bundled_profiles()["customer-service"].model_dump(mode="json", exclude_none=True)
    assert server.post("/v1/profiles", json=profile, headers=headers).status_code in (201, 409)
    return headers


def _interview(server: httpx.Client, portal: dict[str, str], interview_id: str, **extra: Any) -> None:
    body = {
        "interview_id": interview_id,
        "candidate_ref": f"c-{interview_id}",
        "job_id": "customer-service",
        "job_version": 1,
        "questions": [{"question_id": "difficult_customer"}, {"question_id": "under_pressure"}],
    } | extra
    made = server.post("/v1/interviews", json=body, headers=portal)
    assert made.status_code == 201, made.text


def _invite(server: httpx.Client, portal: dict[str, str], interview_id: str, **body: Any) -> dict[str, Any]:
    invited = server.post(f"/v1/interviews/{interview_id}/invitations", json=body, headers=portal)
    assert invited.status_code == 201, invited.text
    return dict(invited.json())


def _open(server: httpx.Client, url: str) -> httpx.Response:
    return server.post("/v1/candidate/sessions", json={"token": url.rsplit("/", 1)[1]})


def _session(server: httpx.Client, url: str) -> dict[str, str]:
    opened = _open(server, url)
    assert opened.status_code == 201, opened.text
    return {"authorization": f"Bearer {opened.json()['session']}"}


def _code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_an_invitation_goes_out_in_wecom_with_the_link_and_opens_the_page(
    cloud: Any, server: httpx.Client, portal: dict[str, str]
) -> None:
    cloud.wecom.reset()
    _interview(
        server,
        portal,
        "iv-invite",
        wecom={"hr_user_ids": ["hr-li"], "candidate_external_userid": "wmCandidate01"},
    )
    invited = _invite(server, portal, "iv-invite", expires_in_hours=24)
    assert invited["wecom"] == {"status": "sent", "reason": None}
    url = invited["url"]
    assert url.startswith(f"{BASE}/c/") and len(url.rsplit("/", 1)[1]) >= 32
    (message,) = [m for m in cloud.wecom.messages if m["api"] == "externalcontact/add_msg_template"]
    assert message["external_userid"] == ["wmCandidate01"] and message["sender"] == "hr-li"
    text = message["text"]["content"]
    assert url.rsplit("/", 1)[1] in text and "共 2 题" in text and "无需下载" in text
    page = server.get(url.removeprefix(BASE))  # the page itself: HTML with its security headers
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "camera=(self)" in page.headers["permissions-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"  # the token never leaves in a Referer
    view = _open(server, url).json()["interview"]
    assert view["stage"] == "invited" and view["consent"] is None and view["language"] == "zh"
    assert [q["text_allowed"] for q in view["questions"]] == [False, True]
    audit = server.get("/v1/interviews/iv-invite/audit", headers=portal).json()
    assert [r["kind"] for r in audit] == ["invited"]


def test_links_open_once_and_wrong_expired_or_forged_tokens_are_refused(
    cloud: Any, server: httpx.Client, portal: dict[str, str]
) -> None:
    _interview(server, portal, "iv-links")
    url = _invite(server, portal, "iv-links")["url"]
    session = _session(server, url)
    replay = _open(server, url)
    assert (replay.status_code, _code(replay)) == (410, "LINK_USED")
    wrong = server.post("/v1/candidate/sessions", json={"token": "x" * 32})
    assert (wrong.status_code, _code(wrong)) == (404, "LINK_INVALID")
    links = DynamoCandidateLinks(cloud.outputs[constants.OUTPUT_CANDIDATE_LINKS_TABLE])
    past = utcnow() - timedelta(hours=1)
    links.put(
        LinkRecord(
            kind="link",
            token_sha256=token_sha256("an-expired-link-token-000000000000"),
            tenant_id=TENANT,
            interview_id="iv-links",
            created_at=past - timedelta(days=1),
            expires_at=past,
        )
    )
    expired = server.post("/v1/candidate/sessions", json={"token": "an-expired-link-token-000000000000"})
    assert (expired.status_code, _code(expired)) == (410, "LINK_EXPIRED")
    forged = server.get("/v1/candidate/interview", headers={"authorization": "Bearer jc_" + "A" * 43})
    assert (forged.status_code, _code(forged)) == (401, "SESSION_INVALID")
    none = server.get("/v1/candidate/interview")
    assert (none.status_code, _code(none)) == (401, "SESSION_INVALID")
    # an API key is no candidate session, and a candidate session is no API key
    assert server.get("/v1/candidate/interview", headers=portal).status_code == 401
    assert server.get("/v1/interviews/iv-links", headers=session).status_code == 403
    assert server.get("/v1/candidate/interview", headers=session).json()["interview_id"] == "iv-links"


def test_bad_answers_are_refused_with_their_codes_and_nothing_is_stored(
    cloud: Any, server: httpx.Client, portal: dict[str, str]
) -> None:
    _interview(server, portal, "iv-bad")
    _interview(server, portal, "iv-other")
    session = _session(server, _invite(server, portal, "iv-bad")["url"])
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])

    def post(path: str, body: Any = None) -> httpx.Response:
        return server.post(f"/v1/candidate/{path}", json=body, headers=session)

    early = post("answers/difficult_customer/takes")
    assert (early.status_code, _code(early)) == (403, "CONSENT_REQUIRED")
    assert _code(post("consent", {"audio": True, "video": False, "version": "old"})) == "CONSENT_VERSION"
    assert post("consent", {"audio": True, "video": False, "version": CONSENT_VERSION}).status_code == 200
    before = repo.get(TENANT, "iv-bad")
    text = post("answers/difficult_customer/text", {"text": "我会耐心倾听客户的诉求。"})
    assert (text.status_code, _code(text)) == (422, "TEXT_NOT_ALLOWED")
    other = post("answers/explain_policy/takes")  # a question of the job, not of this interview
    assert (other.status_code, _code(other)) == (404, "QUESTION_NOT_FOUND")
    no_take = post("answers/difficult_customer/upload", {"content_type": "audio/webm", "seconds": 30})
    assert (no_take.status_code, _code(no_take)) == (409, "NO_TAKE")
    assert repo.get(TENANT, "iv-bad") == before  # nothing written by a refusal
    assert post("answers/difficult_customer/takes").json() == {"take": 1, "takes_left": 1}
    assert post("answers/difficult_customer/takes").json() == {"take": 2, "takes_left": 0}
    limit = post("answers/difficult_customer/takes")
    assert (limit.status_code, _code(limit)) == (409, "RERECORD_LIMIT")
    long = post("answers/difficult_customer/upload", {"content_type": "audio/webm", "seconds": 200})
    assert (long.status_code, _code(long)) == (422, "TOO_LONG")
    video = post("answers/difficult_customer/upload", {"content_type": "video/webm", "seconds": 30})
    assert (video.status_code, _code(video)) == (403, "VIDEO_NOT_CONSENTED")
    form = post(
        "answers/difficult_customer/upload", {"content_type": "audio/webm;codecs=opus", "seconds": 30}
    )
    assert form.status_code == 201, form.text
    made = form.json()
    # a recording longer than the question allows does not fit the form: S3 refuses it and stores nothing
    huge = server.post(
        made["url"],
        data=made["fields"],
        files={"file": ("answer.weba", b"\0" * (made["max_bytes"] + 1), "audio/webm")},
    )
    assert huge.status_code == 400 and b"EntityTooLarge" in huge.content
    listed = cloud.client("s3").list_objects_v2(
        Bucket=cloud.uploads_bucket, Prefix=f"uploads/{TENANT}/iv-bad/"
    )
    assert listed.get("KeyCount", 0) == 0
    assert repo.get(TENANT, "iv-other").candidate is None  # another interview was never touched


def test_a_reminder_goes_once_to_a_candidate_who_has_not_finished_without_the_link(
    cloud: Any, server: httpx.Client, portal: dict[str, str]
) -> None:
    import json

    contact = {"hr_user_ids": ["hr-li"], "candidate_external_userid": "wmRemind01"}
    _interview(server, portal, "iv-remind", wecom=contact)
    _interview(server, portal, "iv-remind-done", wecom=contact | {"candidate_external_userid": "wmRemind02"})
    url = _invite(server, portal, "iv-remind", expires_in_hours=2, remind_before_hours=1)["url"]
    _invite(server, portal, "iv-remind-done", expires_in_hours=2, remind_before_hours=1)
    links = DynamoCandidateLinks(cloud.outputs[constants.OUTPUT_CANDIDATE_LINKS_TABLE])
    (due,) = [
        d for d in links.due(utcnow() + timedelta(hours=1, minutes=1), 100) if d.interview_id == "iv-remind"
    ]
    assert due.kind == "remind" and abs(due.due_at - (utcnow() + timedelta(hours=1))) < timedelta(minutes=1)
    for interview_id in ("iv-remind", "iv-remind-done"):  # an hour later: both reminders are due
        links.schedule(Due(kind="remind", tenant_id=TENANT, interview_id=interview_id, due_at=utcnow()))

    def finished(row: Interview | None) -> Interview:  # iv-remind-done has handed in every answer
        assert row is not None and row.candidate is not None
        row.candidate.submitted = {"difficult_customer": "recording", "under_pressure": "text"}
        return row

    DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE]).update(
        TENANT, "iv-remind-done", finished
    )
    sweep = cloud.function("SweepCandidates").name
    for _ in range(2):  # the second sweep finds nothing due: one reminder, whoever sweeps first
        out = cloud.client("lambda").invoke(FunctionName=sweep, Payload=b"{}")
        assert "FunctionError" not in out, out["Payload"].read()

    def told(contact_id: str) -> list[str]:
        return [
            m["text"]["content"]
            for m in cloud.wecom.messages
            if m["api"] == "externalcontact/add_msg_template" and m["external_userid"] == [contact_id]
        ]

    invitation, reminder = told("wmRemind01")
    assert url.rsplit("/", 1)[1] in invitation
    assert "截止" in reminder and url.rsplit("/", 1)[1] not in reminder and "/c/" not in reminder
    assert len(told("wmRemind02")) == 1  # its invitation only
    assert json.loads(out["Payload"].read())["reminded"] == 0
