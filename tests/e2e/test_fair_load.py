"""Load stays fair: one tenant flooding the API is refused with 429s at its quota while another tenant's
interviews are created, answered and evaluated all along."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.domain.models import InterviewStatus
from jiping.portal.interviews import mint_key
from jiping.portal.text_answers import text_answer_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi
from tests.e2e.conftest import interview_row

pytestmark = pytest.mark.slow
FLOOD, CALM = "t-flood", "t-calm"
QUOTA = 6
CONSENT = {"biometric": False, "audio": True, "version": "2026-11", "given_at": "2026-11-22T08:00:00Z"}
ANSWER = "上个月一位客户因为退款延迟很生气。我先听他说完，查到是系统卡单，当天走加急流程退了款，并在三天后回访确认。"


def _body(interview_id: str) -> str:
    return json.dumps(
        {
            "interview_id": interview_id,
            "candidate_ref": f"ref-{interview_id}",
            "job_id": "no-profile",
            "questions": [{"question_id": "q1", "content_type": "audio/mpeg"}],
            "consent": CONSENT,
        }
    )


def test_a_flooding_tenant_gets_429s_while_another_tenants_interviews_complete(cloud) -> None:
    api, store = LocalApi(cloud), DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE])
    keys = {t: mint_key(store, t, ["portal"]) for t in (FLOOD, CALM)}

    def post(tenant: str, path: str, body: str):
        headers = {"authorization": f"Bearer {keys[tenant]}", "content-type": "application/json"}
        return api.request("POST", path, headers=headers, body=body)

    flood: list = []

    def flooding() -> None:  # a runaway portal: new interviews as fast as the API answers
        for n in range(40):
            flood.append(post(FLOOD, "/v1/interviews", _body(f"iv-flood-{n}")))

    with cloud.function_overrides("Api", {"QUOTA_INTERVIEWS_PER_DAY": str(QUOTA)}):
        flooder = threading.Thread(target=flooding)
        flooder.start()
        # meanwhile the other tenant runs its interviews: created, answered (in writing), evaluated
        calm = [f"iv-calm-{n}" for n in range(3)]
        for interview in calm:
            made = post(CALM, "/v1/interviews", _body(interview))
            assert made.status == 201, made.body
            answered = post(CALM, f"/v1/interviews/{interview}/answers/q1", json.dumps({"text": ANSWER}))
            assert answered.status == 202, answered.body
        flooder.join(timeout=300)
    # THEN the flood got exactly its quota, and every request past it a 429 that says when to come back
    statuses = Counter(r.status for r in flood)
    assert statuses == {201: QUOTA, 429: 40 - QUOTA}, statuses
    refused = [r for r in flood if r.status == 429]
    assert {r.json()["error"]["code"] for r in refused} == {"INTERVIEW_QUOTA_EXCEEDED"}
    assert all(0 < int(r.headers["retry-after"]) <= 86400 for r in refused)
    # AND every one of the other tenant's interviews was evaluated (no profile: it ends transcribed)
    s3 = cloud.client("s3")
    for interview in calm:
        key = text_answer_key(CALM, interview, "q1")
        version = s3.head_object(Bucket=cloud.uploads_bucket, Key=key).get("VersionId")
        result = cloud.wait_for_execution(
            cloud.execution_arn(cloud.uploads_bucket, key, version), timeout=300
        )
        assert result.status == "SUCCEEDED", (result.error, result.cause)
        assert interview_row(cloud, CALM, interview).status is InterviewStatus.TRANSCRIBED
