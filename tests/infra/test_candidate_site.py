"""Issue 17 (infra): the candidate's page on CloudFront, the candidate routes of the HTTP API, the links table,
CandidateApi and SweepCandidates. Issue 18: the HR workspace on the same distribution (``/hr*`` and
``/v1/workspace/*``)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from typing import Any

import pytest
from jiping.settings import CandidateSettings

from infra import constants
from infra.app import build_app
from infra.constructs.candidate_site import OUTPUT_WORKSPACE_URL
from infra.stack import check_candidate_site

from .conftest import TEST_CONTEXT, Synth

CSP = (
    "default-src 'self'; media-src 'self' blob:; img-src 'self' data: blob:; "
    "connect-src 'self' https://*.amazonaws.com; style-src 'self'; script-src 'self'"
)
WORKSPACE_CSP = (
    "default-src 'self'; media-src 'self' blob: https://*.amazonaws.com; img-src 'self' data:; "
    "connect-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # the managed policies' ids (the same everywhere)
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
COMPANY_URL = "https://interview.example.com"
COMPANY_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0b5c7a1e-1111-2222-3333-444455556666"


def _distribution(raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (found,) = [(k, v) for k, v in raw["Resources"].items() if v["Type"] == "AWS::CloudFront::Distribution"]
    return found[0], found[1]["Properties"]["DistributionConfig"]


def _one(raw: dict[str, Any], cfn_type: str, logical_id_prefix: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (k, v)
        for k, v in raw["Resources"].items()
        if v["Type"] == cfn_type and k.startswith(logical_id_prefix)
    ]
    return found


def _behaviour(config: dict[str, Any], pattern: str) -> dict[str, Any]:
    (found,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == pattern]
    return dict(found)


def _run_function(code: str, uris: list[str]) -> dict[str, str]:
    """The very code CloudFront runs, run by node on the requests it will see: uri -> rewritten uri."""
    script = (
        code
        + f"console.log(JSON.stringify({json.dumps(uris)}.map(u => handler({{request: {{uri: u}}}}).uri)));"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60, check=True)
    return dict(zip(uris, json.loads(out.stdout), strict=True))


def _function(synth: Synth, name: str) -> tuple[str, dict[str, Any]]:
    return synth.resource("AWS::Lambda::Function", f"Compute{name}")


def _env(raw: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return dict(raw["Resources"][logical_id]["Properties"]["Environment"]["Variables"])


def _statements(raw: dict[str, Any], function_id: str) -> list[dict[str, Any]]:
    role = raw["Resources"][function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in raw["Resources"].values()
        if policy["Type"] == "AWS::IAM::Policy" and {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions_on(raw: dict[str, Any], function_id: str, logical_id: str) -> set[str]:
    """Every action the function's role may take on ``logical_id`` (the resource or its sub-resources)."""
    out: set[str] = set()
    for statement in _statements(raw, function_id):
        if f'"{logical_id}"' in json.dumps(statement["Resource"]):
            actions = statement["Action"]
            out.update(actions if isinstance(actions, list) else [actions])
    return out


def _https_distribution_domain(value: Any, distribution_id: str) -> bool:
    return value == {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]}


