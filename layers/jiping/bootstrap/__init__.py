"""The composition root: the one place that builds concrete adapters, for the entrypoints and the CLI.

Analytics' adapters are built in ``bootstrap.analytics``, apart, so that nothing the workflow imports can
reach the outcomes or the demographic attributes (``tests/unit/test_import_rules.py``).

Clients are created on first use (never at import time) and reused for the life of the process. The
imports of the heavier adapters are deferred, so that a function loads only what it uses.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config

from jiping.settings import PoolSettings, PublishSettings, StarterSettings, WebhookSettings, WecomSettings

if TYPE_CHECKING:
    from pydantic import BaseModel

    from jiping.adapters.cognito import CognitoVerifier
    from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore
    from jiping.adapters.dynamo.audit import DynamoAuditLog
    from jiping.adapters.dynamo.candidate_links import DynamoCandidateLinks
    from jiping.adapters.dynamo.groups import DynamoGroupSessions
    from jiping.adapters.dynamo.idempotency import DynamoIdempotency
    from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
    from jiping.adapters.dynamo.profiles import DynamoProfileRepository
    from jiping.adapters.dynamo.quotas import DynamoQuotaCounter
    from jiping.adapters.dynamo.webhooks import DynamoWebhookStore
    from jiping.adapters.dynamo.wecom import DynamoWecomStore
    from jiping.adapters.dynamo.wecom_callbacks import DynamoCallbackNonces
    from jiping.adapters.dynamo.workspace import DynamoWorkspace
    from jiping.adapters.eventbridge import EventBridgePublisher
    from jiping.adapters.http import UrlPolicy
    from jiping.adapters.notify import SnsAlerts
    from jiping.adapters.s3 import S3ObjectStore, S3Presigner
    from jiping.adapters.stepfunctions import StepFunctionsStarter
    from jiping.delivery.webhooks import Webhooks
    from jiping.delivery.wecom import CallbackConfig, Notifier, WecomConfig
    from jiping.workflow.pool import PoolWorker, Process

    Request = TypeVar("Request", bound=BaseModel)

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=60)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]


def _region() -> str | None:
    return boto3.session.Session().region_name


# --- S3, EventBridge, Step Functions, SNS ---------------------------------------------------------


def object_store() -> S3ObjectStore:
    from jiping.adapters.s3 import S3ObjectStore

    return S3ObjectStore(client("s3"))


@cache
def presigner() -> S3Presigner:
    """Forms and links signed with SigV4 (boto3 would sign POST forms with SigV2 in us-east-1)."""
    from jiping.adapters.s3 import S3Presigner

    config = _CONFIG.merge(Config(signature_version="s3v4"))
    return S3Presigner(boto3.session.Session().client("s3", config=config))  # type: ignore[call-overload]


def pool_worker(
    settings: PoolSettings, request_model: type[Request], process: Process[Request], name: str
) -> PoolWorker[Request]:
    """A warm worker draining its pool's SQS queue and answering Step Functions by task token."""
    from jiping.adapters.sqs import SqsWorkQueue
    from jiping.adapters.stepfunctions import StepFunctionsCallbacks
    from jiping.workflow.pool import PoolWorker

    return PoolWorker(
        queue=SqsWorkQueue(client("sqs"), settings.pool_queue_url),
        callbacks=StepFunctionsCallbacks(client("stepfunctions")),
        request_model=request_model,
        process=process,
        settings=settings,
        name=name,
    )


def event_publisher(settings: PublishSettings) -> EventBridgePublisher:
    from jiping.adapters.eventbridge import EventBridgePublisher

    return EventBridgePublisher(client("events"), settings.event_bus_name, settings.event_source)


def workflow_starter(settings: StarterSettings) -> StepFunctionsStarter:
    from jiping.adapters.stepfunctions import StepFunctionsStarter

    return StepFunctionsStarter(client("stepfunctions"), settings.state_machine_arn)


def alerts(topic_arn: str) -> SnsAlerts:
    from jiping.adapters.notify import SnsAlerts

    return SnsAlerts(client("sns"), topic_arn)


# --- DynamoDB tables ------------------------------------------------------------------------------


def interview_repository(table_name: str) -> DynamoInterviewRepository:
    from jiping.adapters.dynamo.interviews import DynamoInterviewRepository

    return DynamoInterviewRepository(table_name, region=_region())


def profile_repository(table_name: str) -> DynamoProfileRepository:
    from jiping.adapters.dynamo.profiles import DynamoProfileRepository

    return DynamoProfileRepository(client("dynamodb"), table_name)


def api_key_store(table_name: str, region: str | None = None) -> DynamoApiKeyStore:
    from jiping.adapters.dynamo.api_keys import DynamoApiKeyStore

    return DynamoApiKeyStore(table_name, region=region or _region())


def candidate_links(table_name: str) -> DynamoCandidateLinks:
    from jiping.adapters.dynamo.candidate_links import DynamoCandidateLinks

    return DynamoCandidateLinks(table_name, region=_region())


def group_sessions(table_name: str) -> DynamoGroupSessions:
    from jiping.adapters.dynamo.groups import DynamoGroupSessions

    return DynamoGroupSessions(table_name, region=_region())


def workspace_store(table_name: str) -> DynamoWorkspace:
    from jiping.adapters.dynamo.workspace import DynamoWorkspace

    return DynamoWorkspace(table_name, region=_region())


