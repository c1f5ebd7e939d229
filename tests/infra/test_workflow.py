"""The one workflow definition: states, flow, retries, catches, logging and tracing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import constants

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


def flatten(states: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every state, the Parallel branches' included (state names are unique across a machine)."""
    out = dict(states)
    for state in states.values():
        for branch in state.get("Branches", []):
            out |= flatten(branch["States"])
        if "ItemProcessor" in state:
            out |= flatten(state["ItemProcessor"]["States"])
    return out


@pytest.fixture(scope="module")
def branches(states: dict) -> list[dict[str, Any]]:
    return states["Analyse"]["Branches"]


def test_the_workflow_has_exactly_the_named_states(states: dict, branches: list) -> None:
    assert set(states) == {
        "ProbeMedia",
        "Accepted?",
        "PlanAnswers",
        "Analyse",
        "RecordTranscribed",
        "PublishTranscribed",
        "AllAnswered?",
        "Transcribed",
        "PlanScoring",
        "AnalyseAnswers",
        "ScoreInterview",
        "PublishScored",
        "Scored",
        "RecordRejected",
        "PublishRejected",
        "Rejected",
        "RecordFailed",
        "PublishFailed",
        "Failed",
        "FailedUnrecorded",
    }
    speech, vision = branches
    assert set(speech["States"]) == {
        "ChooseTranscriber",
        "TranscribeOnCpuPool",
        "TranscribeOnGpuPool",
        "AudioFeatures",
        "SpeechMeasured",
        "TranscribeText",
        "TextRead",
    }
    assert set(vision["States"]) == {
        "HasVideo?",
        "NoVideo",
        "NoVideoConsent",
        "ChooseVisionRunner",
        "VisionOnLambda",
        "VisionOnPool",
        "VisionMeasured",
    }


def test_happy_rejected_and_failed_paths_are_wired(states: dict) -> None:
    assert states["ProbeMedia"]["InputPath"] == "$.upload"
    assert states["ProbeMedia"]["ResultPath"] == "$.probe"
    assert states["ProbeMedia"]["Next"] == "Accepted?"
    (rejected,) = states["Accepted?"]["Choices"]
    assert rejected == {"Variable": "$.probe.accepted", "BooleanEquals": False, "Next": "RecordRejected"}
    assert states["Accepted?"]["Default"] == "PlanAnswers"
    assert states["PlanAnswers"]["ResultPath"] == "$.plan"
    assert states["PlanAnswers"]["Next"] == "Analyse"
    assert states["Analyse"]["Type"] == "Parallel"
    assert states["Analyse"]["ResultPath"] == "$.analysis"  # [speech, vision], merged by Persist
    assert states["Analyse"]["Next"] == "RecordTranscribed"
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
        assert states[publish]["Next"] == ("AllAnswered?" if outcome == "TRANSCRIBED" else end)
        assert states[end]["Type"] == end_type
    assert states["Failed"]["Error"] == "Jiping.StageFailed"
    assert states["FailedUnrecorded"]["Type"] == "Fail"


def test_speech_branch_transcribes_then_measures_speech(branches: list) -> None:
    speech = branches[0]
    assert speech["StartAt"] == "ChooseTranscriber"
    s = speech["States"]
    text, gpu = s["ChooseTranscriber"]["Choices"]
    assert text == {"Variable": "$.probe.route", "StringEquals": "text", "Next": "TranscribeText"}
    # the plan's tier (the job profile's, else the stack's jiping:asrTier) picks the pool
    assert gpu == {"Variable": "$.plan.asr_tier", "StringEquals": "gpu", "Next": "TranscribeOnGpuPool"}
    # a written answer: its words are the transcript, and there is no audio to measure
    assert s["TranscribeText"]["InputPath"] == "$.plan.transcribe_request"
    assert s["TranscribeText"]["ResultPath"] == "$.transcription"
    assert s["TranscribeText"]["Next"] == "TextRead"
    assert s["TextRead"]["Parameters"] == {
        "transcription.$": "$.transcription",
        "audio": {"missing": "a text answer has no audio"},
    }
    assert s["TextRead"]["End"] is True
    assert s["ChooseTranscriber"]["Default"] == "TranscribeOnCpuPool"
    for transcriber in ("TranscribeOnCpuPool", "TranscribeOnGpuPool"):
        assert s[transcriber]["ResultPath"] == "$.transcription"
        assert s[transcriber]["Next"] == "AudioFeatures"
    assert s["AudioFeatures"]["InputPath"] == "$.plan.audio_request"
    assert s["AudioFeatures"]["ResultPath"] == "$.audio"
    assert s["AudioFeatures"]["Next"] == "SpeechMeasured"
    assert s["SpeechMeasured"]["Parameters"] == {"transcription.$": "$.transcription", "audio.$": "$.audio"}
    assert s["SpeechMeasured"]["End"] is True


