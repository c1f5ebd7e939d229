"""Warm worker pools: ECS services that keep their model loaded and drain an SQS queue.

The workflow hands each clip to a pool's queue with ``sqs:sendMessage.waitForTaskToken`` and waits;
a worker (``containers/<task>/entrypoint.py --pool``, ``jiping.workflow.pool``) takes several clips at
once, heartbeats while it works and answers with ``SendTaskSuccess`` / ``SendTaskFailure``. Three pools:

- ``AsrCpuPool``: whisper base (int8) on Fargate, 4 tasks in 5 on Spot: the default tier, cheap and elastic;
- ``AsrGpuPool``: large-v3-turbo (float16) on EC2 GPU instances (ECS-optimised Amazon Linux 2023 with
  the NVIDIA driver), one worker per instance, the instances scaled by an ECS capacity provider;
- ``VisionPool``: MediaPipe on Fargate (its Python GPU path needs EGL and fails headless) for videos
  too long for the vision Lambda.

Each service scales on its backlog, the clips waiting plus those in hand (visible + not visible): one
worker per ``POOL_BACKLOG_PER_WORKER`` clips, in doubling bands (1, 2, 4 … workers) up to its maximum,
and zero when the queue is empty. It is a step-scaling policy with exact capacities, because target
tracking cannot start from zero tasks. A
worker killed by scaling in, Spot or a crash loses nothing: its heartbeats stop, the workflow retries.
Messages that no worker can finish go to the pool's dead-letter queue after ``POOL_MAX_RECEIVE_COUNT``.

Cheap network on purpose: public subnets, no NAT gateway; tasks and instances get public IPs to reach
ECR, S3, SQS and Step Functions, and their security group admits no inbound traffic. Flow logs are on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from jiping.settings import PoolSettings, TranscribeSettings, VisionSettings, environment

from infra import constants
from infra.constructs import log_group as encrypted_log_group
from infra.nag import acknowledge, acknowledge_grants

REPO_ROOT = Path(__file__).resolve().parents[2]
ASR_DOCKERFILE = f"{constants.TRANSCRIBE_CONTAINER_DIR}/Dockerfile"
VISION_DOCKERFILE = "containers/vision/Dockerfile"
WORKER_COMMAND = ["python3", "/app/entrypoint.py", "--pool"]
DLQ_RETENTION = Duration.days(14)
STOP_TIMEOUT = Duration.seconds(120)  # SIGTERM, then this long to finish the pass (Fargate's maximum)
GPU_VOLUME_GIB = 100  # the image (CUDA libraries and the model) and room to download clips


@dataclass(frozen=True)
class WorkerPool:
    """One pool: its queue (what the workflow sends to), its dead letters, its service and role."""

    name: str
    queue: sqs.Queue
    dead_letters: sqs.Queue
    service: ecs.BaseService
    task_role: iam.Role


def backlog_steps(max_workers: int, per_worker: int) -> list[appscaling.ScalingInterval]:
    """Exact worker counts for backlog bands: 0 -> 0, then one worker per ``per_worker`` clips,
    doubling band by band up to ``max_workers`` (a dozen steps cover 1..200 workers)."""
    steps = [appscaling.ScalingInterval(upper=1, change=0)]
    lower, workers = 1, 1
    while workers < max_workers:
        upper = workers * per_worker + 1
        steps.append(appscaling.ScalingInterval(lower=lower, upper=upper, change=workers))
        lower, workers = upper, min(max_workers, workers * 2)
    steps.append(appscaling.ScalingInterval(lower=lower, change=max_workers))
    return steps


class Pools(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        uploads: s3.IBucket,
        artifacts: s3.IBucket,
        gpu_instance_types: list[str],
        gpu_max_workers: int,
        whisper_model_cpu: str,
        whisper_model_gpu: str,
        vision_sample_fps: float,
        pose_sample_fps: float,
    ) -> None:
        super().__init__(scope, construct_id)
        self._uploads, self._artifacts = uploads, artifacts
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
        self.security_group = ec2.SecurityGroup(
            self,
            "WorkerSecurityGroup",
            vpc=self.vpc,
            description="Pool workers: no inbound, HTTPS out to AWS APIs",
            allow_all_outbound=True,
        )
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=self.vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
            enable_fargate_capacity_providers=True,
        )
        self.asr_cpu = self._fargate_pool(
            constants.ASR_CPU_POOL,
            ecs.ContainerImage.from_asset(
                str(REPO_ROOT),
                file=ASR_DOCKERFILE,
                platform=ecr_assets.Platform.LINUX_AMD64,
                target="asr-cpu",
                build_args={"WHISPER_MODEL": whisper_model_cpu},
            ),
            environment(
                TranscribeSettings,
                whisper_model=whisper_model_cpu,
                whisper_device="cpu",
                whisper_compute_type="int8",
                whisper_cpu_threads=constants.ASR_CPU_WORKER_VCPUS,
                whisper_batch_size=8,
                whisper_model_dir=f"/opt/models/whisper-{whisper_model_cpu}",
            ),
            vcpus=constants.ASR_CPU_WORKER_VCPUS,
            memory_mib=constants.ASR_CPU_WORKER_MEMORY_MIB,
            max_workers=constants.ASR_CPU_MAX_WORKERS,
        )
        self.asr_gpu = self._gpu_pool(gpu_instance_types, gpu_max_workers, whisper_model_gpu)
        self.vision = self._fargate_pool(
            constants.VISION_POOL,
            ecs.ContainerImage.from_asset(
                str(REPO_ROOT), file=VISION_DOCKERFILE, platform=ecr_assets.Platform.LINUX_AMD64
            ),
            environment(
                VisionSettings,
                vision_sample_fps=vision_sample_fps,
                pose_sample_fps=pose_sample_fps,
                face_model_dir="/opt/models/face-landmarker",
                pose_model_dir="/opt/models/pose-landmarker",
            ),
            vcpus=constants.VISION_WORKER_VCPUS,
            memory_mib=constants.VISION_WORKER_MEMORY_MIB,
            max_workers=constants.VISION_MAX_WORKERS,
        )
        self.pools = (self.asr_cpu, self.asr_gpu, self.vision)
        for pool in self.pools:
            output = f"{pool.name}QueueUrl"
            CfnOutput(self, output, value=pool.queue.queue_url).override_logical_id(output)

    def grant_task_response(self, state_machine: sfn.StateMachine) -> None:
        """Let each pool's workers answer the workflow's waiting tasks (SendTask* on this machine only)."""
        for pool in self.pools:
            state_machine.grant_task_response(pool.task_role)

    # -- the pieces -------------------------------------------------------------------------------

    def _queue(self, name: str) -> tuple[sqs.Queue, sqs.Queue]:
        dead_letters = sqs.Queue(
            self,
            f"{name}DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        queue = sqs.Queue(
            self,
            f"{name}Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,  # Step Functions sends without a KMS grant
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(constants.POOL_VISIBILITY_TIMEOUT_S),
            retention_period=Duration.days(1),  # a task waits POOL_TASK_TIMEOUT_S at most
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=dead_letters, max_receive_count=constants.POOL_MAX_RECEIVE_COUNT
            ),
        )
        return queue, dead_letters

    def _task_role(self, name: str, queue: sqs.Queue) -> iam.Role:
        """A worker's own role: read uploads, write artifacts, consume its queue (SendTask* comes later)."""
        role = iam.Role(
            self,
            f"{name}TaskRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description=f"Jiping {name} workers: read uploads, write artifacts, drain their queue",
        )
        self._uploads.grant_read(role)
        self._artifacts.grant_write(role)
        queue.grant_consume_messages(role)
        acknowledge_grants(role, read=[self._uploads], write=[self._artifacts])
        return role

    def _container(
        self,
        task: ecs.TaskDefinition,
        name: str,
        image: ecs.ContainerImage,
        settings: dict[str, str],
        queue: sqs.Queue,
        **extra: object,
    ) -> None:
        task.add_container(
            "Worker",
            image=image,
            command=WORKER_COMMAND,
            environment={
                **settings,
                **environment(
                    PoolSettings,
                    pool_queue_url=queue.queue_url,
                    pool_clips_per_pass=constants.POOL_CLIPS_PER_PASS,
                    pool_visibility_timeout_s=constants.POOL_VISIBILITY_TIMEOUT_S,
                    pool_heartbeat_every_s=constants.POOL_HEARTBEAT_EVERY_S,
                ),
                "POWERTOOLS_SERVICE_NAME": constants.SERVICE_NAME,
                "LOG_LEVEL": "INFO",
            },
            logging=ecs.LogDriver.aws_logs(
                stream_prefix=name, log_group=encrypted_log_group(self, f"{name}Logs")
            ),
            stop_timeout=STOP_TIMEOUT,
            **extra,  # type: ignore[arg-type]
        )
        acknowledge(
            task,
            "AwsSolutions-ECS2",
            "The environment holds settings only (model, queue URL, sampling rates); no secrets.",
        )
        acknowledge(
            task.obtain_execution_role(),
            "AwsSolutions-IAM5[Resource::*]",
            "ecr:GetAuthorizationToken has no resource-level permissions; image pulls themselves are scoped "
            "to the asset repository.",
        )

    def _scale(self, pool: str, service: ecs.BaseService, queue: sqs.Queue, max_workers: int) -> None:
        backlog = cw.MathExpression(
            expression="visible + inflight",
            using_metrics={
                "visible": queue.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(1), statistic="Maximum"
                ),
                "inflight": queue.metric_approximate_number_of_messages_not_visible(
                    period=Duration.minutes(1), statistic="Maximum"
                ),
            },
            label=f"{pool} backlog (clips waiting or in hand)",
            period=Duration.minutes(1),
        )
        scaling = service.auto_scale_task_count(min_capacity=0, max_capacity=max_workers)
        scaling.scale_on_metric(
            "ScaleOnBacklog",
            metric=backlog,
            scaling_steps=backlog_steps(max_workers, constants.POOL_BACKLOG_PER_WORKER),
            adjustment_type=appscaling.AdjustmentType.EXACT_CAPACITY,
            cooldown=Duration.seconds(constants.POOL_SCALE_COOLDOWN_S),
            evaluation_periods=1,
        )

    def _fargate_pool(
        self,
        name: str,
        image: ecs.ContainerImage,
        settings: dict[str, str],
        *,
        vcpus: int,
        memory_mib: int,
        max_workers: int,
    ) -> WorkerPool:
        queue, dead_letters = self._queue(name)
        role = self._task_role(name, queue)
        task = ecs.FargateTaskDefinition(
            self,
            f"{name}Task",
            cpu=vcpus * 1024,
            memory_limit_mib=memory_mib,
            task_role=role,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        self._container(task, name, image, settings, queue)
        service = ecs.FargateService(
            self,
            f"{name}Service",
            cluster=self.cluster,
            task_definition=task,
            desired_count=0,
            assign_public_ip=True,  # public subnets without NAT: the task reaches AWS over its own IP
            security_groups=[self.security_group],
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            # Four tasks in five on Spot (a reclaimed worker loses nothing), one on demand, so that a pool
            # keeps some workers when Spot is short (ECS splits by weight; it does not fall back).
            capacity_provider_strategies=[
                ecs.CapacityProviderStrategy(
                    capacity_provider="FARGATE_SPOT", weight=constants.FARGATE_SPOT_WEIGHT
                ),
                ecs.CapacityProviderStrategy(
                    capacity_provider="FARGATE", weight=constants.FARGATE_ON_DEMAND_WEIGHT
                ),
            ],
            min_healthy_percent=0,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        )
        self._scale(name, service, queue, max_workers)
        return WorkerPool(name, queue, dead_letters, service, role)

    def _gpu_pool(self, instance_types: list[str], max_workers: int, whisper_model: str) -> WorkerPool:
        name = constants.ASR_GPU_POOL
        queue, dead_letters = self._queue(name)
        role = self._task_role(name, queue)
        # The ECS agent's permissions (register, poll, submit state, pull, log) are added to this role by
        # the cluster when the capacity provider joins it: nothing else.
        instance_role = iam.Role(
            self,
            "GpuInstanceRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="Jiping GPU instances: the ECS agent only",
        )
        launch_template = ec2.LaunchTemplate(
            self,
            "GpuLaunchTemplate",
            # ECS-optimised Amazon Linux 2023 with the NVIDIA driver (AL2's GPU AMI is being retired).
            machine_image=ecs.EcsOptimizedImage.amazon_linux2023(ecs.AmiHardwareType.GPU),
            instance_type=ec2.InstanceType(instance_types[0]),
            role=instance_role,
            security_group=self.security_group,
            user_data=ec2.UserData.for_linux(),
            require_imdsv2=True,
            associate_public_ip_address=True,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        GPU_VOLUME_GIB, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3
                    ),
                )
            ],
        )
        group = autoscaling.AutoScalingGroup(
            self,
            "GpuInstances",
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            min_capacity=0,
            max_capacity=max_workers,
            mixed_instances_policy=autoscaling.MixedInstancesPolicy(
                launch_template=launch_template,
                launch_template_overrides=[
                    autoscaling.LaunchTemplateOverrides(instance_type=ec2.InstanceType(t))
                    for t in instance_types
                ],
            ),
        )
        # Pull the (large) image once per instance and reuse it for every task started there.
        group.add_user_data("echo ECS_IMAGE_PULL_BEHAVIOR=prefer-cached >> /etc/ecs/ecs.config")
        acknowledge(
            group,
            "AwsSolutions-AS3",
            "Scaling of the GPU instances follows the ECS capacity provider; operators watch the pool's "
            "backlog-age and dead-letter alarms, not instance notifications.",
        )
        provider = ecs.AsgCapacityProvider(
            self,
            "GpuCapacity",
            auto_scaling_group=group,
            enable_managed_scaling=True,
            enable_managed_termination_protection=False,
            enable_managed_draining=True,  # ECS drains an instance before scale-in: no Lambda drain hook
            target_capacity_percent=100,
            machine_image_type=ecs.MachineImageType.AMAZON_LINUX_2,  # the ECS agent's user data (AL2023 too)
        )
        self.cluster.add_asg_capacity_provider(provider)
        for finding in ("AwsSolutions-IAM5[Action::ecs:Submit*]", "AwsSolutions-IAM5[Resource::*]"):
            acknowledge(
                instance_role,
                finding,
                "The ECS agent's policy that CDK adds for a container instance: ecs:Submit* (task and "
                "container state) and the calls without resource-level permissions (ecr:GetAuthorizationToken, "
                "ecs:DiscoverPollEndpoint, ecs:StartTelemetrySession on the cluster's instances).",
            )
        acknowledge(
            group,
            "AwsSolutions-EC26",
            "The instances' only volume is encrypted (the launch template's gp3 root volume, encrypted=True; "
            "tests/infra/test_pools.py checks it); cdk-nag cannot follow a mixed-instances launch template.",
        )
        task = ecs.Ec2TaskDefinition(self, f"{name}Task", task_role=role)
        self._container(
            task,
            name,
            ecs.ContainerImage.from_asset(
                str(REPO_ROOT),
                file=ASR_DOCKERFILE,
                platform=ecr_assets.Platform.LINUX_AMD64,
                target="asr-gpu",
                build_args={"WHISPER_MODEL": whisper_model},
            ),
            environment(
                TranscribeSettings,
                whisper_model=whisper_model,
                whisper_device="cuda",
                whisper_compute_type="float16",
                whisper_batch_size=constants.ASR_GPU_BATCH_SIZE,
                whisper_model_dir=f"/opt/models/whisper-{whisper_model}",
            ),
            queue,
            cpu=constants.ASR_GPU_WORKER_VCPUS * 1024,
            memory_limit_mib=constants.ASR_GPU_WORKER_MEMORY_MIB,
            gpu_count=1,
        )
        service = ecs.Ec2Service(
            self,
            f"{name}Service",
            cluster=self.cluster,
            task_definition=task,
            desired_count=0,
            capacity_provider_strategies=[
                ecs.CapacityProviderStrategy(capacity_provider=provider.capacity_provider_name, weight=1)
            ],
            min_healthy_percent=0,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        )
        self._scale(name, service, queue, max_workers)
        return WorkerPool(name, queue, dead_letters, service, role)