@cache
def cognito_verifier(user_pool_id: str, client_id: str, jwks_url: str = "") -> CognitoVerifier:
    """The verifier of the pool's ID tokens (cached: its keys are fetched once per process)."""
    from jiping.adapters.cognito import CognitoVerifier

    region = user_pool_id.split("_", 1)[0]  # a pool id is "{region}_{id}"
    return CognitoVerifier(user_pool_id, client_id, region, jwks_url)


def audit_log(table_name: str) -> DynamoAuditLog:
    from jiping.adapters.dynamo.audit import DynamoAuditLog

    return DynamoAuditLog(table_name, region=_region())


def webhook_store(table_name: str) -> DynamoWebhookStore:
    from jiping.adapters.dynamo.webhooks import DynamoWebhookStore

    return DynamoWebhookStore(table_name, region=_region())


def wecom_store(table_name: str) -> DynamoWecomStore:
    from jiping.adapters.dynamo.wecom import DynamoWecomStore

    return DynamoWecomStore(table_name, region=_region())


def quota_counter(table_name: str) -> DynamoQuotaCounter:
    from jiping.adapters.dynamo.quotas import DynamoQuotaCounter

    return DynamoQuotaCounter(client("dynamodb"), table_name)


def idempotency(table_name: str) -> DynamoIdempotency:
    from jiping.adapters.dynamo.idempotency import DynamoIdempotency

    return DynamoIdempotency(client("dynamodb"), table_name)


# --- webhooks and WeCom ---------------------------------------------------------------------------


def url_policy(allow_http: bool, allow_private: bool) -> UrlPolicy:
    from jiping.adapters.http import UrlPolicy

    return UrlPolicy(allow_http=allow_http, allow_private=allow_private)


def webhooks(settings: WebhookSettings) -> Webhooks:
    """The webhook service: its store, the SSRF-guarded sender, the dead-letter queue and alerts."""
    from jiping.adapters.http import HttpxSender
    from jiping.adapters.notify import SqsDeadLetters
    from jiping.delivery.webhooks import Webhooks
    from jiping.domain.models import ObjectLocation

    base = settings.api_base_url.rstrip("/")

    def transcripts(event: Any) -> list[dict[str, Any]] | None:
        """The scored answers' transcripts, from the result document (for endpoints that opted in)."""
        result = event.data.get("result")
        if not result:
            return None
        document = object_store().get_json(ObjectLocation.model_validate(result))
        return [
            {"question_id": q["question_id"], "text": q["transcript"]["text"]} for q in document["questions"]
        ]

    return Webhooks(
        webhook_store(settings.webhooks_table),
        HttpxSender(url_policy(settings.webhook_allow_http, settings.webhook_allow_private)),
        SqsDeadLetters(client("sqs"), settings.webhook_dead_letter_queue_url),
        alerts(settings.alerts_topic_arn),
        links=lambda e: {
            "interview": f"{base}/v1/interviews/{e.interview_id}",
            "report": f"{base}/v1/interviews/{e.interview_id}/report",
        },
        transcripts=transcripts,
        timeout_s=settings.webhook_timeout_s,
    )


def wecom_config(secret_arn: str) -> WecomConfig:
    """The WeCom app's credentials, from Secrets Manager."""
    from jiping.delivery.wecom import WecomConfig

    secret = client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    return WecomConfig.model_validate_json(secret)


def wecom_callback_config(secret_arn: str) -> CallbackConfig:
    """The callback's token and AES key, from its own secret (which holds no corp_secret)."""
    from jiping.delivery.wecom import CallbackConfig

    secret = client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    return CallbackConfig.model_validate_json(secret)


def callback_nonces(table_name: str) -> DynamoCallbackNonces:
    from jiping.adapters.dynamo.wecom_callbacks import DynamoCallbackNonces

    return DynamoCallbackNonces(table_name, region=_region())


def candidate_messenger(
    secret_arn: str, state_table: str, alerts_topic_arn: str, api_base: str, timeout_s: float = 10.0
) -> Notifier | None:
    """The notifier that tells candidates (invitations, reminders), or None when WeCom is not configured."""
    if not secret_arn or not state_table:
        return None
    return wecom_notifier(
        WecomSettings(
            wecom_secret_arn=secret_arn,
            wecom_state_table=state_table,
            interviews_table="",
            profiles_table="",
            alerts_topic_arn=alerts_topic_arn,
            wecom_api_base=api_base,
            wecom_timeout_s=timeout_s,
        )
    )


def wecom_notifier(settings: WecomSettings) -> Notifier:
    """The WeCom notifier: credentials from Secrets Manager, the token cache, log and limits on DynamoDB."""
    from jiping.adapters.wechat import DynamoSessionStorage, JipingWecomClient
    from jiping.delivery.wecom import Notifier

    config = wecom_config(settings.wecom_secret_arn)
    store = wecom_store(settings.wecom_state_table)
    wechat = JipingWecomClient(
        config, DynamoSessionStorage(store), settings.wecom_api_base, settings.wecom_timeout_s
    )
    base = settings.api_base_url.rstrip("/")
    return Notifier(
        wechat,
        config.agent_id,
        store,
        store,
        alerts(settings.alerts_topic_arn),
        report_url=lambda e: f"{base}/v1/interviews/{e.interview_id}/report",
    )
