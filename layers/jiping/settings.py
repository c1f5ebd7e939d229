"""One settings model per entrypoint, validated at cold start.

Library code receives settings as arguments and never reads ``os.environ``. Entry points call
``load(Model)``; the local cloud runs every function in one process, so it hands each function its own
environment through ``function_environment`` instead of changing ``os.environ``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Literal, TypeVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("jiping_function_environment", default=None)


class _Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)


class ProbeSettings(_Settings):
    max_media_seconds: float = Field(default=3600, gt=0)
    max_media_bytes: int = Field(default=2 * 1024**3, gt=0)
    short_clip_max_seconds: float = Field(default=120, ge=0)
    max_video_pixels: int = Field(default=4096 * 2304, gt=0)  # 4K (UHD and DCI, either way up) passes


class TranscribeSettings(_Settings):
    whisper_model: str = "base"
    whisper_model_dir: str | None = None
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    whisper_cpu_threads: int = Field(default=0, ge=0)
    whisper_beam_size: int = Field(default=5, ge=1)
    # >0: batched inference over VAD chunks (faster on long audio, on the GPU and on the CPU); 0: sequential
    whisper_batch_size: int = Field(default=8, ge=0)
    model_cache_dir: str | None = None
    model_fetch: bool = True


class VisionSettings(_Settings):
    vision_sample_fps: float = Field(default=4.0, gt=0, le=30)  # face landmarks: frames analysed per second
    pose_sample_fps: float = Field(default=1.0, ge=0, le=30)  # 0 turns the pose detector off
    vision_max_faces: int = Field(default=3, ge=2)  # >= 2 so that a second face can be seen at all
    face_model_dir: str | None = None  # explicit model directories (containers bake them in)
    pose_model_dir: str | None = None
    model_cache_dir: str | None = None
    model_fetch: bool = True


class SpeechSettings(_Settings):
    min_pause_s: float = Field(default=0.3, gt=0)  # a gap between words at least this long is a pause
    long_pause_s: float = Field(default=1.5, gt=0)
    pitch_floor_hz: float = Field(default=75.0, gt=0)
    pitch_ceiling_hz: float = Field(default=500.0, gt=0)


class ScoreSettings(_Settings):
    interviews_table: str
    profiles_table: str
    artifacts_bucket: str
    audit_table: str = ""  # every score is logged there (jiping.portal.audit); the stack always sets it
    audit_retention_days: int = Field(default=1095, ge=183)  # EU AI Act art. 26: at least six months
    encoder_model_dir: str | None = None  # explicit (the image bakes it in), else the cache
    judge_model_dir: str | None = None  # the judge's GGUF directory (the image bakes it in), else the cache
    judge_threads: int = Field(default=2, ge=1, le=16)  # llama.cpp threads: the function's vCPUs
    model_cache_dir: str | None = None
    model_fetch: bool = True


class PersistSettings(_Settings):
    interviews_table: str  # the artifacts it reads and writes are named by the workflow state


class PlanSettings(_Settings):
    interviews_table: str
    artifacts_bucket: str
    asr_tier: Literal["cpu", "gpu"] = "cpu"  # the stack's default transcription tier (jiping:asrTier)


class PublishSettings(_Settings):
    event_bus_name: str
    event_source: str = "jiping"


class RecordUnfinishedSettings(PublishSettings):
    interviews_table: str
    uploads_bucket: str  # to delete what an execution wrote after its interview was erased
    artifacts_bucket: str


class WebhookSettings(_Settings):
    webhooks_table: str
    webhook_dead_letter_queue_url: str
    alerts_topic_arn: str
    api_base_url: str = ""  # links in bodies: {api_base_url}/v1/interviews/{id}[/report]
    webhook_timeout_s: float = Field(default=15.0, gt=0, le=30)
    webhook_allow_http: bool = False  # local receivers only: AWS sends to https endpoints alone
    webhook_allow_private: bool = False  # local receivers only: private addresses are refused (SSRF)
    webhook_sweep_limit: int = Field(default=500, ge=1)


class WecomSettings(_Settings):
    wecom_secret_arn: str  # Secrets Manager: {"corp_id", "corp_secret", "agent_id", "callback_token", ...}
    wecom_state_table: str
    interviews_table: str
    profiles_table: str
    alerts_topic_arn: str
    api_base_url: str = ""  # report links: {api_base_url}/v1/interviews/{id}/report
    wecom_api_base: str = "https://qyapi.weixin.qq.com/cgi-bin/"
    wecom_timeout_s: float = Field(default=10.0, gt=0, le=30)
    # the candidate's feedback after scoring, when the tenant opted in (jiping.portal.candidates)
    candidate_links_table: str = ""
    artifacts_bucket: str = ""


class ApiSettings(_Settings):
    interviews_table: str
    profiles_table: str
    uploads_bucket: str
    artifacts_bucket: str
    idempotency_table: str
    webhooks_table: str
    webhook_dead_letter_queue_url: str
    alerts_topic_arn: str
    api_base_url: str = ""
    analytics_table: str = ""  # outcomes and re-weighting proposals (jiping.analytics)
    audit_table: str = ""  # reviews, overrides, re-scores and erasures are logged there (jiping.portal.audit)
    audit_retention_days: int = Field(default=1095, ge=183)
    demographics_table: str = ""  # the optional demographic attributes, kept apart
    webhook_allow_http: bool = False  # local only (see WebhookSettings)
    webhook_allow_private: bool = False
    # per-tenant quotas (jiping.portal.quotas), from jiping:quota* in cdk.json
    quota_requests_per_minute: int = Field(default=600, ge=1)
    quota_interviews_per_day: int = Field(default=20_000, ge=1)
    quota_webhook_endpoints: int = Field(default=10, ge=1)
    quota_replays_per_hour: int = Field(default=200, ge=1)
    # candidate invitations (jiping.portal.candidates): the links table, where the page is, and WeCom to send
    candidate_links_table: str = ""
    workspace_table: str = ""  # the HR workspace's members (jiping.portal.workspace), managed by admins
    group_sessions_table: str = ""  # group discussions (jiping.portal.groups): one track per participant
    candidate_base_url: str = ""  # the candidate site (CloudFront): links are {candidate_base_url}/c/{token}
    wecom_secret_arn: str = ""  # "" : invitations are returned for the portal to send, not sent in WeCom
    wecom_state_table: str = ""
    wecom_api_base: str = "https://qyapi.weixin.qq.com/cgi-bin/"

    def webhook_settings(self) -> WebhookSettings:
        return WebhookSettings(
            webhooks_table=self.webhooks_table,
            webhook_dead_letter_queue_url=self.webhook_dead_letter_queue_url,
            alerts_topic_arn=self.alerts_topic_arn,
            api_base_url=self.api_base_url,
            webhook_allow_http=self.webhook_allow_http,
            webhook_allow_private=self.webhook_allow_private,
        )


class WecomCallbackSettings(_Settings):
    """The WeCom callback (its own function): the secret with the callback token and AES key only, and the
    state table where each callback's (timestamp, nonce, signature) is remembered once."""

    wecom_callback_secret_arn: str  # Secrets Manager: {"callback_token", "encoding_aes_key", "corp_id"}
    wecom_state_table: str
    callback_window_s: int = Field(default=300, ge=30, le=3600)  # a timestamp further off is refused


