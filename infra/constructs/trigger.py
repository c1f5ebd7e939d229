"""Upload -> workflow: S3 ``Object Created`` on the default bus -> SQS buffer -> StartEvaluation.

StartEvaluation names each execution by a hash of bucket/key/version, so S3's and EventBridge's
at-least-once deliveries start nothing twice.

And the watchdog: Step Functions' own status change events for executions of the workflow that ended
FAILED, TIMED_OUT or ABORTED -> SQS -> RecordUnfinished, which records those the workflow could not.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from jiping.domain.models import UNSUCCESSFUL_EXECUTION_STATUSES
from jiping.settings import StarterSettings, environment

from infra import constants
from infra.constructs.delivery import dead_letters_of, queue_with_dlq, target_dlq
from infra.nag import acknowledge


class Trigger(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        uploads: s3.IBucket,
        starter: lambda_.Function,
        state_machine: sfn.IStateMachine,
        record_unfinished: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        self.buffer = queue_with_dlq(
            self, "UploadBuffer", visibility_timeout_s=constants.BUFFER_VISIBILITY_TIMEOUT_S
        )

        self.rule = events.Rule(
            self,
            "UploadCreated",
            description="S3 Object Created under uploads/ in the uploads bucket",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [uploads.bucket_name]},
                    "object": {"key": [{"prefix": constants.UPLOADS_PREFIX}]},
                },
            ),
            targets=[
                targets.SqsQueue(
                    self.buffer,
                    dead_letter_queue=(
                        upload_target_dlq := target_dlq(self, "UploadCreatedTargetDlq", "rule UploadCreated")
                    ),
                    retry_attempts=185,
                    max_event_age=Duration.hours(24),
                )
            ],
        )

        for key, value in environment(
            StarterSettings, state_machine_arn=state_machine.state_machine_arn
        ).items():
            starter.add_environment(key, value)
        state_machine.grant_start_execution(starter)
        # to tell a duplicate event from a later version of an evaluated upload key
        state_machine.grant_execution(starter, "states:DescribeExecution")
        machine_id = Stack.of(self).get_logical_id(state_machine.node.default_child)  # type: ignore[arg-type]
        executions = (
            "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
            f'{{"Fn::Select":[6,{{"Fn::Split":[":",{{"Ref":"{machine_id}"}}]}}]}}:*'
        )
        acknowledge(
            starter.role,  # type: ignore[arg-type]
            f"AwsSolutions-IAM5[Resource::{executions}]",
            "DescribeExecution on the executions of this one state machine (their names are per upload key).",
        )
        starter.add_event_source(
            sources.SqsEventSource(
                self.buffer,
                batch_size=constants.STARTER_BATCH_SIZE,
                report_batch_item_failures=True,
            )
        )

        CfnOutput(self, constants.OUTPUT_BUFFER_QUEUE, value=self.buffer.queue_url).override_logical_id(
            constants.OUTPUT_BUFFER_QUEUE
        )

        self.unfinished = queue_with_dlq(
            self, "UnfinishedExecutions", visibility_timeout_s=constants.BUFFER_VISIBILITY_TIMEOUT_S
        )
        self.watchdog = events.Rule(
            self,
            "ExecutionUnfinished",
            description="Executions of the workflow that ended FAILED, TIMED_OUT or ABORTED",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={
                    "status": list(UNSUCCESSFUL_EXECUTION_STATUSES),
                    "stateMachineArn": [state_machine.state_machine_arn],
                },
            ),
            targets=[
                targets.SqsQueue(
                    self.unfinished,
                    dead_letter_queue=(
                        unfinished_target_dlq := target_dlq(
                            self, "ExecutionUnfinishedTargetDlq", "rule ExecutionUnfinished"
                        )
                    ),
                    retry_attempts=185,
                    max_event_age=Duration.hours(24),
                )
            ],
        )
        record_unfinished.add_event_source(
            sources.SqsEventSource(self.unfinished, batch_size=10, report_batch_item_failures=True)
        )
        CfnOutput(
            self, constants.OUTPUT_UNFINISHED_QUEUE, value=self.unfinished.queue_url
        ).override_logical_id(constants.OUTPUT_UNFINISHED_QUEUE)
        # Every dead-letter queue of this construct, for the operations alarms.
        self.dead_letter_queues: list[sqs.IQueue] = [
            dead_letters_of(self.buffer),
            upload_target_dlq,
            dead_letters_of(self.unfinished),
            unfinished_target_dlq,
        ]
