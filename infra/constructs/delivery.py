"""Domain events: the custom bus, the queues that buffer webhook delivery and WeCom notices, and the
webhook delivery itself (``connect_webhooks``: the SQS consumer, the retry sweeper every minute, the
dead-letter queue of exhausted deliveries, the operators' alerts topic). The WeCom queue's consumer,
``NotifyWecom``, is made with the other functions in ``compute.py``.
"""

from __future__ import annotations

from aws_cdk import Aws, CfnOutput, Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from jiping.settings import (
    ApiSettings,
    DriftMonitorSettings,
    SweepCandidatesSettings,
    WebhookSettings,
    WecomCallbackSettings,
    WecomSettings,
    WorkspaceSettings,
)
from jiping.settings import environment as settings_env

from infra import constants
from infra.nag import acknowledge, acknowledge_grants, acknowledge_results

DOMAIN_EVENT_PREFIX = "interview."
DELIVERY_VISIBILITY_TIMEOUT_S = 6 * max(
    constants.WEBHOOK_FUNCTION_TIMEOUT_S, constants.WECOM_FUNCTION_TIMEOUT_S
)
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


def dead_letters_of(queue: sqs.Queue) -> sqs.IQueue:
    """The dead-letter queue that ``queue`` redrives to."""
    assert queue.dead_letter_queue is not None, queue.node.path
    return queue.dead_letter_queue.queue


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
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        wecom_secret_name: str,
        wecom_callback_secret_name: str,
        stage: str = constants.DEFAULT_STAGE,
    ) -> None:
        super().__init__(scope, construct_id)
        # Named per stage: an unnamed bus takes a name from its construct path, the same in every stage.
        self.bus = events.EventBus(
            self,
            "DomainEvents",
            event_bus_name=f"{constants.SERVICE_NAME}-{stage}-domain-events",
            description="Jiping domain events (interview.*)",
        )

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
        target_dlqs: list[sqs.IQueue] = []
        for rule_id, queue in (("ToWebhooks", self.webhook_queue), ("ToWecom", self.wecom_queue)):
            target_dlqs.append(target_dlq(self, f"{rule_id}TargetDlq", f"rule {rule_id}"))
            events.Rule(
                self,
                rule_id,
                event_bus=self.bus,
                event_pattern=pattern,
                targets=[
                    targets.SqsQueue(
                        queue,
                        dead_letter_queue=target_dlqs[-1],
                        retry_attempts=185,
                        max_event_age=Duration.hours(24),
                    )
                ],
            )

        # Created by the operator (see README); read by the WeCom notifier (connect_wecom), and by the Api and the
        # candidate sweep, which send invitations and reminders (connect_candidates).
        self.wecom_secret = secretsmanager.Secret.from_secret_name_v2(self, "WecomSecret", wecom_secret_name)
        # The callback's token and AES key, apart (no corp_secret); read by the WeCom callback alone.
        self.wecom_callback_secret = secretsmanager.Secret.from_secret_name_v2(
            self, "WecomCallbackSecret", wecom_callback_secret_name
        )

        # Exhausted webhook deliveries (every retry failed), for operators; each stays replayable by API.
        self.webhook_dead_letters = sqs.Queue(
            self,
            "WebhookDeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        acknowledge(
            self.webhook_dead_letters,
            "AwsSolutions-SQS3",
            "This queue IS a dead-letter queue: the webhook deliveries whose every attempt failed.",
        )
        # Every dead-letter queue of this construct, for the operations alarms.
        self.dead_letter_queues: list[sqs.IQueue] = [
            *(dead_letters_of(q) for q in (self.webhook_queue, self.wecom_queue)),
            *target_dlqs,
            self.webhook_dead_letters,
        ]
        # Operators subscribe to alerts (a webhook endpoint disabled, a CloudWatch alarm, ...). Encrypted with a
        # key of our own: CloudWatch alarms cannot publish to a topic under the AWS managed aws/sns key (its
        # policy cannot grant cloudwatch.amazonaws.com), so an alarm on such a topic would notify no one.
        self.alerts_key = kms.Key(
            self,
            "AlertsKey",
            description="Jiping: the alerts topic (functions and CloudWatch alarms publish to it)",
            enable_key_rotation=True,
        )
        self.alerts_key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
        self.alerts = sns.Topic(
            self, "Alerts", display_name="Jiping alerts", enforce_ssl=True, master_key=self.alerts_key
        )

        for name, value in (
            (constants.OUTPUT_EVENT_BUS, self.bus.event_bus_name),
            (constants.OUTPUT_WEBHOOK_DLQ, self.webhook_dead_letters.queue_url),
            (constants.OUTPUT_ALERTS_TOPIC, self.alerts.topic_arn),
            (constants.OUTPUT_WEBHOOK_QUEUE, self.webhook_queue.queue_url),
            (constants.OUTPUT_WECOM_QUEUE, self.wecom_queue.queue_url),
        ):
            CfnOutput(self, name, value=value).override_logical_id(name)

    def connect_webhooks(
        self,
        *,
        deliver: lambda_.Function,
        retry: lambda_.Function,
        table: dynamodb.ITable,
        artifacts: s3.IBucket,
        api_base_url: str,
    ) -> None:
        """The webhook queue feeds ``deliver`` (which reads result documents for the endpoints that opted in
        to transcripts); ``retry`` sweeps due deliveries every minute."""
        artifacts.grant_read(deliver)
        environment = settings_env(
            WebhookSettings,
            webhooks_table=table.table_name,
            webhook_dead_letter_queue_url=self.webhook_dead_letters.queue_url,
            alerts_topic_arn=self.alerts.topic_arn,
            api_base_url=api_base_url,
            webhook_timeout_s=constants.WEBHOOK_TIMEOUT_S,
        )
        for fn in (deliver, retry):
            for key, value in environment.items():
                fn.add_environment(key, value)
            table.grant_read_write_data(fn)
            self.webhook_dead_letters.grant_send_messages(fn)
            self.alerts.grant_publish(fn)
            assert fn.role is not None
            acknowledge_grants(fn.role, indexed_tables=[table], table_write=True)
        assert deliver.role is not None
        acknowledge_grants(deliver.role, read=[artifacts])
        deliver.add_event_source(
            sources.SqsEventSource(
                self.webhook_queue, batch_size=constants.WEBHOOK_BATCH_SIZE, report_batch_item_failures=True
            )
        )
        events.Rule(
            self,
            "RetryWebhooksEveryMinute",
            schedule=events.Schedule.rate(Duration.minutes(constants.WEBHOOK_SWEEP_MINUTES)),
            targets=[targets.LambdaFunction(retry, retry_attempts=2, max_event_age=Duration.minutes(5))],
        )

    def connect_drift_monitor(self, *, monitor: lambda_.Function) -> None:
        """Once a day, ``monitor`` checks every profile version's score drift and alerts on this topic."""
        for key, value in settings_env(DriftMonitorSettings, alerts_topic_arn=self.alerts.topic_arn).items():
            monitor.add_environment(key, value)
        self.alerts.grant_publish(monitor)
        events.Rule(
            self,
            "MonitorDriftDaily",
            schedule=events.Schedule.rate(Duration.hours(constants.DRIFT_MONITOR_HOURS)),
            targets=[targets.LambdaFunction(monitor, retry_attempts=2, max_event_age=Duration.hours(1))],
        )

    def connect_wecom(
        self,
        *,
        notify: lambda_.Function,
        state: dynamodb.ITable,
        interviews: dynamodb.ITable,
        profiles: dynamodb.ITable,
        candidate_links: dynamodb.ITable,
        artifacts: s3.IBucket,
        api_base_url: str,
    ) -> None:
        """The WeCom queue feeds ``notify``, which reads the app's secret and keeps its state in ``state``. It
        also tells a candidate their feedback after scoring, when the tenant opted in: the tenant's options
        (a read of the candidate links table) and the interview's result (``*/result.json`` only)."""
        environment = settings_env(
            WecomSettings,
            wecom_secret_arn=self.wecom_secret.secret_arn,
            wecom_state_table=state.table_name,
            interviews_table=interviews.table_name,
            profiles_table=profiles.table_name,
            alerts_topic_arn=self.alerts.topic_arn,
            api_base_url=api_base_url,
            candidate_links_table=candidate_links.table_name,
            artifacts_bucket=artifacts.bucket_name,
        )
        for key, value in environment.items():
            notify.add_environment(key, value)
        candidate_links.grant(notify, "dynamodb:GetItem")
        artifacts.grant_read(notify, "*/result.json")
        assert notify.role is not None
        acknowledge_grants(notify.role, indexed_tables=[candidate_links])
        acknowledge_results(notify.role, artifacts)
        self.wecom_secret.grant_read(notify)
        state.grant_read_write_data(notify)
        interviews.grant_read_data(notify)
        assert notify.role is not None
        acknowledge_grants(notify.role, indexed_tables=[interviews])
        profiles.grant_read_data(notify)
        self.alerts.grant_publish(notify)
        assert notify.role is not None
        acknowledge_grants(notify.role, table_write=True)
        notify.add_event_source(
            sources.SqsEventSource(
                self.wecom_queue, batch_size=constants.WECOM_BATCH_SIZE, report_batch_item_failures=True
            )
        )

    def connect_candidates(
        self, *, api: lambda_.Function, sweep: lambda_.Function, state: dynamodb.ITable
    ) -> None:
        """Invitations (sent by ``api``) and reminders (sent by ``sweep``, every ``CANDIDATE_SWEEP_MINUTES``) are
        WeCom messages: both read the app's secret and share the notifier's token cache and counters in
        ``state`` (one access token for the app, one count per member, whoever sends)."""
        for fn, model in ((api, ApiSettings), (sweep, SweepCandidatesSettings)):
            for key, value in settings_env(
                model, wecom_secret_arn=self.wecom_secret.secret_arn, wecom_state_table=state.table_name
            ).items():
                fn.add_environment(key, value)
            self.wecom_secret.grant_read(fn)
            state.grant_read_write_data(fn)
        for key, value in settings_env(
            SweepCandidatesSettings, alerts_topic_arn=self.alerts.topic_arn
        ).items():
            sweep.add_environment(key, value)
        self.alerts.grant_publish(sweep)  # WeCom refusing the app (a bad secret, an untrusted IP)
        # The Due index holds the work, so a failed run's work is found again by the next one.
        events.Rule(
            self,
            "SweepCandidatesSchedule",
            schedule=events.Schedule.rate(Duration.minutes(constants.CANDIDATE_SWEEP_MINUTES)),
            targets=[targets.LambdaFunction(sweep, retry_attempts=2, max_event_age=Duration.minutes(10))],
        )

    def connect_workspace(self, *, workspace: lambda_.Function, state: dynamodb.ITable) -> None:
        """WeCom sign-in (网页授权: the code is exchanged with the app's token) and the card a hiring manager
        gets when HR pushes candidates: the app's secret, and the notifier's shared token cache and log."""
        for key, value in settings_env(
            WorkspaceSettings,
            wecom_secret_arn=self.wecom_secret.secret_arn,
            wecom_state_table=state.table_name,
            alerts_topic_arn=self.alerts.topic_arn,
        ).items():
            workspace.add_environment(key, value)
        self.wecom_secret.grant_read(workspace)
        state.grant_read_write_data(workspace)
        self.alerts.grant_publish(workspace)

    def connect_api(
        self,
        *,
        api: lambda_.Function,
        table: dynamodb.ITable,
        api_base_url: str,
    ) -> None:
        """The portal API manages webhook endpoints and replays deliveries (as the sweeper would)."""
        for key, value in settings_env(
            ApiSettings,
            webhooks_table=table.table_name,
            webhook_dead_letter_queue_url=self.webhook_dead_letters.queue_url,
            alerts_topic_arn=self.alerts.topic_arn,
            api_base_url=api_base_url,
        ).items():
            api.add_environment(key, value)
        table.grant_read_write_data(api)
        self.webhook_dead_letters.grant_send_messages(api)
        self.alerts.grant_publish(api)
        assert api.role is not None
        acknowledge_grants(api.role, indexed_tables=[table], table_write=True)

    def connect_callback(self, *, callback: lambda_.Function) -> None:
        """The WeCom callback verifies with the callback secret, the only secret it may read."""
        for key, value in settings_env(
            WecomCallbackSettings, wecom_callback_secret_arn=self.wecom_callback_secret.secret_arn
        ).items():
            callback.add_environment(key, value)
        self.wecom_callback_secret.grant_read(callback)