COGNITO = {
    "jiping:cognitoUserPoolId": "ap-northeast-1_AbC123",
    "jiping:cognitoClientId": "5abc123clientid",
    "jiping:cognitoDomain": "https://acme-hr.auth.ap-northeast-1.amazoncognito.com/",
}


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The template of a deployment with a company domain for the candidate page."""
    outdir = tmp_path_factory.mktemp("company")
    app, _ = build_app(
        outdir=str(outdir),
        context={
            **TEST_CONTEXT,
            "jiping:candidateBaseUrl": COMPANY_URL,
            "jiping:candidateCertificateArn": COMPANY_CERTIFICATE,
            **COGNITO,  # and the workspace's sign-in through the company's Cognito user pool
        },
    )
    app.synth()
    return dict(json.loads((outdir / f"{constants.STACK_NAME}.template.json").read_text()))


# --- the distribution -------------------------------------------------------------------------------------


def test_the_distribution_serves_https_only_and_the_default_certificate_is_acknowledged(synth: Synth) -> None:
    distribution_id, config = _distribution(synth.raw)
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {b["ViewerProtocolPolicy"] for b in behaviours} == {"https-only"}
    # without a company domain: CloudFront's own certificate, whose TLSv1 floor cannot be raised (cdk-nag
    # CFR4 and checkov CKV_AWS_174 are acknowledged for it; with a domain: the next test)
    assert "ViewerCertificate" not in config
    assert synth.raw["Outputs"][constants.OUTPUT_CANDIDATE_SITE_URL]["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]
    }
    # the API origin is reached over TLS 1.2 only
    (api_origin,) = [o for o in config["Origins"] if "CustomOriginConfig" in o]
    assert api_origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api_origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]


def test_a_company_domain_gets_its_certificate_tls_1_2_and_is_the_links_and_cors_origin(
    company: dict[str, Any],
) -> None:
    _, config = _distribution(company)
    assert config["Aliases"] == ["interview.example.com"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": COMPANY_CERTIFICATE,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    assert company["Outputs"][constants.OUTPUT_CANDIDATE_SITE_URL]["Value"] == COMPANY_URL
    (api_id,) = [k for k in company["Resources"] if re.fullmatch(r"ComputeApi[0-9A-F]{8}", k)]
    assert _env(company, api_id)["CANDIDATE_BASE_URL"] == COMPANY_URL
    _, uploads = _one(company, "AWS::S3::Bucket", "StorageUploadsBucket")
    (rule,) = uploads["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == [COMPANY_URL]


def test_the_candidate_routes_go_to_the_api_uncached_with_every_viewer_header_and_method(
    synth: Synth,
) -> None:
    _, config = _distribution(synth.raw)
    assert [b["PathPattern"] for b in config["CacheBehaviors"]] == [
        "/v1/candidate/*",
        "/v1/workspace/*",
        "/hr*",
    ]
    api = _behaviour(config, "/v1/candidate/*")
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER  # Host would be the distribution's
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert "FunctionAssociations" not in api
    (origin,) = [o for o in config["Origins"] if o["Id"] == api["TargetOriginId"]]
    http_api, _ = synth.resource("AWS::ApiGatewayV2::Api", "ApiHttpApi")
    # the API's own endpoint (the Api resource), not its stage: see test_the_template_has_no_dependency_cycle
    assert origin["DomainName"] == {
        "Fn::Select": [2, {"Fn::Split": ["/", {"Fn::GetAtt": [http_api, "ApiEndpoint"]}]}]
    }


def test_the_page_rewrite_runs_on_the_default_behaviour_and_sends_every_token_to_the_page(
    synth: Synth,
) -> None:
    _, config = _distribution(synth.raw)
    function_id, function = synth.resource("AWS::CloudFront::Function", "CandidateSitePageRewrite")
    assert config["DefaultCacheBehavior"]["FunctionAssociations"] == [
        {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [function_id, "FunctionARN"]}}
    ]
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    # the very code CloudFront runs, run by node on the requests it will see
    uris = [
        "/c/Ab3_x9",
        "/c/Ab3_x9/",
        "/c/a/b",
        "/c",
        "/c/",
        "/c/assets/app.js",
        "/c/assets/app.css",
        "/",
        "/x",
    ]
    assert _run_function(function["Properties"]["FunctionCode"], uris) == {
        "/c/Ab3_x9": "/c/index.html",
        "/c/Ab3_x9/": "/c/index.html",
        "/c/a/b": "/c/index.html",
        "/c": "/c/index.html",
        "/c/": "/c/index.html",
        "/c/assets/app.js": "/c/assets/app.js",
        "/c/assets/app.css": "/c/assets/app.css",
        "/": "/",
        "/x": "/x",
    }


def test_the_site_bucket_is_private_and_read_by_this_distribution_alone(synth: Synth) -> None:
    distribution_id, config = _distribution(synth.raw)
    bucket_id, bucket = synth.resource("AWS::S3::Bucket", "CandidateSiteBucket")
    assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "LoggingConfiguration" in bucket["Properties"]  # CloudFront's reads, in the access-log bucket
    (s3_origin,) = [o for o in config["Origins"] if "S3OriginConfig" in o]
    assert s3_origin["Id"] == config["DefaultCacheBehavior"]["TargetOriginId"]
    assert s3_origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    oac_id = s3_origin["OriginAccessControlId"]["Fn::GetAtt"][0]
    assert (
        synth.raw["Resources"][oac_id]["Properties"]["OriginAccessControlConfig"]["SigningBehavior"]
        == "always"
    )
    _, policy = synth.resource("AWS::S3::BucketPolicy", "CandidateSiteBucketPolicy")
    allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert {"Ref": distribution_id} in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Join"][1]


def test_the_page_and_its_assets_are_deployed_apart_and_the_page_deploy_prunes_nothing(synth: Synth) -> None:
    deployments = {
        v["Properties"]["DestinationBucketKeyPrefix"]: v["Properties"]
        for v in synth.resources("Custom::CDKBucketDeployment").values()
    }
    assert set(deployments) == {"c/", constants.CANDIDATE_ASSETS_PREFIX, "hr/", "hr/assets/"}
    for page_prefix, assets_prefix, paths in (
        ("c/", constants.CANDIDATE_ASSETS_PREFIX, ["/c/*"]),
        ("hr/", "hr/assets/", ["/hr*"]),  # the workspace: its own files, its own invalidation
    ):
        assets, page = deployments[assets_prefix], deployments[page_prefix]
        assert assets["Exclude"] == ["index.html"] and assets["Prune"] is True
        assert page["Exclude"] == ["*"] and page["Include"] == ["index.html"]  # c/index.html, hr/index.html
        assert page["Prune"] is False  # syncing c/ with --delete would remove c/assets/
        for deployment in (assets, page):
            assert deployment["DistributionPaths"] == paths
    # two different folders (web/candidate, web/hr): two different assets
    sources = {p: json.dumps(d["SourceObjectKeys"]) for p, d in deployments.items()}
    assert (
        sources["c/"] == sources[constants.CANDIDATE_ASSETS_PREFIX] != sources["hr/"] == sources["hr/assets/"]
    )


def test_the_security_headers_are_set_on_the_page_and_the_api_behaviour(synth: Synth) -> None:
    _, config = _distribution(synth.raw)
    policy_id, policy = synth.resource(
        "AWS::CloudFront::ResponseHeadersPolicy", "CandidateSiteSecurityHeaders"
    )
    for behaviour in (config["DefaultCacheBehavior"], _behaviour(config, "/v1/candidate/*")):
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": policy_id}
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    assert security["ContentSecurityPolicy"] == {"ContentSecurityPolicy": CSP, "Override": True}
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert security["StrictTransportSecurity"]["Override"] is True
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"  # the address holds the token
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert {
        "Header": "Permissions-Policy",
        "Override": True,
        "Value": "camera=(self), microphone=(self)",
    } in (headers["CustomHeadersConfig"]["Items"])


# --- the HR workspace (issue 18) ----------------------------------------------------------------------------


def test_the_workspace_routes_go_to_the_same_api_origin_uncached_with_cookies_and_query(synth: Synth) -> None:
    _, config = _distribution(synth.raw)
    workspace, candidate = _behaviour(config, "/v1/workspace/*"), _behaviour(config, "/v1/candidate/*")
    assert workspace["TargetOriginId"] == candidate["TargetOriginId"]  # one API origin, not a second
    assert workspace["CachePolicyId"] == CACHING_DISABLED  # a person's own data, never cached
    # every viewer header but Host, every cookie (jw_session) and the whole query string (WeCom's code, state)
    assert workspace["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert set(workspace["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert workspace["ViewerProtocolPolicy"] == "https-only"
    assert "FunctionAssociations" not in workspace
    assert len(config["Origins"]) == 2  # the bucket and the API, each shared by its behaviours


def test_the_workspace_page_comes_from_the_site_bucket_through_its_own_rewrite(synth: Synth) -> None:
    _, config = _distribution(synth.raw)
    hr = _behaviour(config, "/hr*")
    assert hr["TargetOriginId"] == config["DefaultCacheBehavior"]["TargetOriginId"]  # the bucket, through OAC
    assert hr["CachePolicyId"] == CACHING_OPTIMIZED  # static files; each deploy invalidates /hr*
    assert set(hr["AllowedMethods"]) == {"GET", "HEAD"}
    function_id, function = synth.resource("AWS::CloudFront::Function", "CandidateSiteWorkspaceRewrite")
    assert hr["FunctionAssociations"] == [
        {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [function_id, "FunctionARN"]}}
    ]
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert "workspace-page" in json.dumps(function["Properties"]["Name"])  # not the candidate page's name
    uris = [
        "/hr",
        "/hr/",
        "/hr/login",
        "/hr/jobs/customer-service",
        "/hr/jobs/cs.v2",  # an id with a dot is still a page
        "/hr/interviews/iv-7",
        "/hr/interviews/iv-7/outline",
        "/hr/assets/app.js",
        "/hr/assets/app.css",
        "/hrx",
        "/c/tok",
    ]
    assert _run_function(function["Properties"]["FunctionCode"], uris) == {
        "/hr": "/hr/index.html",
        "/hr/": "/hr/index.html",
        "/hr/login": "/hr/index.html",
        "/hr/jobs/customer-service": "/hr/index.html",
        "/hr/jobs/cs.v2": "/hr/index.html",
        "/hr/interviews/iv-7": "/hr/index.html",
        "/hr/interviews/iv-7/outline": "/hr/index.html",
        "/hr/assets/app.js": "/hr/assets/app.js",
        "/hr/assets/app.css": "/hr/assets/app.css",
        "/hrx": "/hrx",
        "/c/tok": "/c/tok",
    }


def test_the_workspace_has_its_own_headers_without_camera_framing_or_a_cross_origin_referrer(
    synth: Synth,
) -> None:
    _, config = _distribution(synth.raw)
    policy_id, policy = synth.resource(
        "AWS::CloudFront::ResponseHeadersPolicy", "CandidateSiteWorkspaceHeaders"
    )
    for pattern in ("/hr*", "/v1/workspace/*"):
        assert _behaviour(config, pattern)["ResponseHeadersPolicyId"] == {"Ref": policy_id}
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    assert security["ContentSecurityPolicy"] == {"ContentSecurityPolicy": WORKSPACE_CSP, "Override": True}
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": "same-origin", "Override": True}
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert {
        "Header": "Permissions-Policy",
        "Override": True,
        "Value": "camera=(), microphone=()",
    } in headers["CustomHeadersConfig"]["Items"]
    (url,) = [v for k, v in synth.raw["Outputs"].items() if k == OUTPUT_WORKSPACE_URL]
    distribution_id, _ = _distribution(synth.raw)
    assert url["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}, "/hr/"]]
    }


def test_the_workspace_page_is_served_locally_with_the_same_headers() -> None:
    from infra.localcloud.api_gateway import LocalApi

    for path, kind in (
        ("/hr/", "text/html"),
        ("/hr/jobs/customer-service", "text/html"),
        ("/hr/assets/app.js", "text/javascript"),
        ("/hr/assets/app.css", "text/css"),
    ):
        status, headers, body = LocalApi.workspace_page(path)
        found = dict(headers)
        assert status == "200 OK" and found["content-type"].startswith(kind) and body, path
        assert found["permissions-policy"] == "camera=(), microphone=()"
        assert found["referrer-policy"] == "same-origin" and found["x-frame-options"] == "DENY"
        # the production policy, but the recordings: locally the report plays them from this origin
        assert found["content-security-policy"] == WORKSPACE_CSP.replace(" https://*.amazonaws.com", "")
    assert LocalApi.workspace_page("/hr/assets/other.js")[0] == "404 Not Found"


# --- the API ------------------------------------------------------------------------------------------------


def test_the_candidate_routes_have_their_own_lower_throttle(synth: Synth) -> None:
    (stage,) = synth.resources("AWS::ApiGatewayV2::Stage").values()
    routes = {
        r["Properties"]["RouteKey"]: lid for lid, r in synth.resources("AWS::ApiGatewayV2::Route").items()
    }
    assert set(constants.CANDIDATE_ROUTES) == {"POST /v1/candidate/sessions", "ANY /v1/candidate/{proxy+}"}
    for key in constants.CANDIDATE_ROUTES:
        assert stage["Properties"]["RouteSettings"][key] == {
            "ThrottlingRateLimit": 50,
            "ThrottlingBurstLimit": 100,
        }
        assert routes[key] in stage["DependsOn"]
    assert constants.CANDIDATE_THROTTLE_RATE < constants.API_THROTTLE_RATE
    assert constants.CANDIDATE_THROTTLE_BURST < constants.API_THROTTLE_BURST


def test_the_candidate_routes_reach_candidate_api_without_an_authorizer_and_the_others_keep_theirs(
    synth: Synth,
) -> None:
    candidate_api, _ = _function(synth, "CandidateApi")
    integrations = {
        lid: i["Properties"]["IntegrationUri"]["Fn::GetAtt"][0]
        for lid, i in synth.resources("AWS::ApiGatewayV2::Integration").items()
    }
    open_routes = {"GET /v1/health", "GET /v1/wecom/callback", "POST /v1/wecom/callback"}
    open_routes |= set(constants.WORKSPACE_ROUTES)  # the session cookie, checked by WorkspaceApi (issue 18)
    for route in synth.resources("AWS::ApiGatewayV2::Route").values():
        props = route["Properties"]
        key = props["RouteKey"]
        (integration,) = [p["Ref"] for p in props["Target"]["Fn::Join"][1] if isinstance(p, dict)]
        if key in constants.CANDIDATE_ROUTES:
            assert props.get("AuthorizationType", "NONE") == "NONE", key
            assert integrations[integration] == candidate_api, key
        elif key not in open_routes:
            assert props["AuthorizationType"] == "CUSTOM", key
            assert integrations[integration] != candidate_api, key
    keys = {r["Properties"]["RouteKey"] for r in synth.resources("AWS::ApiGatewayV2::Route").values()}
    assert set(constants.CANDIDATE_ROUTES) <= keys


# --- storage ------------------------------------------------------------------------------------------------


def test_the_links_table_has_its_ttl_and_a_sparse_due_index(synth: Synth) -> None:
    table_id, table = synth.resource("AWS::DynamoDB::Table", "StorageCandidateLinksTable")
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEType"] == "KMS"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionPolicy"] == "Retain"
    (index,) = props["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "Due"
    assert index["KeySchema"] == [
        {"AttributeName": "due", "KeyType": "HASH"},
        {"AttributeName": "due_at", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    assert {"AttributeName": "due_at", "AttributeType": "S"} in props["AttributeDefinitions"]
    assert synth.raw["Outputs"][constants.OUTPUT_CANDIDATE_LINKS_TABLE]["Value"] == {"Ref": table_id}


def test_the_uploads_bucket_admits_browser_posts_from_the_candidate_site_only(synth: Synth) -> None:
    distribution_id, _ = _distribution(synth.raw)
    _, uploads = synth.resource("AWS::S3::Bucket", "StorageUploadsBucket")
    (rule,) = uploads["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedHeaders"] == ["*"]
    assert rule["MaxAge"] == 3000
    (origin,) = rule["AllowedOrigins"]
    assert _https_distribution_domain(origin, distribution_id)  # this distribution, not any *.cloudfront.net


# --- the functions ------------------------------------------------------------------------------------------


def test_candidate_api_has_its_settings_and_api_links_to_the_site(synth: Synth) -> None:
    candidate_api, _ = _function(synth, "CandidateApi")
    required = {name.upper() for name, field in CandidateSettings.model_fields.items() if field.is_required()}
    assert required <= set(_env(synth.raw, candidate_api))
    distribution_id, _ = _distribution(synth.raw)
    api, _ = _function(synth, "Api")
    env = _env(synth.raw, api)
    assert _https_distribution_domain(env["CANDIDATE_BASE_URL"], distribution_id)
    links, _ = synth.resource("AWS::DynamoDB::Table", "StorageCandidateLinksTable")
    state, _ = synth.resource("AWS::DynamoDB::Table", "StorageWecomStateTable")
    assert env["CANDIDATE_LINKS_TABLE"] == {"Ref": links}
    assert env["WECOM_STATE_TABLE"] == {"Ref": state}
    assert "jiping/wecom/dev" in json.dumps(env["WECOM_SECRET_ARN"])


def test_candidate_api_never_deletes_an_interview_a_link_or_an_object(synth: Synth) -> None:
    candidate_api, _ = _function(synth, "CandidateApi")
    interviews, _ = synth.resource("AWS::DynamoDB::Table", "StorageInterviewsTable")
    links, _ = synth.resource("AWS::DynamoDB::Table", "StorageCandidateLinksTable")
    assert _actions_on(synth.raw, candidate_api, interviews) >= {"dynamodb:PutItem", "dynamodb:UpdateItem"}
    assert _actions_on(synth.raw, candidate_api, links) >= {"dynamodb:PutItem", "dynamodb:UpdateItem"}
    every = {
        a
        for s in _statements(synth.raw, candidate_api)
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert not [a for a in every if "Delete" in a or a == "s3:*" or a == "dynamodb:*"]
    assert not [s for s in _statements(synth.raw, candidate_api) if "secretsmanager" in json.dumps(s)]


def test_the_sweep_runs_every_15_minutes_with_only_what_its_work_needs(synth: Synth) -> None:
    sweep, _ = _function(synth, "SweepCandidates")
    _, rule = synth.resource("AWS::Events::Rule", "DeliverySweepCandidatesSchedule")
    assert rule["Properties"]["ScheduleExpression"] == "rate(15 minutes)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [sweep, "Arn"]}
    links, _ = synth.resource("AWS::DynamoDB::Table", "StorageCandidateLinksTable")
    interviews, _ = synth.resource("AWS::DynamoDB::Table", "StorageInterviewsTable")
    assert _actions_on(synth.raw, sweep, links) == {
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    # reads, and the tombstone that erases a practice interview (InterviewRepository.erase); no UpdateItem
    assert "dynamodb:PutItem" in _actions_on(synth.raw, sweep, interviews)
    assert "dynamodb:UpdateItem" not in _actions_on(synth.raw, sweep, interviews)
    env = _env(synth.raw, sweep)
    for key in ("INTERVIEWS_TABLE", "CANDIDATE_LINKS_TABLE", "UPLOADS_BUCKET", "ARTIFACTS_BUCKET"):
        assert key in env
    assert "jiping/wecom/dev" in json.dumps(env["WECOM_SECRET_ARN"]) and "ALERTS_TOPIC_ARN" in env


# --- the whole ----------------------------------------------------------------------------------------------


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                yield arg
            elif key == "Fn::GetAtt":
                yield arg[0] if isinstance(arg, list) else arg.split(".", 1)[0]
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                yield from (m.split(".", 1)[0] for m in re.findall(r"\$\{([^}!]+)\}", text))
                yield from _references(arg)
            else:
                yield from _references(arg)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _dependencies(raw: dict[str, Any]) -> dict[str, set[str]]:
    """Each resource's references (Ref, GetAtt, Sub) and DependsOn: what CloudFormation must create first."""
    resources = raw["Resources"]
    return {
        lid: {
            r
            for r in [*_references(body.get("Properties", {})), *body.get("DependsOn", [])]
            if r in resources and r != lid
        }
        for lid, body in resources.items()
    }


