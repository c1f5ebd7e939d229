"""The portal API on the local cloud: authorizer, interviews and upload forms, reports, the talent
pool, profiles, webhook endpoints and deliveries, idempotency, one error shape, tenant isolation."""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime

import pytest
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.adapters.dynamo.interviews import DynamoInterviewRepository, _fill
from jiping.domain.models import Interview, InterviewStatus, utcnow
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.api_gateway import LocalApi
from tests.conftest import REPO

CONSENT = {"biometric": True, "version": "2026-11", "given_at": "2026-11-22T08:00:00Z"}


@pytest.fixture(scope="module")
def api(cloud) -> LocalApi:
    return LocalApi(cloud)


@pytest.fixture(scope="module")
def keys(cloud) -> dict[str, str]:
    store = DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE])
    return {t: mint_key(store, t, SCOPES) for t in ("t-api-a", "t-api-b")}


def call(api: LocalApi, key: str | None, method: str, path: str, body=None, query: str = "", **headers):
    h = {"content-type": "application/json"} | ({"authorization": f"Bearer {key}"} if key else {})
    h |= {k.replace("_", "-"): v for k, v in headers.items()}
    return api.request(
        method, path, headers=h, body=json.dumps(body) if body is not None else None, query=query
    )


def interview_body(interview_id: str, **extra) -> dict:
    return {
        "interview_id": interview_id,
        "candidate_ref": "cand-001",
        "job_id": "customer-service",
        "questions": [
            {"question_id": "difficult_customer"},
            {"question_id": "q2", "content_type": "audio/mpeg", "max_bytes": 10_000_000},
        ],
        "wecom": {"hr_user_ids": ["zhangsan"]},
        "consent": CONSENT,
    } | extra


def test_health_is_open_and_everything_else_needs_a_valid_key(api, keys):
    assert call(api, None, "GET", "/v1/health").json()["status"] == "ok"
    assert call(api, None, "GET", "/v1/webhooks").status == 401
    assert call(api, "jp_0000000000000000_forged", "GET", "/v1/webhooks").status == 403
    assert call(api, keys["t-api-a"] + "x", "GET", "/v1/webhooks").status == 403
    assert call(api, keys["t-api-a"], "GET", "/v1/webhooks").status == 200


def test_creating_an_interview_needs_consent_and_returns_bound_upload_forms(api, keys):
    refused = call(
        api,
        keys["t-api-a"],
        "POST",
        "/v1/interviews",
        interview_body("iv-api-1", consent=CONSENT | {"biometric": False, "audio": False}),
    )
    assert refused.status == 422 and refused.json()["error"]["code"] == "CONSENT_REQUIRED"
    made = call(api, keys["t-api-a"], "POST", "/v1/interviews", interview_body("iv-api-1"))
    assert made.status == 201, made.body
    doc = made.json()
    forms = {f["question_id"]: f for f in doc["uploads"]}
    assert forms["difficult_customer"]["fields"]["key"] == "uploads/t-api-a/iv-api-1/difficult_customer.mp4"
    assert (
        forms["q2"]["fields"]["key"].endswith("/q2.mp3")
        and forms["q2"]["fields"]["Content-Type"] == "audio/mpeg"
    )
    policy = json.loads(__import__("base64").b64decode(forms["q2"]["fields"]["policy"]))
    assert ["content-length-range", 1, 10_000_000] in policy["conditions"]
    got = call(api, keys["t-api-a"], "GET", "/v1/interviews/iv-api-1").json()
    assert (got["status"], got["candidate_ref"], got["questions"]) == (
        "CREATED",
        "cand-001",
        ["difficult_customer", "q2"],
    )


