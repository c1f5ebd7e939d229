"""Upload -> EventBridge (default bus) -> SQS buffer -> StartEvaluation."""

from __future__ import annotations

from infra import constants

from .conftest import Synth


def _queue_id(synth: Synth, prefix: str) -> str:
    candidates = [k for k in synth.resources("AWS::SQS::Queue") if k.startswith(prefix) and "Dlq" not in k]
    assert len(candidates) == 1, candidates
    return candidates[0]


def test_rule_matches_object_created_under_uploads_in_the_uploads_bucket(synth: Synth) -> None:
    uploads_id, _ = synth.resource("AWS::S3::Bucket", "StorageUploadsBucket")
    _, rule = synth.resource("AWS::Events::Rule", "TriggerUploadCreated")
    props = rule["Properties"]
    assert "EventBusName" not in props  # the default bus, where S3 sends its events
    assert props["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [{"Ref": uploads_id}]},
            "object": {"key": [{"prefix": constants.UPLOADS_PREFIX}]},
        },
    }
    (target,) = props["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [_queue_id(synth, "TriggerUploadBuffer"), "Arn"]}
    target_dlq_id, _ = synth.resource("AWS::SQS::Queue", "TriggerUploadCreatedTargetDlq")
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [target_dlq_id, "Arn"]}}


def test_buffer_queue_is_encrypted_redrives_and_outlasts_six_starter_timeouts(synth: Synth) -> None:
    props = synth.raw["Resources"][_queue_id(synth, "TriggerUploadBuffer")]["Properties"]
    assert props["SqsManagedSseEnabled"] is True
    assert props["RedrivePolicy"]["maxReceiveCount"] == constants.DLQ_MAX_RECEIVE_COUNT
    _, starter = synth.resource("AWS::Lambda::Function", "ComputeStartEvaluation")
    assert props["VisibilityTimeout"] == constants.BUFFER_VISIBILITY_TIMEOUT_S
    assert props["VisibilityTimeout"] >= 6 * starter["Properties"]["Timeout"]


def test_every_queue_refuses_plain_http(synth: Synth) -> None:
    secured: set[str] = set()
    for policy in synth.resources("AWS::SQS::QueuePolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                secured.update(q["Ref"] for q in policy["Properties"]["Queues"])
    assert secured == set(synth.resources("AWS::SQS::Queue"))


def test_buffer_feeds_start_evaluation_in_batches_with_partial_failures(synth: Synth) -> None:
    starter_id, _ = synth.resource("AWS::Lambda::Function", "ComputeStartEvaluation")
    synth.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [_queue_id(synth, "TriggerUploadBuffer"), "Arn"]},
            "FunctionName": {"Ref": starter_id},
            "BatchSize": constants.STARTER_BATCH_SIZE,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )


def test_executions_that_end_unsuccessfully_reach_record_unfinished_through_a_queue(synth: Synth) -> None:
    machine_id, _ = synth.resource("AWS::StepFunctions::StateMachine", "WorkflowEvaluateInterview")
    _, rule = synth.resource("AWS::Events::Rule", "TriggerExecutionUnfinished")
    props = rule["Properties"]
    assert "EventBusName" not in props  # Step Functions sends its status changes to the default bus
    assert props["EventPattern"] == {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"], "stateMachineArn": [{"Ref": machine_id}]},
    }
    (target,) = props["Targets"]
    queue_id = _queue_id(synth, "TriggerUnfinishedExecutions")
    assert target["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert "DeadLetterConfig" in target and target["RetryPolicy"]["MaximumRetryAttempts"] == 185
    recorder_id, _ = synth.resource("AWS::Lambda::Function", "ComputeRecordUnfinished")
    synth.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [queue_id, "Arn"]},
            "FunctionName": {"Ref": recorder_id},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )
