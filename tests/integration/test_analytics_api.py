"""Analytics on the local cloud, through the API: a generated population of 2,000 candidates with known
ground truth (two competencies planted to predict performance, a gap against one group, a score shift
after day 56) goes in as a portal and an EHR would send it; the reports recover what was planted."""

from __future__ import annotations

import json
from datetime import date

import pytest
from jiping import bootstrap
from jiping.adapters.dynamo.analytics import DynamoAnalyticsStore, DynamoDemographicsStore
from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
from jiping.adapters.dynamo.profiles import DynamoProfileRepository
from jiping.analytics.models import OVERALL
from jiping.domain.models import ObjectLocation
from jiping.domain.profiles import bundled_profiles, weights_digest
from jiping.portal.interviews import SCOPES, mint_key

from infra import constants
from infra.localcloud.analytics_seed import seed_population
from infra.localcloud.api_gateway import LocalApi
from infra.localcloud.population import Population, generate_population

TENANT, OTHER = "t-an-a", "t-an-b"
JOB = "customer-service"
N = 2000
DRIFT_AFTER = 56
TOLERANCE_R = 0.08  # corrected validity vs the planted (unrestricted) correlation
TOLERANCE_IR = 0.08  # impact ratios vs the analytic truth


@pytest.fixture(scope="module")
def api(cloud) -> LocalApi:
    return LocalApi(cloud)


@pytest.fixture(scope="module")
def keys(cloud) -> dict[str, str]:
    store = DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE])
    return {t: mint_key(store, t, SCOPES) for t in (TENANT, OTHER)}


@pytest.fixture(scope="module")
def population(cloud, api, keys) -> Population:
    profile = bundled_profiles()[JOB]
    made = generate_population(
        profile, N, seed=11, group_gap=6.0, drift_after_days=DRIFT_AFTER, drift_shift=8.0
    )
    seeded = seed_population(cloud, api, keys[TENANT], TENANT, profile, made)
    assert (seeded.interviews, seeded.outcomes, seeded.demographics) == (
        N,
        len(made.outcomes),
        len(made.demographics),
    )
    return made


def call(
    api: LocalApi,
    key: str,
    method: str,
    path: str,
    body=None,
    query: str = "",
    content_type="application/json",
):
    headers = {"authorization": f"Bearer {key}", "content-type": content_type}
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    return api.request(method, path, headers=headers, body=body, query=query)


def _outcomes(cloud) -> DynamoAnalyticsStore:
    return DynamoAnalyticsStore(cloud.outputs[constants.OUTPUT_ANALYTICS_TABLE])


def test_the_validity_report_recovers_the_planted_relation_corrected_for_range_restriction(
    api, keys, population
):
    response = call(api, keys[TENANT], "GET", "/v1/analytics/validity", query=f"job_id={JOB}")
    assert response.status == 200, response.body
    report = response.json()
    assert report["pool_n"] == N and report["outcome_n"]["hire"] == N
    assert report["outcome_n"]["performance"] == population.truth.hired
    truth = population.truth.validity["performance"]
    rows = {r["predictor"]: r["correlation"] for r in report["rows"] if r["outcome"] == "performance"}
    for predictor in [OVERALL, *population.truth.related]:
        c = rows[predictor]
        assert abs(c["corrected"] - truth[predictor]) <= TOLERANCE_R, (predictor, c, truth[predictor])
        assert c["pearson"] < truth[predictor] - 0.05  # the raw value among the hired is attenuated
    ranked = sorted((p for p in rows if p != OVERALL), key=lambda p: rows[p]["corrected"], reverse=True)
    assert set(ranked[:2]) == set(population.truth.related)
    assert "Thorndike" in report["correction"]


def test_small_samples_are_withheld(api, keys, population):
    report = call(api, keys[TENANT], "GET", "/v1/analytics/validity", query=f"job_id={JOB}&min_n=5000").json()
    assert report["rows"] and all(
        r["correlation"]["withheld"] and r["correlation"]["pearson"] is None for r in report["rows"]
    )


def test_the_impact_report_recovers_the_planted_gap_and_flags_it(api, keys, population):
    report = call(api, keys[TENANT], "GET", "/v1/analytics/impact", query=f"job_id={JOB}").json()
    groups = {(g["attribute"], g["group"]): g for g in report["groups"]}
    female = groups[("sex", "female")]
    truth = population.truth
    assert abs(female["selection_impact_ratio"] - truth.selection_impact_ratio["female"]) <= TOLERANCE_IR
    assert abs(female["scoring_impact_ratio"] - truth.scoring_impact_ratio["female"]) <= TOLERANCE_IR
    assert groups[("sex", "male")]["selection_impact_ratio"] == 1.0
    assert (
        female["flagged"] == (truth.selection_impact_ratio["female"] < 0.8)
        and "sex=female" in report["flagged"]
    )
    without_sex = N - sum(1 for d in population.demographics if d.attributes.get("sex"))
    assert report["unknown"]["sex"] == without_sex
    assert any(
        g["excluded"] and g["selection_impact_ratio"] is None
        for g in report["groups"]
        if g["attribute"] == "region"
    )
    assert any("×" in g["attribute"] for g in report["groups"])  # intersections