def test_a_text_answer_is_stored_for_the_workflow_idempotently_and_refused_when_it_cannot_be_one(
    api, keys, cloud
):
    key = keys["t-api-a"]
    assert call(api, key, "POST", "/v1/interviews", interview_body("iv-api-text")).status == 201
    path = "/v1/interviews/iv-api-text/answers/difficult_customer"
    text = "上个月有位客户因为订单延迟很生气，我先听他说完，然后查了物流记录，当天安排了补发。"
    first = call(api, key, "POST", path, {"text": text})
    assert first.status == 202, first.body
    receipt = first.json()
    assert receipt["status"] == "RECEIVED" and receipt["characters"] == len(text) and not receipt["replayed"]
    s3 = cloud.client("s3")
    stored = s3.get_object(
        Bucket=cloud.uploads_bucket, Key="uploads/t-api-a/iv-api-text/difficult_customer.json"
    )
    assert json.loads(stored["Body"].read())["text"] == text and stored["ContentType"] == "application/json"
    versions = s3.list_object_versions(Bucket=cloud.uploads_bucket, Prefix="uploads/t-api-a/iv-api-text/")
    again = call(api, key, "POST", path, {"text": text})
    assert again.status == 200 and again.json() == receipt | {"replayed": True}
    after = s3.list_object_versions(Bucket=cloud.uploads_bucket, Prefix="uploads/t-api-a/iv-api-text/")
    assert len(after["Versions"]) == len(versions["Versions"]) == 1  # the replay wrote nothing
    refused = {
        "other text": (path, {"text": "另一段回答。"}, 409, "ANSWER_EXISTS"),
        "empty": ("/v1/interviews/iv-api-text/answers/q2", {"text": "  "}, 422, "INVALID_TEXT_ANSWER"),
        "not asked": ("/v1/interviews/iv-api-text/answers/nope", {"text": text}, 404, "QUESTION_NOT_FOUND"),
        "no such interview": (
            "/v1/interviews/iv-missing/answers/q2",
            {"text": text},
            404,
            "INTERVIEW_NOT_FOUND",
        ),
        "no text": (path, {"words": text}, 422, "INVALID_REQUEST"),
    }
    for case, (where, body, status, code) in refused.items():
        got = call(api, key, "POST", where, body)
        assert (got.status, got.json()["error"]["code"]) == (status, code), case
    other = call(api, keys["t-api-b"], "POST", "/v1/interviews/iv-api-text/answers/q2", {"text": text})
    assert other.status == 404 and other.json()["error"]["code"] == "INTERVIEW_NOT_FOUND"
    assert (
        len(
            s3.list_object_versions(Bucket=cloud.uploads_bucket, Prefix="uploads/t-api-a/iv-api-text/")[
                "Versions"
            ]
        )
        == 1
    )


def test_a_reused_idempotency_key_replays_and_refuses_another_body(api, keys):
    first = call(
        api, keys["t-api-a"], "POST", "/v1/interviews", interview_body("iv-api-2"), Idempotency_Key="k-1"
    )
    again = call(
        api, keys["t-api-a"], "POST", "/v1/interviews", interview_body("iv-api-2"), Idempotency_Key="k-1"
    )
    assert first.status == again.status == 201 and first.json() == again.json()
    other = call(
        api, keys["t-api-a"], "POST", "/v1/interviews", interview_body("iv-api-3"), Idempotency_Key="k-1"
    )
    assert other.status == 422 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert call(api, keys["t-api-a"], "GET", "/v1/interviews/iv-api-3").status == 404


def test_errors_share_one_shape_with_a_stable_code(api, keys):
    bad = call(api, keys["t-api-a"], "POST", "/v1/interviews", {"job_id": "x"})
    assert bad.status == 422 and bad.json()["error"]["code"] == "INVALID_REQUEST"
    assert call(api, keys["t-api-a"], "GET", "/v1/nothing-here").json()["error"]["code"] == "NO_SUCH_ROUTE"
    missing = call(api, keys["t-api-a"], "GET", "/v1/interviews/iv-none")
    assert missing.status == 404 and missing.json() == {
        "error": {"code": "INTERVIEW_NOT_FOUND", "message": "no such interview for this tenant"}
    }


def test_the_talent_pool_ranks_a_jobs_interviews_by_score_with_filters(api, keys, cloud):
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    for n, (score, rec) in enumerate([(62.0, "review"), (91.5, "advance"), (None, None), (78.0, "advance")]):
        call(
            api, keys["t-api-a"], "POST", "/v1/interviews", interview_body(f"iv-pool-{n}", job_id="pool-job")
        )

        def scored(current, score=score, rec=rec):
            current.overall_score, current.recommendation = score, rec
            current.status = InterviewStatus.SCORED if score is not None else current.status
            current.scored_at = utcnow() if score is not None else None
            return current

        repo.update("t-api-a", f"iv-pool-{n}", scored)
    pool = call(api, keys["t-api-a"], "GET", "/v1/jobs/pool-job/interviews").json()
    assert pool["next_cursor"] is None
    assert [(p["rank"], p["interview_id"], p["review_needed"]) for p in pool["items"]] == [
        (1, "iv-pool-1", False),
        (2, "iv-pool-3", False),
        (3, "iv-pool-0", True),
        (4, "iv-pool-2", False),
    ]
    advance = call(
        api,
        keys["t-api-a"],
        "GET",
        "/v1/jobs/pool-job/interviews",
        query="recommendation=advance&min_score=80",
    )
    assert [p["interview_id"] for p in advance.json()["items"]] == ["iv-pool-1"]
    band = call(
        api, keys["t-api-a"], "GET", "/v1/jobs/pool-job/interviews", query="min_score=60&max_score=80"
    )
    assert [p["interview_id"] for p in band.json()["items"]] == ["iv-pool-3", "iv-pool-0"]
    assert call(api, keys["t-api-b"], "GET", "/v1/jobs/pool-job/interviews").json()["items"] == []


def test_the_talent_pool_pages_through_a_job_larger_than_a_page_in_score_order(api, keys, cloud):
    # Given 1,030 scored interviews of one job written straight to the table (the index orders them), and
    # other jobs' rows in the same tenant partition
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    rng = random.Random(18)  # noqa: S311 - test data, not a secret
    scores = {f"iv-big-{n:04d}": round(rng.uniform(0, 100), 1) for n in range(1030)}
    now = utcnow()
    with repo._item.batch_write() as batch:
        for n, (iv, score) in enumerate(scores.items()):
            for job in ("big-job", "other-job") if n < 200 else ("big-job",):
                item = repo._item("t-api-a", iv if job == "big-job" else f"{iv}-other")
                interview = Interview(
                    tenant_id="t-api-a",
                    interview_id=item.interview_id,
                    job_id=job,
                    status=InterviewStatus.SCORED,
                    created_at=now,
                    updated_at=now,
                    overall_score=score if job == "big-job" else 100.0,
                    recommendation="advance" if score >= 70 else "decline",
                    scored_at=now,
                )
                _fill(item, interview)
                batch.save(item)
    # When HR reads the pool 300 at a time with its cursor
    seen, cursor, pages = [], None, 0
    while True:
        query = "limit=300" + (f"&cursor={cursor}" if cursor else "")
        page = call(api, keys["t-api-a"], "GET", "/v1/jobs/big-job/interviews", query=query).json()
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # Then every interview of the job comes once, ranked 1..1030 by score, over four pages
    assert pages == 4
    assert [p["rank"] for p in seen] == list(range(1, 1031))
    assert {p["interview_id"] for p in seen} == set(scores)
    got = [p["overall_score"] for p in seen]
    assert got == sorted(scores.values(), reverse=True)
    # and a filtered walk keeps its filter on every page
    first = call(
        api, keys["t-api-a"], "GET", "/v1/jobs/big-job/interviews", query="limit=100&recommendation=advance"
    ).json()
    assert len(first["items"]) == 100 and all(p["recommendation"] == "advance" for p in first["items"])
    rest = call(
        api,
        keys["t-api-a"],
        "GET",
        "/v1/jobs/big-job/interviews",
        query=f"limit=500&recommendation=advance&cursor={first['next_cursor']}",
    ).json()
    assert len(first["items"]) + len(rest["items"]) == sum(s >= 70 for s in scores.values())
    # a cursor with other filters, or a forged one, is the client's mistake
    other = call(
        api,
        keys["t-api-a"],
        "GET",
        "/v1/jobs/big-job/interviews",
        query=f"recommendation=decline&cursor={first['next_cursor']}",
    )
    assert other.status == 400 and other.json()["error"]["code"] == "INVALID_CURSOR"
    forged = call(api, keys["t-api-a"], "GET", "/v1/jobs/big-job/interviews", query="cursor=bm90LWpzb24")
    assert forged.status == 400 and forged.json()["error"]["code"] == "INVALID_CURSOR"
    # another tenant's key gets nothing of it, even with this tenant's cursor
    stolen = call(
        api, keys["t-api-b"], "GET", "/v1/jobs/big-job/interviews", query=f"cursor={first['next_cursor']}"
    )
    assert stolen.status == 400