class ErasureSettings(_Settings):
    """The right to erasure (its own function): every store that holds something about an interview."""

    interviews_table: str
    uploads_bucket: str
    artifacts_bucket: str
    webhooks_table: str
    wecom_state_table: str  # the WeCom notice log
    analytics_table: str
    demographics_table: str
    audit_table: str
    audit_retention_days: int = Field(default=1095, ge=183)
    event_bus_name: str  # erasure publishes interview.erased
    workspace_table: str = ""  # the HR workspace's comments, pushes and decisions about the interview

    def publish_settings(self) -> PublishSettings:
        """``interview.erased`` goes on the bus, from the source ``jiping``."""
        return PublishSettings(event_bus_name=self.event_bus_name)


class DriftMonitorSettings(_Settings):
    interviews_table: str
    profiles_table: str
    analytics_table: str
    alerts_topic_arn: str


class CandidateSettings(_Settings):
    """The candidate's routes (``/v1/candidate/…``, their own function): the interview behind a link, its
    upload forms and written answers, consent, and the feedback read from the result."""

    interviews_table: str
    profiles_table: str
    candidate_links_table: str
    uploads_bucket: str
    artifacts_bucket: str  # the result the feedback is built from (read only)
    audit_table: str  # consents and review requests are logged there
    audit_retention_days: int = Field(default=1095, ge=183)