def test_the_template_has_no_dependency_cycle(synth: Synth, company: dict[str, Any]) -> None:
    """Api's environment names the distribution, whose origin is the HTTP API: acyclic through the Api
    resource (its endpoint), which would not be through the stage."""
    for raw in (synth.raw, company):
        try:
            order = list(TopologicalSorter(_dependencies(raw)).static_order())
        except CycleError as cycle:
            pytest.fail(f"dependency cycle: {' -> '.join(cycle.args[1])}")
        distribution, _ = _distribution(raw)
        (api,) = [k for k in raw["Resources"] if re.fullmatch(r"ComputeApi[0-9A-F]{8}", k)]
        assert order.index(distribution) < order.index(api)  # the function is created knowing the site


def test_china_builds_no_site_and_takes_the_page_url_from_the_context(china: dict[str, Any]) -> None:
    assert not [v for v in china["Resources"].values() if v["Type"].startswith("AWS::CloudFront::")]
    assert constants.OUTPUT_CANDIDATE_SITE_URL not in china["Outputs"]
    (api,) = [k for k in china["Resources"] if re.fullmatch(r"ComputeApi[0-9A-F]{8}", k)]
    assert "CANDIDATE_BASE_URL" not in _env(china, api)
    # the routes and functions are there all the same
    routes = {
        r["Properties"]["RouteKey"]
        for r in china["Resources"].values()
        if r["Type"] == "AWS::ApiGatewayV2::Route"
    }
    assert set(constants.CANDIDATE_ROUTES) <= routes


