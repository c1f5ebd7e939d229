"""The moto patches: present, effective, and loud when a moto upgrade moves what they patch."""

from __future__ import annotations

import pytest
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.batch_simple.models import BatchSimpleBackend

from infra.localcloud import moto_patches


def test_hooks_exist_in_the_pinned_moto():
    moto_patches.check()


def test_a_moved_lambda_hook_fails_with_its_name(monkeypatch):
    monkeypatch.setattr(LambdaSimpleBackend, "invoke", lambda self, name, body: None)
    with pytest.raises(moto_patches.HookMissing, match="LambdaSimpleBackend.invoke"):
        moto_patches.check()


def test_a_moved_batch_hook_fails_with_its_name(monkeypatch):
    monkeypatch.delattr(BatchSimpleBackend, "_mark_job_as_finished")
    with pytest.raises(moto_patches.HookMissing, match="_mark_job_as_finished"):
        moto_patches.check()


def test_patches_are_installed_while_the_cloud_runs(cloud):
    assert LambdaSimpleBackend.invoke is moto_patches._invoke
    assert BatchSimpleBackend._mark_job_as_finished is moto_patches._mark_job_as_finished


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