def test_report_links_are_short_lived_and_only_for_scored_interviews(api, keys, cloud):
    assert (
        call(api, keys["t-api-a"], "GET", "/v1/interviews/iv-api-1/report").json()["error"]["code"]
        == "NOT_SCORED"
    )
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])

    def scored(current):
        current.result_key = "t-api-a/iv-api-1/result.json"
        return current

    repo.update("t-api-a", "iv-api-1", scored)
    links = call(api, keys["t-api-a"], "GET", "/v1/interviews/iv-api-1/report").json()
    assert links["expires_in"] == 300 and "report.html" in links["html"] and "result.json" in links["json"]
    assert "X-Amz-Expires=300" in links["html"] or "Expires=" in links["html"]


def test_profiles_are_versioned_and_per_tenant(api, keys):
    import yaml

    profile = yaml.safe_load((REPO / "profiles" / "customer-service.yaml").read_text())
    assert call(api, keys["t-api-a"], "POST", "/v1/profiles", profile).status == 201
    again = call(api, keys["t-api-a"], "POST", "/v1/profiles", profile)
    assert again.status == 409 and again.json()["error"]["code"] == "PROFILE_VERSION_EXISTS"
    v2 = call(
        api, keys["t-api-a"], "POST", "/v1/profiles", profile | {"version": 2, "title": "客服专员（二版）"}
    )
    assert v2.json() == {"id": "customer-service", "version": 2}
    assert call(api, keys["t-api-a"], "GET", "/v1/profiles/customer-service").json()["version"] == 2
    assert (
        call(api, keys["t-api-a"], "GET", "/v1/profiles/customer-service", query="version=1").json()["title"]
        == "客服专员"
    )
    assert call(api, keys["t-api-b"], "GET", "/v1/profiles/customer-service").status == 404
    listed = call(api, keys["t-api-a"], "GET", "/v1/profiles").json()
    assert {
        "id": "customer-service",
        "title": "客服专员（二版）",
        "language": "zh",
        "versions": [1, 2],
    } in listed
    assert call(api, keys["t-api-b"], "GET", "/v1/profiles").json() == []
    broken = call(api, keys["t-api-a"], "POST", "/v1/profiles", profile | {"competencies": []})
    assert broken.status == 422 and broken.json()["error"]["code"] == "INVALID_PROFILE"


