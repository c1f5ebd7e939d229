"""Issue 16, point 4 (infra): the HTTP API's stage and route throttling, lower on analytics, and reserved
concurrency on the workflow's functions."""

from __future__ import annotations

from infra import constants

from .conftest import Synth


def test_the_stage_throttles_every_route_and_the_analytics_routes_far_lower(synth: Synth) -> None:
    (stage,) = synth.resources("AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": constants.API_THROTTLE_RATE,
        "ThrottlingBurstLimit": constants.API_THROTTLE_BURST,
    }
    routes = {
        r["Properties"]["RouteKey"]: lid for lid, r in synth.resources("AWS::ApiGatewayV2::Route").items()
    }
    # the analytics routes here; the candidate routes' own limits: tests/infra/test_candidate_site.py
    analytics = {
        k: v
        for k, v in props["RouteSettings"].items()
        if k not in constants.CANDIDATE_ROUTES + constants.WORKSPACE_ROUTES
    }
    for key in constants.WORKSPACE_ROUTES:  # the workspace's own, as low as the candidate page's
        assert props["RouteSettings"][key] == {
            "ThrottlingRateLimit": constants.WORKSPACE_THROTTLE_RATE,
            "ThrottlingBurstLimit": constants.WORKSPACE_THROTTLE_BURST,
        }
    assert set(analytics) == set(constants.ANALYTICS_ROUTES)
    for key, settings in analytics.items():
        assert key in routes, f"route settings for {key}, which is no route"
        assert settings == {
            "ThrottlingRateLimit": constants.ANALYTICS_THROTTLE_RATE,
            "ThrottlingBurstLimit": constants.ANALYTICS_THROTTLE_BURST,
        }
        assert routes[key] in stage["DependsOn"]  # the route exists before the stage names it
    assert constants.ANALYTICS_THROTTLE_RATE < constants.API_THROTTLE_RATE
    assert constants.ANALYTICS_THROTTLE_BURST < constants.API_THROTTLE_BURST
    # every analytics report goes through the analytics route (GET /v1/analytics/validity, impact, drift...)
    assert "ANY /v1/analytics/{proxy+}" in constants.ANALYTICS_ROUTES


def test_the_workflow_functions_and_only_they_have_reserved_concurrency(synth: Synth) -> None:
    reserved = {
        lid: fn["Properties"]["ReservedConcurrentExecutions"]
        for lid, fn in synth.resources("AWS::Lambda::Function").items()
        if "ReservedConcurrentExecutions" in fn["Properties"]
    }
    expected = {
        synth.resource("AWS::Lambda::Function", f"Compute{name}")[0]: n
        for name, n in constants.PIPELINE_RESERVED_CONCURRENCY.items()
    }
    assert reserved == expected
    # every Lambda task of the state machine is one of them
    (machine,) = synth.resources("AWS::StepFunctions::StateMachine").values()
    definition = str(machine["Properties"]["DefinitionString"])
    invoked = {lid for lid in synth.resources("AWS::Lambda::Function") if f"'{lid}'" in definition}
    assert invoked and invoked <= set(reserved)
    # what the account keeps: Lambda refuses reservations that leave less than 100 of the default 1,000
    assert sum(reserved.values()) <= 1000 - 100 - 500


def test_a_revoked_key_is_refused_within_the_authorizers_cache_time_and_quotas_reach_the_api(
    synth: Synth,
) -> None:
    (authorizer,) = synth.resources("AWS::ApiGatewayV2::Authorizer").values()
    assert authorizer["Properties"]["AuthorizerResultTtlInSeconds"] == constants.API_AUTHORIZER_CACHE_S <= 10
    _, api = synth.resource("AWS::Lambda::Function", "ComputeApi")
    env = api["Properties"]["Environment"]["Variables"]
    assert env["QUOTA_REQUESTS_PER_MINUTE"] == str(constants.DEFAULTS["jiping:quotaRequestsPerMinute"])
    assert env["QUOTA_INTERVIEWS_PER_DAY"] == str(constants.DEFAULTS["jiping:quotaInterviewsPerDay"])
    assert env["QUOTA_WEBHOOK_ENDPOINTS"] == str(constants.DEFAULTS["jiping:quotaWebhookEndpoints"])
    assert env["QUOTA_REPLAYS_PER_HOUR"] == str(constants.DEFAULTS["jiping:quotaReplaysPerHour"])
