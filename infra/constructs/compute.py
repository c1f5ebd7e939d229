"""Every Lambda function of the stack, from one factory, plus the ``jiping`` layer.

The layer asset is built by local bundling (no Docker): ``layers/jiping`` is copied to
``python/jiping`` and, when ``jiping:bundleLayerDependencies`` is true, the runtime dependencies of
``pyproject.toml`` are pip-installed for the Lambda platform (cached under ``.build/``): the runtime's
Python, the architecture's wheels, and only the manylinux tags the runtime's Amazon Linux can load.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import BundlingOptions, DockerImage, Duration, ILocalBundling, Size, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct
from jiping.settings import (
    ApiSettings,
    AuthorizerSettings,
    CandidateSettings,
    DriftMonitorSettings,
    ErasureSettings,
    PersistSettings,
    PlanSettings,
    ProbeSettings,
    PublishSettings,
    RecordUnfinishedSettings,
    ScoreSettings,
    StarterSettings,
    SweepCandidatesSettings,
    VisionSettings,
    WecomCallbackSettings,
    WorkspaceSettings,
    environment,
)

from infra import constants
from infra.constructs import log_group as encrypted_log_group
from infra.constructs.storage import Storage
from infra.nag import XRAY_REASON, acknowledge, acknowledge_grants, acknowledge_results

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "functions"
LAYER_SOURCE_DIR = REPO_ROOT / "layers"
BUILD_CACHE_DIR = REPO_ROOT / ".build" / "layer-deps"

# The zip functions run the Python the tests run (pyproject's requires-python, tests/infra/test_compute.py
# checks sys.version_info) on x86_64, the platform the suite runs on, so the layer's binary wheels
# (pydantic-core, cryptography, av, numpy) are the kind the tests load. python3.11 is supported by Lambda until
# 2027-06-30 (creating functions is blocked from 2027-07-31, updating them from 2027-08-31).
RUNTIME = lambda_.Runtime.PYTHON_3_11
ARCHITECTURE = lambda_.Architecture.X86_64
# The glibc of the Amazon Linux each managed Python runtime runs on: python3.11 runs on Amazon Linux 2
# (glibc 2.26), python3.12 and later on Amazon Linux 2023 (glibc 2.34). A wheel tagged for a newer glibc
# installs on any machine but fails to import in Lambda, so the layer takes only the tags the runtime loads.
RUNTIME_GLIBC: dict[str, tuple[int, int]] = {
    "python3.11": (2, 26),
    "python3.12": (2, 34),
    "python3.13": (2, 34),
    "python3.14": (2, 34),
}
# Lambda's limit on a function's code and layers together, unzipped.
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024


def pip_platforms(runtime: lambda_.Runtime, architecture: lambda_.Architecture) -> tuple[str, ...]:
    """The pip ``--platform`` tags whose wheels load on ``runtime``'s Amazon Linux for ``architecture``."""
    machine = {"x86_64": "x86_64", "arm64": "aarch64"}[architecture.name]
    major, minor = RUNTIME_GLIBC[runtime.name]
    return (f"manylinux2014_{machine}", *(f"manylinux_{major}_{m}_{machine}" for m in range(17, minor + 1)))


PIP_PLATFORMS = pip_platforms(RUNTIME, ARCHITECTURE)
RUNTIME_REASON = (
    "The zip functions run the Python the test suite runs (python3.11, supported by Lambda until 2027-06-30), so "
    "the code and the layer's wheels that run in Lambda are the ones tested; moving on is one change of "
    "pyproject's requires-python and RUNTIME (tests/infra/test_compute.py keeps them equal)."
)


class LayerBuildError(RuntimeError):
    """The layer's dependencies cannot be installed for the Lambda runtime's platform."""


IMAGE_EPHEMERAL_STORAGE_MIB = 4096  # the image functions download the clip to /tmp

POWERTOOLS_ENV = {
    "POWERTOOLS_SERVICE_NAME": constants.SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": constants.METRICS_NAMESPACE,
    "LOG_LEVEL": "INFO",
}
# Without active tracing (AWS China: Lambda has no X-Ray integration there) the Powertools tracer stays quiet.
NO_TRACING_ENV = {"POWERTOOLS_TRACE_DISABLED": "true"}