def test_webhook_endpoints_show_their_secret_once_rotate_and_log_deliveries(api, keys, cloud):
    made = call(api, keys["t-api-a"], "POST", "/v1/webhooks", {"endpoint_id": "ehr", "url": cloud.ehr.url})
    assert made.status == 201 and made.json()["secret"].startswith("whsec_")
    listed = call(api, keys["t-api-a"], "GET", "/v1/webhooks").json()
    assert [e["endpoint_id"] for e in listed] == ["ehr"] and listed[0]["secret"] is None
    rotated = call(api, keys["t-api-a"], "POST", "/v1/webhooks/ehr/rotate-secret").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made.json()["secret"]
    # a delivery, then its log and a replay through the API
    cloud.ehr.reset()
    cloud.ehr.secrets[:] = [rotated["secret"]]
    from jiping.adapters.eventbridge import EventBridgePublisher
    from jiping.domain.models import DomainEvent

    EventBridgePublisher(cloud.client("events"), cloud.outputs[constants.OUTPUT_EVENT_BUS], "jiping").publish(
        [
            DomainEvent(
                id="evt_api_1",
                type="interview.scored",
                time=datetime.now(UTC),
                tenant_id="t-api-a",
                interview_id="iv-api-1",
                data={"overall_score": 80.0},
            )
        ]
    )
    cloud.drain()
    (delivery,) = call(api, keys["t-api-a"], "GET", "/v1/webhooks/ehr/deliveries").json()
    assert delivery["status"] == "delivered" and delivery["attempts"][0]["status_code"] == 204
    replayed = call(api, keys["t-api-a"], "POST", f"/v1/deliveries/{delivery['delivery_id']}/replay").json()
    assert replayed["replays"] == 1 and cloud.ehr.accepted_ids == [delivery["delivery_id"]]
    # another tenant sees none of it
    for method, path in (
        ("GET", "/v1/webhooks/ehr"),
        ("GET", "/v1/webhooks/ehr/deliveries"),
        ("POST", f"/v1/deliveries/{delivery['delivery_id']}/replay"),
        ("POST", "/v1/webhooks/ehr/rotate-secret"),
        ("DELETE", "/v1/webhooks/ehr"),
    ):
        assert call(api, keys["t-api-b"], method, path).status == 404, (method, path)
    assert call(api, keys["t-api-b"], "GET", "/v1/interviews/iv-api-1").status == 404
    assert call(api, keys["t-api-b"], "GET", "/v1/interviews/iv-api-1/report").status == 404
    assert call(api, keys["t-api-a"], "DELETE", "/v1/webhooks/ehr").status == 204


