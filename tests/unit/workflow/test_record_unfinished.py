"""RecordUnfinished: executions that ended without recording their end are recorded once, and nothing the
workflow or a later execution recorded is overwritten."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from jiping.domain.errors import STAGE_FAILED_ERROR, UNRECORDED_CAUSE
from jiping.domain.models import DomainEvent, ExecutionEnded, InterviewStatus, MediaRecord
from jiping.workflow import stages

from tests.unit.conftest import FakeInterviewRepository

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ARN = "arn:aws:states:us-east-1:123456789012:execution:Workflow:upload-abc"
INPUT = {
    "upload": {"bucket": "b", "key": "uploads/t-1/iv-1/q1.mp4", "version_id": "v1", "size": 10, "etag": "e"},
    "tenant_id": "t-1",
    "interview_id": "iv-1",
    "media_id": "q1",
    "artifact_prefix": "t-1/iv-1/q1",
    "received_at": T0.isoformat(),
}


def ended(status: str = "FAILED", arn: str = ARN, start: datetime = T0, **kw: str) -> ExecutionEnded:
    detail = {
        "executionArn": arn,
        "stateMachineArn": "arn:sm",
        "name": arn.rsplit(":", 1)[-1],
        "status": status,
        "startDate": int(start.timestamp() * 1000),
        "input": json.dumps(INPUT),
        **kw,
    }
    return ExecutionEnded.model_validate(detail)


def recorded(repo: FakeInterviewRepository, arn: str, status: InterviewStatus, at: datetime) -> None:
    def apply(current):
        assert current is None
        from jiping.domain.models import Interview

        row = Interview(tenant_id="t-1", interview_id="iv-1", status=status, created_at=at, updated_at=at)
        row.media["q1"] = MediaRecord(media_id="q1", status=status, key="k", execution_id=arn, updated_at=at)
        return row

    repo.update("t-1", "iv-1", apply)


@pytest.mark.parametrize(
    ("status", "error", "cause", "text"),
    [
        (
            "FAILED",
            "States.Runtime",
            "An error occurred while executing the state 'Accepted?'",
            "States.Runtime: An error occurred while executing the state 'Accepted?'",
        ),
        ("TIMED_OUT", None, None, "ExecutionTimedOut (execution TIMED_OUT)"),
        ("ABORTED", "Operator.Stopped", "on-call", "Operator.Stopped: on-call (execution ABORTED)"),
    ],
)
def test_an_execution_that_recorded_nothing_is_recorded_failed_with_why(status, error, cause, text) -> None:
    repo = FakeInterviewRepository()
    kw = {k: v for k, v in {"error": error, "cause": cause}.items() if v}
    event = stages.record_unfinished(ended(status, **kw), repo)
    row = repo.get("t-1", "iv-1")
    assert row is not None and row.status is InterviewStatus.FAILED
    media = row.media["q1"]
    assert (media.status, media.error, media.recorded_by, media.execution_id) == (
        InterviewStatus.FAILED,
        text,
        "watchdog",
        ARN,
    )
    assert [h.status for h in row.status_history] == [InterviewStatus.FAILED]
    assert isinstance(event, DomainEvent) and event.type == "interview.failed"
    assert event.id == DomainEvent.stable_id(ARN, "FAILED")  # the id the workflow itself would have used
    # a redelivered status change (or a retry after the publish failed) gives the same event, one history entry
    again = stages.record_unfinished(ended(status, **kw), repo)
    assert again is not None and again.id == event.id
    assert len(repo.stored("t-1", "iv-1").status_history) == 1


def test_what_the_workflow_recorded_itself_is_left_alone_and_not_published_twice() -> None:
    repo = FakeInterviewRepository()
    recorded(repo, ARN, InterviewStatus.FAILED, T0 + timedelta(seconds=30))
    assert (
        stages.record_unfinished(ended("FAILED", error=STAGE_FAILED_ERROR, cause="A stage failed"), repo)
        is None
    )
    assert repo.stored("t-1", "iv-1").media["q1"].recorded_by == "workflow"


def test_a_failure_recorded_but_not_published_is_published_now() -> None:
    repo = FakeInterviewRepository()
    recorded(repo, ARN, InterviewStatus.FAILED, T0 + timedelta(seconds=30))
    event = stages.record_unfinished(ended("FAILED", error=STAGE_FAILED_ERROR, cause=UNRECORDED_CAUSE), repo)
    assert event is not None and event.id == DomainEvent.stable_id(ARN, "FAILED")
    assert repo.stored("t-1", "iv-1").media["q1"].recorded_by == "workflow"


def test_a_late_event_does_not_overwrite_what_a_later_execution_recorded() -> None:
    repo = FakeInterviewRepository()
    recorded(repo, ARN + "-r1", InterviewStatus.TRANSCRIBED, T0 + timedelta(minutes=5))  # the redrive
    assert stages.record_unfinished(ended("ABORTED"), repo) is None
    assert repo.stored("t-1", "iv-1").media["q1"].status is InterviewStatus.TRANSCRIBED


def test_a_later_execution_failing_unrecorded_replaces_an_earlier_failure() -> None:
    repo = FakeInterviewRepository()
    recorded(repo, ARN, InterviewStatus.FAILED, T0 + timedelta(seconds=30))
    redriven = ended("TIMED_OUT", arn=ARN + "-r1", start=T0 + timedelta(minutes=5))
    assert stages.record_unfinished(redriven, repo) is not None
    assert repo.stored("t-1", "iv-1").media["q1"].execution_id == ARN + "-r1"


def test_succeeded_and_running_executions_are_ignored() -> None:
    repo = FakeInterviewRepository()
    assert stages.record_unfinished(ended("SUCCEEDED"), repo) is None
    assert stages.record_unfinished(ended("RUNNING"), repo) is None
    assert repo.writes == 0


def test_an_interview_erased_while_its_execution_ran_is_not_written_again_and_its_leftovers_go() -> None:
    repo = FakeInterviewRepository()
    repo.erase("t-1", "iv-1")
    erased: list[tuple[str, str]] = []
    assert stages.record_unfinished(ended("FAILED"), repo, lambda t, i: erased.append((t, i))) is None
    assert repo.get("t-1", "iv-1") is None and erased == [("t-1", "iv-1")]
