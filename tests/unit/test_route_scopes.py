"""Every authenticated route of the API names the key scopes that may call it, and no other route is named."""

from __future__ import annotations

import importlib
import json

from tests.conftest import REPO

# imported by name: mypy checks functions/api as its own package (as the Lambda runs it)
context = importlib.import_module("functions.api.context")
ROUTE_SCOPES, scopes_for = context.ROUTE_SCOPES, context.scopes_for

OPEN = {"GET /v1/health", "GET /v1/wecom/callback", "POST /v1/wecom/callback"}


def test_the_scope_table_names_exactly_the_routes_of_the_api() -> None:
    document = json.loads((REPO / "docs" / "openapi.json").read_text())
    routes = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}
    # the candidate's and the workspace's routes take a session, not a key
    sessions = {r for r in routes if r.split(" ")[1].startswith(("/v1/candidate/", "/v1/workspace/"))}
    assert set(ROUTE_SCOPES) == routes - OPEN - sessions
    assert all(ROUTE_SCOPES.values())  # no route that no key may call


def test_a_path_takes_the_scopes_of_its_own_route_and_an_unknown_one_takes_none() -> None:
    assert scopes_for("POST", "/v1/interviews") == {"portal"}
    assert scopes_for("POST", "/v1/interviews/iv-1/override") == {"admin"}
    assert scopes_for("GET", "/v1/interviews/iv-1") == {"portal", "ehr"}
    assert scopes_for("DELETE", "/v1/candidates/c-1") == {"admin"}
    assert scopes_for("GET", "/v1/interviews/iv-1/override") == set()  # the method counts
    assert scopes_for("GET", "/v1/interviews/iv-1/report/extra") == set()  # the whole path must match