def test_vision_branch_skips_audio_only_uploads_and_routes_long_videos_to_the_pool(branches: list) -> None:
    vision = branches[1]
    assert vision["StartAt"] == "HasVideo?"
    s = vision["States"]
    no_video, no_consent = s["HasVideo?"]["Choices"]
    assert no_video == {"Variable": "$.probe.video", "IsNull": True, "Next": "NoVideo"}
    # an audio-only interview (the candidate consented to audio only) has its video left unanalysed
    assert no_consent == {
        "Variable": "$.plan.vision_allowed",
        "BooleanEquals": False,
        "Next": "NoVideoConsent",
    }
    assert "consent" in s["NoVideoConsent"]["Result"]["missing"]
    assert s["NoVideo"]["Result"] == {"missing": "no video stream"}
    assert s["NoVideo"]["ResultPath"] == "$.vision"
    (pool,) = s["ChooseVisionRunner"]["Choices"]
    assert pool == {"Variable": "$.probe.route", "StringEquals": "pool", "Next": "VisionOnPool"}
    assert s["VisionOnLambda"]["InputPath"] == "$.plan.vision_request"
    for runner in ("VisionOnLambda", "VisionOnPool", "NoVideo", "NoVideoConsent"):
        assert s[runner]["ResultPath"] == "$.vision" and s[runner]["Next"] == "VisionMeasured"
    assert (
        s["VisionMeasured"]["Parameters"] == {"vision.$": "$.vision"} and s["VisionMeasured"]["End"] is True
    )


@pytest.mark.parametrize(
    ("state", "pool", "request_path"),
    [
        ("TranscribeOnCpuPool", constants.ASR_CPU_POOL, "$.plan.transcribe_request"),
        ("TranscribeOnGpuPool", constants.ASR_GPU_POOL, "$.plan.transcribe_request"),
        ("VisionOnPool", constants.VISION_POOL, "$.plan.vision_request"),
    ],
)
def test_pool_tasks_hand_the_request_over_with_a_task_token_and_wait_with_a_heartbeat(
    synth: Synth, states: dict, state: str, pool: str, request_path: str
) -> None:
    task = flatten(states)[state]
    # the callback pattern, not a Batch job per clip
    assert task["Resource"].endswith(":states:::sqs:sendMessage.waitForTaskToken")
    assert task["Parameters"]["MessageBody"] == {"task_token.$": "$$.Task.Token", "request.$": request_path}
    queue_id, _ = synth.resource("AWS::SQS::Queue", f"Pools{pool}Queue")
    _, machine_res = synth.resource("AWS::StepFunctions::StateMachine", "WorkflowEvaluateInterview")
    parts = machine_res["Properties"]["DefinitionString"]["Fn::Join"][1]
    (start,) = [i for i, p in enumerate(parts) if isinstance(p, str) and f'"{state}":' in p]
    refs = [
        p["Ref"]
        for p in parts[start:]
        if isinstance(p, dict) and not p.get("Ref", "AWS::").startswith("AWS::")
    ]
    assert refs[0] == queue_id  # the state's QueueUrl is this pool's queue
    assert task["HeartbeatSeconds"] == constants.POOL_HEARTBEAT_S
    assert task["TimeoutSeconds"] == constants.POOL_TASK_TIMEOUT_S
    assert constants.POOL_HEARTBEAT_S >= 3 * constants.POOL_HEARTBEAT_EVERY_S  # two lost beats are not death
    service, lost, transient = task["Retry"]
    assert set(service["ErrorEquals"]) == {"SQS.AmazonSQSException", "SQS.SdkClientException"}
    # a dead worker's clip goes to the pool again, with a new message and a new token
    assert set(lost["ErrorEquals"]) == {"States.HeartbeatTimeout", "States.Timeout"}
    assert lost["MaxAttempts"] >= 1
    assert transient["ErrorEquals"] == ["TransientError"]
    assert not any("batch:" in s.get("Resource", "") for s in flatten(states).values() if s["Type"] == "Task")


