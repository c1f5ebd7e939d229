"""The Jiping stack: composes the constructs, tags them, and leaves the checks to cdk-nag."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from aws_cdk import CfnOutput, Stack, Tags, Token
from constructs import Construct
from jiping.settings import ApiSettings, WorkspaceSettings, environment

from infra import constants
from infra.constructs.api import Api
from infra.constructs.candidate_site import CandidateSite
from infra.constructs.compute import Compute
from infra.constructs.delivery import Delivery
from infra.constructs.operations import Operations
from infra.constructs.pools import Pools
from infra.constructs.storage import Storage
from infra.constructs.trigger import Trigger
from infra.constructs.workflow import Workflow
from infra.nag import acknowledge_framework_resources


class JipingStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str = constants.STACK_NAME,
        *,
        stage: str | None = None,
        partition: str | None = None,
        **kwargs: Any,
    ) -> None:
        """``stage`` and ``partition`` default to the ``jiping:stage`` / ``jiping:partition`` context."""
        stage = check_stage(stage if stage is not None else scope.node.try_get_context("jiping:stage"))
        partition = check_partition(
            partition if partition is not None else scope.node.try_get_context("jiping:partition")
        )
        super().__init__(
            scope,
            construct_id,
            stack_name=constants.stack_name(stage),
            description=f"Jiping: AI video-interview evaluation ({stage})",
            **kwargs,
        )
        self.stage, self.target_partition = stage, partition
        self._check_region()
        # Partition-dependent defaults, set on this stack before any construct reads them.
        gpu_types = self.node.try_get_context("jiping:gpuInstanceTypes")
        self.node.set_context(
            "jiping:gpuInstanceTypes",
            check_gpu_instance_types(
                _list(gpu_types) if gpu_types is not None else constants.gpu_instance_types(partition),
                partition,
            ),
        )
        self.tracing = partition != "aws-cn"  # Lambda has no X-Ray integration in AWS China
        ctx = self.node.try_get_context

        self.storage = Storage(
            self,
            "Storage",
            upload_retention_days=int(ctx("jiping:uploadRetentionDays")),
            artifact_retention_days=int(ctx("jiping:artifactRetentionDays")),
        )
        self.delivery = Delivery(
            self,
            "Delivery",
            wecom_secret_name=f"{ctx('jiping:wecomSecretName')}/{self.stage}",
            wecom_callback_secret_name=f"{ctx('jiping:wecomCallbackSecretName')}/{self.stage}",
            stage=self.stage,
        )
        self.compute = Compute(
            self,
            "Compute",
            storage=self.storage,
            event_bus=self.delivery.bus,
            bundle_layer_dependencies=_flag(ctx("jiping:bundleLayerDependencies")),
            short_clip_max_seconds=int(ctx("jiping:shortClipMaxSeconds")),
            max_media_seconds=int(ctx("jiping:maxMediaSeconds")),
            max_media_bytes=int(ctx("jiping:maxMediaBytes")),
            asr_tier=str(ctx("jiping:asrTier")),
            vision_sample_fps=float(ctx("jiping:visionSampleFps")),
            pose_sample_fps=float(ctx("jiping:poseSampleFps")),
            audit_retention_days=int(str(ctx("jiping:auditRetentionDays"))),
            quotas={
                "quota_requests_per_minute": int(str(ctx("jiping:quotaRequestsPerMinute"))),
                "quota_interviews_per_day": int(str(ctx("jiping:quotaInterviewsPerDay"))),
                "quota_webhook_endpoints": int(str(ctx("jiping:quotaWebhookEndpoints"))),
                "quota_replays_per_hour": int(str(ctx("jiping:quotaReplaysPerHour"))),
            },
            tracing=self.tracing,
        )
        self.pools = Pools(
            self,
            "Pools",
            uploads=self.storage.uploads,
            artifacts=self.storage.artifacts,
            gpu_instance_types=_list(ctx("jiping:gpuInstanceTypes")),
            gpu_max_workers=int(str(ctx("jiping:gpuMaxWorkers"))),
            whisper_model_cpu=str(ctx("jiping:whisperModelCpu")),
            whisper_model_gpu=str(ctx("jiping:whisperModelGpu")),
            vision_sample_fps=float(ctx("jiping:visionSampleFps")),
            pose_sample_fps=float(ctx("jiping:poseSampleFps")),
        )
        self.workflow = Workflow(
            self,
            "Workflow",
            probe_media=self.compute.probe_media,
            plan_answers=self.compute.plan_answers,
            transcribe_text=self.compute.transcribe_text,
            audio_features=self.compute.audio_features,
            vision_cpu=self.compute.vision_cpu,
            score_interview=self.compute.score,
            persist=self.compute.persist,
            publish=self.compute.publish,
            asr_cpu_queue=self.pools.asr_cpu.queue,
            asr_gpu_queue=self.pools.asr_gpu.queue,
            vision_queue=self.pools.vision.queue,
        )
        self.pools.grant_task_response(self.workflow.state_machine)
        self.trigger = Trigger(
            self,
            "Trigger",
            uploads=self.storage.uploads,
            starter=self.compute.start_evaluation,
            state_machine=self.workflow.state_machine,
            record_unfinished=self.compute.record_unfinished,
        )
        self.api = Api(
            self,
            "Api",
            handler=self.compute.api,
            callback=self.compute.wecom_callback,
            erasure=self.compute.erase_candidate,
            candidate=self.compute.candidate_api,
            workspace=self.compute.workspace_api,
            authorizer=self.compute.authorizer,
            stage=self.stage,
        )
        self.delivery.connect_webhooks(
            deliver=self.compute.deliver_webhooks,
            retry=self.compute.retry_webhooks,
            table=self.storage.webhooks,
            artifacts=self.storage.artifacts,
            api_base_url=self.api.url,
        )
        self.delivery.connect_api(
            api=self.compute.api, table=self.storage.webhooks, api_base_url=self.api.url
        )
        self.delivery.connect_callback(callback=self.compute.wecom_callback)
        self.delivery.connect_candidates(
            api=self.compute.api, sweep=self.compute.sweep_candidates, state=self.storage.wecom_state
        )
        self.delivery.connect_workspace(workspace=self.compute.workspace_api, state=self.storage.wecom_state)
        self._cognito(
            ctx("jiping:cognitoUserPoolId"), ctx("jiping:cognitoClientId"), ctx("jiping:cognitoDomain")
        )
        self._candidate_site(
            *check_candidate_site(
                ctx("jiping:candidateBaseUrl"), ctx("jiping:candidateCertificateArn"), self.target_partition
            )
        )
        self.delivery.connect_drift_monitor(monitor=self.compute.monitor_drift)
        self.delivery.connect_wecom(
            notify=self.compute.notify_wecom,
            state=self.storage.wecom_state,
            interviews=self.storage.interviews,
            profiles=self.storage.profiles,
            candidate_links=self.storage.candidate_links,
            artifacts=self.storage.artifacts,
            api_base_url=self.api.url,
        )

        # Alarms and the dashboard: every dead-letter queue, the workflow, the work queues' backlog, and the
        # delivery metrics. New queues (the worker pools') are one more entry in these lists.
        self.operations = Operations(
            self,
            "Operations",
            alerts=self.delivery.alerts,
            state_machine=self.workflow.state_machine,
            work_queues=[
                self.trigger.buffer,
                self.trigger.unfinished,
                self.delivery.webhook_queue,
                self.delivery.wecom_queue,
                *(pool.queue for pool in self.pools.pools),
            ],
            dead_letter_queues=[
                *(pool.dead_letters for pool in self.pools.pools),
                *self.delivery.dead_letter_queues,
                *self.trigger.dead_letter_queues,
            ],
            dashboard_name=f"{constants.DASHBOARD_NAME_PREFIX}-{self.stage}",
        )

        Tags.of(self).add("project", constants.SERVICE_NAME)
        Tags.of(self).add("stage", self.stage)
        Tags.of(self).add("data-classification", "personal")
        acknowledge_framework_resources(self)

    def _candidate_site(self, base_url: str, certificate_arn: str) -> None:
        """The candidate page (CloudFront), and where the rest of the stack learns its URL: the Api function
        writes links as ``{candidate_base_url}/c/{token}``, and the uploads bucket admits the page's POSTs.

        The Api function's environment names the distribution, and the distribution's API origin is the HTTP
        API. That is no dependency cycle, because the origin is the Api resource's endpoint (which depends on
        nothing), not its stage (which depends on the routes, the routes on the functions). So the URL is the
        distribution's own, from the template, with no SSM parameter or second deploy; a company domain
        (``jiping:candidateBaseUrl``) replaces it. In AWS China there is no site (see candidate_site.py): the
        URL is the context's, or none."""
        self.candidate_site: CandidateSite | None = None
        if self.target_partition == "aws-cn":
            url = base_url
            if url:
                CfnOutput(self, constants.OUTPUT_CANDIDATE_SITE_URL, value=url).override_logical_id(
                    constants.OUTPUT_CANDIDATE_SITE_URL
                )
        else:
            self.candidate_site = CandidateSite(
                self,
                "CandidateSite",
                http_api=self.api.http_api,
                access_logs=self.storage.access_logs,
                domain_name=urlsplit(base_url).hostname or "",
                certificate_arn=certificate_arn,
                stage=self.stage,
            )
            url = self.candidate_site.url
        if not url:
            return
        for key, value in environment(ApiSettings, candidate_base_url=url).items():
            self.compute.api.add_environment(key, value)
        for key, value in environment(WorkspaceSettings, workspace_base_url=url).items():  # the same site
            self.compute.workspace_api.add_environment(key, value)
        self.storage.allow_browser_uploads(url)

    def _cognito(self, pool_id: object, client_id: object, domain: object) -> None:
        """The workspace's Cognito sign-in, where a company has no WeCom: its existing user pool (all three keys
        or none). The pool's keys are public; WorkspaceApi fetches them, and calls the token endpoint."""
        values = [str(v or "") for v in (pool_id, client_id, domain)]
        if not any(values):
            return
        if not all(values) or not values[2].startswith("https://") or "_" not in values[0]:
            raise ValueError(
                "jiping:cognitoUserPoolId (e.g. ap-northeast-1_AbC123), jiping:cognitoClientId and "
                "jiping:cognitoDomain (https://….auth.{region}.amazoncognito.com) go together"
            )
        env = environment(
            WorkspaceSettings,
            cognito_user_pool_id=values[0],
            cognito_client_id=values[1],
            cognito_domain=values[2].rstrip("/"),
        )
        for key, value in env.items():
            self.compute.workspace_api.add_environment(key, value)

    def _check_region(self) -> None:
        """A known region must belong to the partition: cn-* regions are ``aws-cn``, the others ``aws``."""
        if Token.is_unresolved(self.region):
            return
        expected = "aws-cn" if self.region.startswith("cn-") else "aws"
        if expected != self.target_partition:
            raise ValueError(
                f"region {self.region} is in partition {expected}, but jiping:partition is {self.target_partition}"
            )


