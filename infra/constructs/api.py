"""The HTTP API skeleton: ``GET /v1/health`` and ``ANY /v1/{proxy+}`` to the Api function."""

from __future__ import annotations

import jsii
from aws_cdk import CfnOutput
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import constants
from infra.constructs import log_retention
from infra.nag import acknowledge

ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
    '"routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol",'
    '"responseLength":"$context.responseLength","integrationError":"$context.integrationErrorMessage"}'
)
AUTHORIZER_LATER = "The JWT/tenant authorizer comes in a later issue; this is the unauthenticated skeleton."


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
    def __init__(self, scope: Construct, construct_id: str, *, handler: lambda_.IFunction) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(self, "AccessLogs", retention=log_retention())
        self.http_api = apigwv2.HttpApi(self, "HttpApi", description="Jiping API", create_default_stage=False)
        self.stage = self.http_api.add_stage(
            "DefaultStage",
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(access_logs),
        )
        self.url = self.stage.url  # https://{api id}.execute-api.{region}.amazonaws.com/
        integration = integrations.HttpLambdaIntegration("ApiIntegration", handler)
        for path, method in (
            ("/v1/health", apigwv2.HttpMethod.GET),
            ("/v1/{proxy+}", apigwv2.HttpMethod.ANY),
        ):
            for route in self.http_api.add_routes(path=path, methods=[method], integration=integration):
                acknowledge(route, "AwsSolutions-APIG4", AUTHORIZER_LATER)

        CfnOutput(self, constants.OUTPUT_API_URL, value=self.stage.url).override_logical_id(
            constants.OUTPUT_API_URL
        )
