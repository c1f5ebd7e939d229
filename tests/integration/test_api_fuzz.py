"""The API fuzzed from its own OpenAPI document (schemathesis + hypothesis): no input gets a 5xx."""

from __future__ import annotations

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
            assert response.status_code < 500, (
                case.operation.label,
                case.path_parameters,
                case.body,
                response.text[:500],
            )

        run()
    assert all(codes for codes in seen.values()) and len(seen) == len(operations)