def check_stage(value: object) -> str:
    """``jiping:stage``: lowercase letters, digits and inner hyphens, at most 12 characters (default dev)."""
    stage = constants.DEFAULT_STAGE if value is None else str(value)
    if not re.fullmatch(constants.STAGE_PATTERN, stage):
        raise ValueError(
            f"jiping:stage must be 1-{constants.STAGE_MAX_LENGTH} lowercase letters, digits or inner hyphens "
            f"(it names the stack Jiping-<stage> and its resources), got {stage!r}"
        )
    return stage


def check_partition(value: object) -> str:
    """``jiping:partition``: ``aws`` (default) or ``aws-cn``."""
    partition = constants.DEFAULT_PARTITION if value is None else str(value)
    if partition not in constants.PARTITIONS:
        raise ValueError(
            f"jiping:partition must be one of {', '.join(constants.PARTITIONS)}, got {partition!r}"
        )
    return partition


def check_gpu_instance_types(types: list[str], partition: str) -> list[str]:
    """The GPU instance types, each of a family the partition offers (AWS China: g5, g4dn; no g6)."""
    if not types:
        raise ValueError("jiping:gpuInstanceTypes is empty")
    offered = constants.GPU_FAMILIES.get(partition)
    unknown = [t for t in types if offered is not None and t.split(".", 1)[0] not in offered]
    if unknown:
        raise ValueError(
            f"jiping:gpuInstanceTypes {types!r}: {unknown} not offered in partition {partition} "
            f"(families: {', '.join(sorted(offered or ()))})"
        )
    return types


