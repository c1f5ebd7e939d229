"""The API fuzzed from its own OpenAPI document (schemathesis + hypothesis): no input gets a 5xx, nor do
hostile shapes the generator does not try: JSON nested 50,000 deep, oversized fields, ids and queries."""

from __future__ import annotations

import json
import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi

EXAMPLES = 15  # per operation; derandomized, so every run sends the same requests


def test_no_request_gets_a_server_error(cloud):
    key = mint_key(DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), "t-fuzz", SCOPES)
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
            response = case.call(headers={"authorization": f"Bearer {key}"})
            seen.setdefault(case.operation.label, set()).add(response.status_code)
            bodies.setdefault(case.operation.label, case.body)
            assert response.status_code < 500, (
                case.operation.label,
                case.path_parameters,
                case.body,
                response.text[:500],
            )

        run()
        hostile(LocalApi(cloud), key, operation, bodies.get(operation.label))
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