class WorkspaceSettings(_Settings):
    """The HR workspace's routes (``/v1/workspace/…``, their own function): sign-in (WeCom OAuth or Cognito),
    sessions and members, the jobs, talent pools and reports HR and managers read, and what they do there."""

    interviews_table: str
    profiles_table: str
    workspace_table: str
    uploads_bucket: str  # the answers' media, played by the report (presigned GET)
    artifacts_bucket: str  # results (read) and résumés
    audit_table: str
    audit_retention_days: int = Field(default=1095, ge=183)
    event_bus_name: str  # comments and decisions are published (interview.commented, interview.decided)
    workspace_base_url: str = ""  # the site (CloudFront) the pages are on: OAuth's redirect and card links
    secure_cookies: bool = True  # False only locally, over http://127.0.0.1
    # WeCom: sign-in (网页授权) and the manager's card; "" : no WeCom sign-in
    wecom_secret_arn: str = ""
    wecom_state_table: str = ""
    alerts_topic_arn: str = ""
    wecom_api_base: str = "https://qyapi.weixin.qq.com/cgi-bin/"
    wecom_oauth_url: str = "https://open.weixin.qq.com/connect/oauth2/authorize"
    wecom_timeout_s: float = Field(default=10.0, gt=0, le=30)
    # Cognito, where there is no WeCom: "" : no Cognito sign-in
    cognito_user_pool_id: str = ""
    cognito_client_id: str = ""
    cognito_domain: str = ""  # the hosted UI's https://… domain, for the page's button
    cognito_jwks_url: str = ""  # "" : https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json

    def publish_settings(self) -> PublishSettings:
        return PublishSettings(event_bus_name=self.event_bus_name)


class SweepCandidatesSettings(_Settings):
    """The scheduled sweep of the links table's Due index: reminders before a deadline (WeCom) and the
    deletion of practice interviews after the tenant's retention."""

    interviews_table: str
    candidate_links_table: str
    uploads_bucket: str
    artifacts_bucket: str
    wecom_secret_arn: str = ""  # "" : no reminder is sent (recorded as skipped)
    wecom_state_table: str = ""
    alerts_topic_arn: str = ""
    wecom_api_base: str = "https://qyapi.weixin.qq.com/cgi-bin/"
    wecom_timeout_s: float = Field(default=10.0, gt=0, le=30)


class AuthorizerSettings(_Settings):
    api_keys_table: str


class StarterSettings(_Settings):
    state_machine_arn: str
    audit_table: str  # a later version of an upload key is refused and recorded there
    audit_retention_days: int = Field(default=1095, ge=183)
    uploads_prefix: str = "uploads/"


S = TypeVar("S", bound=BaseSettings)


def load(model: type[S]) -> S:
    """Validate ``model`` from the function's environment (the process's, unless overridden)."""
    env = _ENVIRONMENT.get()
    if env is None:
        return model()
    # model_validate reads the mapping alone (no process environment, no other source): isolation.
    fields = {name.lower() for name in model.model_fields}
    return model.model_validate({k.lower(): v for k, v in env.items() if k.lower() in fields})


def environment(model: type[BaseSettings], **values: object) -> dict[str, str]:
    """A function's environment for ``model``, written by the CDK: every key a field of the settings the
    function validates at cold start (a misspelt or foreign key fails the synth, not the first invocation)."""
    unknown = sorted(set(values) - set(model.model_fields))
    if unknown:
        raise ValueError(f"{model.__name__} has no setting {', '.join(unknown)}")
    return {name.upper(): str(value) for name, value in values.items()}


@contextlib.contextmanager
def function_environment(env: Mapping[str, str]) -> Iterator[None]:
    """Run the enclosed code with ``env`` as the environment ``load`` reads (thread- and task-local)."""
    token = _ENVIRONMENT.set(dict(env))
    try:
        yield
    finally:
        _ENVIRONMENT.reset(token)


class PoolSettings(_Settings):
    """A warm worker of a pool (``jiping.workflow.pool``): its queue and its rhythm."""

    pool_queue_url: str
    pool_clips_per_pass: int = Field(default=8, ge=1, le=10)  # SQS hands out at most 10 at once
    pool_wait_s: int = Field(default=20, ge=0, le=20)  # long polling
    pool_visibility_timeout_s: int = Field(default=180, ge=10)
    pool_heartbeat_every_s: float = Field(default=20, gt=0)