def check_candidate_site(base_url: object, certificate_arn: object, partition: str) -> tuple[str, str]:
    """``jiping:candidateBaseUrl`` and ``jiping:candidateCertificateArn``: both empty (the site is the CloudFront
    distribution's own https://d….cloudfront.net), or an https origin (no path) and an ACM certificate for it
    in us-east-1, where CloudFront takes its certificates. AWS China builds no site: a URL alone, or none."""
    url = "" if base_url is None else str(base_url).strip()
    certificate = "" if certificate_arn is None else str(certificate_arn).strip()
    if url:
        parts = urlsplit(url)
        if (
            parts.scheme != "https"
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.port
        ):
            raise ValueError(
                f"jiping:candidateBaseUrl must be an https origin such as https://interview.example.com, got {url!r}"
            )
        url = f"https://{parts.hostname}"
    if partition == "aws-cn":
        if certificate:
            raise ValueError(
                "jiping:candidateCertificateArn: AWS China builds no candidate site (no CloudFront)"
            )
        return url, ""
    if bool(url) != bool(certificate):
        raise ValueError(
            "jiping:candidateBaseUrl and jiping:candidateCertificateArn go together: CloudFront serves a company "
            "domain only with an ACM certificate for it"
        )
    if certificate and not re.fullmatch(r"arn:aws:acm:us-east-1:\d{12}:certificate/[\w-]+", certificate):
        raise ValueError(
            f"jiping:candidateCertificateArn must be an ACM certificate in us-east-1 (CloudFront's), got {certificate!r}"
        )
    return url, certificate


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
