"""Group sessions on the local cloud (issue 19, its input): one upload form per participant's track, each track
an interview of its own; a participant without consent flagged and left out, the others going on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi
from infra.localcloud.synth import LOCAL_API_URL
from tests.conftest import REPO

TENANT = "t-group"
CONSENT = {"biometric": False, "version": "2026-12", "given_at": "2026-12-01T08:00:00Z"}


@pytest.fixture(scope="module")
def portal(cloud: Any) -> httpx.Client:
    key = mint_key(DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), TENANT, SCOPES)
    client = httpx.Client(
        transport=httpx.WSGITransport(app=LocalApi(cloud).wsgi),
        base_url=LOCAL_API_URL,
        headers={"authorization": f"Bearer {key}"},
    )
    for name in ("group-discussion", "customer-service"):
        profile = yaml.safe_load((REPO / "profiles" / f"{name}.yaml").read_text(encoding="utf-8"))
        assert client.post("/v1/profiles", json=profile).status_code in (201, 409)
    return client


def participant(n: int, name: str, consent: bool = True, **extra: Any) -> dict[str, Any]:
    return (
        {"participant_id": f"p{n}", "name": name, "candidate_ref": f"G-{n:03d}"}
        | ({"consent": CONSENT} if consent else {})
        | extra
    )


def test_a_session_hands_out_one_form_per_consenting_participant_and_flags_the_rest(cloud, portal) -> None:
    body = {
        "session_id": "gs-1",
        "job_id": "group-discussion",
        "job_version": 1,
        "participants": [
            participant(1, "张三"),
            participant(2, "李四", offset_s=2.5),
            participant(3, "王五", consent=False),
            participant(4, "赵六", content_type="video/webm"),
        ],
    }
    made = portal.post("/v1/group-sessions", json=body)
    assert made.status_code == 201, made.text
    doc = made.json()
    tracks = {t["participant_id"]: t for t in doc["tracks"]}
    assert [t["interview_id"] for t in doc["tracks"]] == ["gs-1.p1", "gs-1.p2", "gs-1.p3", "gs-1.p4"]
    assert tracks["p2"]["offset_s"] == 2.5 and tracks["p1"]["upload"]["question_id"] == "group_discussion"
    assert tracks["p4"]["upload"]["content_type"] == "video/webm"
    assert tracks["p3"]["upload"] is None and tracks["p3"]["evaluated"] is False
    assert doc["flags"] == [
        {
            "code": "CONSENT_MISSING",
            "participant_id": "p3",
            "detail": "no consent recorded: this track gets no upload form and is not evaluated",
        }
    ]
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    track = repo.get(TENANT, "gs-1.p1")
    assert track is not None and track.job_id == "group-discussion" and track.candidate_ref == "G-001"
    assert [q.question_id for q in track.questions] == ["group_discussion"]
    assert repo.get(TENANT, "gs-1.p3") is None  # no consent: nothing of theirs is processed
    stored = portal.get("/v1/group-sessions/gs-1").json()
    assert [t["name"] for t in stored["tracks"]] == ["张三", "李四", "王五", "赵六"]
    again = portal.post("/v1/group-sessions", json=body)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "GROUP_SESSION_EXISTS")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"participants": [participant(1, "张三"), participant(2, "张三")]}, 422, "INVALID_REQUEST"),
        ({"participants": [participant(1, "张三"), participant(1, "李四")]}, 422, "INVALID_REQUEST"),
        ({"participants": [participant(1, "张三")]}, 422, "INVALID_REQUEST"),
        ({"job_id": "customer-service"}, 422, "NOT_A_GROUP_PROFILE"),
        ({"job_version": 9}, 404, "PROFILE_NOT_FOUND"),
        (
            {"participants": [participant(1, "张三", offset_s=-1), participant(2, "李四")]},
            422,
            "INVALID_REQUEST",
        ),
    ],
    ids=[
        "same name",
        "same id",
        "one participant",
        "not a group profile",
        "no such version",
        "negative offset",
    ],
)
def test_a_bad_session_is_refused_with_its_code_and_nothing_is_stored(portal, change, status, code) -> None:
    body = {
        "session_id": f"gs-bad-{code.lower()}-{status}",
        "job_id": "group-discussion",
        "job_version": 1,
        "participants": [participant(1, "张三"), participant(2, "李四")],
    } | change
    refused = portal.post("/v1/group-sessions", json=body)
    assert refused.status_code == status, refused.text
    assert refused.json()["error"]["code"] == code
    assert portal.get(f"/v1/group-sessions/{body['session_id']}").status_code == 404