def test_the_committed_openapi_document_is_the_generated_one():
    import subprocess
    import sys

    generated = subprocess.run(
        [sys.executable, "-c", "import functions.api.handler as a; print(a.openapi_document(), end='')"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
        env={"PYTHONPATH": f"{REPO}:{REPO / 'functions'}", "PATH": ""},
    ).stdout
    committed = (REPO / "docs" / "openapi.json").read_text()
    assert json.loads(generated) == json.loads(committed), "run `make openapi` and commit docs/openapi.json"


def test_erasing_a_candidate_removes_every_trace_and_publishes_an_event(api, keys, cloud):
    from jiping.adapters.dynamo.webhooks import DynamoWebhookStore
    from jiping.adapters.dynamo.wecom import DynamoWecomStore
    from jiping.delivery.webhooks import Delivery, delivery_id
    from jiping.delivery.wecom import Notice
    from jiping.domain.models import DomainEvent

    from tests.conftest import delivered_events

    s3 = cloud.client("s3")
    uploads, artifacts = cloud.uploads_bucket, cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET]
    for tenant in ("t-api-a", "t-api-b"):  # the same candidate reference at two tenants
        body = interview_body("iv-erase", candidate_ref="cand-erase")
        assert call(api, keys[tenant], "POST", "/v1/interviews", body).status == 201
        for version in (b"v1", b"v2"):  # two versions of the upload
            s3.put_object(
                Bucket=uploads, Key=f"uploads/{tenant}/iv-erase/difficult_customer.mp4", Body=version
            )
        s3.put_object(
            Bucket=artifacts, Key=f"{tenant}/iv-erase/difficult_customer/transcript.json", Body=b"{}"
        )
        s3.delete_object(
            Bucket=artifacts, Key=f"{tenant}/iv-erase/difficult_customer/transcript.json"
        )  # a marker
        s3.put_object(Bucket=artifacts, Key=f"{tenant}/iv-erase/result.json", Body=b"{}")
        now = datetime.now(UTC)
        DynamoWebhookStore(cloud.outputs[constants.OUTPUT_WEBHOOKS_TABLE]).put_delivery(
            Delivery(
                tenant_id=tenant,
                delivery_id=delivery_id("evt_x", "ehr"),
                endpoint_id="ehr",
                event_id="evt_x",
                event_type="interview.scored",
                interview_id="iv-erase",
                body='{"transcripts": "..."}',
                created_at=now,
            )
        )
        DynamoWecomStore(cloud.outputs[constants.OUTPUT_WECOM_STATE_TABLE]).record(
            Notice(
                tenant_id=tenant,
                interview_id="iv-erase",
                event_id="evt_x",
                channel="external",
                recipient="candidate",
                status="sent",
                at=now,
            )
        )
        from jiping.adapters.dynamo.audit import DynamoAuditLog
        from jiping.portal.audit import AuditRecord

        DynamoAuditLog(cloud.outputs[constants.OUTPUT_AUDIT_TABLE]).append(
            AuditRecord(
                tenant_id=tenant,
                interview_id="iv-erase",
                at=now,
                kind="scored",
                actor="system",
                details={"overall_score": 70.0},
            )
        )
    # (the uploads started real executions, rejected as NOT_MEDIA: let them finish first)
    import time

    cloud.drain()
    deadline = time.monotonic() + 60
    while any(e["status"] == "RUNNING" for e in cloud.executions()) and time.monotonic() < deadline:
        time.sleep(0.2)
    # WHEN tenant A erases the candidate
    erased = call(api, keys["t-api-a"], "DELETE", "/v1/candidates/cand-erase")
    assert erased.status == 200, erased.body
    report = erased.json()
    assert report["interviews"] == ["iv-erase"] and report["object_versions"] == 5
    assert report["deliveries"] >= 1 and report["notices"] >= 1  # ours, and those of the rejected uploads

    # THEN no store holds anything of it at tenant A: every version, row, delivery and notice is gone
    def versions(bucket: str, prefix: str) -> int:
        page = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
        return len(page.get("Versions", [])) + len(page.get("DeleteMarkers", []))

    assert versions(uploads, "uploads/t-api-a/iv-erase/") == versions(artifacts, "t-api-a/iv-erase/") == 0
    assert call(api, keys["t-api-a"], "GET", "/v1/interviews/iv-erase").status == 404
    assert [
        d
        for d in DynamoWebhookStore(cloud.outputs[constants.OUTPUT_WEBHOOKS_TABLE]).list_deliveries("t-api-a")
        if d.interview_id == "iv-erase"
    ] == []
    assert (
        DynamoWecomStore(cloud.outputs[constants.OUTPUT_WECOM_STATE_TABLE]).for_interview(
            "t-api-a", "iv-erase"
        )
        == []
    )
    # the audit log keeps only the record that the interview was erased, with nothing in it
    ddb = cloud.client("dynamodb")
    pages = ddb.get_paginator("scan").paginate(TableName=cloud.outputs[constants.OUTPUT_AUDIT_TABLE])
    audit = [i for page in pages for i in page["Items"]]  # every page: the suite's tables outgrow one
    mine = [
        json.loads(i["document"]["S"])
        for i in audit
        if i["tenant_id"]["S"] == "t-api-a" and i["sk"]["S"].startswith("iv-erase#")
    ]
    assert [(r["kind"], r["details"]) for r in mine] == [("erased", {})]
    assert any(i["tenant_id"]["S"] == "t-api-b" for i in audit)  # tenant B's record is untouched
    tombstone = ddb.get_item(
        TableName=cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE],
        ConsistentRead=True,
        Key={"tenant_id": {"S": "t-api-a"}, "interview_id": {"S": "iv-erase"}},
    )["Item"]
    assert (
        tombstone["status"]["S"] == "ERASED" and "expires_at" in tombstone
    )  # the ids, ERASED, when: nothing else
    assert not {"candidate_ref", "consent", "wecom", "overall_score", "result_key", "job_id"} & set(tombstone)
    assert not any(tombstone.get(k, {}).get("L") for k in ("media", "questions", "status_history"))
    (event,) = [e for e in delivered_events(cloud, "iv-erase") if e["detail-type"] == "interview.erased"]
    assert event["detail-type"] == "interview.erased" and event["detail"]["tenant_id"] == "t-api-a"
    assert DomainEvent.model_validate(event["detail"]).data == {"candidate_ref": "cand-erase"}
    # and tenant B's candidate with the same reference is untouched
    assert call(api, keys["t-api-b"], "GET", "/v1/interviews/iv-erase").status == 200
    assert versions(uploads, "uploads/t-api-b/iv-erase/") == 2
    gone = call(api, keys["t-api-a"], "DELETE", "/v1/candidates/cand-erase")
    assert gone.status == 404 and gone.json()["error"]["code"] == "CANDIDATE_NOT_FOUND"
    cloud.drain()


