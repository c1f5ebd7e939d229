"""The one workflow definition: states, flow, retries, catches, logging and tracing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Synth, resolve_join

LAMBDA_SERVICE_ERRORS = {
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}
FAILURE_RECORDERS = {"RecordFailed", "PublishFailed"}


@pytest.fixture(scope="module")
def machine(synth: Synth) -> dict[str, Any]:
    _, sm = synth.resource("AWS::StepFunctions::StateMachine", "WorkflowEvaluateInterview")
    return sm["Properties"]


@pytest.fixture(scope="module")
def states(machine: dict[str, Any]) -> dict[str, dict[str, Any]]:
    definition = json.loads(resolve_join(machine["DefinitionString"]))
    assert definition["StartAt"] == "ProbeMedia"
    assert definition["TimeoutSeconds"] == 2 * 3600
    assert "QueryLanguage" not in definition or definition["QueryLanguage"] == "JSONPath"
    return definition["States"]


def test_the_workflow_has_exactly_the_named_states(states: dict) -> None:
    assert set(states) == {
        "ProbeMedia",
        "Accepted?",
        "PrepareTranscription",
        "ChooseTranscriber",
        "TranscribeOnLambda",
        "TranscribeOnBatch",
        "RecordTranscribed",
        "PublishTranscribed",
        "Transcribed",
        "RecordRejected",
        "PublishRejected",
        "Rejected",
        "RecordFailed",
        "PublishFailed",
        "Failed",
        "FailedUnrecorded",
    }


def test_happy_rejected_and_failed_paths_are_wired(states: dict) -> None:
    assert states["ProbeMedia"]["InputPath"] == "$.upload"
    assert states["ProbeMedia"]["ResultPath"] == "$.probe"
    assert states["ProbeMedia"]["Next"] == "Accepted?"
    (rejected,) = states["Accepted?"]["Choices"]
    assert rejected == {"Variable": "$.probe.accepted", "BooleanEquals": False, "Next": "RecordRejected"}
    assert states["Accepted?"]["Default"] == "PrepareTranscription"
    assert states["PrepareTranscription"]["Type"] == "Pass"
    assert states["PrepareTranscription"]["Parameters"]["source.$"] == "$.upload"
    assert states["PrepareTranscription"]["Parameters"]["output"]["key.$"] == (
        "States.Format('{}/transcript.json', $.artifact_prefix)"
    )
    assert states["PrepareTranscription"]["ResultPath"] == "$.transcribe_request"
    assert states["PrepareTranscription"]["Next"] == "ChooseTranscriber"
    (batch,) = states["ChooseTranscriber"]["Choices"]
    assert batch == {"Variable": "$.probe.route", "StringEquals": "batch", "Next": "TranscribeOnBatch"}
    assert states["ChooseTranscriber"]["Default"] == "TranscribeOnLambda"
    for transcriber in ("TranscribeOnLambda", "TranscribeOnBatch"):
        assert states[transcriber]["ResultPath"] == "$.transcription"
        assert states[transcriber]["Next"] == "RecordTranscribed"
    assert states["TranscribeOnLambda"]["InputPath"] == "$.transcribe_request"
    for outcome, record, publish, end, end_type in (
        ("TRANSCRIBED", "RecordTranscribed", "PublishTranscribed", "Transcribed", "Succeed"),
        ("REJECTED", "RecordRejected", "PublishRejected", "Rejected", "Succeed"),
        ("FAILED", "RecordFailed", "PublishFailed", "Failed", "Fail"),
    ):
        assert states[record]["Parameters"] == {
            "outcome": outcome,
            "execution_id.$": "$$.Execution.Id",
            "execution_started_at.$": "$$.Execution.StartTime",
            "input.$": "$",
        }
        assert states[record]["ResultPath"] == "$.event"
        assert states[record]["Next"] == publish
        assert states[publish]["InputPath"] == "$.event"
        assert states[publish]["ResultPath"] is None  # DISCARD
        assert states[publish]["Next"] == end
        assert states[end]["Type"] == end_type
    assert states["Failed"]["Error"] == "Jiping.StageFailed"
    assert states["FailedUnrecorded"]["Type"] == "Fail"


def test_batch_transcription_runs_the_job_synchronously_with_the_request_as_parameter(states: dict) -> None:
    task = states["TranscribeOnBatch"]
    assert task["Resource"].endswith(":states:::batch:submitJob.sync")
    assert task["Parameters"]["Parameters"] == {"request.$": "States.JsonToString($.transcribe_request)"}
    assert task["ResultSelector"] == {"job_id.$": "$.JobId", "status.$": "$.Status"}
    (retry,) = task["Retry"]
    assert set(retry["ErrorEquals"]) == {"Batch.AWSBatchException", "Batch.ServerException"}
    assert (retry["IntervalSeconds"], retry["MaxAttempts"]) == (5, 3)


def test_every_lambda_task_retries_service_errors_and_transient_domain_errors(states: dict) -> None:
    lambda_tasks = {n: s for n, s in states.items() if s["Type"] == "Task" and n != "TranscribeOnBatch"}
    assert len(lambda_tasks) == 8
    for name, task in lambda_tasks.items():
        service, transient = task["Retry"]
        assert set(service["ErrorEquals"]) == LAMBDA_SERVICE_ERRORS, name
        assert (service["IntervalSeconds"], service["MaxAttempts"], service["BackoffRate"]) == (2, 6, 2), name
        assert transient["ErrorEquals"] == ["TransientError"], name
        assert (transient["IntervalSeconds"], transient["MaxAttempts"], transient["BackoffRate"]) == (1, 3, 2)


def test_every_task_catches_everything_into_the_failure_path(states: dict) -> None:
    tasks = {n: s for n, s in states.items() if s["Type"] == "Task"}
    assert len(tasks) == 9
    for name, task in tasks.items():
        (catch,) = task["Catch"]
        expected = "FailedUnrecorded" if name in FAILURE_RECORDERS else "RecordFailed"
        assert catch == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": expected}, name


def test_standard_machine_logs_everything_but_execution_data_and_is_traced(machine: dict) -> None:
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is False
