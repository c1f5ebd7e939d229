"""AWS Batch: GPU transcription on managed EC2 that scales from zero, and vision on Fargate (CPU).

MediaPipe's Python GPU path needs EGL and fails headless, so vision runs on the CPU; long videos go
to the Fargate job, short clips to the vision Lambda (the workflow chooses by duration).

Cheap network on purpose: public subnets, no NAT gateway; instances get public IPs to reach ECR,
S3 and CloudWatch, and their security group admits no inbound traffic. VPC flow logs are on.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Duration, Size
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct
from jiping.settings import TranscribeSettings, VisionSettings, environment

from infra import constants
from infra.constructs import log_group as encrypted_log_group
from infra.nag import AWS_MANAGED_POLICY, acknowledge, acknowledge_grants

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSCRIBE_DOCKERFILE = f"{constants.TRANSCRIBE_CONTAINER_DIR}/Dockerfile"
TRANSCRIBE_COMMAND = ["python3", "/app/entrypoint.py", "--request", "Ref::request"]
JOB_VCPUS = constants.GPU_JOB_VCPUS
# ~15 GiB: fits the memory ECS registers on a 16 GiB xlarge GPU instance (g5/g6.xlarge).
JOB_MEMORY_MIB = 15_000
JOB_GPUS = 1
GPU_BATCH_SIZE = 16  # batched inference over VAD chunks; large-v3 float16 at 16 fits a 24 GB L4/A10G
JOB_ATTEMPTS = 2
JOB_TIMEOUT = Duration.minutes(90)
VISION_DOCKERFILE = "containers/vision/Dockerfile"
VISION_COMMAND = ["python3", "/app/entrypoint.py", "--request", "Ref::request"]
VISION_JOB_VCPUS = constants.VISION_JOB_VCPUS
VISION_JOB_MEMORY_MIB = constants.VISION_JOB_MEMORY_MIB
VISION_MAX_VCPUS = constants.VISION_MAX_VCPUS


class GpuBatch(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        uploads: s3.IBucket,
        artifacts: s3.IBucket,
        instance_types: list[str],
        max_vcpus: int,
        whisper_model: str,
        vision_sample_fps: float,
        pose_sample_fps: float,
    ) -> None:
        super().__init__(scope, construct_id)

        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24)
            ],
            flow_logs={
                "all": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                        encrypted_log_group(self, "FlowLogs")
                    ),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )
        security_group = ec2.SecurityGroup(
            self,
            "ComputeSecurityGroup",
            vpc=self.vpc,
            description="Batch GPU instances: no inbound, HTTPS out to AWS APIs",
            allow_all_outbound=True,
        )

        self.compute_environment = batch.ManagedEc2EcsComputeEnvironment(
            self,
            "GpuCompute",
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_groups=[security_group],
            instance_types=[ec2.InstanceType(name) for name in instance_types],
            use_optimal_instance_classes=False,
            images=[batch.EcsMachineImage(image_type=batch.EcsMachineImageType.ECS_AL2_NVIDIA)],
            minv_cpus=0,
            maxv_cpus=max_vcpus,
            allocation_strategy=batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
            update_to_latest_image_version=True,
        )
        self.job_queue = batch.JobQueue(
            self,
            "TranscribeQueue",
            priority=1,
            compute_environments=[
                batch.OrderedComputeEnvironment(compute_environment=self.compute_environment, order=1)
            ],
        )

        job_role, log_group = self._job_role_and_logs("Transcribe", "GPU transcription", uploads, artifacts)
        self.job_definition = batch.EcsJobDefinition(
            self,
            "TranscribeJob",
            container=batch.EcsEc2ContainerDefinition(
                self,
                "TranscribeContainer",
                image=ecs.ContainerImage.from_asset(
                    str(REPO_ROOT),
                    file=TRANSCRIBE_DOCKERFILE,
                    platform=ecr_assets.Platform.LINUX_AMD64,
                    build_args={"WHISPER_MODEL": whisper_model},
                ),
                cpu=JOB_VCPUS,
                memory=Size.mebibytes(JOB_MEMORY_MIB),
                gpu=JOB_GPUS,
                command=TRANSCRIBE_COMMAND,
                environment={
                    **environment(
                        TranscribeSettings,
                        whisper_model=whisper_model,
                        whisper_device="cuda",
                        whisper_compute_type="float16",
                        whisper_batch_size=GPU_BATCH_SIZE,
                        whisper_model_dir=f"/opt/models/whisper-{whisper_model}",
                    ),
                    "POWERTOOLS_SERVICE_NAME": constants.SERVICE_NAME,
                    "LOG_LEVEL": "INFO",
                },
                job_role=job_role,
                logging=ecs.LogDriver.aws_logs(stream_prefix="transcribe", log_group=log_group),
            ),
            retry_attempts=JOB_ATTEMPTS,
            timeout=JOB_TIMEOUT,
        )

        instance_role = self.compute_environment.instance_role
        assert instance_role is not None
        acknowledge(
            instance_role,
            f"AwsSolutions-IAM4[{AWS_MANAGED_POLICY}service-role/AmazonEC2ContainerServiceforEC2Role]",
            "The ECS container-instance role of the Batch GPU instances: the AWS-maintained policy is the "
            "documented minimum for the ECS agent (register instance, pull images, send logs).",
        )
        execution_role = self.job_definition.container.execution_role
        acknowledge(
            execution_role,
            "AwsSolutions-IAM5[Resource::*]",
            "ecr:GetAuthorizationToken has no resource-level permissions; image pulls themselves are scoped "
            "to the asset repository.",
        )

        self._vision(security_group, uploads, artifacts, vision_sample_fps, pose_sample_fps)

        CfnOutput(
            self, constants.OUTPUT_TRANSCRIBE_JOB_QUEUE, value=self.job_queue.job_queue_arn
        ).override_logical_id(constants.OUTPUT_TRANSCRIBE_JOB_QUEUE)

    def _job_role_and_logs(
        self, task: str, what: str, uploads: s3.IBucket, artifacts: s3.IBucket
    ) -> tuple[iam.Role, logs.LogGroup]:
        """A job's own role (read uploads, write artifacts, nothing else) and its log group."""
        role = iam.Role(
            self,
            f"{task}JobRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description=f"Jiping {what} job: read uploads, write artifacts",
        )
        uploads.grant_read(role)
        artifacts.grant_write(role)
        acknowledge_grants(role, read=[uploads], write=[artifacts])
        return role, encrypted_log_group(self, f"{task}JobLogs")

    def _vision(
        self,
        security_group: ec2.ISecurityGroup,
        uploads: s3.IBucket,
        artifacts: s3.IBucket,
        vision_sample_fps: float,
        pose_sample_fps: float,
    ) -> None:
        """Vision of long videos as a Fargate job (CPU): no instances to manage, billed per second."""
        compute = batch.FargateComputeEnvironment(
            self,
            "VisionCompute",
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_groups=[security_group],
            maxv_cpus=VISION_MAX_VCPUS,
        )
        self.vision_queue = batch.JobQueue(
            self,
            "VisionQueue",
            priority=1,
            compute_environments=[batch.OrderedComputeEnvironment(compute_environment=compute, order=1)],
        )
        job_role, log_group = self._job_role_and_logs("Vision", "vision", uploads, artifacts)
        self.vision_job_definition = batch.EcsJobDefinition(
            self,
            "VisionJob",
            container=batch.EcsFargateContainerDefinition(
                self,
                "VisionContainer",
                image=ecs.ContainerImage.from_asset(
                    str(REPO_ROOT), file=VISION_DOCKERFILE, platform=ecr_assets.Platform.LINUX_AMD64
                ),
                cpu=VISION_JOB_VCPUS,
                memory=Size.mebibytes(VISION_JOB_MEMORY_MIB),
                command=VISION_COMMAND,
                assign_public_ip=True,  # public subnets without NAT: the task pulls its image over its own IP
                environment={
                    **environment(
                        VisionSettings,
                        vision_sample_fps=vision_sample_fps,
                        pose_sample_fps=pose_sample_fps,
                        face_model_dir="/opt/models/face-landmarker",
                        pose_model_dir="/opt/models/pose-landmarker",
                    ),
                    "POWERTOOLS_SERVICE_NAME": constants.SERVICE_NAME,
                    "LOG_LEVEL": "INFO",
                },
                job_role=job_role,
                logging=ecs.LogDriver.aws_logs(stream_prefix="vision", log_group=log_group),
            ),
            retry_attempts=JOB_ATTEMPTS,
            timeout=JOB_TIMEOUT,
        )
        CfnOutput(
            self, constants.OUTPUT_VISION_JOB_QUEUE, value=self.vision_queue.job_queue_arn
        ).override_logical_id(constants.OUTPUT_VISION_JOB_QUEUE)
        acknowledge(
            self.vision_job_definition.container.execution_role,
            "AwsSolutions-IAM5[Resource::*]",
            "ecr:GetAuthorizationToken has no resource-level permissions; image pulls themselves are scoped "
            "to the asset repository.",
        )