def test_every_lambda_task_retries_service_errors_and_transient_domain_errors(states: dict) -> None:
    lambda_tasks = {
        n: s
        for n, s in flatten(states).items()
        if s["Type"] == "Task" and "sqs:sendMessage" not in s["Resource"]
    }
    assert len(lambda_tasks) == 15
    for name, task in lambda_tasks.items():
        service, transient = task["Retry"]
        assert set(service["ErrorEquals"]) == LAMBDA_SERVICE_ERRORS, name
        assert (service["IntervalSeconds"], service["MaxAttempts"], service["BackoffRate"]) == (2, 6, 2), name
        assert transient["ErrorEquals"] == ["TransientError"], name
        assert (transient["IntervalSeconds"], transient["MaxAttempts"], transient["BackoffRate"]) == (1, 3, 2)


def test_every_failure_reaches_the_failure_path(states: dict, branches: list) -> None:
    # Top-level tasks and the Parallel catch everything; tasks inside a branch cannot leave it, so the
    # Parallel state's Catch covers them (a branch failure fails the Parallel).
    catchers = {n: s for n, s in states.items() if s["Type"] in {"Task", "Parallel", "Map"}}
    assert len(catchers) == 13
    for name, state in catchers.items():
        (catch,) = state["Catch"]
        expected = "FailedUnrecorded" if name in FAILURE_RECORDERS else "RecordFailed"
        assert catch == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": expected}, name
    for branch in [*branches, states["AnalyseAnswers"]["ItemProcessor"]]:
        assert all("Catch" not in s for s in branch["States"].values())


def test_standard_machine_logs_everything_but_execution_data_and_is_traced(machine: dict) -> None:
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is False


def test_the_last_answer_of_a_profiled_interview_goes_on_to_scoring(states: dict) -> None:
    (ready,) = states["AllAnswered?"]["Choices"]
    assert ready == {
        "Variable": "$.event.data.ready_to_score",
        "BooleanEquals": True,
        "Next": "PlanScoring",
    }
    assert states["AllAnswered?"]["Default"] == "Transcribed"
    interview = {
        "tenant_id.$": "$.tenant_id",
        "interview_id.$": "$.interview_id",
        "execution_id.$": "$$.Execution.Id",
    }
    plan = states["PlanScoring"]
    assert plan["Parameters"] == {"step": "plan", **interview}
    assert plan["ResultPath"] == "$.scoring" and plan["Next"] == "AnalyseAnswers"
    # one AnalyseAnswer per asked question, a bounded number at once, their features collected
    answers = states["AnalyseAnswers"]
    assert answers["Type"] == "Map" and answers["ItemsPath"] == "$.scoring.answers"
    assert answers["MaxConcurrency"] == 8 and answers["ResultPath"] == "$.scoring.features"
    (analyse,) = answers["ItemProcessor"]["States"].values()
    assert analyse["InputPath"] == "$" and analyse["ResultPath"] == "$" and analyse["End"] is True
    assert analyse["Resource"] == plan["Resource"] == states["ScoreInterview"]["Resource"]  # one image
    assert answers["Next"] == "ScoreInterview"
    score = states["ScoreInterview"]
    assert score["Parameters"] == {"step": "score", **interview, "features.$": "$.scoring.features"}
    assert score["ResultPath"] == "$.scored" and score["Next"] == "PublishScored"
    assert states["PublishScored"]["InputPath"] == "$.scored" and states["PublishScored"]["Next"] == "Scored"
    assert states["Scored"]["Type"] == "Succeed"