def test_drift_alerts_only_after_the_planted_shift_and_the_daily_check_alerts_once(
    cloud, api, keys, population
):
    report = call(api, keys[TENANT], "GET", "/v1/analytics/drift", query=f"job_id={JOB}").json()
    start = min(c.scored_at for c in population.candidates).date()
    drifted = [date.fromisoformat(w["start"]) for w in report["windows"] if w["drifted"]]
    assert drifted and all((d - start).days >= DRIFT_AFTER - report["window_days"] for d in drifted)
    assert len(report["alerts"]) == len(drifted)

    sqs, sns = cloud.client("sqs"), cloud.client("sns")
    queue = sqs.create_queue(QueueName="drift-alerts-subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=cloud.outputs[constants.OUTPUT_ALERTS_TOPIC],
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    monitor = cloud.function("MonitorDrift").name
    runs = []
    for _ in range(2):  # the second run finds the same windows and raises nothing new
        out = cloud.client("lambda").invoke(FunctionName=monitor, Payload=b"{}")
        runs.append(json.loads(out["Payload"].read()))
    assert runs[0]["alerts"] >= len(drifted) and runs[1] == {"alerts": 0}, runs
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    alerts = [json.loads(m["Body"]) for m in messages]
    mine = [a for a in alerts if a["tenant_id"] == TENANT]
    assert sorted(a["window_start"] for a in mine) == sorted(d.isoformat() for d in drifted)
    assert all(set(a) >= {"job_id", "job_version", "psi", "n"} and "candidate_ref" not in a for a in mine)


def test_html_pages_render_with_charts(api, keys, population):
    for report in ("validity", "impact", "drift"):
        page = call(api, keys[TENANT], "GET", f"/v1/analytics/{report}", query=f"job_id={JOB}&format=html")
        assert page.status == 200 and page.headers["content-type"].startswith("text/html")
        assert b"<svg" in page.body and b"<script" not in page.body
        assert "default-src 'none'" in page.headers["content-security-policy"]


def test_a_reweighting_changes_nothing_until_accepted_then_makes_a_new_version(cloud, api, keys, population):
    profiles = DynamoProfileRepository(
        bootstrap.client("dynamodb"), cloud.outputs[constants.OUTPUT_PROFILES_TABLE]
    )
    made = call(
        api, keys[TENANT], "POST", "/v1/analytics/reweighting", {"job_id": JOB, "outcome": "performance"}
    )
    assert made.status == 201, made.body
    proposal = made.json()
    related = population.truth.related
    assert sum(proposal["proposed_weights"][c] for c in related) >= 0.75
    assert proposal["expected_gain"] > 0 and proposal["status"] == "proposed"
    assert [p.version for p in profiles.list(TENANT) if p.id == JOB] == [1]  # nothing changed yet

    accepted = call(api, keys[TENANT], "POST", f"/v1/analytics/reweighting/{proposal['proposal_id']}/accept")
    assert accepted.status == 200, accepted.body
    doc = accepted.json()
    assert doc["profile_version"] == 2 and doc["proposal"]["status"] == "accepted"
    v2 = profiles.get(TENANT, JOB, 2)
    assert (
        v2 is not None
        and v2.weights_from is not None
        and v2.weights_from.proposal_id == proposal["proposal_id"]
    )
    assert v2.normalised_weights() == pytest.approx(proposal["proposed_weights"], abs=1e-3)
    v1 = profiles.get(TENANT, JOB, 1)
    assert v1 is not None and doc["composite_model"].split("+weights:")[1] not in json.dumps(
        v1.model_dump(mode="json")
    )
    again = call(
        api, keys[TENANT], "POST", f"/v1/analytics/reweighting/{proposal['proposal_id']}/accept"
    ).json()
    assert again["profile_version"] == 2  # accepting twice makes no third version
    # Nothing was re-scored: every interview still has its v1 result.
    repo = bootstrap.interview_repository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    assert all(i.job_version == 1 for i in repo.list_for_tenant(TENANT, limit=10_000))


def test_a_rescore_is_explicit_and_keeps_the_earlier_result(cloud, api, keys, population):
    repo = bootstrap.interview_repository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    profiles = DynamoProfileRepository(
        bootstrap.client("dynamodb"), cloud.outputs[constants.OUTPUT_PROFILES_TABLE]
    )
    if profiles.get(TENANT, JOB, 2) is None:
        pytest.skip("needs the accepted re-weighting of the previous test")
    target = population.candidates[0]
    bucket = cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET]
    key = f"{TENANT}/{target.interview_id}/result.json"
    v1 = profiles.get(TENANT, JOB, 1)
    assert v1 is not None
    result = {  # the shape jiping.workflow.score.result_document writes (no answers: a generated interview)
        "status": "SCORED",
        "interview_id": target.interview_id,
        "tenant_id": TENANT,
        "job_id": JOB,
        "job_version": 1,
        "overall_score": target.overall_score,
        "assessed_weight": 1.0,
        "recommendation": target.recommendation,
        "review_reasons": [],
        "questions": [],
        "flags": [],
        "timings": {},
        "competencies": [
            {
                "id": c.id,
                "name": c.name,
                "score": target.competencies[c.id],
                "level": 3,
                "reason": "generated",
                "question_ids": [],
            }
            for c in v1.competencies
        ],
        "versions": {"rubric": f"{JOB}@v1", "scoring_model": "generated-population"},
    }
    bootstrap.object_store().put_json(ObjectLocation(bucket=bucket, key=key), result)

    def point(current):
        current.result_key = key
        return current

    repo.update(TENANT, target.interview_id, point)
    response = call(
        api, keys[TENANT], "POST", f"/v1/interviews/{target.interview_id}/rescore", {"version": 2}
    )
    assert response.status == 200, response.body
    assert response.json()["job_version"] == 2
    after = repo.get(TENANT, target.interview_id)
    assert after is not None and after.score_history[-1].job_version == 1
    assert after.score_history[-1].result_key == key and after.result_key != key
    v2 = profiles.get(TENANT, JOB, 2)
    assert v2 is not None
    assert after.score_versions["composite_model"] == f"generated-population+weights:{weights_digest(v2)}"
    weights = v2.normalised_weights()
    expected = sum(weights[c] * target.competencies[c] for c in weights) / sum(weights.values())  # type: ignore[operator]
    assert after.overall_score == pytest.approx(expected, abs=0.06)
    # the v1 result is still there, and the v1 report still counts this interview
    assert bootstrap.object_store().get_json(ObjectLocation(bucket=bucket, key=key))["job_version"] == 1
    v1_report = call(
        api, keys[TENANT], "GET", "/v1/analytics/validity", query=f"job_id={JOB}&version=1"
    ).json()
    assert v1_report["pool_n"] == N
    v2_report = call(
        api, keys[TENANT], "GET", "/v1/analytics/validity", query=f"job_id={JOB}&version=2"
    ).json()
    assert v2_report["pool_n"] == 1


