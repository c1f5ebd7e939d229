"""Alarms on every dead-letter queue, the workflow, the work queues and the delivery metrics; one dashboard."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jiping.delivery.webhooks import ENDPOINT_DISABLED_METRIC
from jiping.delivery.wecom import REFUSED_METRIC
from jiping.observability import metrics

from infra import constants

from .conftest import Synth


def _alarms(synth: Synth) -> list[dict[str, Any]]:
    """The alarms that tell operators (the worker pools' step-scaling alarms drive scaling policies)."""
    scaling = set(synth.resources("AWS::ApplicationAutoScaling::ScalingPolicy"))
    return [
        v["Properties"]
        for v in synth.resources("AWS::CloudWatch::Alarm").values()
        if not any(action.get("Ref") in scaling for action in v["Properties"].get("AlarmActions", []))
    ]


def _topic(synth: Synth) -> dict[str, str]:
    topic_id, _ = synth.resource("AWS::SNS::Topic", "DeliveryAlerts")
    return {"Ref": topic_id}


def _on_queue(alarm: dict[str, Any], queue_id: str) -> bool:
    return {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}} in alarm.get(
        "Dimensions", []
    )


def dead_letter_queues(template: dict[str, Any]) -> set[str]:
    """Every queue of the template that is a dead-letter queue: by name, or as another queue's redrive target."""
    queues = {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::SQS::Queue"}
    found = {k for k in queues if any(mark in k.lower() for mark in ("dlq", "deadletter"))}
    for queue in queues.values():
        target = queue["Properties"].get("RedrivePolicy", {}).get("deadLetterTargetArn")
        if target is not None:
            found.add(target["Fn::GetAtt"][0])
    for resource in template["Resources"].values():  # EventBridge rule targets' dead-letter queues
        for target in (
            resource["Properties"].get("Targets", []) if resource["Type"] == "AWS::Events::Rule" else []
        ):
            arn = target.get("DeadLetterConfig", {}).get("Arn")
            if arn is not None:
                found.add(arn["Fn::GetAtt"][0])
    return found


def test_every_dead_letter_queue_in_the_template_alarms_when_not_empty(synth: Synth) -> None:
    dlqs = dead_letter_queues(synth.raw)
    assert len(dlqs) >= 9  # webhooks, wecom, upload buffer, unfinished: queues' and rule targets', exhausted
    for queue_id in sorted(dlqs):
        matching = [a for a in _alarms(synth) if _on_queue(a, queue_id)]
        assert matching, f"no alarm on dead-letter queue {queue_id}"
        (alarm,) = [a for a in matching if a["MetricName"] == "ApproximateNumberOfMessagesVisible"]
        assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["Statistic"]) == (
            1,
            "GreaterThanOrEqualToThreshold",
            "Maximum",
        )
        assert alarm["AlarmActions"] == [_topic(synth)] and alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("metric", ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"])
def test_workflow_failures_timeouts_and_aborts_notify_the_alerts_topic(synth: Synth, metric: str) -> None:
    machine_id, _ = synth.resource("AWS::StepFunctions::StateMachine", "WorkflowEvaluateInterview")
    (alarm,) = [a for a in _alarms(synth) if a["MetricName"] == metric]
    assert alarm["Namespace"] == "AWS/States" and alarm["Statistic"] == "Sum"
    assert alarm["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": machine_id}}]
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"] == [_topic(synth)]


@pytest.mark.parametrize(
    "queue",
    ["TriggerUploadBuffer3", "TriggerUnfinishedExecutionsC", "DeliveryWebhookQueue4", "DeliveryWecomQueue5"],
)
def test_work_queues_alarm_when_their_oldest_message_waits_too_long(synth: Synth, queue: str) -> None:
    queue_id, _ = synth.resource("AWS::SQS::Queue", queue)
    (alarm,) = [
        a
        for a in _alarms(synth)
        if _on_queue(a, queue_id) and a["MetricName"] == "ApproximateAgeOfOldestMessage"
    ]
    assert alarm["Threshold"] == constants.BACKLOG_AGE_ALARM_S and alarm["Statistic"] == "Maximum"
    assert alarm["AlarmActions"] == [_topic(synth)]


@pytest.mark.parametrize(
    ("name", "emitted"),
    [
        (constants.METRIC_WEBHOOK_ENDPOINT_DISABLED, ENDPOINT_DISABLED_METRIC),
        (constants.METRIC_WECOM_REFUSED, REFUSED_METRIC),
    ],
)
def test_delivery_metrics_alarm_on_what_the_delivery_code_emits(
    synth: Synth, name: str, emitted: str
) -> None:
    assert name == emitted and metrics.namespace == constants.METRICS_NAMESPACE
    (alarm,) = [a for a in _alarms(synth) if a["MetricName"] == name]
    assert alarm["Namespace"] == constants.METRICS_NAMESPACE
    # Powertools adds the "service" dimension to every metric: the alarm must name exactly that one
    assert alarm["Dimensions"] == [{"Name": "service", "Value": constants.SERVICE_NAME}]
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Sum", 1)
    assert alarm["AlarmActions"] == [_topic(synth)]


def test_every_alarm_notifies_the_alerts_topic_both_ways(synth: Synth) -> None:
    alarms = _alarms(synth)
    assert len(alarms) >= 18
    for alarm in alarms:
        assert alarm["AlarmActions"] == [_topic(synth)] and alarm["OKActions"] == [_topic(synth)]


def test_cloudwatch_may_use_the_alerts_topics_key(synth: Synth) -> None:
    """An alarm cannot publish to a topic under the AWS managed aws/sns key: the topic has a key of ours."""
    _, topic = synth.resource("AWS::SNS::Topic", "DeliveryAlerts")
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    statements = synth.raw["Resources"][key_id]["Properties"]["KeyPolicy"]["Statement"]
    (cloudwatch,) = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_one_dashboard_per_stage_shows_the_alarms_workflow_queues_and_delivery(synth: Synth) -> None:
    (dashboard,) = synth.resources("AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "Jiping-dev"
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for shown in (
        "Alarms",
        "Workflow executions",
        "Dead-letter queues",
        "ApproximateAgeOfOldestMessage",
        constants.METRIC_WECOM_REFUSED,
        constants.METRIC_WEBHOOK_ENDPOINT_DISABLED,
    ):
        assert shown in body, shown
    assert synth.raw["Outputs"][constants.OUTPUT_DASHBOARD]["Value"] == "Jiping-dev"
