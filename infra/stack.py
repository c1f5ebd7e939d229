"""The Jiping stack: composes the constructs, tags them, and leaves the checks to cdk-nag."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack, Tags
from constructs import Construct

from infra import constants
from infra.constructs.api import Api
from infra.constructs.compute import Compute
from infra.constructs.delivery import Delivery
from infra.constructs.gpu_batch import GpuBatch
from infra.constructs.storage import Storage
from infra.constructs.trigger import Trigger
from infra.constructs.workflow import Workflow
from infra.nag import acknowledge_framework_resources


class JipingStack(Stack):
    def __init__(self, scope: Construct, construct_id: str = constants.STACK_NAME, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            stack_name=constants.STACK_NAME,
            description="Jiping: AI video-interview evaluation",
            **kwargs,
        )
        ctx = self.node.try_get_context

        self.storage = Storage(
            self,
            "Storage",
            upload_retention_days=int(ctx("jiping:uploadRetentionDays")),
            artifact_retention_days=int(ctx("jiping:artifactRetentionDays")),
        )
        self.delivery = Delivery(self, "Delivery", wecom_secret_name=str(ctx("jiping:wecomSecretName")))
        self.compute = Compute(
            self,
            "Compute",
            storage=self.storage,
            event_bus=self.delivery.bus,
            bundle_layer_dependencies=_flag(ctx("jiping:bundleLayerDependencies")),
            short_clip_max_seconds=int(ctx("jiping:shortClipMaxSeconds")),
            max_media_seconds=int(ctx("jiping:maxMediaSeconds")),
            max_media_bytes=int(ctx("jiping:maxMediaBytes")),
            whisper_model=str(ctx("jiping:whisperModelCpu")),
            vision_sample_fps=float(ctx("jiping:visionSampleFps")),
            pose_sample_fps=float(ctx("jiping:poseSampleFps")),
            audit_retention_days=int(str(ctx("jiping:auditRetentionDays"))),
        )
        self.gpu_batch = GpuBatch(
            self,
            "GpuBatch",
            uploads=self.storage.uploads,
            artifacts=self.storage.artifacts,
            instance_types=_list(ctx("jiping:gpuInstanceTypes")),
            max_vcpus=int(ctx("jiping:gpuMaxVcpus")),
            whisper_model=str(ctx("jiping:whisperModelGpu")),
            vision_sample_fps=float(ctx("jiping:visionSampleFps")),
            pose_sample_fps=float(ctx("jiping:poseSampleFps")),
        )
        self.workflow = Workflow(
            self,
            "Workflow",
            probe_media=self.compute.probe_media,
            plan_answers=self.compute.plan_answers,
            transcribe_cpu=self.compute.transcribe_cpu,
            transcribe_text=self.compute.transcribe_text,
            audio_features=self.compute.audio_features,
            vision_cpu=self.compute.vision_cpu,
            score_interview=self.compute.score,
            persist=self.compute.persist,
            publish=self.compute.publish,
            transcribe_job_queue_arn=self.gpu_batch.job_queue.job_queue_arn,
            transcribe_job_definition_arn=self.gpu_batch.job_definition.job_definition_arn,
            vision_job_queue_arn=self.gpu_batch.vision_queue.job_queue_arn,
            vision_job_definition_arn=self.gpu_batch.vision_job_definition.job_definition_arn,
        )
        self.trigger = Trigger(
            self,
            "Trigger",
            uploads=self.storage.uploads,
            starter=self.compute.start_evaluation,
            state_machine=self.workflow.state_machine,
            record_unfinished=self.compute.record_unfinished,
        )
        self.api = Api(self, "Api", handler=self.compute.api, authorizer=self.compute.authorizer)
        self.delivery.connect_webhooks(
            deliver=self.compute.deliver_webhooks,
            retry=self.compute.retry_webhooks,
            table=self.storage.webhooks,
            artifacts=self.storage.artifacts,
            api_base_url=self.api.url,
        )
        self.delivery.connect_api(
            api=self.compute.api,
            table=self.storage.webhooks,
            wecom_state=self.storage.wecom_state,
            api_base_url=self.api.url,
        )
        self.delivery.connect_drift_monitor(monitor=self.compute.monitor_drift)
        self.delivery.connect_wecom(
            notify=self.compute.notify_wecom,
            state=self.storage.wecom_state,
            interviews=self.storage.interviews,
            profiles=self.storage.profiles,
            api_base_url=self.api.url,
        )

        Tags.of(self).add("project", constants.SERVICE_NAME)
        Tags.of(self).add("data-classification", "personal")
        acknowledge_framework_resources(self)


def _flag(value: object) -> bool:
    """Context from ``-c key=value`` arrives as a string."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _list(value: object) -> list[str]:
    """A list from cdk.json, or a comma-separated string from ``-c``."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    raise TypeError(f"expected a list of instance types, got {value!r}")