def test_a_bad_outcome_batch_is_refused_whole_with_reasons_and_stores_nothing(cloud, api, keys, population):
    before = len(_outcomes(cloud).outcomes(TENANT))
    ids = [c.interview_id for c in population.candidates[:3]]
    body = (
        "interview_id,kind,date,value\n"
        f"{ids[0]},performance,2026-06-01,4.5\n"
        f"{ids[1]},performance,2026-06-01,7\n"  # off the 1-5 scale
        f"{ids[2]},probation,2099-01-01,passed\n"
    )  # in the future
    refused = call(api, keys[TENANT], "POST", "/v1/outcomes", body, content_type="text/csv")
    assert refused.status == 422
    error = refused.json()["error"]
    assert error["code"] == "INVALID_ROWS" and [r["row"] for r in error["rows"]] == [2, 3]
    unknown = call(
        api,
        keys[TENANT],
        "POST",
        "/v1/outcomes",
        {"interview_id": "iv-nobody", "kind": "hire", "date": "2026-06-01", "value": True},
    )
    assert unknown.status == 422 and unknown.json()["error"]["code"] == "UNKNOWN_INTERVIEW"
    assert len(_outcomes(cloud).outcomes(TENANT)) == before
    # the same outcome twice is one outcome
    one = {"items": [{"interview_id": ids[0], "kind": "performance", "date": "2026-06-01", "value": 4.5}]}
    assert call(api, keys[TENANT], "POST", "/v1/outcomes", one).status == 201
    assert call(api, keys[TENANT], "POST", "/v1/outcomes", one).status == 201
    assert len(_outcomes(cloud).outcomes(TENANT)) == before + 1


def test_another_tenant_sees_none_of_it(api, keys, population):
    b = keys[OTHER]
    assert call(api, b, "GET", "/v1/analytics/validity", query=f"job_id={JOB}").json()["error"]["code"] == (
        "PROFILE_NOT_FOUND"
    )
    theirs = call(
        api,
        b,
        "POST",
        "/v1/outcomes",
        {
            "interview_id": population.candidates[0].interview_id,
            "kind": "hire",
            "date": "2026-06-01",
            "value": "hired",
        },
    )
    assert theirs.json()["error"]["code"] == "UNKNOWN_INTERVIEW"
    proposals = call(api, b, "GET", "/v1/analytics/reweighting/rw_0000000000000000")
    assert proposals.status == 404


def test_erasing_a_candidate_removes_their_outcomes_and_demographics(cloud, api, keys, population):
    target = population.candidates[5].interview_id
    analytics = _outcomes(cloud)
    demographics = DynamoDemographicsStore(cloud.outputs[constants.OUTPUT_DEMOGRAPHICS_TABLE])
    assert any(o.interview_id == target for o in analytics.outcomes(TENANT))
    erased = call(api, keys[TENANT], "DELETE", f"/v1/candidates/cand-{target}")
    assert erased.status == 200, erased.body
    assert erased.json()["outcomes"] >= 1
    assert not any(o.interview_id == target for o in analytics.outcomes(TENANT))
    assert not any(d.interview_id == target for d in demographics.demographics(TENANT))
