"""The warm worker pool under failure: a worker that dies mid-clip loses nothing, and nothing is doubled."""

from __future__ import annotations

from jiping.domain.models import InterviewStatus

from infra import constants
from tests.conftest import SAMPLE_MEDIA
from tests.e2e.conftest import delivered_events, interview_row, transcript_of

TENANT = "t-pool"


def test_killing_a_worker_mid_clip_loses_nothing_and_the_clip_is_evaluated_once(cloud):
    pool = cloud.pools[constants.ASR_CPU_POOL]
    answered_before = len(pool.answers)
    # GIVEN a clip handed to the CPU transcription pool
    cloud.register_consent(TENANT, "iv-killed")
    upload = cloud.upload(SAMPLE_MEDIA / "q2_en.mp4", TENANT, "iv-killed")
    # WHEN the worker that took it dies in the middle of the clip (no more heartbeats, no answer)
    victim = pool.busy_worker(timeout=120)
    pool.kill(victim)
    result = cloud.wait_for_execution(cloud.execution_arn(**upload), timeout=600)
    try:
        # THEN the task timed out on its heartbeat, the workflow handed the clip to the pool again,
        # and another worker finished it
        assert result.status == "SUCCEEDED", (result.error, result.cause)
        timeouts = [e for e in result.history if e["type"] == "TaskTimedOut" or "HeartbeatTimeout" in str(e)]
        assert timeouts, "the dead worker's task should have timed out on its heartbeat"
        names = [s["name"] for s in result.states()]
        assert names.count("TranscribeOnCpuPool") == 1  # one state, retried inside it
        answers = pool.answers[answered_before:]
        assert victim.name not in {a.worker for a in answers}  # the dead worker never answered
        assert [(a.kind, a.accepted) for a in answers] == [("success", True)]  # exactly one answer
        assert answers[0].worker != victim.name
        # AND it was evaluated once: one transcript, one TRANSCRIBED row, one event
        row = interview_row(cloud, TENANT, "iv-killed")
        assert row.status is InterviewStatus.TRANSCRIBED
        assert transcript_of(cloud, row.media["q2_en"].transcript_key).text
        events = delivered_events(cloud, "iv-killed")
        assert [e["detail-type"] for e in events] == ["interview.transcribed"]
    finally:
        pool.restart()  # a full pool for the tests that follow (ECS would start a replacement task)


def test_the_gpu_tier_is_chosen_by_the_interviews_job_profile(cloud):
    from jiping.adapters.dynamo.interviews import DynamoInterviewRepository

    # GIVEN an interview whose job profile asks for the GPU tier (locally its pool runs on the CPU)
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    cloud.register_consent(TENANT, "iv-gpu")

    def gpu(row):
        row.asr_tier = "gpu"
        return row

    repo.update(TENANT, "iv-gpu", gpu)
    gpu_before = len(cloud.pools[constants.ASR_GPU_POOL].answers)
    cpu_before = len(cloud.pools[constants.ASR_CPU_POOL].answers)
    upload = cloud.upload(SAMPLE_MEDIA / "q2_en.mp4", TENANT, "iv-gpu")
    result = cloud.wait_for_execution(cloud.execution_arn(**upload), timeout=600)
    # THEN the GPU pool transcribed it, not the CPU pool
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    names = [s["name"] for s in result.states()]
    assert "TranscribeOnGpuPool" in names and "TranscribeOnCpuPool" not in names
    assert len(cloud.pools[constants.ASR_GPU_POOL].answers) == gpu_before + 1
    assert len(cloud.pools[constants.ASR_CPU_POOL].answers) == cpu_before
