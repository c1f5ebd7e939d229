"""Alarms that notify the alerts topic, and one dashboard: what an operator watches (docs/operations.md).

It watches only what it is given: every dead-letter queue (not empty), the workflow (failed, timed out,
aborted executions), the work queues (the age of their oldest message), and the delivery metrics that
``jiping.delivery`` emits (a webhook endpoint disabled, WeCom refusing a message). A new queue is one more
entry in ``work_queues`` or ``dead_letter_queues`` where the stack builds this construct.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import constants

PERIOD = Duration.seconds(constants.ALARM_PERIOD_S)
# The only dimension Powertools gives the delivery metrics (no tenant, endpoint or person in a dimension).
SERVICE_DIMENSION = {"service": constants.SERVICE_NAME}


def delivery_metric(name: str) -> cloudwatch.Metric:
    """A count that ``jiping.delivery`` emits in the embedded metric format, summed per period."""
    return cloudwatch.Metric(
        namespace=constants.METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map=SERVICE_DIMENSION,
        statistic=cloudwatch.Stats.SUM,
        period=PERIOD,
    )


def queue_label(queue: sqs.IQueue) -> str:
    """A stable construct id for ``queue``'s alarm: its construct path below the stack, without slashes."""
    return "".join(part for part in queue.node.path.split("/")[1:] if part != "Resource")


class Operations(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alerts: sns.ITopic,
        state_machine: sfn.IStateMachine,
        work_queues: Sequence[sqs.IQueue],
        dead_letter_queues: Sequence[sqs.IQueue],
        dashboard_name: str,
        backlog_age_s: int = constants.BACKLOG_AGE_ALARM_S,
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(alerts)
        self.alarms: list[cloudwatch.Alarm] = []

        self.dead_letter_alarms = [
            self._alarm(
                f"{queue_label(q)}NotEmpty",
                q.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
                ),
                threshold=1,
                description=f"Dead-letter queue {queue_label(q)} holds messages: something failed for good "
                "(docs/operations.md, 'A dead-letter queue is not empty').",
            )
            for q in dict.fromkeys(dead_letter_queues)
        ]
        workflow_metrics = {
            "ExecutionsFailed": state_machine.metric_failed(period=PERIOD),
            "ExecutionsTimedOut": state_machine.metric_timed_out(period=PERIOD),
            "ExecutionsAborted": state_machine.metric_aborted(period=PERIOD),
        }
        self.workflow_alarms = [
            self._alarm(
                f"Workflow{name}",
                metric,
                threshold=1,
                description=f"EvaluateInterview: {name} (each one is recorded FAILED by the watchdog).",
            )
            for name, metric in workflow_metrics.items()
        ]
        self.backlog_alarms = [
            self._alarm(
                f"{queue_label(q)}BacklogAge",
                q.metric_approximate_age_of_oldest_message(period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM),
                threshold=backlog_age_s,
                description=f"Work queue {queue_label(q)}: its oldest message waits {backlog_age_s} s or "
                "longer (the consumers are not keeping up, or failing).",
            )
            for q in dict.fromkeys(work_queues)
        ]
        self.endpoint_disabled_alarm = self._alarm(
            "WebhookEndpointDisabled",
            delivery_metric(constants.METRIC_WEBHOOK_ENDPOINT_DISABLED),
            threshold=1,
            description="A tenant's webhook endpoint was disabled (410 Gone, or failing for days).",
        )
        self.wecom_refused_alarm = self._alarm(
            "WecomRefused",
            delivery_metric(constants.METRIC_WECOM_REFUSED),
            threshold=1,
            description="WeCom refused a message with an errcode (bad secret, untrusted IP, no valid recipient).",
        )

        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=dashboard_name,
            period_override=cloudwatch.PeriodOverride.AUTO,
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=24)
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Workflow executions",
                left=[
                    state_machine.metric_started(period=PERIOD),
                    state_machine.metric_succeeded(period=PERIOD),
                    *workflow_metrics.values(),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Work queues: age of the oldest message (s)",
                left=[a.metric for a in self.backlog_alarms],
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Dead-letter queues: messages",
                left=[a.metric for a in self.dead_letter_alarms],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Delivery",
                left=[
                    delivery_metric("WebhookDeliveries"),
                    delivery_metric("WecomNotices"),
                ],
                right=[self.endpoint_disabled_alarm.metric, self.wecom_refused_alarm.metric],
                width=12,
            ),
        )
        CfnOutput(self, constants.OUTPUT_DASHBOARD, value=dashboard_name).override_logical_id(
            constants.OUTPUT_DASHBOARD
        )

    def _alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, *, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        """An alarm at ``threshold`` or above in one period, missing data as OK, that notifies the topic."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms.append(alarm)
        return alarm
