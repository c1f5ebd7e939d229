"""The ONE definition of the evaluate-interview workflow (JSONPath), used by AWS and the local cloud.

Execution input (built by StartEvaluation)::

    {"upload": {"bucket", "key", "version_id", "size", "etag", "sequencer"},
     "tenant_id", "interview_id", "media_id", "artifact_prefix", "received_at"}

Every failure is a state: each task catches ``States.ALL`` into ``RecordFailed`` -> ``PublishFailed``
-> ``Failed``; if recording the failure fails too, the execution ends in ``FailedUnrecorded``.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct
from jiping.errors import TransientError

from infra import constants
from infra.constructs import log_retention
from infra.nag import XRAY_REASON, acknowledge

STATE_MACHINE_TIMEOUT = Duration.hours(2)
STAGE_FAILED_ERROR = "Jiping.StageFailed"
TRANSIENT_ERROR = TransientError.__name__  # Lambda reports the exception class name as errorType
LAMBDA_SERVICE_ERRORS = [
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
BATCH_SERVICE_ERRORS = ["Batch.AWSBatchException", "Batch.ServerException"]
CATCH_ALL = ["States.ALL"]


class Workflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        probe_media: lambda_.IFunction,
        transcribe_cpu: lambda_.IFunction,
        persist: lambda_.IFunction,
        publish: lambda_.IFunction,
        artifacts: s3.IBucket,
        transcribe_job_queue_arn: str,
        transcribe_job_definition_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self._persist = persist
        self._publish = publish

        # -- failure path ------------------------------------------------------------------------
        failed_unrecorded = sfn.Fail(
            self, "FailedUnrecorded", error=STAGE_FAILED_ERROR, cause="The failure could not be recorded"
        )
        record_failed = self._record("RecordFailed", "FAILED")
        publish_failed = self._publish_event("PublishFailed")
        record_failed.add_catch(failed_unrecorded, errors=CATCH_ALL, result_path="$.error")
        publish_failed.add_catch(failed_unrecorded, errors=CATCH_ALL, result_path="$.error")
        record_failed.next(publish_failed).next(
            sfn.Fail(self, "Failed", error=STAGE_FAILED_ERROR, cause="A stage of the evaluation failed")
        )
        self._on_error = record_failed

        # -- happy and rejected paths ------------------------------------------------------------
        probe = self._invoke("ProbeMedia", probe_media, "$.upload", "$.probe")
        record_rejected = self._record("RecordRejected", "REJECTED")
        record_rejected.next(self._publish_event("PublishRejected")).next(sfn.Succeed(self, "Rejected"))

        prepare = sfn.Pass(
            self,
            "PrepareTranscription",
            parameters={
                "source.$": "$.upload",
                "output": {
                    "bucket": artifacts.bucket_name,
                    "key.$": f"States.Format('{{}}/{constants.TRANSCRIPT_FILE}', $.artifact_prefix)",
                },
            },
            result_path="$.transcribe_request",
        )

        on_lambda = self._invoke(
            "TranscribeOnLambda",
            transcribe_cpu,
            "$.transcribe_request",
            "$.transcription",
        )
        on_batch = tasks.BatchSubmitJob(
            self,
            "TranscribeOnBatch",
            job_name="jiping-transcribe",
            job_queue_arn=transcribe_job_queue_arn,
            job_definition_arn=transcribe_job_definition_arn,
            # Batch Parameters: substituted for Ref::request in the job definition's command.
            payload=sfn.TaskInput.from_object(
                {"request": sfn.JsonPath.json_to_string(sfn.JsonPath.object_at("$.transcribe_request"))}
            ),
            integration_pattern=sfn.IntegrationPattern.RUN_JOB,
            result_selector={"job_id.$": "$.JobId", "status.$": "$.Status"},
            result_path="$.transcription",
        )
        on_batch.add_retry(
            errors=BATCH_SERVICE_ERRORS, interval=Duration.seconds(5), max_attempts=3, backoff_rate=2
        )
        on_batch.add_catch(record_failed, errors=CATCH_ALL, result_path="$.error")

        record_transcribed = self._record("RecordTranscribed", "TRANSCRIBED")
        record_transcribed.next(self._publish_event("PublishTranscribed")).next(
            sfn.Succeed(self, "Transcribed")
        )
        on_lambda.next(record_transcribed)
        on_batch.next(record_transcribed)

        choose = (
            sfn.Choice(self, "ChooseTranscriber")
            .when(sfn.Condition.string_equals("$.probe.route", "batch"), on_batch)
            .otherwise(on_lambda)
        )
        accepted = (
            sfn.Choice(self, "Accepted?")
            .when(sfn.Condition.boolean_equals("$.probe.accepted", False), record_rejected)
            .otherwise(prepare.next(choose))
        )
        definition = probe.next(accepted)

        log_group = logs.LogGroup(self, "StateMachineLogs", retention=log_retention())
        self.state_machine = sfn.StateMachine(
            self,
            "EvaluateInterview",
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            state_machine_type=sfn.StateMachineType.STANDARD,
            timeout=STATE_MACHINE_TIMEOUT,
            tracing_enabled=True,
            # Inputs carry personal data (tenant/interview ids, object keys): log events, not data.
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        self._acknowledge(probe_media, transcribe_cpu, persist, publish)

        CfnOutput(
            self, constants.OUTPUT_STATE_MACHINE, value=self.state_machine.state_machine_arn
        ).override_logical_id(constants.OUTPUT_STATE_MACHINE)

    # -- task builders --------------------------------------------------------------------------

    def _invoke(
        self,
        state_id: str,
        fn: lambda_.IFunction,
        payload: sfn.TaskInput | str,
        result_path: str,
        *,
        catch: bool = True,
    ) -> tasks.LambdaInvoke:
        """A Lambda task; a payload given as a JSONPath string becomes the state's ``InputPath``.

        (With ``payload_response_only`` the payload is rendered as ``Parameters``, which must be an
        object in ASL, so a bare path goes through ``InputPath`` instead.)
        """
        task = tasks.LambdaInvoke(
            self,
            state_id,
            lambda_function=fn,
            payload=payload if isinstance(payload, sfn.TaskInput) else None,
            input_path=payload if isinstance(payload, str) else None,
            payload_response_only=True,
            retry_on_service_exceptions=False,
            result_path=result_path,
        )
        task.add_retry(
            errors=LAMBDA_SERVICE_ERRORS, interval=Duration.seconds(2), max_attempts=6, backoff_rate=2
        )
        task.add_retry(errors=[TRANSIENT_ERROR], interval=Duration.seconds(1), max_attempts=3, backoff_rate=2)
        if catch:
            task.add_catch(self._on_error, errors=CATCH_ALL, result_path="$.error")
        return task

    def _record(self, state_id: str, outcome: str) -> tasks.LambdaInvoke:
        payload = sfn.TaskInput.from_object(
            {
                "outcome": outcome,
                "execution_id": sfn.JsonPath.string_at("$$.Execution.Id"),
                "execution_started_at": sfn.JsonPath.string_at("$$.Execution.StartTime"),
                "input": sfn.JsonPath.entire_payload,
            }
        )
        return self._invoke(state_id, self._persist, payload, "$.event", catch=outcome != "FAILED")

    def _publish_event(self, state_id: str) -> tasks.LambdaInvoke:
        return self._invoke(
            state_id,
            self._publish,
            "$.event",
            sfn.JsonPath.DISCARD,
            catch=state_id != "PublishFailed",
        )

    def _acknowledge(self, *functions: lambda_.IFunction) -> None:
        role = self.state_machine.role
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            XRAY_REASON + " CloudWatch Logs vended delivery (logs:CreateLogDelivery etc.) also requires '*'.",
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition/*]",
            "BatchSubmitJob grants batch:SubmitJob on job definitions by ARN pattern (a job definition ARN "
            "changes with each revision); the job queue is named by ARN.",
        )
        for fn in functions:
            logical_id = self.state_machine.stack.get_logical_id(fn.node.default_child)  # type: ignore[arg-type]
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>:*]",
                "LambdaInvoke grants the function's versions/aliases (ARN:*) of this one function.",
            )
