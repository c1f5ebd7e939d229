"""The HTTP API: ``GET /v1/health``, the WeCom callback and the candidate's routes open, every other ``/v1/…``
route behind the API-key authorizer. Five functions serve it, each with only its own grants: the callback
(``WecomCallback``), the erasure (``EraseCandidate``), the candidate's page (``CandidateApi``, which checks
the link's or session's token itself), the HR workspace (``WorkspaceApi``, which checks its session cookie)
and the rest (``Api``, which routes with Powertools).

Throttling: the stage's default route settings hold every route to ``API_THROTTLE_*``; the analytics routes
(explicit routes, so that the stage can name them) to the far lower ``ANALYTICS_THROTTLE_*``, the candidate
routes to ``CANDIDATE_THROTTLE_*``. Per-client limits and request filtering are a WAF's job (docs/waf.md)."""

from __future__ import annotations

import jsii
from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import constants
from infra.constructs import log_group as encrypted_log_group
from infra.nag import acknowledge

ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
    '"routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol",'
    '"responseLength":"$context.responseLength","integrationError":"$context.integrationErrorMessage"}'
)
OPEN_CALLBACK = (
    "WeCom calls this URL without our API key; every request is verified by its WeCom signature "
    "(WeChatCrypto) and refused when forged."
)
OPEN_HEALTH = "The health check is open on purpose: it returns the service version and reads no data."
OPEN_CANDIDATE = (
    "The candidate has no API key: CandidateApi checks the link's token (single-use, expiring) or the session's "
    "token (bound to one interview) on every request against the hash stored in the links table, and refuses "
    "the rest. These routes have their own low throttle (CANDIDATE_THROTTLE_*)."
)

OPEN_WORKSPACE = (
    "HR and hiring managers have no API key: WorkspaceApi checks the session cookie (from WeCom OAuth or Cognito "
    "sign-in, short-lived, stored as a hash) and the member's role on every request, and refuses the rest. "
    "These routes have their own low throttle (WORKSPACE_THROTTLE_*)."
)


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT)


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: lambda_.IFunction,
        callback: lambda_.IFunction,
        erasure: lambda_.IFunction,
        candidate: lambda_.IFunction,
        workspace: lambda_.IFunction,
        authorizer: lambda_.IFunction,
        stage: str = constants.DEFAULT_STAGE,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = encrypted_log_group(self, "AccessLogs")
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=f"{constants.SERVICE_NAME}-{stage}",
            description=f"Jiping API ({stage})",
            create_default_stage=False,
        )
        self.stage = self.http_api.add_stage(
            "DefaultStage",
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(access_logs),
            throttle=apigwv2.ThrottleSettings(
                rate_limit=constants.API_THROTTLE_RATE, burst_limit=constants.API_THROTTLE_BURST
            ),
        )
        self.url = self.stage.url  # https://{api id}.execute-api.{region}.amazonaws.com/
        integration = integrations.HttpLambdaIntegration("ApiIntegration", handler)
        api_keys = authorizers.HttpLambdaAuthorizer(
            "ApiKeys",
            authorizer,
            identity_source=["$request.header.Authorization"],
            response_types=[authorizers.HttpLambdaResponseType.SIMPLE],
            results_cache_ttl=Duration.seconds(constants.API_AUTHORIZER_CACHE_S),  # revocation's delay
        )
        for route in self.http_api.add_routes(
            path="/v1/health", methods=[apigwv2.HttpMethod.GET], integration=integration
        ):
            acknowledge(route, "AwsSolutions-APIG4", OPEN_HEALTH)
        for route in self.http_api.add_routes(
            path="/v1/wecom/callback",
            methods=[apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
            integration=integrations.HttpLambdaIntegration("CallbackIntegration", callback),
        ):
            acknowledge(route, "AwsSolutions-APIG4", OPEN_CALLBACK)
        self.http_api.add_routes(
            path="/v1/candidates/{candidate_ref}",
            methods=[apigwv2.HttpMethod.DELETE],
            integration=integrations.HttpLambdaIntegration("ErasureIntegration", erasure),
            authorizer=api_keys,
        )
        throttled: list[apigwv2.HttpRoute] = []
        for route_key in constants.ANALYTICS_ROUTES:
            method, path = route_key.split(" ", 1)
            throttled += self.http_api.add_routes(
                path=path, methods=[apigwv2.HttpMethod(method)], integration=integration, authorizer=api_keys
            )
        candidate_integration = integrations.HttpLambdaIntegration("CandidateIntegration", candidate)
        for route_key in constants.CANDIDATE_ROUTES:
            method, path = route_key.split(" ", 1)
            for route in self.http_api.add_routes(
                path=path, methods=[apigwv2.HttpMethod(method)], integration=candidate_integration
            ):
                acknowledge(route, "AwsSolutions-APIG4", OPEN_CANDIDATE)
                throttled.append(route)
        workspace_integration = integrations.HttpLambdaIntegration("WorkspaceIntegration", workspace)
        for route_key in constants.WORKSPACE_ROUTES:
            method, path = route_key.split(" ", 1)
            for route in self.http_api.add_routes(
                path=path, methods=[apigwv2.HttpMethod(method)], integration=workspace_integration
            ):
                acknowledge(route, "AwsSolutions-APIG4", OPEN_WORKSPACE)
                throttled.append(route)
        self.http_api.add_routes(
            path="/v1/{proxy+}",
            methods=[apigwv2.HttpMethod.ANY],
            integration=integration,
            authorizer=api_keys,
        )
        # Route settings name routes by key: the stage is deployed after them.
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        limits = [
            (
                constants.ANALYTICS_ROUTES,
                constants.ANALYTICS_THROTTLE_RATE,
                constants.ANALYTICS_THROTTLE_BURST,
            ),
            (
                constants.CANDIDATE_ROUTES,
                constants.CANDIDATE_THROTTLE_RATE,
                constants.CANDIDATE_THROTTLE_BURST,
            ),
            (
                constants.WORKSPACE_ROUTES,
                constants.WORKSPACE_THROTTLE_RATE,
                constants.WORKSPACE_THROTTLE_BURST,
            ),
        ]
        cfn_stage.route_settings = {
            route_key: {"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}
            for route_keys, rate, burst in limits
            for route_key in route_keys
        }
        for route in throttled:
            cfn_stage.node.add_dependency(route)

        CfnOutput(self, constants.OUTPUT_API_URL, value=self.stage.url).override_logical_id(
            constants.OUTPUT_API_URL
        )