@pytest.mark.parametrize(
    ("url", "certificate", "partition", "expected"),
    [
        ("", "", "aws", ("", "")),
        (None, None, "aws", ("", "")),
        (COMPANY_URL + "/", COMPANY_CERTIFICATE, "aws", (COMPANY_URL, COMPANY_CERTIFICATE)),
        ("https://interview.example.cn", "", "aws-cn", ("https://interview.example.cn", "")),
    ],
)
def test_the_candidate_site_context_accepts(
    url: object, certificate: object, partition: str, expected: Any
) -> None:
    assert check_candidate_site(url, certificate, partition) == expected


@pytest.mark.parametrize(
    ("url", "certificate", "partition"),
    [
        (COMPANY_URL, "", "aws"),  # a domain without its certificate
        ("", COMPANY_CERTIFICATE, "aws"),  # a certificate without its domain
        (
            COMPANY_URL,
            COMPANY_CERTIFICATE.replace("us-east-1", "eu-central-1"),
            "aws",
        ),  # not CloudFront's region
        ("http://interview.example.com", COMPANY_CERTIFICATE, "aws"),
        ("https://interview.example.com/c", COMPANY_CERTIFICATE, "aws"),  # an origin, no path
        ("https://interview.example.cn", COMPANY_CERTIFICATE, "aws-cn"),  # no CloudFront site in China
    ],
)
def test_the_candidate_site_context_refuses(url: str, certificate: str, partition: str) -> None:
    with pytest.raises(ValueError, match="jiping:candidate"):
        check_candidate_site(url, certificate, partition)


