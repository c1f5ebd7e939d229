"""Domain events: the custom bus, and the queues that buffer webhook delivery and WeCom notices.

Consumers (webhook sender, WeCom notifier) come in a later issue; the queues already hold events.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import constants
from infra.nag import acknowledge

DOMAIN_EVENT_PREFIX = "interview."
DELIVERY_VISIBILITY_TIMEOUT_S = 6 * constants.LAMBDA_TIMEOUT_S
DLQ_RETENTION = Duration.days(14)


def queue_with_dlq(scope: Construct, construct_id: str, *, visibility_timeout_s: int) -> sqs.Queue:
    """An SSE (SQS-managed) queue that refuses non-TLS requests and redrives to its own DLQ.

    SQS-managed SSE lets EventBridge deliver without a KMS key policy for ``events.amazonaws.com``.
    """
    dlq = sqs.Queue(
        scope,
        f"{construct_id}Dlq",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=DLQ_RETENTION,
    )
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        visibility_timeout=Duration.seconds(visibility_timeout_s),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=constants.DLQ_MAX_RECEIVE_COUNT),
    )


def target_dlq(scope: Construct, construct_id: str, purpose: str) -> sqs.Queue:
    """Where EventBridge parks events it could not deliver to a rule target (after its retries)."""
    dlq = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=DLQ_RETENTION,
    )
    acknowledge(
        dlq,
        "AwsSolutions-SQS3",
        f"This queue IS a dead-letter queue: the EventBridge target DLQ of {purpose} (a rule target "
        "setting, which cdk-nag does not recognise as a redrive).",
    )
    return dlq


class Delivery(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, wecom_secret_name: str) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "DomainEvents", description="Jiping domain events (interview.*)")

        self.webhook_queue = queue_with_dlq(
            self, "WebhookQueue", visibility_timeout_s=DELIVERY_VISIBILITY_TIMEOUT_S
        )
        self.wecom_queue = queue_with_dlq(
            self, "WecomQueue", visibility_timeout_s=DELIVERY_VISIBILITY_TIMEOUT_S
        )

        pattern = events.EventPattern(
            source=[constants.EVENT_SOURCE],
            detail_type=events.Match.prefix(DOMAIN_EVENT_PREFIX),
        )
        for rule_id, queue in (("ToWebhooks", self.webhook_queue), ("ToWecom", self.wecom_queue)):
            events.Rule(
                self,
                rule_id,
                event_bus=self.bus,
                event_pattern=pattern,
                targets=[
                    targets.SqsQueue(
                        queue,
                        dead_letter_queue=target_dlq(self, f"{rule_id}TargetDlq", f"rule {rule_id}"),
                        retry_attempts=185,
                        max_event_age=Duration.hours(24),
                    )
                ],
            )

        # Created by the operator (see README); read access is granted to the WeCom notifier when it lands.
        self.wecom_secret = secretsmanager.Secret.from_secret_name_v2(self, "WecomSecret", wecom_secret_name)

        for name, value in (
            (constants.OUTPUT_EVENT_BUS, self.bus.event_bus_name),
            (constants.OUTPUT_WEBHOOK_QUEUE, self.webhook_queue.queue_url),
            (constants.OUTPUT_WECOM_QUEUE, self.wecom_queue.queue_url),
        ):
            CfnOutput(self, name, value=value).override_logical_id(name)
