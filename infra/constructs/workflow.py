"""The ONE definition of the evaluate-interview workflow (JSONPath), used by AWS and the local cloud.

Execution input (built by StartEvaluation)::

    {"upload": {"bucket", "key", "version_id", "size", "etag", "sequencer"},
     "tenant_id", "interview_id", "media_id", "artifact_prefix", "received_at"}

Every failure is a state: each task catches ``States.ALL`` into ``RecordFailed`` -> ``PublishFailed``
-> ``Failed``; if recording the failure fails too, the execution ends in ``FailedUnrecorded``, and
``RecordUnfinished`` records it from the execution's status change event (as it does for errors no
Catch can catch: ``States.Runtime``, the execution's timeout, an abort).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct
from jiping.domain.errors import STAGE_FAILED_ERROR, UNRECORDED_CAUSE, TransientError

from infra import constants
from infra.constructs import log_group as encrypted_log_group
from infra.nag import XRAY_REASON, acknowledge

STATE_MACHINE_TIMEOUT = Duration.hours(2)
TRANSIENT_ERROR = TransientError.__name__  # Lambda reports the exception class name as errorType
LAMBDA_SERVICE_ERRORS = [
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
SQS_SERVICE_ERRORS = ["SQS.AmazonSQSException", "SQS.SdkClientException"]
# A pool worker that died (Spot reclaim, out of memory) stops heartbeating: the task times out and is
# handed to the pool again, with a new message and a new token.
WORKER_LOST = ["States.HeartbeatTimeout", "States.Timeout"]
WORKER_LOST_ATTEMPTS = 2
CATCH_ALL = ["States.ALL"]


class Workflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        probe_media: lambda_.IFunction,
        plan_answers: lambda_.IFunction,
        transcribe_text: lambda_.IFunction,
        audio_features: lambda_.IFunction,
        vision_cpu: lambda_.IFunction,
        score_interview: lambda_.IFunction,
        persist: lambda_.IFunction,
        publish: lambda_.IFunction,
        asr_cpu_queue: sqs.IQueue,
        asr_gpu_queue: sqs.IQueue,
        vision_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self._persist = persist
        self._publish = publish

        # -- failure path ------------------------------------------------------------------------
        # What ends here (and what no Catch can catch) is recorded by RecordUnfinished, see trigger.py.
        failed_unrecorded = sfn.Fail(
            self, "FailedUnrecorded", error=STAGE_FAILED_ERROR, cause=UNRECORDED_CAUSE
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
        plan = self._invoke("PlanAnswers", plan_answers, "$", "$.plan")

        # Branch A: speech. Transcribe on the plan's pool (cpu or gpu tier), then the speech features.
        transcribe_on_cpu = self._pool_task(
            "TranscribeOnCpuPool", asr_cpu_queue, "$.plan.transcribe_request", "$.transcription"
        )
        transcribe_on_gpu = self._pool_task(
            "TranscribeOnGpuPool", asr_gpu_queue, "$.plan.transcribe_request", "$.transcription"
        )
        audio = self._invoke("AudioFeatures", audio_features, "$.plan.audio_request", "$.audio", catch=False)
        transcribe_on_cpu.next(audio)
        transcribe_on_gpu.next(audio)
        # Each branch hands back only what it measured: the Parallel's result is [speech, vision].
        audio.next(
            sfn.Pass(
                self,
                "SpeechMeasured",
                parameters={"transcription.$": "$.transcription", "audio.$": "$.audio"},
            )
        )
        # A written answer: its words are the transcript; there is no audio to measure.
        read_text = self._invoke(
            "TranscribeText", transcribe_text, "$.plan.transcribe_request", "$.transcription", catch=False
        )
        read_text.next(
            sfn.Pass(
                self,
                "TextRead",
                parameters={
                    "transcription.$": "$.transcription",
                    "audio": {"missing": "a text answer has no audio"},
                },
            )
        )
        speech_branch = (
            sfn.Choice(self, "ChooseTranscriber")
            .when(sfn.Condition.string_equals("$.probe.route", "text"), read_text)
            .when(sfn.Condition.string_equals("$.plan.asr_tier", "gpu"), transcribe_on_gpu)
            .otherwise(transcribe_on_cpu)
        )

        # Branch B: vision, on the Lambda (short clips) or the vision pool; an audio-only upload has none.
        vision_on_lambda = self._invoke(
            "VisionOnLambda", vision_cpu, "$.plan.vision_request", "$.vision", catch=False
        )
        vision_on_pool = self._pool_task("VisionOnPool", vision_queue, "$.plan.vision_request", "$.vision")
        no_video = sfn.Pass(
            self,
            "NoVideo",
            result=sfn.Result.from_object({"missing": "no video stream"}),
            result_path="$.vision",
        )
        no_consent = sfn.Pass(
            self,
            "NoVideoConsent",
            result=sfn.Result.from_object({"missing": "no recorded consent to video analysis (audio only)"}),
            result_path="$.vision",
        )
        vision_measured = sfn.Pass(self, "VisionMeasured", parameters={"vision.$": "$.vision"})
        for last in (no_video, no_consent, vision_on_lambda, vision_on_pool):
            last.next(vision_measured)
        vision_branch = (
            sfn.Choice(self, "HasVideo?")
            .when(sfn.Condition.is_null("$.probe.video"), no_video)
            .when(sfn.Condition.boolean_equals("$.plan.vision_allowed", False), no_consent)
            .otherwise(
                sfn.Choice(self, "ChooseVisionRunner")
                .when(sfn.Condition.string_equals("$.probe.route", "pool"), vision_on_pool)
                .otherwise(vision_on_lambda)
            )
        )

        analyse = sfn.Parallel(self, "Analyse", result_path="$.analysis")
        analyse.branch(speech_branch)
        analyse.branch(vision_branch)
        analyse.add_catch(record_failed, errors=CATCH_ALL, result_path="$.error")

        record_transcribed = self._record("RecordTranscribed", "TRANSCRIBED")
        # The last answer of an interview with a job profile goes on to scoring: the asked questions,
        # each answer's text features in a Map (one AnalyseAnswer per question), then the scores.
        interview_ref = {
            "tenant_id": sfn.JsonPath.string_at("$.tenant_id"),
            "interview_id": sfn.JsonPath.string_at("$.interview_id"),
            "execution_id": sfn.JsonPath.string_at("$$.Execution.Id"),
        }
        plan_scoring = self._invoke(
            "PlanScoring",
            score_interview,
            sfn.TaskInput.from_object({"step": "plan", **interview_ref}),
            "$.scoring",
        )
        analyse_answers = sfn.Map(
            self,
            "AnalyseAnswers",
            items_path="$.scoring.answers",
            max_concurrency=constants.ANSWER_MAP_CONCURRENCY,
            result_path="$.scoring.features",
        )
        analyse_answers.item_processor(
            self._invoke("AnalyseAnswer", score_interview, "$", "$", catch=False)  # caught by the Map
        )
        analyse_answers.add_catch(self._on_error, errors=CATCH_ALL, result_path="$.error")
        score = self._invoke(
            "ScoreInterview",
            score_interview,
            sfn.TaskInput.from_object(
                {"step": "score", **interview_ref, "features": sfn.JsonPath.list_at("$.scoring.features")}
            ),
            "$.scored",
        )
        plan_scoring.next(analyse_answers).next(score)
        score.next(self._publish_event("PublishScored", "$.scored")).next(sfn.Succeed(self, "Scored"))
        record_transcribed.next(self._publish_event("PublishTranscribed")).next(
            sfn.Choice(self, "AllAnswered?")
            .when(sfn.Condition.boolean_equals("$.event.data.ready_to_score", True), plan_scoring)
            .otherwise(sfn.Succeed(self, "Transcribed"))
        )
        accepted = (
            sfn.Choice(self, "Accepted?")
            .when(sfn.Condition.boolean_equals("$.probe.accepted", False), record_rejected)
            .otherwise(plan.next(analyse).next(record_transcribed))
        )
        definition = probe.next(accepted)

        log_group = encrypted_log_group(self, "StateMachineLogs")
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
        self._acknowledge(
            probe_media,
            plan_answers,
            transcribe_text,
            audio_features,
            vision_cpu,
            score_interview,
            persist,
            publish,
        )

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

    def _pool_task(
        self, state_id: str, queue: sqs.IQueue, request_path: str, result_path: str
    ) -> tasks.SqsSendMessage:
        """Hand the request to a worker pool and wait for its answer (``.waitForTaskToken``).

        The message carries the task token; a worker answers ``SendTaskSuccess`` with the stage's
        summary, or ``SendTaskFailure`` with the error's class name, which the retry rules below read
        as they read a Lambda's ``errorType``. Without a heartbeat for ``POOL_HEARTBEAT_S`` the worker
        is taken for dead, and the clip goes to the pool again.
        """
        task = tasks.SqsSendMessage(
            self,
            state_id,
            queue=queue,
            message_body=sfn.TaskInput.from_object(
                {"task_token": sfn.JsonPath.task_token, "request": sfn.JsonPath.object_at(request_path)}
            ),
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            heartbeat_timeout=sfn.Timeout.duration(Duration.seconds(constants.POOL_HEARTBEAT_S)),
            task_timeout=sfn.Timeout.duration(Duration.seconds(constants.POOL_TASK_TIMEOUT_S)),
            result_path=result_path,
        )
        task.add_retry(
            errors=SQS_SERVICE_ERRORS, interval=Duration.seconds(2), max_attempts=6, backoff_rate=2
        )
        task.add_retry(
            errors=WORKER_LOST,
            interval=Duration.seconds(1),
            max_attempts=WORKER_LOST_ATTEMPTS,
            backoff_rate=2,
        )
        task.add_retry(errors=[TRANSIENT_ERROR], interval=Duration.seconds(1), max_attempts=3, backoff_rate=2)
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

    def _publish_event(self, state_id: str, event_path: str = "$.event") -> tasks.LambdaInvoke:
        return self._invoke(
            state_id,
            self._publish,
            event_path,
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
        for fn in functions:
            logical_id = self.state_machine.stack.get_logical_id(fn.node.default_child)  # type: ignore[arg-type]
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>:*]",
                "LambdaInvoke grants the function's versions/aliases (ARN:*) of this one function.",
            )
