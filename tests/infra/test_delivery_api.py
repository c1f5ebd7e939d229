"""Domain-event delivery queues and the HTTP API skeleton."""

from __future__ import annotations

from infra import constants

from .conftest import Synth


def test_domain_events_go_from_the_custom_bus_to_the_webhook_and_wecom_queues(synth: Synth) -> None:
    bus_id, _ = synth.resource("AWS::Events::EventBus", "DeliveryDomainEvents")
    assert synth.raw["Outputs"][constants.OUTPUT_EVENT_BUS]["Value"] == {"Ref": bus_id}
    routed = {}
    for rule_prefix, queue_prefix in (
        ("DeliveryToWebhooks", "DeliveryWebhookQueue"),
        ("DeliveryToWecom", "DeliveryWecomQueue"),
    ):
        _, rule = synth.resource("AWS::Events::Rule", rule_prefix)
        props = rule["Properties"]
        assert props["EventBusName"] == {"Ref": bus_id}
        assert props["EventPattern"] == {
            "source": [constants.EVENT_SOURCE],
            "detail-type": [{"prefix": "interview."}],
        }
        (target,) = props["Targets"]
        assert "DeadLetterConfig" in target
        routed[rule_prefix] = target["Arn"]["Fn::GetAtt"][0]
        queue = synth.raw["Resources"][routed[rule_prefix]]["Properties"]
        assert routed[rule_prefix].startswith(queue_prefix)
        assert queue["SqsManagedSseEnabled"] is True
        assert queue["RedrivePolicy"]["maxReceiveCount"] == constants.DLQ_MAX_RECEIVE_COUNT


def test_queue_policies_let_eventbridge_send_only_from_the_rule(synth: Synth) -> None:
    for policy in synth.resources("AWS::SQS::QueuePolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow":
                assert statement["Principal"] == {"Service": "events.amazonaws.com"}
                assert "aws:SourceArn" in statement["Condition"]["ArnEquals"]


def test_api_routes_health_and_proxy_to_the_api_function_with_access_logs(synth: Synth) -> None:
    routes = {r["Properties"]["RouteKey"] for r in synth.resources("AWS::ApiGatewayV2::Route").values()}
    assert routes == {"GET /v1/health", "ANY /v1/{proxy+}"}
    api_fn_id, _ = synth.resource("AWS::Lambda::Function", "ComputeApi")
    (integration,) = synth.resources("AWS::ApiGatewayV2::Integration").values()
    assert integration["Properties"]["IntegrationUri"] == {"Fn::GetAtt": [api_fn_id, "Arn"]}
    (stage,) = synth.resources("AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][1] == "Arn"
    assert constants.OUTPUT_API_URL in synth.raw["Outputs"]