def runtime_dependencies(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """``[project].dependencies`` of the repo: what the layer ships next to ``jiping``."""
    with pyproject.open("rb") as fh:
        return list(tomllib.load(fh)["project"]["dependencies"])


def _python_version(runtime: lambda_.Runtime) -> str:
    return runtime.name.removeprefix("python")


def _copy_tree(src: Path, dst: Path, *, link: bool = False) -> None:
    def copy(s: str, d: str) -> Any:
        if link:
            try:
                os.link(s, d)
                return d
            except OSError:
                pass
        return shutil.copy2(s, d)

    shutil.copytree(
        src,
        dst,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache"),
        copy_function=copy,
    )


@jsii.implements(ILocalBundling)
class LayerBundler:
    """Build the layer on this machine: the domain package, plus wheels for the Lambda platform."""

    def __init__(
        self,
        *,
        with_dependencies: bool,
        runtime: lambda_.Runtime = RUNTIME,
        architecture: lambda_.Architecture = ARCHITECTURE,
        cache_dir: Path = BUILD_CACHE_DIR,
    ) -> None:
        self.with_dependencies = with_dependencies
        self.runtime, self.architecture, self.cache_dir = runtime, architecture, cache_dir

    def try_bundle(self, output_dir: str, options: Any = None, **_: Any) -> bool:
        out = Path(output_dir) / "python"
        _copy_tree(LAYER_SOURCE_DIR / "jiping", out / "jiping")
        if self.with_dependencies:
            _copy_tree(self.dependencies(), out, link=True)
        return True

    def dependencies(self) -> Path:
        """pip-install the runtime dependencies once per (requirements, runtime, platform)."""
        requirements = runtime_dependencies()
        python_version = _python_version(self.runtime)
        tags = pip_platforms(self.runtime, self.architecture)
        key = hashlib.sha256(json.dumps([requirements, python_version, list(tags)]).encode()).hexdigest()[:16]
        target = self.cache_dir / key
        done = target / ".complete"
        if done.exists():
            return target / "python"
        shutil.rmtree(target, ignore_errors=True)
        platforms = [arg for platform in tags for arg in ("--platform", platform)]
        installed = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-compile",
                "--target",
                str(target / "python"),
                *platforms,
                "--only-binary=:all:",
                "--implementation",
                "cp",
                "--python-version",
                python_version,
                *requirements,
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            raise LayerBuildError(
                f"pip cannot install the layer's dependencies for {self.runtime.name} on "
                f"{self.architecture.name} (wheels tagged {tags[0]} .. {tags[-1]}, what the runtime's "
                f"Amazon Linux loads): {installed.stderr.strip().splitlines()[-1:]}"
            )
        done.write_text("\n".join(requirements))
        return target / "python"


class Compute(Construct):
    """The Lambda factory and the functions of the stack (construct ids from ``constants``)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        storage: Storage,
        event_bus: events.IEventBus,
        bundle_layer_dependencies: bool,
        short_clip_max_seconds: int,
        max_media_seconds: int,
        max_media_bytes: int,
        asr_tier: str,
        vision_sample_fps: float,
        pose_sample_fps: float,
        audit_retention_days: int = 1095,
        quotas: dict[str, int] | None = None,
        tracing: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self.tracing = (
            tracing  # X-Ray active tracing on every function (off in AWS China: no Lambda integration)
        )
        self.layer = lambda_.LayerVersion(
            self,
            "JipingLayer",
            description="jiping domain package and its runtime dependencies",
            code=lambda_.Code.from_asset(
                str(LAYER_SOURCE_DIR),
                bundling=BundlingOptions(
                    image=DockerImage.from_registry("unused"),  # local bundling always succeeds
                    local=LayerBundler(with_dependencies=bundle_layer_dependencies),
                ),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
        self._code = lambda_.Code.from_asset(
            str(FUNCTIONS_DIR), exclude=["**/__pycache__", "**/*.pyc", ".pytest_cache"]
        )

        self.probe_media = self.zip_function(
            "ProbeMedia",
            memory_mb=constants.PROBE_MEMORY_MB,
            timeout_s=constants.PROBE_TIMEOUT_S,
            # ProbeMedia downloads the whole upload to /tmp: room for the largest one allowed.
            ephemeral_mib=min(10240, max(512, int(max_media_bytes) // 2**20 + 512)),
            environment=environment(
                ProbeSettings,
                max_media_seconds=max_media_seconds,
                max_media_bytes=max_media_bytes,
                short_clip_max_seconds=short_clip_max_seconds,
            ),
        )
        storage.uploads.grant_read(self.probe_media)

        # A written answer (jiping.portal.text_answers) becomes its transcript without any model.
        self.transcribe_text = self.zip_function("TranscribeText", environment={})
        storage.uploads.grant_read(self.transcribe_text)
        storage.artifacts.grant_put(self.transcribe_text)

        self.persist = self.zip_function(
            "Persist",
            environment=environment(PersistSettings, interviews_table=storage.interviews.table_name),
        )
        storage.interviews.grant_read_write_data(self.persist)

        self.publish = self.zip_function(
            "Publish",
            environment=environment(
                PublishSettings, event_bus_name=event_bus.event_bus_name, event_source=constants.EVENT_SOURCE
            ),
        )
        event_bus.grant_put_events_to(self.publish)

        # Records executions that ended without recording themselves (fed by the Trigger's watchdog rule).
        self.record_unfinished = self.zip_function(
            "RecordUnfinished",
            environment=environment(
                RecordUnfinishedSettings,
                interviews_table=storage.interviews.table_name,
                event_bus_name=event_bus.event_bus_name,
                event_source=constants.EVENT_SOURCE,
                uploads_bucket=storage.uploads.bucket_name,
                artifacts_bucket=storage.artifacts.bucket_name,
            ),
        )
        storage.interviews.grant_read_write_data(self.record_unfinished)
        event_bus.grant_put_events_to(self.record_unfinished)
        _grant_erasure(self.record_unfinished, storage)  # what ran on after its interview was erased

        # STATE_MACHINE_ARN and the StartExecution grant are added by the Trigger construct.
        self.start_evaluation = self.zip_function(
            "StartEvaluation",
            environment=environment(
                StarterSettings,
                uploads_prefix=constants.UPLOADS_PREFIX,
                audit_table=storage.audit.table_name,
                audit_retention_days=audit_retention_days,
            ),
        )
        # a later version of an evaluated upload key is refused and recorded in the audit log (PutItem only;
        # DynamoDB uses the table's key on the caller's behalf)
        storage.audit.grant(self.start_evaluation, "dynamodb:PutItem")
        storage.key.grant(self.start_evaluation, *WRITE_KEY_ACTIONS)
        acknowledge_grants(_role(self.start_evaluation), table_write=True)

        # The portal API; the webhook settings (its replay route) are added by Delivery.connect_api.
        self.api = self.zip_function(
            "Api",
            memory_mb=constants.API_MEMORY_MB,  # the analytics routes fit models on thousands of rows
            timeout_s=constants.API_TIMEOUT_S,
            environment=environment(
                ApiSettings,
                interviews_table=storage.interviews.table_name,
                profiles_table=storage.profiles.table_name,
                uploads_bucket=storage.uploads.bucket_name,
                artifacts_bucket=storage.artifacts.bucket_name,
                idempotency_table=storage.idempotency.table_name,
                analytics_table=storage.analytics.table_name,
                demographics_table=storage.demographics.table_name,
                audit_table=storage.audit.table_name,
                audit_retention_days=audit_retention_days,
                candidate_links_table=storage.candidate_links.table_name,
                workspace_table=storage.workspace.table_name,
                group_sessions_table=storage.group_sessions.table_name,
                **(quotas or {}),  # counted on the idempotency table (jiping.portal.quotas)
            ),
        )
        # What its routes need (functions/api/routes/: interviews, profiles, webhooks, analytics, oversight);
        # the WeCom callback and the erasure are functions of their own, below.
        for table in (storage.idempotency, storage.analytics, storage.demographics):
            table.grant_read_write_data(self.api)
        # Interviews and profiles are read and written, never deleted, by the API (erasure is its own
        # function; a profile version is immutable)
        for table in (storage.interviews, storage.profiles):
            table.grant_read_data(self.api)
            table.grant(self.api, "dynamodb:PutItem", "dynamodb:UpdateItem")
        # The audit log: reviews, overrides and re-scores add records and read them, never change one.
        storage.audit.grant(self.api, "dynamodb:PutItem", "dynamodb:Query")
        # Presigned POST forms are signed with the function's role: under uploads/ only.
        storage.uploads.grant_put(self.api, f"{constants.UPLOADS_PREFIX}*")
        # Text answers: it reads back the JSON documents it wrote (idempotency), never a recording.
        storage.uploads.grant_read(self.api, f"{constants.UPLOADS_PREFIX}*.json")
        storage.artifacts.grant_read(self.api)  # presigned report links
        storage.artifacts.grant_put(self.api)  # re-scores write a new result under the interview
        # Invitations: it mints a candidate's link (PutItem), renews or revokes one (UpdateItem) and finds an
        # interview's links (GetItem, Query); only the sweep deletes them. The WeCom settings it sends the
        # invitation with are added by Delivery.connect_candidates, the candidate site's URL by the stack.
        storage.candidate_links.grant(
            self.api, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:Query"
        )

        # The candidate's routes (/v1/candidate/..., no authorizer: it checks the link's or the session's token
        # itself, against the hash in the links table): the interview behind a link, its upload forms and
        # written answers, consent, and the feedback drawn from the result.
        self.candidate_api = self.zip_function(
            "CandidateApi",
            timeout_s=constants.API_TIMEOUT_S,
            environment=environment(
                CandidateSettings,
                interviews_table=storage.interviews.table_name,
                profiles_table=storage.profiles.table_name,
                candidate_links_table=storage.candidate_links.table_name,
                uploads_bucket=storage.uploads.bucket_name,
                artifacts_bucket=storage.artifacts.bucket_name,
                audit_table=storage.audit.table_name,
                audit_retention_days=audit_retention_days,
            ),
        )
        # Reachable by anyone holding a link: interviews are read and updated (answers, consent), never
        # deleted; the links read and updated (a link used, a session opened), never deleted; the audit log
        # appended to (consents, review requests) and read, never changed.
        for table in (storage.interviews, storage.candidate_links):
            table.grant_read_data(self.candidate_api)
            table.grant(self.candidate_api, "dynamodb:PutItem", "dynamodb:UpdateItem")
        storage.profiles.grant_read_data(self.candidate_api)  # the job's questions
        storage.audit.grant(self.candidate_api, "dynamodb:PutItem", "dynamodb:Query")
        # Its presigned POST forms are signed with its role, and its written answers are JSON documents it
        # writes: under uploads/ only. It reads back those documents, never a recording.
        storage.uploads.grant_put(self.candidate_api, f"{constants.UPLOADS_PREFIX}*")
        storage.uploads.grant_read(self.candidate_api, f"{constants.UPLOADS_PREFIX}*.json")
        storage.artifacts.grant_read(self.candidate_api, "*/result.json")  # the result, for the feedback

        # Group sessions: created (a conditional PutItem) and read, never changed or deleted by the API.
        storage.group_sessions.grant(self.api, "dynamodb:PutItem", "dynamodb:GetItem")
        # The workspace's members, managed by the tenant's administrators (keys "tenant#…" only: never a session,
        # a push or a comment).
        _grant_leading_keys(
            self.api,
            storage,
            storage.workspace,
            ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"],
            "tenant#*",
        )

        # The HR workspace's routes (/v1/workspace/..., no authorizer: it checks the session cookie itself,
        # against the hash in the workspace table, and the member's role): jobs, pools and reports read, the
        # answers' media signed for playing, pushes, comments and decisions written; WeCom's settings are added
        # by Delivery.connect_workspace, the site's URL by the stack.
        self.workspace_api = self.zip_function(
            "WorkspaceApi",
            timeout_s=constants.API_TIMEOUT_S,
            environment=environment(
                WorkspaceSettings,
                interviews_table=storage.interviews.table_name,
                profiles_table=storage.profiles.table_name,
                workspace_table=storage.workspace.table_name,
                uploads_bucket=storage.uploads.bucket_name,
                artifacts_bucket=storage.artifacts.bucket_name,
                audit_table=storage.audit.table_name,
                audit_retention_days=audit_retention_days,
                event_bus_name=event_bus.event_bus_name,
            ),
        )
        # Interviews read (and an override written: PutItem with its version), never deleted; profiles read.
        storage.interviews.grant_read_data(self.workspace_api)
        storage.interviews.grant(self.workspace_api, "dynamodb:PutItem")
        storage.profiles.grant_read_data(self.workspace_api)
        storage.workspace.grant_read_write_data(self.workspace_api)  # sessions, states, pushes, comments
        storage.audit.grant(self.workspace_api, "dynamodb:PutItem", "dynamodb:Query")
        # The report's players: short presigned GETs of the answers' recordings (under uploads/ only); the
        # results and résumés it reads, never writes.
        storage.uploads.grant_read(self.workspace_api, f"{constants.UPLOADS_PREFIX}*")
        storage.artifacts.grant_read(self.workspace_api, "*/result.json")
        storage.artifacts.grant_read(self.workspace_api, "*/resume/*")
        event_bus.grant_put_events_to(self.workspace_api)  # interview.commented, interview.decided

        # Every CANDIDATE_SWEEP_MINUTES (Delivery.connect_candidates: its schedule, WeCom secret and alerts):
        # reminders of due links, and the deletion of practice interviews past their retention.
        self.sweep_candidates = self.zip_function(
            "SweepCandidates",
            timeout_s=constants.CANDIDATE_SWEEP_TIMEOUT_S,
            environment=environment(
                SweepCandidatesSettings,
                interviews_table=storage.interviews.table_name,
                candidate_links_table=storage.candidate_links.table_name,
                uploads_bucket=storage.uploads.bucket_name,
                artifacts_bucket=storage.artifacts.bucket_name,
            ),
        )
        # The links: what is due (Query on the Due index), rescheduled (UpdateItem) or done (DeleteItem, the
        # item leaves the index). Interviews: read, and a practice one past its retention erased, which writes
        # a tombstone over the row (PutItem, InterviewRepository.erase: nothing running can write it again).
        storage.candidate_links.grant(
            self.sweep_candidates, "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"
        )
        storage.interviews.grant_read_data(self.sweep_candidates)
        storage.interviews.grant(self.sweep_candidates, "dynamodb:PutItem")
        storage.key.grant(self.sweep_candidates, *WRITE_KEY_ACTIONS)  # DynamoDB uses the table key for it
        _grant_erasure(self.sweep_candidates, storage)  # a practice interview's media and artifacts

        # The WeCom callback (open, signed by WeCom): its secret is added by Delivery.connect_callback. On the
        # state table it may only add the record of a callback it admitted (keys "callback#…").
        self.wecom_callback = self.zip_function(
            "WecomCallback",
            environment=environment(WecomCallbackSettings, wecom_state_table=storage.wecom_state.table_name),
        )
        _grant_leading_keys(
            self.wecom_callback, storage, storage.wecom_state, ["dynamodb:PutItem"], "callback#*"
        )

        # The right to erasure: the one API function that deletes media, artifacts and rows.
        self.erase_candidate = self.zip_function(
            "EraseCandidate",
            timeout_s=constants.API_TIMEOUT_S,
            environment=environment(
                ErasureSettings,
                interviews_table=storage.interviews.table_name,
                uploads_bucket=storage.uploads.bucket_name,
                artifacts_bucket=storage.artifacts.bucket_name,
                webhooks_table=storage.webhooks.table_name,
                wecom_state_table=storage.wecom_state.table_name,
                analytics_table=storage.analytics.table_name,
                demographics_table=storage.demographics.table_name,
                audit_table=storage.audit.table_name,
                audit_retention_days=audit_retention_days,
                event_bus_name=event_bus.event_bus_name,
                workspace_table=storage.workspace.table_name,
            ),
        )
        for table in (storage.interviews, storage.webhooks, storage.analytics, storage.demographics):
            table.grant_read_write_data(self.erase_candidate)
        # The workspace's rows about an interview (comments, pushes, decision) and the managers' list entries.
        for keys in ("interview#*", "manager#*"):
            _grant_leading_keys(
                self.erase_candidate,
                storage,
                storage.workspace,
                ["dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
                keys,
            )
        storage.audit.grant(self.erase_candidate, "dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:PutItem")
        # The WeCom notice log only (keys "notice#…"), not the token cache or the counters.
        _grant_leading_keys(
            self.erase_candidate,
            storage,
            storage.wecom_state,
            ["dynamodb:Query", "dynamodb:DeleteItem"],
            "notice#*",
        )
        event_bus.grant_put_events_to(self.erase_candidate)
        _grant_erasure(self.erase_candidate, storage)
        self.authorizer = self.zip_function(
            "Authorizer",
            environment=environment(AuthorizerSettings, api_keys_table=storage.api_keys.table_name),
        )
        storage.api_keys.grant_read_data(self.authorizer)

        # Daily score-drift check per job profile version; its schedule and alerts are wired by the stack.
        self.monitor_drift = self.zip_function(
            "MonitorDrift",
            memory_mb=constants.API_MEMORY_MB,
            timeout_s=constants.DRIFT_MONITOR_TIMEOUT_S,
            environment=environment(
                DriftMonitorSettings,
                interviews_table=storage.interviews.table_name,
                profiles_table=storage.profiles.table_name,
                analytics_table=storage.analytics.table_name,
            ),
        )
        storage.interviews.grant_read_data(self.monitor_drift)
        storage.profiles.grant_read_data(self.monitor_drift)
        storage.analytics.grant_read_write_data(self.monitor_drift)

        # Webhook delivery; its table, queues, schedule and grants are wired by Delivery.connect_webhooks.
        self.deliver_webhooks = self.zip_function(
            "DeliverWebhooks", timeout_s=constants.WEBHOOK_FUNCTION_TIMEOUT_S
        )
        self.retry_webhooks = self.zip_function(
            "RetryWebhooks", timeout_s=constants.WEBHOOK_FUNCTION_TIMEOUT_S
        )

        # The WeCom notifier; its queue, secret, tables and grants are wired by Delivery.connect_wecom.
        self.notify_wecom = self.zip_function("NotifyWecom", timeout_s=constants.WECOM_FUNCTION_TIMEOUT_S)

        self.plan_answers = self.zip_function(
            "PlanAnswers",
            environment=environment(
                PlanSettings,
                interviews_table=storage.interviews.table_name,
                artifacts_bucket=storage.artifacts.bucket_name,
                asr_tier=asr_tier,
            ),
        )
        storage.interviews.grant_read_data(self.plan_answers)

        # Transcription runs on the worker pools (infra/constructs/pools.py), not on a Lambda.
        self.vision_cpu = self.image_function(
            constants.VISION_FUNCTION,
            "vision",
            environment=environment(
                VisionSettings,
                vision_sample_fps=vision_sample_fps,
                pose_sample_fps=pose_sample_fps,
                face_model_dir="/opt/models/face-landmarker",
                pose_model_dir="/opt/models/pose-landmarker",
            ),
            memory_mb=constants.VISION_LAMBDA_MEMORY_MB,
            timeout_s=constants.VISION_LAMBDA_TIMEOUT_S,
        )
        self.audio_features = self.image_function(
            constants.AUDIO_FEATURES_FUNCTION,
            "speech",
            environment={},
            memory_mb=constants.AUDIO_FEATURES_MEMORY_MB,
            timeout_s=constants.AUDIO_FEATURES_TIMEOUT_S,
        )
        self.score = self.image_function(
            constants.SCORE_FUNCTION,
            "scoring",
            environment=environment(
                ScoreSettings,
                interviews_table=storage.interviews.table_name,
                profiles_table=storage.profiles.table_name,
                artifacts_bucket=storage.artifacts.bucket_name,
                encoder_model_dir="/opt/models/sentence-encoder",
                judge_model_dir="/opt/models/judge-llm",
                judge_threads=constants.SCORE_JUDGE_THREADS,
                audit_table=storage.audit.table_name,
                audit_retention_days=audit_retention_days,
            ),
            memory_mb=constants.SCORE_MEMORY_MB,
            timeout_s=constants.SCORE_TIMEOUT_S,
        )
        storage.interviews.grant_read_write_data(self.score)
        # The audit log is append-only for scoring: it may add a record and read them, never change one.
        storage.audit.grant(self.score, "dynamodb:PutItem", "dynamodb:Query")
        storage.profiles.grant_read_data(self.score)
        storage.artifacts.grant_read_write(self.score)
        for fn in (self.vision_cpu, self.audio_features):
            storage.uploads.grant_read(fn)
        storage.artifacts.grant_write(self.vision_cpu)
        storage.artifacts.grant_read_write(self.audio_features)
        storage.artifacts.grant_read_write(self.persist)

        self._acknowledge_grants(storage)

    # -- the factory -----------------------------------------------------------------------------

    def zip_function(
        self,
        construct_id: str,
        *,
        environment: dict[str, str] | None = None,
        memory_mb: int = constants.LAMBDA_MEMORY_MB,
        timeout_s: int = constants.LAMBDA_TIMEOUT_S,
        ephemeral_mib: int = 512,
    ) -> lambda_.Function:
        """A zip function from ``functions/`` with the handler from ``constants.ZIP_FUNCTIONS``."""
        fn = lambda_.Function(
            self,
            construct_id,
            code=self._code,
            handler=constants.ZIP_FUNCTIONS[construct_id],
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            layers=[self.layer],
            ephemeral_storage_size=Size.mebibytes(ephemeral_mib),
            **self._shared(construct_id, environment or {}, memory_mb, timeout_s),
        )
        acknowledge(fn, "AwsSolutions-L1", RUNTIME_REASON)
        return fn

    def image_function(
        self,
        construct_id: str,
        directory: str,
        *,
        environment: dict[str, str],
        memory_mb: int,
        timeout_s: int,
        build_args: dict[str, str] | None = None,
    ) -> lambda_.DockerImageFunction:
        """A container-image function from ``containers/<directory>/Dockerfile.lambda`` (repo root as
        the build context), CMD ``entrypoint.handler``: for tasks whose libraries and models exceed a
        zip and its layers."""
        return lambda_.DockerImageFunction(
            self,
            construct_id,
            code=lambda_.DockerImageCode.from_image_asset(
                str(REPO_ROOT),
                file=f"containers/{directory}/Dockerfile.lambda",
                cmd=[constants.IMAGE_LAMBDA_CMD],
                platform=ecr_assets.Platform.LINUX_AMD64,
                build_args=build_args or {},
            ),
            # x86_64: ctranslate2's int8 kernels, MediaPipe and parselmouth ship x86_64 wheels (parselmouth
            # has no arm64 wheel on PyPI), and the images build natively on the usual x86 CI.
            architecture=lambda_.Architecture.X86_64,
            ephemeral_storage_size=Size.mebibytes(IMAGE_EPHEMERAL_STORAGE_MIB),
            **self._shared(construct_id, environment, memory_mb, timeout_s),
        )

    def _shared(
        self, construct_id: str, environment: dict[str, str], memory_mb: int, timeout_s: int
    ) -> dict[str, Any]:
        """Defaults shared by every function: own role and log group, JSON logs, tracing, Powertools."""
        log_group = encrypted_log_group(self, f"{construct_id}Logs")
        # A role per function without AWS managed policies: it may write its own log group only.
        role = iam.Role(
            self,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Jiping {construct_id} function",
        )
        log_group.grant(role, "logs:CreateLogStream", "logs:PutLogEvents")
        if self.tracing:
            acknowledge(role, "AwsSolutions-IAM5[Resource::*]", XRAY_REASON)
        return {
            "role": role,
            "log_group": log_group,
            "memory_size": memory_mb,
            "timeout": Duration.seconds(timeout_s),
            "tracing": lambda_.Tracing.ACTIVE if self.tracing else lambda_.Tracing.DISABLED,
            "logging_format": lambda_.LoggingFormat.JSON,
            "environment": {**POWERTOOLS_ENV, **({} if self.tracing else NO_TRACING_ENV), **environment},
            # the workflow's functions only: a cap and a reservation (constants.PIPELINE_RESERVED_CONCURRENCY)
            "reserved_concurrent_executions": constants.PIPELINE_RESERVED_CONCURRENCY.get(construct_id),
        }

    def _acknowledge_grants(self, storage: Storage) -> None:
        """The wildcards that ``grant_*`` adds, one finding at a time on the role that holds it."""
        acknowledge_grants(_role(self.probe_media), read=[storage.uploads])
        acknowledge_grants(_role(self.transcribe_text), read=[storage.uploads], put=[storage.artifacts])
        acknowledge_grants(
            _role(self.persist), read=[storage.artifacts], write=[storage.artifacts], table_write=True
        )
        acknowledge_grants(_role(self.vision_cpu), read=[storage.uploads], write=[storage.artifacts])
        acknowledge_grants(
            _role(self.audio_features), read=[storage.uploads, storage.artifacts], write=[storage.artifacts]
        )
        acknowledge_grants(
            _role(self.score), read=[storage.artifacts], write=[storage.artifacts], table_write=True
        )
        acknowledge_grants(
            _role(self.api), read=[storage.artifacts], put=[storage.artifacts], table_write=True
        )
        _acknowledge_objects(
            _role(self.api),
            storage.uploads,
            f"{constants.UPLOADS_PREFIX}*",
            "The API signs the upload forms (PutObject) for keys under uploads/{tenant}/{interview}/, known only "
            "at run time; nothing outside uploads/.",
        )
        _acknowledge_objects(
            _role(self.api),
            storage.uploads,
            f"{constants.UPLOADS_PREFIX}*.json",
            "The API reads back the text answers it wrote (JSON documents under uploads/, keyed by tenant and "
            "interview at run time) to keep a repeated answer idempotent; it cannot read a recording.",
        )
        acknowledge_grants(_role(self.wecom_callback), table_write=True)
        acknowledge_grants(
            _role(self.candidate_api),
            table_write=True,
            indexed_tables=[storage.interviews, storage.candidate_links],
        )
        acknowledge_results(_role(self.candidate_api), storage.artifacts)
        acknowledge(
            _role(self.candidate_api),
            "AwsSolutions-IAM5[Action::s3:Abort*]",
            "grant_put: aborting its own multipart uploads, under uploads/ only.",
        )
        _acknowledge_objects(
            _role(self.candidate_api),
            storage.uploads,
            f"{constants.UPLOADS_PREFIX}*",
            "CandidateApi signs the upload forms (PutObject) and writes the written answers for keys under "
            "uploads/{tenant}/{interview}/ of the session's one interview, known only at run time; nothing "
            "outside uploads/.",
        )
        _acknowledge_objects(
            _role(self.candidate_api),
            storage.uploads,
            f"{constants.UPLOADS_PREFIX}*.json",
            "CandidateApi reads back the written answers it stored (JSON documents under uploads/, keyed by "
            "tenant and interview at run time) to keep a repeated answer idempotent; it cannot read a recording.",
        )
        acknowledge_grants(
            _role(self.sweep_candidates),
            table_write=True,
            delete=[storage.artifacts],
            indexed_tables=[storage.interviews, storage.candidate_links],
        )
        _acknowledge_objects(
            _role(self.sweep_candidates),
            storage.uploads,
            f"{constants.UPLOADS_PREFIX}*",
            "The sweep deletes a practice interview's every version under uploads/{tenant}/{interview}/ (known "
            "at run time, from the Due index); nothing outside uploads/.",
        )
        acknowledge(
            _role(self.sweep_candidates),
            "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
            "Deleting a practice interview past its retention deletes every object version under the "
            "interview's prefixes (uploads, artifacts), as erasure does.",
        )
        acknowledge_grants(_role(self.api), indexed_tables=[storage.candidate_links])
        acknowledge_grants(
            _role(self.workspace_api),
            table_write=True,
            indexed_tables=[storage.interviews],
        )
        acknowledge_results(_role(self.workspace_api), storage.artifacts)
        _acknowledge_objects(
            _role(self.workspace_api),
            storage.uploads,
            f"{constants.UPLOADS_PREFIX}*",
            "The report plays the answers: WorkspaceApi signs short GET links to the recordings of an interview "
            "the signed-in person may see (keys known at run time); nothing outside uploads/.",
        )
        _acknowledge_objects(
            _role(self.workspace_api),
            storage.artifacts,
            "*/resume/*",
            "The second interview's outline reads the candidate's résumé, stored under the interview's artifacts "
            "(keyed by tenant and interview at run time).",
        )
        acknowledge_grants(
            _role(self.erase_candidate),
            indexed_tables=[storage.interviews, storage.webhooks],
            table_write=True,
            delete=[storage.artifacts],
        )
        acknowledge_grants(_role(self.monitor_drift), table_write=True)
        acknowledge_grants(_role(self.record_unfinished), table_write=True, delete=[storage.artifacts])
        for eraser in (self.erase_candidate, self.record_unfinished):
            _acknowledge_objects(
                _role(eraser),
                storage.uploads,
                f"{constants.UPLOADS_PREFIX}*",
                "Erasure deletes every version under uploads/{tenant}/{interview}/ (known at run time); "
                "nothing outside uploads/.",
            )
        # The interview table's grants cover its ScoredByJob index by pattern.
        readers: list[lambda_.Function] = [
            self.persist,
            self.plan_answers,
            self.score,
            self.api,
            self.monitor_drift,
            self.record_unfinished,
            self.workspace_api,
        ]
        for reader in readers:
            acknowledge_grants(_role(reader), indexed_tables=[storage.interviews])
        for eraser in (self.erase_candidate, self.record_unfinished):
            acknowledge(
                _role(eraser),
                "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
                "Erasing a candidate deletes every object version under the interview's prefixes (uploads, "
                "artifacts); RecordUnfinished does it again for what an execution wrote after the erasure.",
            )


def _acknowledge_objects(role: iam.IRole, bucket: s3.IBucket, pattern: str, reason: str) -> None:
    """The finding of a grant on the objects of ``bucket`` matching ``pattern`` (one prefix of it)."""
    logical_id = Stack.of(bucket).get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]
    acknowledge(role, f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>/{pattern}]", reason)


def _grant_erasure(fn: lambda_.Function, storage: Storage) -> None:
    """Delete every version under an interview's prefixes: ``uploads/{tenant}/{interview}/`` in the uploads
    bucket (so nothing outside ``uploads/``), ``{tenant}/{interview}/`` in the artifacts bucket."""
    for bucket, prefix in ((storage.uploads, constants.UPLOADS_PREFIX), (storage.artifacts, "")):
        bucket.grant_delete(fn, f"{prefix}*")
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:DeleteObjectVersion"], resources=[bucket.arn_for_objects(f"{prefix}*")]
            )
        )
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucketVersions"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}} if prefix else None,
            )
        )


WRITE_KEY_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
)


def _grant_leading_keys(
    fn: lambda_.Function, storage: Storage, table: dynamodb.ITable, actions: list[str], key_pattern: str
) -> None:
    """``actions`` on the items of ``table`` whose partition key matches ``key_pattern`` only."""
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=actions,
            resources=[table.table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [key_pattern]}},
        )
    )
    # DynamoDB uses the table's key on the caller's behalf (what grant_*_data adds for a CMK table).
    reads = {"dynamodb:Query", "dynamodb:GetItem"}
    writes = {"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"}
    kms_actions = ["kms:Decrypt", "kms:DescribeKey"] if reads & set(actions) else []
    if writes & set(actions):
        kms_actions = list(WRITE_KEY_ACTIONS)
    storage.key.grant(fn, *kms_actions)


def _role(fn: lambda_.IFunction) -> iam.IRole:
    assert fn.role is not None
    return fn.role
