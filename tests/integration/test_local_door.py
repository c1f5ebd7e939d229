"""``jiping serve``'s S3 door on the local cloud (issue 16, point 2): the form the API hands out, signed with
this run's keys, uploads and starts the workflow; a forged one, one for another bucket and one posted by a
page of another origin write nothing. (Every case of the door on its own: tests/unit/test_s3_door.py.)"""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import UPLOAD_PATH, LocalApi

BASE = "http://127.0.0.1:8000"
CONSENT = {"biometric": True, "version": "2026-11", "given_at": "2026-11-22T08:00:00Z"}


@pytest.fixture(scope="module")
def server(cloud) -> httpx.Client:
    """The API as ``jiping serve`` serves it (the same WSGI app), on 127.0.0.1:8000."""
    return httpx.Client(transport=httpx.WSGITransport(app=LocalApi(cloud).wsgi), base_url=BASE)


@pytest.fixture(scope="module")
def form(cloud, server) -> dict:
    key = mint_key(DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), "t-door", SCOPES)
    created = server.post(
        "/v1/interviews",
        headers={"authorization": f"Bearer {key}"},
        json={
            "interview_id": "iv-door",
            "candidate_ref": "cand-door",
            "job_id": "job-door",
            "questions": [{"question_id": "q1", "max_bytes": 4096}],
            "consent": CONSENT,
        },
    )
    assert created.status_code == 201, created.text
    (made,) = created.json()["uploads"]
    assert made["url"] == f"{BASE}{UPLOAD_PATH}{cloud.uploads_bucket}"
    return dict(made)


def upload(server: httpx.Client, url: str, fields: dict, **headers: str) -> httpx.Response:
    return server.post(
        url, data=fields, files={"file": ("q1.mp4", b"not a video", "video/mp4")}, headers=headers
    )


def objects(cloud, bucket: str, prefix: str) -> list[str]:
    return [
        o["Key"] for o in cloud.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    ]


def s3_code(response: httpx.Response) -> str:
    return response.text.split("<Code>")[1].split("</Code>")[0]


def test_forged_foreign_bucket_and_cross_origin_uploads_write_nothing(cloud, server, form):
    artifacts = cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET]
    # a policy rewritten for another tenant's key, its signature kept
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    other = "uploads/t-victim/iv-door/q1.mp4"
    policy["conditions"] = [
        {"key": other} if c == {"key": form["fields"]["key"]} else c for c in policy["conditions"]
    ]
    forged = form["fields"] | {"key": other, "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
    refused = upload(server, form["url"], forged)
    assert (refused.status_code, s3_code(refused)) == (403, "SignatureDoesNotMatch")
    # the honest form at the artifacts bucket's door
    foreign = upload(server, f"{BASE}{UPLOAD_PATH}{artifacts}", form["fields"])
    assert (foreign.status_code, s3_code(foreign)) == (403, "AccessDenied")
    # the honest form, posted by a web page the developer happens to have open
    cross = upload(server, form["url"], form["fields"], origin="http://evil.example")
    assert (cross.status_code, s3_code(cross)) == (403, "AccessDenied")
    assert objects(cloud, cloud.uploads_bucket, "uploads/t-victim/") == []
    assert objects(cloud, cloud.uploads_bucket, "uploads/t-door/") == []
    assert objects(cloud, artifacts, "uploads/") == objects(cloud, artifacts, "t-door/") == []


def test_the_honest_form_posted_by_this_servers_page_uploads_and_starts_the_workflow(cloud, server, form):
    posted = upload(server, form["url"], form["fields"], origin=BASE)
    assert posted.status_code == 204, posted.text
    key = form["fields"]["key"]
    head = cloud.client("s3").head_object(Bucket=cloud.uploads_bucket, Key=key)
    assert head["ContentType"] == "video/mp4"
    result = cloud.wait_for_execution(
        cloud.execution_arn(cloud.uploads_bucket, key, head.get("VersionId")), 120
    )
    assert result.status == "SUCCEEDED" and result.output is not None
    assert (result.output["tenant_id"], result.output["probe"]["reason_code"]) == ("t-door", "NOT_MEDIA")
