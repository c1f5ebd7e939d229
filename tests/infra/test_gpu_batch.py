"""GPU transcription on AWS Batch: scale-from-zero EC2 GPU compute, the job queue and definition."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from infra import constants

from .conftest import Synth

REPO = Path(__file__).resolve().parents[2]


def test_compute_environment_scales_gpu_instances_from_zero(synth: Synth) -> None:
    _, ce = synth.resource("AWS::Batch::ComputeEnvironment", "GpuBatchGpuCompute")
    resources = ce["Properties"]["ComputeResources"]
    assert ce["Properties"]["Type"] == "managed"
    assert resources["Type"] == "EC2"
    assert resources["MinvCpus"] == 0
    assert resources["MaxvCpus"] == constants.DEFAULTS["jiping:gpuMaxVcpus"]
    assert sorted(resources["InstanceTypes"]) == sorted(
        cast(list[str], constants.DEFAULTS["jiping:gpuInstanceTypes"])
    )
    assert [c["ImageType"] for c in resources["Ec2Configuration"]] == ["ECS_AL2_NVIDIA"]


def test_vpc_has_flow_logs_and_no_nat_gateway(synth: Synth) -> None:
    assert synth.resources("AWS::EC2::FlowLog")
    assert not synth.resources("AWS::EC2::NatGateway")


def test_job_definition_asks_for_one_gpu_and_runs_the_entrypoint_with_the_request(synth: Synth) -> None:
    _, job = synth.resource("AWS::Batch::JobDefinition", "GpuBatchTranscribeJob")
    props = job["Properties"]
    container = props["ContainerProperties"]
    requirements = {r["Type"]: r["Value"] for r in container["ResourceRequirements"]}
    assert requirements["GPU"] == "1"
    assert requirements["VCPU"] == "4"
    assert 14 * 1024 <= int(requirements["MEMORY"]) <= 16 * 1024
    assert container["Command"] == ["python3", "/app/entrypoint.py", "--request", "Ref::request"]
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert env["WHISPER_MODEL"] == "large-v3"
    assert env["WHISPER_DEVICE"] == "cuda"
    assert env["WHISPER_COMPUTE_TYPE"] == "float16"
    assert env["WHISPER_MODEL_DIR"] == "/opt/models/whisper-large-v3"
    assert int(env["WHISPER_BATCH_SIZE"]) >= 8  # batched inference on the GPU
    assert container["LogConfiguration"]["LogDriver"] == "awslogs"
    assert props["RetryStrategy"]["Attempts"] == 2
    assert props["Timeout"]["AttemptDurationSeconds"] > 0


def test_job_queue_arn_is_an_output_and_the_workflow_submits_to_it(synth: Synth) -> None:
    queue_id, _ = synth.resource("AWS::Batch::JobQueue", "GpuBatchTranscribeQueue")
    assert synth.raw["Outputs"][constants.OUTPUT_TRANSCRIBE_JOB_QUEUE]["Value"] == {
        "Fn::GetAtt": [queue_id, "JobQueueArn"]
    }


def test_vision_runs_as_a_fargate_cpu_job_with_the_baked_models(synth: Synth) -> None:
    _, env_res = synth.resource("AWS::Batch::ComputeEnvironment", "GpuBatchVisionCompute")
    assert env_res["Properties"]["ComputeResources"]["Type"] in {"FARGATE", "FARGATE_SPOT"}
    _, job = synth.resource("AWS::Batch::JobDefinition", "GpuBatchVisionJob")
    props = job["Properties"]
    assert props["PlatformCapabilities"] == ["FARGATE"]
    container = props["ContainerProperties"]
    requirements = {r["Type"]: r["Value"] for r in container["ResourceRequirements"]}
    assert "GPU" not in requirements and float(requirements["VCPU"]) >= 1
    assert container["Command"] == ["python3", "/app/entrypoint.py", "--request", "Ref::request"]
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert env["FACE_MODEL_DIR"] == "/opt/models/face-landmarker"
    assert float(env["VISION_SAMPLE_FPS"]) == 4.0 and float(env["POSE_SAMPLE_FPS"]) == 1.0
    assert container["NetworkConfiguration"]["AssignPublicIp"] == "ENABLED"
    queue_id, _ = synth.resource("AWS::Batch::JobQueue", "GpuBatchVisionQueue")
    assert synth.raw["Outputs"][constants.OUTPUT_VISION_JOB_QUEUE]["Value"] == {
        "Fn::GetAtt": [queue_id, "JobQueueArn"]
    }


def test_the_gpu_image_is_cuda_with_the_large_model_baked_in() -> None:
    dockerfile = (REPO / "containers" / "transcribe" / "Dockerfile").read_text()
    (base,) = [line for line in dockerfile.splitlines() if line.startswith("FROM")]
    assert base.startswith("FROM nvidia/cuda:12")
    assert "ARG WHISPER_MODEL=large-v3" in dockerfile
    assert 'bake_model.py "${WHISPER_MODEL}" /opt/models' in dockerfile
    assert "WHISPER_COMPUTE_TYPE=float16" in dockerfile
