"""Per-tenant quotas through the local API: 429 with a stable code and Retry-After, one tenant's use
never another's; and a webhook endpoint id, once registered, is never silently replaced."""

from __future__ import annotations

import json

import pytest
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.portal.interviews import mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi

CONSENT = {"biometric": False, "audio": True, "version": "2026-11", "given_at": "2026-11-22T08:00:00Z"}


@pytest.fixture(scope="module")
def api(cloud) -> LocalApi:
    return LocalApi(cloud)


def _key(cloud, tenant: str, *scopes: str) -> str:
    return mint_key(DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), tenant, scopes)  # type: ignore[arg-type]


def _post(api: LocalApi, key: str, path: str, body: dict | None = None):
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    return api.request("POST", path, headers=headers, body=json.dumps(body) if body is not None else None)


def _interview(n: int) -> dict:
    return {
        "interview_id": f"iv-quota-{n}",
        "candidate_ref": f"cand-{n}",
        "job_id": "customer-service",
        "questions": [{"question_id": "q1", "content_type": "audio/mpeg"}],
        "consent": CONSENT,
    }


def test_new_interviews_past_the_daily_quota_are_429_and_the_same_request_again_is_not_counted(api, cloud):
    a, b = _key(cloud, "t-quota-a", "portal"), _key(cloud, "t-quota-b", "portal")
    with cloud.function_overrides("Api", {"QUOTA_INTERVIEWS_PER_DAY": "3"}):
        assert [_post(api, a, "/v1/interviews", _interview(n)).status for n in range(3)] == [201] * 3
        assert _post(api, a, "/v1/interviews", _interview(0)).status == 201  # a retry of one made: no new use
        refused = _post(api, a, "/v1/interviews", _interview(3))
        assert refused.status == 429 and refused.json()["error"]["code"] == "INTERVIEW_QUOTA_EXCEEDED"
        assert 0 < int(refused.headers["retry-after"]) <= 86400
        # tenant B has a quota of its own
        assert _post(api, b, "/v1/interviews", _interview(0)).status == 201


def test_a_tenant_past_its_requests_a_minute_gets_429s_and_another_tenant_does_not(api, cloud):
    flood, calm = _key(cloud, "t-rate-flood", "portal"), _key(cloud, "t-rate-calm", "portal")

    def get(key: str):
        return api.request("GET", "/v1/interviews/iv-none", headers={"authorization": f"Bearer {key}"})

    with cloud.function_overrides("Api", {"QUOTA_REQUESTS_PER_MINUTE": "5"}):
        answers = [get(flood) for _ in range(12)]  # 12 in at most two minutes: one of them holds 6 or more
        limited = [r for r in answers if r.status == 429]
        assert limited and {r.json()["error"]["code"] for r in limited} == {"RATE_LIMITED"}
        assert all(0 < int(r.headers["retry-after"]) <= 60 for r in limited)
        assert {r.status for r in answers} <= {404, 429}
        assert get(calm).status == 404  # the other tenant is served (no such interview: 404, not 429)


def test_webhook_endpoints_are_capped_and_an_id_is_never_replaced_by_re_posting_it(api, cloud):
    admin = _key(cloud, "t-quota-hooks", "admin")
    with cloud.function_overrides("Api", {"QUOTA_WEBHOOK_ENDPOINTS": "2"}):
        first = _post(api, admin, "/v1/webhooks", {"endpoint_id": "e1", "url": cloud.ehr.url})
        assert first.status == 201
        again = _post(api, admin, "/v1/webhooks", {"endpoint_id": "e1", "url": cloud.ehr.url + "/evil"})
        assert (again.status, again.json()["error"]["code"]) == (409, "ENDPOINT_EXISTS")
        assert _post(api, admin, "/v1/webhooks", {"endpoint_id": "e2", "url": cloud.ehr.url}).status == 201
        full = _post(api, admin, "/v1/webhooks", {"endpoint_id": "e3", "url": cloud.ehr.url})
        assert (full.status, full.json()["error"]["code"]) == (429, "WEBHOOK_ENDPOINT_QUOTA_EXCEEDED")
        assert int(full.headers["retry-after"]) > 0
    listed = api.request("GET", "/v1/webhooks", headers={"authorization": f"Bearer {admin}"}).json()
    assert {e["endpoint_id"]: e["url"] for e in listed} == {"e1": cloud.ehr.url, "e2": cloud.ehr.url}