def test_a_candidate_asks_for_review_a_reviewer_decides_and_the_audit_log_has_both(api, keys, cloud):
    from jiping.adapters.dynamo.interviews import DynamoInterviewRepository as Repo

    a, b = keys["t-api-a"], keys["t-api-b"]
    assert call(api, a, "POST", "/v1/interviews", interview_body("iv-review")).status == 201
    repo = Repo(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])

    def scored(row):
        row.status, row.overall_score, row.recommendation = InterviewStatus.SCORED, 82.0, "advance"
        return row

    repo.update("t-api-a", "iv-review", scored)
    asked = call(api, a, "POST", "/v1/interviews/iv-review/review-request", {"reason": "camera failed"})
    assert asked.status == 200 and asked.json()["recommendation"] == "review"
    refused = call(
        api,
        a,
        "POST",
        "/v1/interviews/iv-review/override",
        {"decision": "hire", "reviewer": "hr-1", "reason": "x"},
    )
    assert refused.status == 422
    decided = call(
        api,
        a,
        "POST",
        "/v1/interviews/iv-review/override",
        {"decision": "advance", "reviewer": "hr-1", "reason": "strong answers, camera issue only"},
    )
    assert decided.status == 200 and decided.json()["human_review"]["decided_by"] == "hr-1"
    log = call(api, a, "GET", "/v1/interviews/iv-review/audit").json()
    key_id = a.split("_")[
        1
    ]  # the actor is the key that asked, whatever the body says; the reviewer beside it
    assert [(r["kind"], r["actor"], r["key_id"], r["reviewer"]) for r in log] == [
        ("review_requested", f"key:{key_id}", key_id, None),
        ("override", f"key:{key_id}", key_id, "hr-1"),
    ]
    assert log[1]["details"]["recommendation_before"] == "review"
    for path in ("/v1/interviews/iv-review/audit",):  # another tenant sees nothing of it
        assert call(api, b, "GET", path).status == 404
    assert (
        call(
            api,
            b,
            "POST",
            "/v1/interviews/iv-review/override",
            {"decision": "decline", "reviewer": "x", "reason": "y"},
        ).status
        == 404
    )


def test_re_posting_an_interview_cannot_rewrite_its_consent_which_only_grows_by_appending(api, keys):
    a = keys["t-api-a"]
    assert call(api, a, "POST", "/v1/interviews", interview_body("iv-consent")).status == 201
    again = call(api, a, "POST", "/v1/interviews", interview_body("iv-consent"))
    assert again.status == 201 and len(again.json()["uploads"]) == 2  # the same request: fresh forms
    withdrawn = CONSENT | {"biometric": False, "given_at": "2026-11-23T08:00:00Z"}
    rewrite = call(api, a, "POST", "/v1/interviews", interview_body("iv-consent", consent=withdrawn))
    assert (rewrite.status, rewrite.json()["error"]["code"]) == (409, "INTERVIEW_EXISTS")
    assert [c["biometric"] for c in call(api, a, "GET", "/v1/interviews/iv-consent").json()["consent"]] == [
        True
    ]
    appended = call(api, a, "POST", "/v1/interviews/iv-consent/consent", withdrawn)
    assert appended.status == 200
    history = appended.json()["consent"]
    assert [(c["biometric"], c["given_at"][:10]) for c in history] == [
        (True, "2026-11-22"),
        (False, "2026-11-23"),
    ]
    assert all("recorded_at" in c for c in history)
    (audited,) = [
        r
        for r in call(api, a, "GET", "/v1/interviews/iv-consent/audit").json()
        if r["kind"] == "consent_recorded"
    ]
    assert audited["key_id"] == a.split("_")[1] and audited["details"]["biometric"] is False
    bad = call(
        api, a, "POST", "/v1/interviews", interview_body("iv-bad-hr", wecom={"hr_user_ids": ["a b/c"]})
    )
    assert bad.status == 422  # a malformed WeCom id is the client's mistake, not a 500


