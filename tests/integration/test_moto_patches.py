"""The moto patches: present, effective, and loud when a moto upgrade moves what they patch."""

from __future__ import annotations

import time

import pytest
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint

from infra.localcloud import moto_patches


def test_hooks_exist_in_the_pinned_moto():
    moto_patches.check()


def test_a_moved_lambda_hook_fails_with_its_name(monkeypatch):
    monkeypatch.setattr(LambdaSimpleBackend, "invoke", lambda self, name, body: None)
    with pytest.raises(moto_patches.HookMissing, match="LambdaSimpleBackend.invoke"):
        moto_patches.check()


def test_a_moved_heartbeat_hook_fails_with_its_name(monkeypatch):
    monkeypatch.setattr(CallbackEndpoint, "setup_heartbeat_endpoint", lambda self: None)
    with pytest.raises(moto_patches.HookMissing, match="setup_heartbeat_endpoint"):
        moto_patches.check()


def test_patches_are_installed_while_the_cloud_runs(cloud):
    assert LambdaSimpleBackend.invoke is moto_patches._invoke
    assert CallbackEndpoint.setup_heartbeat_endpoint is moto_patches._setup_heartbeat_endpoint


def test_heartbeat_timeouts_are_scaled_like_retry_waits(cloud):
    endpoint = CallbackEndpoint(callback_id="token")
    heartbeat = endpoint.setup_heartbeat_endpoint(heartbeat_seconds=120)
    seconds = heartbeat._heartbeat_seconds
    assert seconds == pytest.approx(max(0.5, 120 * cloud.heartbeat_scale))
    assert seconds < 120


def test_batch_parameters_are_normalised_by_the_service_model():
    """submitJob.sync reads JobId from the submit response: without the restored conversion it is jobId."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_batch import (
        StateTaskServiceBatch,
    )

    class Resource:
        api_name, api_action, resource_arn = "batch", "submitJob", "arn:aws:states:::batch:submitJob.sync"

    svc = StateTaskServiceBatch()
    svc.resource = Resource()  # type: ignore[assignment]
    params = {"JobName": "n", "JobQueue": "q", "JobDefinition": "d", "Parameters": {"request": "{}"}}
    moto_patches._normalise_parameters(svc, params)
    assert set(params) == {"jobName", "jobQueue", "jobDefinition", "parameters"}
    response = {"jobId": "1", "jobName": "n", "jobArn": "a"}
    moto_patches._normalise_response(svc, response)
    assert response == {"JobId": "1", "JobName": "n", "JobArn": "a"}


def test_a_heartbeat_is_accepted_as_soon_as_the_token_exists(cloud):
    """moto sends a waitForTaskToken task's message before it sets up the heartbeat; AWS accepts a
    heartbeat from the start, and so does the patched moto (a quick worker's first call)."""
    endpoint = CallbackEndpoint(callback_id="token")
    assert endpoint.notify_heartbeat() is True
    endpoint.setup_heartbeat_endpoint(heartbeat_seconds=120)
    assert endpoint.notify_heartbeat() is True


def test_an_answer_before_the_heartbeat_is_set_up_is_not_lost(cloud):
    """A worker that fails fast answers before moto sets up the task's heartbeat: the wait sees the answer
    at once (unpatched, it waited for a heartbeat timeout and retried a task that had been answered)."""
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeFailure

    endpoint = CallbackEndpoint(callback_id="token")
    endpoint.notify(CallbackOutcomeFailure(callback_id="token", error="ModelAssetError", cause="{}"))
    heartbeat = endpoint.setup_heartbeat_endpoint(heartbeat_seconds=120)
    started = time.monotonic()
    assert heartbeat.clear_and_wait() is True
    assert time.monotonic() - started < 0.5
