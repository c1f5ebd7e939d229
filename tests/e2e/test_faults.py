"""Fault injection through the local cloud: every Lambda stage of the workflow throws, times out or returns
garbage, DynamoDB throttles, an operator aborts an execution. Each execution ends (none is left RUNNING)
with its outcome recorded on the interview row and published once; a failed one can be redriven.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from jiping.adapters.redrive import NotRedrivable, redrive
from jiping.domain.errors import UNRECORDED_CAUSE
from jiping.domain.models import InterviewStatus, MediaRecord

from infra import constants
from infra.cli.redrive import redrive_cli
from infra.localcloud.cloud import Delays, LambdaServiceError, Returns
from tests.e2e.conftest import delivered_events, interview_row
from tests.support import media_factory as mf

pytestmark = pytest.mark.slow
TENANT = "t-faults"
# The Lambda stages a plain answer clip passes through, in order (scoring needs a job profile: see below;
# the transcription pool's failures are tests/e2e/test_worker_pool.py and tests/unit/workflow/test_pool.py).
STAGES = ["ProbeMedia", "PlanAnswers", "AudioFeatures", "VisionCpu", "Persist", "Publish"]
FAULTS: dict[str, Any] = {
    "throws": RuntimeError("injected: the stage crashed"),
    "times-out": LambdaServiceError("Sandbox.Timedout", "Task timed out after 900.00 seconds"),
    "returns-garbage": Returns({"garbage": ["not", "what", "the", "next", "state", "reads"]}),
}
OUTCOME_EVENTS = {"interview.transcribed", "interview.rejected", "interview.failed"}


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mf.make_clip(tmp_path_factory.mktemp("faults") / "answer.mp4", seconds=2.0)


def _media(cloud: Any, interview: str, timeout: float = 60) -> MediaRecord:
    """The one media record of the interview, once something recorded how its execution ended."""
    deadline = time.monotonic() + timeout
    while True:
        cloud.drain()
        row = interview_row(cloud, TENANT, interview) if _exists(cloud, interview) else None
        if row and row.media:
            (media,) = row.media.values()
            return media
        assert time.monotonic() < deadline, f"{interview}: the execution ended and nothing was recorded"
        time.sleep(0.2)


def _exists(cloud: Any, interview: str) -> bool:
    from jiping.adapters.dynamo.interviews import DynamoInterviewRepository

    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    return repo.get(TENANT, interview) is not None


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("stage", STAGES)
def test_a_fault_in_any_stage_ends_the_execution_recorded_and_published_once(cloud, clip, stage, fault):
    interview = f"iv-{stage.lower()}-{fault}"
    # GIVEN the stage's next invoke fails this way
    cloud.inject_faults(stage, FAULTS[fault])
    cloud.register_consent(TENANT, interview)  # so that VisionCpu runs
    up = cloud.upload(clip, TENANT, interview, "answer.mp4")
    result = cloud.wait_for_execution(cloud.execution_arn(**up), timeout=300)
    # THEN the execution ended and what its end was is recorded on the row, by the workflow or the watchdog
    assert result.status in {"SUCCEEDED", "FAILED"}, result.status
    media = _media(cloud, interview)
    assert media.execution_id == result.arn
    if result.status == "FAILED":
        assert media.status is InterviewStatus.FAILED and media.error
    else:  # the fault did not matter (garbage from a stage whose answer is not read)
        assert media.status is InterviewStatus.TRANSCRIBED
    # AND exactly one outcome event was published, the one matching the record
    outcomes = [e for e in delivered_events(cloud, interview) if e["detail-type"] in OUTCOME_EVENTS]
    assert [e["detail-type"] for e in outcomes] == [f"interview.{media.status.value.lower()}"], outcomes
    assert not cloud.faults.get(stage), "the fault was not reached"


def test_garbage_the_workflow_cannot_read_is_recorded_by_the_watchdog_and_redrive_evaluates_again(
    cloud, clip, capsys
):
    interview = "iv-garbage-redrive"
    # GIVEN ProbeMedia answers garbage: the next states cannot read it and neither can RecordFailed
    cloud.inject_faults("ProbeMedia", FAULTS["returns-garbage"])
    up = cloud.upload(clip, TENANT, interview, "answer.mp4")
    first = cloud.wait_for_execution(cloud.execution_arn(**up), timeout=300)
    assert first.status == "FAILED"
    media = _media(cloud, interview)
    # THEN the watchdog (the execution's status change event) recorded it, once
    assert media.recorded_by == "watchdog" and media.status is InterviewStatus.FAILED
    assert media.execution_id == first.arn and UNRECORDED_CAUSE in (media.error or "")
    (failed,) = delivered_events(cloud, interview)
    assert (
        failed["detail-type"] == "interview.failed" and failed["detail"]["data"]["execution_id"] == first.arn
    )
    # WHEN the operator redrives it (twice: the second finds the first redrive and starts nothing)
    sfn = cloud.client("stepfunctions")
    again = redrive(sfn, first.arn)
    assert again.started and again.execution_arn.endswith("-r1")
    second = cloud.wait_for_execution(again.execution_arn, timeout=300)
    assert redrive(sfn, first.arn) == type(again)(first.arn, again.execution_arn, False)
    # THEN the upload is evaluated again from the same input and its new outcome replaces the failure
    assert second.status == "SUCCEEDED"
    row = interview_row(cloud, TENANT, interview)
    (media,) = row.media.values()
    assert media.status is InterviewStatus.TRANSCRIBED and media.execution_id == second.arn
    assert row.status is InterviewStatus.TRANSCRIBED
    assert [h.status for h in row.status_history if h.media_id == media.media_id] == [
        InterviewStatus.FAILED,
        InterviewStatus.TRANSCRIBED,
    ]
    cloud.drain()
    assert [e["detail-type"] for e in delivered_events(cloud, interview)] == ["interview.transcribed"]
    # AND a succeeded execution is not redriven
    with pytest.raises(NotRedrivable) as refused:
        redrive(sfn, second.arn)
    assert refused.value.code == "NOT_REDRIVABLE"
    # AND the operator's command says what it did per execution, and exits 1 when one was not redriven
    status = redrive_cli(sfn, cloud.state_machine_arn, [first.arn, second.arn], None)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("arn:")]  # not the logs
    assert status == 1 and lines == [
        f"{first.arn}\talready redriven\t{second.arn}",
        f"{second.arn}\tskipped\tNOT_REDRIVABLE: the execution is SUCCEEDED, not failed",
    ]


def test_an_aborted_execution_is_recorded_failed_and_its_late_event_overwrites_nothing(cloud, clip):
    interview = "iv-aborted"
    sfn = cloud.client("stepfunctions")
    # GIVEN an execution an operator stops while it runs (as the 2 h execution timeout would)
    cloud.inject_faults("ProbeMedia", Delays(3.0))
    up = cloud.upload(clip, TENANT, interview, "answer.mp4")
    arn = cloud.execution_arn(**up)
    cloud.wait_for_start(arn)
    while not any(e["type"] == "TaskStateEntered" for e in cloud.history(arn)):  # ProbeMedia is running
        time.sleep(0.05)
    sfn.stop_execution(executionArn=arn, error="Operator.Stopped", cause="stopped by the on-call engineer")
    result = cloud.wait_for_execution(arn, timeout=300)
    assert result.status == "ABORTED"
    # THEN the watchdog records it FAILED with the operator's reason, and publishes it once
    media = _media(cloud, interview)
    assert media.status is InterviewStatus.FAILED and media.recorded_by == "watchdog"
    # (AWS passes StopExecution's error and cause on; moto drops them, so only the status is certain here)
    assert (media.error or "").endswith("(execution ABORTED)")
    assert [e["detail-type"] for e in delivered_events(cloud, interview)] == ["interview.failed"]
    # WHEN it is redriven and succeeds, and the old status change event is delivered again late
    again = redrive(sfn, arn)
    assert cloud.wait_for_execution(again.execution_arn, timeout=300).status == "SUCCEEDED"
    _replay_status_change(cloud, arn)
    cloud.drain()
    # THEN the late event changes nothing: the redrive's outcome stands
    (media,) = interview_row(cloud, TENANT, interview).media.values()
    assert media.status is InterviewStatus.TRANSCRIBED and media.execution_id == again.execution_arn
    assert [e["detail-type"] for e in delivered_events(cloud, interview)] == ["interview.transcribed"]


def _replay_status_change(cloud: Any, arn: str) -> None:
    import json

    described = cloud.client("stepfunctions").describe_execution(executionArn=arn)
    detail = {
        "executionArn": arn,
        "stateMachineArn": described["stateMachineArn"],
        "name": described["name"],
        "status": described["status"],
        "startDate": int(described["startDate"].timestamp() * 1000),
        "input": described["input"],
        "error": described.get("error"),
        "cause": described.get("cause"),
    }
    cloud.client("events").put_events(
        Entries=[
            {
                "Source": "aws.states",
                "DetailType": "Step Functions Execution Status Change",
                "Detail": json.dumps(detail),
            }
        ]
    )


def test_throttled_dynamodb_writes_are_retried_and_the_outcome_recorded_once(cloud, clip):
    interview = "iv-throttled"
    # GIVEN the interviews table refuses its next 12 writes as throttled (beyond the SDK's own retries)
    cloud.throttle_table(constants.OUTPUT_INTERVIEWS_TABLE, 12)
    up = cloud.upload(clip, TENANT, interview, "answer.mp4")
    result = cloud.wait_for_execution(cloud.execution_arn(**up), timeout=300)
    # THEN retries absorbed them (the SDK's, then the workflow's on TransientError): recorded once, published once
    assert cloud.throttles_left(constants.OUTPUT_INTERVIEWS_TABLE) == 0
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    persist = cloud.function("Persist").name
    persists = [
        e
        for e in result.history
        if e["type"] == "LambdaFunctionScheduled"
        and e["lambdaFunctionScheduledEventDetails"]["resource"].endswith(persist)
    ]
    assert len(persists) > 1  # the SDK's retries were not enough: the workflow retried Persist
    row = interview_row(cloud, TENANT, interview)
    assert row.status is InterviewStatus.TRANSCRIBED
    assert [h.status for h in row.status_history] == [InterviewStatus.TRANSCRIBED]
    cloud.drain()
    assert [e["detail-type"] for e in delivered_events(cloud, interview)] == ["interview.transcribed"]


def test_an_interview_erased_while_it_is_processed_stays_erased(cloud, clip):
    import json as _json

    from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
    from jiping.portal.interviews import SCOPES, mint_key

    from infra.localcloud.api_gateway import LocalApi

    api, tenant, interview = LocalApi(cloud), "t-faults-erase", "iv-erase-race"
    key = mint_key(DynamoApiKeyStore(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), tenant, SCOPES)
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    consent = {"biometric": True, "version": "2026-11", "given_at": "2026-11-22T08:00:00Z"}
    made = api.request(
        "POST",
        "/v1/interviews",
        headers=headers,
        body=_json.dumps(
            {
                "interview_id": interview,
                "candidate_ref": "cand-race",
                "job_id": "customer-service",
                "questions": [{"question_id": "q1"}],
                "consent": consent,
            }
        ),
    )
    assert made.status == 201, made.body
    # GIVEN an answer whose execution is held before it records its outcome
    cloud.inject_faults("Persist", Delays(3.0))
    up = cloud.upload(clip, tenant, interview, "q1.mp4")
    arn = cloud.execution_arn(**up)
    cloud.wait_for_start(arn)
    while not any(
        e["type"] == "TaskStateEntered" and e["stateEnteredEventDetails"]["name"] == "RecordTranscribed"
        for e in cloud.history(arn)
    ):
        time.sleep(0.05)
    # WHEN the candidate is erased meanwhile, and a stage still running writes after the erasure
    erased = api.request("DELETE", "/v1/candidates/cand-race", headers=headers)
    assert erased.status == 200 and erased.json()["interviews"] == [interview]
    artifacts = cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET]
    s3 = cloud.client("s3")
    s3.put_object(Bucket=artifacts, Key=f"{tenant}/{interview}/q1/late.json", Body=b"{}")  # as a stage would
    result = cloud.wait_for_execution(arn, timeout=300)
    cloud.drain()
    # THEN the execution could not write the interview again, and the watchdog removed the late write
    assert result.status == "FAILED"
    assert api.request("GET", f"/v1/interviews/{interview}", headers=headers).status == 404
    for bucket, prefix in (
        (cloud.uploads_bucket, f"uploads/{tenant}/{interview}/"),
        (artifacts, f"{tenant}/{interview}/"),
    ):
        page = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
        assert page.get("Versions", []) == page.get("DeleteMarkers", []) == [], bucket
    row = cloud.client("dynamodb").get_item(
        TableName=cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE],
        Key={"tenant_id": {"S": tenant}, "interview_id": {"S": interview}},
    )["Item"]
    assert row["status"]["S"] == "ERASED" and not {
        "candidate_ref",
        "consent",
        "wecom",
        "overall_score",
    } & set(row)
    assert not row.get("media", {}).get("L")
    assert [e["detail-type"] for e in delivered_events(cloud, interview)] == ["interview.erased"]
    # AND the id cannot be reused while the tombstone lasts
    again = api.request(
        "POST",
        "/v1/interviews",
        headers=headers,
        body=_json.dumps(
            {
                "interview_id": interview,
                "candidate_ref": "cand-race",
                "job_id": "customer-service",
                "questions": [{"question_id": "q1"}],
                "consent": consent,
            }
        ),
    )
    assert again.status == 409 and again.json()["error"]["code"] == "INTERVIEW_ERASED"