def test_each_route_takes_the_scopes_it_names_and_a_revoked_key_is_refused(api, cloud):
    from jiping.portal.interviews import revoke_key

    store = DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE])
    portal, ehr, admin = (mint_key(store, "t-api-scopes", [scope]) for scope in ("portal", "ehr", "admin"))
    endpoint = {"endpoint_id": "scoped", "url": cloud.ehr.url}
    # a portal key runs interviews, and may not send data elsewhere, erase people or change decisions
    assert call(api, portal, "POST", "/v1/interviews", interview_body("iv-scoped")).status == 201
    profile = (REPO / "profiles" / "customer-service.yaml").read_text(encoding="utf-8")
    for method, path, body, query in [
        ("POST", "/v1/webhooks", endpoint, ""),
        ("DELETE", "/v1/candidates/cand-001", None, ""),
        ("POST", "/v1/interviews/iv-scoped/override", {"decision": "advance", "reason": "x"}, ""),
        ("GET", "/v1/analytics/validity", None, "job_id=customer-service"),
        ("POST", "/v1/profiles", __import__("yaml").safe_load(profile), ""),
    ]:
        refused = call(api, portal, method, path, body, query)
        assert (refused.status, refused.json()["error"]["code"]) == (403, "INSUFFICIENT_SCOPE"), path
        assert "admin" in refused.json()["error"]["message"]
    # an EHR key reports outcomes and reads results; it starts no interview and registers no webhook
    assert call(api, ehr, "GET", "/v1/interviews/iv-scoped").status == 200
    assert call(api, ehr, "POST", "/v1/interviews", interview_body("iv-ehr")).status == 403
    assert call(api, ehr, "GET", "/v1/webhooks").status == 403
    # an admin key manages webhooks, and is not a portal key
    assert call(api, admin, "POST", "/v1/webhooks", endpoint).status == 201
    assert call(api, admin, "POST", "/v1/interviews", interview_body("iv-admin")).status == 403
    # revoked: refused at the door from the next request on (no authorizer cache locally)
    revoke_key(store, portal)
    assert call(api, portal, "GET", "/v1/interviews/iv-scoped").status == 403
    assert call(api, ehr, "GET", "/v1/interviews/iv-scoped").status == 200


@pytest.mark.parametrize("body", ["[" * 50_000 + "]" * 50_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_a_body_nested_too_deep_is_a_client_error_not_a_crash(api, keys, body):
    response = api.request(
        "POST",
        "/v1/interviews",
        headers={"content-type": "application/json", "authorization": f"Bearer {keys['t-api-a']}"},
        body=body,
    )
    assert response.status == 400, response.body[:200]
    assert response.json()["error"]["code"] == "BODY_TOO_DEEP"


def test_only_real_nesting_counts_as_too_deep():
    from infra.localcloud.runtime import load_module
    from tests.conftest import REPO

    handler = load_module(REPO / "functions" / "api" / "handler.py", "api_depth")
    deep = "[" * 600 + "]" * 600
    assert handler.nested_too_deep({"body": deep})
    assert not handler.nested_too_deep({"body": json.dumps({"text": "[" * 600})})  # brackets in a string
    assert not handler.nested_too_deep({"body": json.dumps({"text": '\\\\"' + "{" * 600})})  # escapes
    assert handler.nested_too_deep(
        {"body": base64.b64encode(deep.encode()).decode(), "isBase64Encoded": True}
    )
