"""At least once everywhere, processed once: a re-sent API call, duplicate S3 events and a replayed domain
event end in one interview, one evaluation and one webhook per endpoint."""

from __future__ import annotations

import json

import pytest
import yaml
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi
from tests.conftest import REPO, SAMPLE_MEDIA
from tests.e2e.conftest import delivered_events, interview_row

pytestmark = pytest.mark.slow
TENANT, INTERVIEW = "t-once", "iv-once-1"
CONSENT = {"biometric": True, "version": "2026-11", "given_at": "2026-11-22T08:00:00Z"}


def test_duplicates_at_every_door_make_one_evaluation_and_one_webhook_per_endpoint(cloud) -> None:
    api = LocalApi(cloud)
    key = mint_key(DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), TENANT, SCOPES)

    def call(method: str, path: str, body: object = None, **headers: str):
        h = {"authorization": f"Bearer {key}", "content-type": "application/json"} | headers
        return api.request(method, path, headers=h, body=json.dumps(body) if body is not None else None)

    profile = yaml.safe_load((REPO / "profiles" / "customer-service.yaml").read_text(encoding="utf-8"))
    assert call("POST", "/v1/profiles", profile).status == 201
    for endpoint in ("ehr-a", "ehr-b"):  # two endpoints of the tenant at the local EHR
        made = call("POST", "/v1/webhooks", {"endpoint_id": endpoint, "url": f"{cloud.ehr.url}/{endpoint}"})
        assert made.status == 201, made.body
        cloud.ehr.secrets.append(made.json()["secret"])
    # GIVEN the portal sends its create request twice (a timeout and a retry, same Idempotency-Key)
    request = {
        "interview_id": INTERVIEW,
        "candidate_ref": "cand-once",
        "job_id": "customer-service",
        "job_version": 1,
        "questions": [{"question_id": "difficult_customer"}],
        "consent": CONSENT,
    }
    first = call("POST", "/v1/interviews", request, **{"idempotency-key": "create-once"})
    again = call("POST", "/v1/interviews", request, **{"idempotency-key": "create-once"})
    assert first.status == again.status == 201 and first.json() == again.json()
    # WHEN the answer is uploaded and S3's event arrives three more times
    up = cloud.upload(SAMPLE_MEDIA / "q1_zh.mp4", TENANT, INTERVIEW, "difficult_customer.mp4")
    result = cloud.wait_for_execution(cloud.execution_arn(**up), timeout=600)
    assert result.status == "SUCCEEDED"
    event = json.loads((REPO / "events" / "s3_object_created.json").read_text())
    event["detail"]["bucket"]["name"] = up["bucket"]
    event["detail"]["object"].update({"key": up["key"], "version-id": up["version_id"]})
    for _ in range(3):
        cloud.client("sqs").send_message(
            QueueUrl=cloud.outputs[constants.OUTPUT_BUFFER_QUEUE], MessageBody=json.dumps(event)
        )
    cloud.drain()
    # AND EventBridge delivers the scored event twice more (a replay)
    (scored,) = [e for e in delivered_events(cloud, INTERVIEW) if e["detail-type"] == "interview.scored"]
    for _ in range(2):
        cloud.client("events").put_events(
            Entries=[
                {
                    "Source": scored["source"],
                    "DetailType": scored["detail-type"],
                    "Detail": json.dumps(scored["detail"]),
                    "EventBusName": cloud.outputs[constants.OUTPUT_EVENT_BUS],
                }
            ]
        )
    cloud.drain()
    # THEN one execution evaluated the upload, the interview is scored once
    mine = [e for e in cloud.executions() if e["executionArn"] == result.arn]
    assert len(mine) == 1
    row = interview_row(cloud, TENANT, INTERVIEW)
    assert [h.status.value for h in row.status_history].count("SCORED") == 1
    # AND each endpoint got exactly one accepted interview.scored delivery, whatever came twice
    got = [r for r in cloud.ehr.for_interview(INTERVIEW) if r.json()["type"] == "interview.scored"]
    accepted = [r for r in got if r.status == 204 and not r.duplicate]
    assert sorted(r.path.rsplit("/", 1)[-1] for r in accepted) == ["ehr-a", "ehr-b"]
    assert len({r.headers["webhook-id"] for r in accepted}) == 2
    # AND the audit log holds one record of the score, with its versions and the digest of its inputs
    audit = call("GET", f"/v1/interviews/{INTERVIEW}/audit").json()
    assert [r["kind"] for r in audit] == ["scored"]
    assert (
        audit[0]["details"]["versions"]["composite_model"] and len(audit[0]["details"]["input_sha256"]) == 64
    )