def test_the_workspace_signs_in_through_the_companys_cognito_pool_when_all_three_keys_are_given(
    company: dict[str, Any], synth: Synth
) -> None:
    env = next(
        r["Properties"]["Environment"]["Variables"]
        for lid, r in company["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and lid.startswith("ComputeWorkspaceApi")
    )
    assert env["COGNITO_USER_POOL_ID"] == "ap-northeast-1_AbC123"
    assert env["COGNITO_CLIENT_ID"] == "5abc123clientid"
    assert env["COGNITO_DOMAIN"] == "https://acme-hr.auth.ap-northeast-1.amazoncognito.com"
    assert (
        env["WORKSPACE_BASE_URL"] == COMPANY_URL
    )  # the callback URL to register: {site}/v1/workspace/oauth/cognito
    default = synth.resource("AWS::Lambda::Function", "ComputeWorkspaceApi")[1]["Properties"]
    assert not [k for k in default["Environment"]["Variables"] if k.startswith("COGNITO_")]


def test_cognito_keys_go_together(tmp_path_factory: pytest.TempPathFactory) -> None:
    partial = {k: v for k, v in COGNITO.items() if k != "jiping:cognitoDomain"}
    with pytest.raises(ValueError, match="go together"):
        build_app(outdir=str(tmp_path_factory.mktemp("cognito")), context={**TEST_CONTEXT, **partial})
