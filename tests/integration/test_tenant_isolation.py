"""Tenant isolation on every route and every store.

Tenant A owns one of everything; tenant B calls every operation of the published API (docs/openapi.json)
against A's identifiers. B gets 404 for A's resources, sees exactly what a tenant with no data sees on
its lists and reports, and changes nothing of A's. The test fails when a route is added without a case
here. Then every item of every table and every object of every bucket is checked to sit under its
tenant's key, so no query of one tenant's partition can reach another's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from jiping.adapters.dynamo.analytics import DynamoAnalyticsStore
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.adapters.dynamo.webhooks import DynamoWebhookStore
from jiping.analytics.models import ReweightingProposal
from jiping.delivery.webhooks import Delivery
from jiping.domain.models import check_id
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi
from tests.conftest import REPO

A, B, EMPTY = "t-iso-a", "t-iso-b", "t-iso-empty"
IV, CAND, PROPOSAL, DELIVERY = "iv-iso-1", "cand-iso-a", "prop-iso-a", "msg_iso_a"
CONSENT = {"biometric": True, "version": "2026-11", "given_at": "2026-11-22T08:00:00Z"}
# Not tenant routes: the health check, WeCom's callback (signed by WeCom with the app's token, no API key), the
# HR workspace's (below), and the candidate page's routes: a session opened from one link is bound to its one interview, and no route of
# theirs names a tenant or an interview (tests/integration/test_candidate_api.py: a key is no session).
NOT_TENANT_ROUTES = {
    ("GET", "/v1/health"),
    ("GET", "/v1/wecom/callback"),
    ("POST", "/v1/wecom/callback"),
    ("POST", "/v1/candidate/sessions"),
    ("GET", "/v1/candidate/interview"),
    ("POST", "/v1/candidate/consent"),
    ("POST", "/v1/candidate/answers/{question_id}/takes"),
    ("POST", "/v1/candidate/answers/{question_id}/upload"),
    ("POST", "/v1/candidate/answers/{question_id}/uploaded"),
    ("POST", "/v1/candidate/answers/{question_id}/text"),
    ("POST", "/v1/candidate/review-request"),
    # the HR workspace's routes: a session cookie names the tenant and the member, and no route takes a tenant
    # (tests/integration/test_workspace_api.py: another tenant's HR finds nothing, a key is no session)
    ("GET", "/v1/workspace/config"),
    ("GET", "/v1/workspace/interviews/{interview_id}"),
    ("GET", "/v1/workspace/interviews/{interview_id}/audit"),
    ("GET", "/v1/workspace/interviews/{interview_id}/outline"),
    ("GET", "/v1/workspace/jobs"),
    ("GET", "/v1/workspace/jobs/{job_id}"),
    ("GET", "/v1/workspace/jobs/{job_id}/pool"),
    ("GET", "/v1/workspace/jobs/{job_id}/pool.csv"),
    ("GET", "/v1/workspace/jobs/{job_id}/results.csv"),
    ("GET", "/v1/workspace/login/cognito"),
    ("GET", "/v1/workspace/login/wecom"),
    ("GET", "/v1/workspace/managers"),
    ("GET", "/v1/workspace/me"),
    ("GET", "/v1/workspace/oauth/cognito"),
    ("GET", "/v1/workspace/oauth/wecom"),
    ("GET", "/v1/workspace/pushed"),
    ("POST", "/v1/workspace/interviews/{interview_id}/comments"),
    ("POST", "/v1/workspace/interviews/{interview_id}/decision"),
    ("POST", "/v1/workspace/interviews/{interview_id}/override"),
    ("POST", "/v1/workspace/jobs/{job_id}/push"),
    ("POST", "/v1/workspace/logout"),
    ("POST", "/v1/workspace/sessions/cognito"),
}


@pytest.fixture(scope="module")
def world(cloud) -> dict[str, Any]:
    api = LocalApi(cloud)
    store = DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE])
    keys = {t: mint_key(store, t, SCOPES) for t in (A, B, EMPTY)}

    def call(tenant: str, method: str, path: str, body: Any = None, query: str = "") -> Any:
        headers = {"authorization": f"Bearer {keys[tenant]}", "content-type": "application/json"}
        return api.request(
            method, path, headers=headers, body=json.dumps(body) if body is not None else None, query=query
        )

    profile = yaml.safe_load((REPO / "profiles" / "customer-service.yaml").read_text(encoding="utf-8"))
    assert call(A, "POST", "/v1/profiles", profile).status == 201
    made = call(
        A,
        "POST",
        "/v1/interviews",
        {
            "interview_id": IV,
            "candidate_ref": CAND,
            "job_id": "customer-service",
            "questions": [{"question_id": "difficult_customer"}],
            "consent": CONSENT,
        },
    )
    assert made.status == 201, made.body
    hook = call(A, "POST", "/v1/webhooks", {"endpoint_id": "ehr", "url": f"{cloud.ehr.url}/iso"})
    assert hook.status == 201, hook.body
    assert call(A, "POST", "/v1/interviews/iv-iso-1/review-request", {"reason": "please"}).status == 200
    now = datetime.now(UTC)
    DynamoWebhookStore(cloud.outputs[constants.OUTPUT_WEBHOOKS_TABLE]).put_delivery(
        Delivery(
            tenant_id=A,
            delivery_id=DELIVERY,
            endpoint_id="ehr",
            event_id="evt_iso",
            event_type="interview.scored",
            interview_id=IV,
            body="{}",
            created_at=now,
        )
    )
    DynamoAnalyticsStore(cloud.outputs[constants.OUTPUT_ANALYTICS_TABLE]).save_proposal(
        A,
        ReweightingProposal(
            proposal_id=PROPOSAL,
            job_id="customer-service",
            job_version=1,
            outcome="performance",
            n=100,
            folds=5,
            alpha=1.0,
            current_weights={"a": 1.0},
            proposed_weights={"a": 1.0},
            cv_r_current=0.1,
            cv_r_proposed=0.2,
            expected_gain=0.1,
            created_at=now,
        ),
    )
    group = yaml.safe_load((REPO / "profiles" / "group-discussion.yaml").read_text(encoding="utf-8"))
    for tenant in (A, B, EMPTY):  # B makes its own group session (below) on its own group profile
        assert call(tenant, "POST", "/v1/profiles", group).status == 201
    session = call(
        A,
        "POST",
        "/v1/group-sessions",
        {
            "session_id": "gs-iso-a",
            "job_id": "group-discussion",
            "job_version": 1,
            "participants": [
                {"participant_id": "p1", "name": "张三", "candidate_ref": "cand-iso-g1", "consent": CONSENT},
                {"participant_id": "p2", "name": "李四", "candidate_ref": "cand-iso-g2", "consent": CONSENT},
            ],
        },
    )
    assert session.status == 201, session.body
    member = call(A, "PUT", "/v1/workspace-members/wecom/zhangsan", {"role": "hr", "name": "张三"})
    assert member.status == 200, member.body
    outcome = {"interview_id": IV, "kind": "hire", "value": True, "date": "2026-11-20"}
    assert call(A, "POST", "/v1/outcomes", outcome).status in (200, 201)
    return {"call": call, "cloud": cloud, "before": _snapshot(cloud, A)}


def _snapshot(cloud: Any, tenant: str) -> dict[str, list[Any]]:
    """Everything a tenant has in every table, as stored."""
    ddb = cloud.client("dynamodb")
    out: dict[str, list[Any]] = {}
    for name in ddb.list_tables()["TableNames"]:
        items = _scan(ddb, name)
        mine = [i for i in items if tenant in json.dumps(i)]
        out[name] = sorted(json.dumps(i, sort_keys=True) for i in mine)
    return out


def _scan(ddb: Any, table: str) -> list[dict[str, Any]]:
    """Every item of a table (every page: the suite's tables outgrow one)."""
    return [i for page in ddb.get_paginator("scan").paginate(TableName=table) for i in page["Items"]]


def _same_as_empty(world: dict[str, Any], method: str, path: str, body: Any = None, query: str = "") -> None:
    """B's answer equals a tenant with no data's answer (ids and times aside)."""

    def norm(response: Any) -> Any:
        try:
            doc = response.json()
        except ValueError:
            return response.status
        return response.status, _strip(doc)

    b = world["call"](B, method, path, body, query)
    empty = world["call"](EMPTY, method, path, body, query)
    assert norm(b) == norm(empty), (method, path, b.status, b.body[:300])
    text, sent = b.body.decode(), path + json.dumps(body)
    assert not [x for x in (IV, CAND, PROPOSAL) if x in text and x not in sent]  # only what B itself sent


def _own(world: dict[str, Any], route: tuple[str, str]) -> tuple[str, Any]:
    path, body = OWN[route]
    if body is None:
        body = yaml.safe_load((REPO / "profiles" / "customer-service.yaml").read_text(encoding="utf-8"))
    if "url" in body:
        body = body | {"url": body["url"].replace("EHR", world["cloud"].ehr.url)}
    return path, body


def _strip(doc: Any) -> Any:
    volatile = {"generated_at", "request_id", "proposal_id", "created_at", "tenant_id"}
    if isinstance(doc, dict):
        return {k: _strip(v) for k, v in doc.items() if k not in volatile}
    if isinstance(doc, list):
        return [_strip(v) for v in doc]
    return doc


OVERRIDE = {"decision": "decline", "reviewer": "b-hr", "reason": "not ours"}
# (method, path template) -> how B calls it on A's identifiers, and what must come back
NOT_FOUND: dict[tuple[str, str], tuple[str, Any]] = {
    ("GET", "/v1/interviews/{interview_id}"): (f"/v1/interviews/{IV}", None),
    ("GET", "/v1/interviews/{interview_id}/report"): (f"/v1/interviews/{IV}/report", None),
    ("POST", "/v1/interviews/{interview_id}/consent"): (f"/v1/interviews/{IV}/consent", CONSENT),
    ("GET", "/v1/interviews/{interview_id}/audit"): (f"/v1/interviews/{IV}/audit", None),
    ("POST", "/v1/interviews/{interview_id}/rescore"): (f"/v1/interviews/{IV}/rescore", {"version": 1}),
    ("POST", "/v1/interviews/{interview_id}/review-request"): (f"/v1/interviews/{IV}/review-request", {}),
    ("POST", "/v1/interviews/{interview_id}/override"): (f"/v1/interviews/{IV}/override", OVERRIDE),
    ("POST", "/v1/interviews/{interview_id}/invitations"): (f"/v1/interviews/{IV}/invitations", {}),
    ("POST", "/v1/interviews/{interview_id}/resume"): (f"/v1/interviews/{IV}/resume", {"text": "简历"}),
    ("GET", "/v1/group-sessions/{session_id}"): ("/v1/group-sessions/gs-iso-a", None),
    ("DELETE", "/v1/workspace-members/{login}/{user_id}"): ("/v1/workspace-members/wecom/zhangsan", None),
    # a question B's own interview of the same id (made below) does not ask either: nothing is ever stored
    ("POST", "/v1/interviews/{interview_id}/answers/{question_id}"): (
        f"/v1/interviews/{IV}/answers/explain_policy",
        {"text": "我先听客户说完，再解释规定的原因。"},
    ),
    ("GET", "/v1/profiles/{profile_id}"): ("/v1/profiles/customer-service", None),
    ("GET", "/v1/webhooks/{endpoint_id}"): ("/v1/webhooks/ehr", None),
    ("DELETE", "/v1/webhooks/{endpoint_id}"): ("/v1/webhooks/ehr", None),
    ("POST", "/v1/webhooks/{endpoint_id}/rotate-secret"): ("/v1/webhooks/ehr/rotate-secret", None),
    ("POST", "/v1/webhooks/{endpoint_id}/enable"): ("/v1/webhooks/ehr/enable", None),
    ("GET", "/v1/webhooks/{endpoint_id}/deliveries"): ("/v1/webhooks/ehr/deliveries", None),
    ("POST", "/v1/deliveries/{delivery_id}/replay"): (f"/v1/deliveries/{DELIVERY}/replay", None),
    ("GET", "/v1/analytics/reweighting/{proposal_id}"): (f"/v1/analytics/reweighting/{PROPOSAL}", None),
    ("POST", "/v1/analytics/reweighting/{proposal_id}/accept"): (
        f"/v1/analytics/reweighting/{PROPOSAL}/accept",
        None,
    ),
}
JOB = "job_id=customer-service"
LIKE_EMPTY: dict[tuple[str, str], tuple[str, Any, str]] = {
    ("GET", "/v1/jobs/{job_id}/interviews"): ("/v1/jobs/customer-service/interviews", None, ""),
    ("GET", "/v1/profiles"): ("/v1/profiles", None, ""),
    ("GET", "/v1/webhooks"): ("/v1/webhooks", None, ""),
    ("GET", "/v1/settings/candidates"): ("/v1/settings/candidates", None, ""),
    ("GET", "/v1/workspace-members"): ("/v1/workspace-members", None, ""),
    ("GET", "/v1/analytics/validity"): ("/v1/analytics/validity", None, JOB),
    ("GET", "/v1/analytics/impact"): ("/v1/analytics/impact", None, JOB),
    ("GET", "/v1/analytics/drift"): ("/v1/analytics/drift", None, JOB),
    ("POST", "/v1/analytics/reweighting"): ("/v1/analytics/reweighting", {"job_id": "customer-service"}, ""),
    ("POST", "/v1/outcomes"): (
        "/v1/outcomes",
        {"interview_id": IV, "kind": "hire", "value": False, "date": "2026-11-21"},
        "",
    ),
    ("POST", "/v1/demographics"): (
        "/v1/demographics",
        {"interview_id": IV, "attributes": {"sex": "female"}},
        "",
    ),
    ("DELETE", "/v1/candidates/{candidate_ref}"): (f"/v1/candidates/{CAND}", None, ""),
}
# B creates its own resources under A's identifiers: they are B's, A's stay as they were
OWN: dict[tuple[str, str], tuple[str, Any]] = {
    ("POST", "/v1/interviews"): (
        "/v1/interviews",
        {
            "interview_id": IV,
            "candidate_ref": "cand-iso-b",
            "job_id": "customer-service",
            "consent": CONSENT,
            "questions": [{"question_id": "difficult_customer"}],
        },
    ),
    ("POST", "/v1/profiles"): ("/v1/profiles", None),
    ("POST", "/v1/webhooks"): ("/v1/webhooks", {"endpoint_id": "ehr", "url": "EHR/b"}),
    ("PUT", "/v1/settings/candidates"): ("/v1/settings/candidates", {"feedback": True}),
    ("POST", "/v1/group-sessions"): (
        "/v1/group-sessions",
        {
            "session_id": "gs-iso-a",
            "job_id": "group-discussion",
            "job_version": 1,
            "participants": [
                {"participant_id": "p1", "name": "甲", "candidate_ref": "cand-iso-b1", "consent": CONSENT},
                {"participant_id": "p2", "name": "乙", "candidate_ref": "cand-iso-b2", "consent": CONSENT},
            ],
        },
    ),
    ("PUT", "/v1/workspace-members/{login}/{user_id}"): (
        "/v1/workspace-members/wecom/zhangsan",
        {"role": "manager", "name": "B的张三"},
    ),
    # after B's own profile above (dicts keep their order): a practice interview on it is B's
    ("POST", "/v1/practice-interviews"): (
        "/v1/practice-interviews",
        {"job_id": "customer-service", "job_version": 1, "candidate_ref": CAND},
    ),
}


def test_every_route_is_covered_here() -> None:
    spec = json.loads((REPO / "docs" / "openapi.json").read_text())
    published = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    covered = set(NOT_FOUND) | set(LIKE_EMPTY) | set(OWN) | NOT_TENANT_ROUTES
    assert published == covered, {"not covered": published - covered, "gone": covered - published}


@pytest.mark.parametrize("route", list(NOT_FOUND), ids=" ".join)
def test_another_tenants_resources_are_not_found(world, route) -> None:
    path, body = NOT_FOUND[route]
    got = world["call"](B, route[0], path, body)
    assert got.status == 404, (route, got.status, got.body[:300])
    assert got.json()["error"]["code"].endswith("NOT_FOUND")


@pytest.mark.parametrize("route", list(LIKE_EMPTY), ids=" ".join)
def test_lists_reports_and_writes_about_another_tenants_ids_see_nothing_of_it(world, route) -> None:
    path, body, query = LIKE_EMPTY[route]
    _same_as_empty(world, route[0], path, body, query)


@pytest.mark.parametrize("route", list(OWN), ids=" ".join)
def test_creating_under_another_tenants_ids_makes_ones_own(world, route) -> None:
    path, body = _own(world, route)
    got = world["call"](B, route[0], path, body)
    assert got.status in (200, 201), (route, got.status, got.body[:300])


def test_after_all_of_it_tenant_a_has_exactly_what_it_had(world) -> None:
    # (runs after the sweeps above in file order; with random order it still holds: B only ever writes B's)
    for route in OWN:
        world["call"](B, route[0], *_own(world, route))
    for route, (path, body, query) in LIKE_EMPTY.items():
        world["call"](B, route[0], path, body, query)
    for route, (path, body) in NOT_FOUND.items():
        world["call"](B, route[0], path, body)
    assert _snapshot(world["cloud"], A) == world["before"]
    assert world["call"](A, "GET", f"/v1/interviews/{IV}").json()["candidate_ref"] == CAND


def test_every_stored_item_and_object_sits_under_its_tenant(world) -> None:
    cloud = world["cloud"]
    ddb, s3 = cloud.client("dynamodb"), cloud.client("s3")
    tenant_less = {  # what is keyed otherwise, and why that holds no tenant's data in the open
        "key_id": "API keys: the item names its tenant; the authorizer returns only that tenant",
        "id": "idempotency: sha256 of tenant#route#key; quota counters: quota#tenant#quota#window",
    }
    for name in ddb.list_tables()["TableNames"]:
        schema = ddb.describe_table(TableName=name)["Table"]["KeySchema"]
        (hash_key,) = [k["AttributeName"] for k in schema if k["KeyType"] == "HASH"]
        for item in _scan(ddb, name):
            value = item[hash_key]["S"]
            if hash_key == "tenant_id":  # the partition is the tenant
                check_id(value, "tenant_id")
                continue
            if (
                hash_key == "pk"
            ):  # WeCom state: notices per tenant; the app's token and per-member rate counters
                kind, _, rest = value.partition("#")
                # WeCom state (callback: a hash, once) and candidate links: links and sessions by the hash
                # of their token, naming their tenant; a tenant's options and due work under its id
                # the HR workspace: sessions and sign-in states by the hash of their token (naming their
                # tenant in the document), members under their tenant, what was done about an interview under
                # its tenant, a manager's list under theirs
                assert kind in {
                    "notice",
                    "token",
                    "rate",
                    "callback",
                    "link",
                    "session",
                    "state",
                    "options",
                    "remind",
                    "purge",
                    "tenant",
                    "interview",
                    "manager",
                }, value
                if kind in {"notice", "options", "remind", "purge", "tenant", "interview", "manager"}:
                    check_id(rest.split("#")[0], "tenant_id")
                if kind in {"link", "session", "state"}:
                    assert len(rest) == 64, value
                    named = (
                        item["tenant_id"]["S"]
                        if "tenant_id" in item
                        else json.loads(item["document"]["S"])["tenant_id"]
                    )
                    check_id(named, "tenant_id")
                continue
            assert hash_key in tenant_less, (name, hash_key)
            if hash_key == "id" and value.startswith("quota#"):  # a count, under its tenant
                _, tenant, code, window = value.split("#")
                check_id(tenant, "tenant_id")
                assert code.isupper() and window.isdigit(), value
            elif hash_key == "id":
                assert value.startswith("api#") and len(value) == 4 + 64, value
            else:
                check_id(item["tenant_id"]["S"], "tenant_id")
    for bucket in (cloud.uploads_bucket, cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET]):
        pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
        for v in (
            v for page in pages for v in page.get("Versions", [])
        ):  # every object under uploads/{tenant}/ or {tenant}/
            parts = v["Key"].split("/")
            check_id(parts[1] if parts[0] == constants.UPLOADS_PREFIX.strip("/") else parts[0], "tenant_id")
