"""The API fuzzed from its own OpenAPI document (schemathesis + hypothesis): no input gets a 5xx, nor do
hostile shapes the generator does not try: JSON nested 50,000 deep, oversized fields, ids and queries."""

from __future__ import annotations

import json
import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.domain.profiles import bundled_profiles
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi

EXAMPLES = 15  # per operation; derandomized, so every run sends the same requests


def candidate_session(api: LocalApi, key: str) -> str:
    """A candidate's session on an invited interview of the tenant, for the candidate page's routes."""
    portal = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    profile = bundled_profiles()["customer-service"].model_dump(mode="json", exclude_none=True)
    assert api.request("POST", "/v1/profiles", headers=portal, body=json.dumps(profile)).status in (201, 409)
    interview = {
        "interview_id": "iv-fuzz-candidate",
        "candidate_ref": "cand-fuzz",
        "job_id": "customer-service",
        "job_version": 1,
        "questions": [{"question_id": "difficult_customer"}, {"question_id": "under_pressure"}],
    }
    assert api.request("POST", "/v1/interviews", headers=portal, body=json.dumps(interview)).status == 201
    invited = api.request("POST", "/v1/interviews/iv-fuzz-candidate/invitations", headers=portal, body="{}")
    token = invited.json()["url"].rsplit("/", 1)[1]
    opened = api.request("POST", "/v1/candidate/sessions", body=json.dumps({"token": token}))
    return str(opened.json()["session"])


def test_no_request_gets_a_server_error(cloud):
    key = mint_key(DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), "t-fuzz", SCOPES)
    session = candidate_session(LocalApi(cloud), key)  # the candidate's routes take a session, not a key
    schema = schemathesis.openapi.from_wsgi("/openapi.json", LocalApi(cloud).wsgi)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    seen: dict[str, set[int]] = {}
    bodies: dict[str, object] = {}  # a generated body per operation, to make oversized

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case) -> None:
            token = session if case.operation.path.startswith("/v1/candidate/") else key
            response = case.call(headers={"authorization": f"Bearer {token}"})
            seen.setdefault(case.operation.label, set()).add(response.status_code)
            bodies.setdefault(case.operation.label, case.body)
            assert response.status_code < 500, (
                case.operation.label,
                case.path_parameters,
                case.body,
                response.text[:500],
            )

        run()
        hostile(
            LocalApi(cloud),
            session if operation.path.startswith("/v1/candidate/") else key,
            operation,
            bodies.get(operation.label),
        )
    assert all(codes for codes in seen.values()) and len(seen) == len(operations)


BIG = "字" * 40_000  # 120 KB of UTF-8 in one field


def _oversized(value):
    """The body with every string made huge and every list made long."""
    if isinstance(value, str):
        return BIG
    if isinstance(value, dict):
        return {k: _oversized(v) for k, v in value.items()} | {"unexpected": BIG}
    if isinstance(value, list):
        return ([_oversized(v) for v in value] * 5)[:5] or [BIG] * 5
    return value


def hostile(api: LocalApi, key: str, operation, body: object) -> None:
    """Requests schemathesis would not send: each must be a 4xx (or a success), never a 5xx."""
    method = operation.method.upper()
    path = operation.path
    for name in re.findall(r"{(\w+)}", path):
        path = path.replace("{" + name + "}", "x" * 5000 if name.endswith("_id") else "a")
    bodies: list[str | None] = [None]
    if method in {"POST", "PUT", "PATCH"}:
        bodies = ["[" * 50_000 + "]" * 50_000, '{"a":' * 50_000 + "1" + "}" * 50_000]
        if isinstance(body, (dict, list)):
            bodies.append(json.dumps(_oversized(body), ensure_ascii=False))
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    for target in (operation.path.replace("{", "").replace("}", ""), path):
        for body in bodies:
            response = api.request(method, target, headers=headers, body=body, query="limit=" + "9" * 400)
            assert response.status < 500, (
                operation.label,
                target[:80],
                (body or "")[:80],
                response.body[:300],
            )
