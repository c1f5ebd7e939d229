"""The warm worker pools: queues with dead letters, ECS services scaled on backlog, the GPU capacity."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import constants
from infra.constructs.pools import backlog_steps

from .conftest import Synth

POOLS = (constants.ASR_CPU_POOL, constants.ASR_GPU_POOL, constants.VISION_POOL)


def _env(task: dict[str, Any]) -> dict[str, Any]:
    (container,) = task["Properties"]["ContainerDefinitions"]
    return {e["Name"]: e["Value"] for e in container["Environment"]}


@pytest.mark.parametrize("pool", POOLS)
def test_each_pool_has_a_queue_that_redrives_to_its_dead_letter_queue(synth: Synth, pool: str) -> None:
    _, queue = synth.resource("AWS::SQS::Queue", f"Pools{pool}Queue")
    dlq_id, dlq = synth.resource("AWS::SQS::Queue", f"Pools{pool}DeadLetters")
    redrive = queue["Properties"]["RedrivePolicy"]
    assert redrive == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": constants.POOL_MAX_RECEIVE_COUNT,
    }
    assert queue["Properties"]["VisibilityTimeout"] == constants.POOL_VISIBILITY_TIMEOUT_S
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    # the dead letters alarm (infra/constructs/operations.py)
    alarms = [
        a["Properties"]
        for a in synth.resources("AWS::CloudWatch::Alarm").values()
        if {"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}
        in a["Properties"].get("Dimensions", [])
    ]
    assert alarms and all(a["AlarmActions"] for a in alarms)


@pytest.mark.parametrize("pool", POOLS)
def test_workers_run_the_entrypoint_in_pool_mode_on_their_queue(synth: Synth, pool: str) -> None:
    _, task = synth.resource("AWS::ECS::TaskDefinition", f"Pools{pool}Task")
    (container,) = task["Properties"]["ContainerDefinitions"]
    assert container["Command"] == ["python3", "/app/entrypoint.py", "--pool"]
    queue_id, _ = synth.resource("AWS::SQS::Queue", f"Pools{pool}Queue")
    env = _env(task)
    assert env["POOL_QUEUE_URL"] == {"Ref": queue_id}
    assert int(env["POOL_CLIPS_PER_PASS"]) == constants.POOL_CLIPS_PER_PASS
    assert float(env["POOL_HEARTBEAT_EVERY_S"]) < constants.POOL_HEARTBEAT_S
    assert container["StopTimeout"] == 120  # SIGTERM lets the pass under way finish
    assert container["LogConfiguration"]["LogDriver"] == "awslogs"


def _statements(synth: Synth, role_prefix: str) -> list[dict[str, Any]]:
    role_id, _ = synth.resource("AWS::IAM::Role", role_prefix)
    return [
        st
        for p in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for st in p["Properties"]["PolicyDocument"]["Statement"]
    ]


@pytest.mark.parametrize("pool", POOLS)
def test_a_worker_may_drain_its_own_queue_and_answer_this_workflow_only(synth: Synth, pool: str) -> None:
    statements = _statements(synth, f"Pools{pool}TaskRole")
    actions = {
        a for st in statements for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
    }
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= actions
    assert {"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"} <= actions
    machine_id, _ = synth.resource("AWS::StepFunctions::StateMachine", "WorkflowEvaluateInterview")
    for st in statements:
        if any(
            str(a).startswith("states:")
            for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
        ):
            assert st["Resource"] == {"Ref": machine_id}
        if any(
            str(a).startswith("sqs:")
            for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
        ):
            queue_id, _ = synth.resource("AWS::SQS::Queue", f"Pools{pool}Queue")
            assert st["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert not any(str(a).startswith(("dynamodb:", "events:")) for a in actions)


@pytest.mark.parametrize(
    ("pool", "launch"), [(constants.ASR_CPU_POOL, "FARGATE"), (constants.VISION_POOL, "FARGATE")]
)
def test_cpu_pools_run_on_fargate_spot_first_and_start_at_zero(synth: Synth, pool: str, launch: str) -> None:
    _, service = synth.resource("AWS::ECS::Service", f"Pools{pool}Service")
    props = service["Properties"]
    assert props["DesiredCount"] == 0
    strategy = {s["CapacityProvider"]: s["Weight"] for s in props["CapacityProviderStrategy"]}
    assert strategy["FARGATE_SPOT"] > strategy["FARGATE"]
    _, task = synth.resource("AWS::ECS::TaskDefinition", f"Pools{pool}Task")
    assert task["Properties"]["RequiresCompatibilities"] == [launch]


def test_the_cpu_transcription_pool_runs_whisper_base_on_the_cpu(synth: Synth) -> None:
    _, task = synth.resource("AWS::ECS::TaskDefinition", f"Pools{constants.ASR_CPU_POOL}Task")
    env = _env(task)
    assert (env["WHISPER_MODEL"], env["WHISPER_DEVICE"], env["WHISPER_COMPUTE_TYPE"]) == (
        "base",
        "cpu",
        "int8",
    )
    assert int(task["Properties"]["Cpu"]) == constants.ASR_CPU_WORKER_VCPUS * 1024


def test_the_gpu_pool_runs_large_v3_turbo_on_one_gpu_of_al2023_nvidia_instances(synth: Synth) -> None:
    _, task = synth.resource("AWS::ECS::TaskDefinition", f"Pools{constants.ASR_GPU_POOL}Task")
    (container,) = task["Properties"]["ContainerDefinitions"]
    assert container["ResourceRequirements"] == [{"Type": "GPU", "Value": "1"}]
    env = _env(task)
    assert env["WHISPER_MODEL"] == "large-v3-turbo" and env["WHISPER_DEVICE"] == "cuda"
    assert env["WHISPER_COMPUTE_TYPE"] == "float16"
    assert int(env["WHISPER_BATCH_SIZE"]) == constants.ASR_GPU_BATCH_SIZE
    _, template = synth.resource("AWS::EC2::LaunchTemplate", "PoolsGpuLaunchTemplate")
    data = template["Properties"]["LaunchTemplateData"]
    # the image id is the SSM parameter of the ECS-optimised AL2023 GPU AMI
    (param,) = [p for p in synth.raw["Parameters"] if "amazonlinux2023" in p.lower() and "gpu" in p.lower()]
    assert data["ImageId"] == {"Ref": param}
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    (volume,) = data["BlockDeviceMappings"]
    assert volume["Ebs"]["Encrypted"] is True
    _, group = synth.resource("AWS::AutoScaling::AutoScalingGroup", "PoolsGpuInstances")
    assert group["Properties"]["MinSize"] == "0"
    overrides = group["Properties"]["MixedInstancesPolicy"]["LaunchTemplate"]["Overrides"]
    assert sorted(o["InstanceType"] for o in overrides) == sorted(constants.gpu_instance_types("aws"))
    (provider,) = synth.resources("AWS::ECS::CapacityProvider").values()
    scaling = provider["Properties"]["AutoScalingGroupProvider"]["ManagedScaling"]
    assert scaling["Status"] == "ENABLED"
    assert not synth.resources("AWS::Batch::JobDefinition")  # no Batch job per clip any more


@pytest.mark.parametrize("pool", POOLS)
def test_each_service_scales_on_its_backlog_to_zero_when_idle(synth: Synth, pool: str) -> None:
    service_id, _ = synth.resource("AWS::ECS::Service", f"Pools{pool}Service")
    (target,) = [
        t["Properties"]
        for t in synth.resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
        if service_id in json.dumps(t["Properties"]["ResourceId"])
    ]
    assert target["MinCapacity"] == 0
    policies = [
        p["Properties"]
        for p in synth.resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
        if p["Properties"].get("ScalingTargetId", {}).get("Ref", "").startswith(f"Pools{pool}Service")
    ]
    configs = [p["StepScalingPolicyConfiguration"] for p in policies]
    assert configs and all(c["AdjustmentType"] == "ExactCapacity" for c in configs)
    counts = sorted(a["ScalingAdjustment"] for c in configs for a in c["StepAdjustments"])
    assert counts[0] == 0 and counts[-1] == target["MaxCapacity"]
    queue_id, _ = synth.resource("AWS::SQS::Queue", f"Pools{pool}Queue")
    backlog_alarms = [
        a["Properties"]
        for a in synth.resources("AWS::CloudWatch::Alarm").values()
        if "Metrics" in a["Properties"] and queue_id in json.dumps(a["Properties"]["Metrics"])
    ]
    expressions = {m.get("Expression") for a in backlog_alarms for m in a["Metrics"]}
    assert "visible + inflight" in expressions  # the clips in hand count, so busy workers are not scaled in


@pytest.mark.parametrize(("backlog", "workers"), [(0, 0), (1, 1), (16, 1), (17, 2), (33, 4), (10_000, 200)])
def test_backlog_steps_give_one_worker_per_target_backlog_up_to_the_maximum(
    backlog: int, workers: int
) -> None:
    steps = backlog_steps(200, 16)
    (step,) = [s for s in steps if (s.lower or 0) <= backlog and (s.upper is None or backlog < s.upper)]
    assert step.change == workers
    assert all(a.upper == b.lower for a, b in zip(steps, steps[1:], strict=False))  # no gaps, no overlaps


def test_the_pools_queue_urls_are_outputs(synth: Synth) -> None:
    for pool in POOLS:
        queue_id, _ = synth.resource("AWS::SQS::Queue", f"Pools{pool}Queue")
        assert synth.raw["Outputs"][f"{pool}QueueUrl"]["Value"] == {"Ref": queue_id}


def test_vpc_has_flow_logs_and_no_nat_gateway(synth: Synth) -> None:
    assert synth.resources("AWS::EC2::FlowLog")
    assert not synth.resources("AWS::EC2::NatGateway")
