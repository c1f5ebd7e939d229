"""The composition root: the one place that picks concrete adapters for the entry points.

Clients are created on first use (never at import time) and reused for the life of the process.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
from jiping.adapters.eventbridge import EventBridgePublisher
from jiping.adapters.s3 import S3ObjectStore
from jiping.adapters.stepfunctions import StepFunctionsStarter
from jiping.settings import PublishSettings, StarterSettings, WebhookSettings, WecomSettings

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=60)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]


def object_store() -> S3ObjectStore:
    return S3ObjectStore(client("s3"))


def interview_repository(table_name: str) -> DynamoInterviewRepository:
    return DynamoInterviewRepository(table_name, region=boto3.session.Session().region_name)


def event_publisher(settings: PublishSettings) -> EventBridgePublisher:
    return EventBridgePublisher(client("events"), settings.event_bus_name, settings.event_source)


def workflow_starter(settings: StarterSettings) -> StepFunctionsStarter:
    return StepFunctionsStarter(client("stepfunctions"), settings.state_machine_arn)


def webhooks(settings: WebhookSettings) -> Any:
    """The webhook service: its store, the SSRF-guarded sender, the dead-letter queue and alerts."""
    from jiping.adapters.dynamo.webhooks import DynamoWebhookStore
    from jiping.adapters.http import HttpxSender, UrlPolicy
    from jiping.adapters.notify import SnsAlerts, SqsDeadLetters
    from jiping.delivery.webhooks import Webhooks

    base = settings.api_base_url.rstrip("/")
    policy = UrlPolicy(allow_http=settings.webhook_allow_http, allow_private=settings.webhook_allow_private)

    def transcripts(event: Any) -> list[dict[str, Any]] | None:
        """The scored answers' transcripts, from the result document (for endpoints that opted in)."""
        from jiping.domain.models import ObjectLocation

        result = event.data.get("result")
        if not result:
            return None
        document = object_store().get_json(ObjectLocation.model_validate(result))
        return [
            {"question_id": q["question_id"], "text": q["transcript"]["text"]} for q in document["questions"]
        ]

    return Webhooks(
        DynamoWebhookStore(settings.webhooks_table, region=boto3.session.Session().region_name),
        HttpxSender(policy),
        SqsDeadLetters(client("sqs"), settings.webhook_dead_letter_queue_url),
        SnsAlerts(client("sns"), settings.alerts_topic_arn),
        links=lambda e: {
            "interview": f"{base}/v1/interviews/{e.interview_id}",
            "report": f"{base}/v1/interviews/{e.interview_id}/report",
        },
        transcripts=transcripts,
        timeout_s=settings.webhook_timeout_s,
    )


def wecom_notifier(settings: WecomSettings) -> Any:
    """The WeCom notifier: credentials from Secrets Manager, the token cache, log and limits on DynamoDB."""
    from jiping.adapters.dynamo.wecom import DynamoWecomStore
    from jiping.adapters.notify import SnsAlerts
    from jiping.delivery.wecom import DynamoSessionStorage, JipingWecomClient, Notifier, WecomConfig

    secret = client("secretsmanager").get_secret_value(SecretId=settings.wecom_secret_arn)["SecretString"]
    config = WecomConfig.model_validate_json(secret)
    store = DynamoWecomStore(settings.wecom_state_table, region=boto3.session.Session().region_name)
    wechat = JipingWecomClient(
        config, DynamoSessionStorage(store), settings.wecom_api_base, settings.wecom_timeout_s
    )
    base = settings.api_base_url.rstrip("/")
    return Notifier(
        wechat,
        config.agent_id,
        store,
        store,
        SnsAlerts(client("sns"), settings.alerts_topic_arn),
        report_url=lambda e: f"{base}/v1/interviews/{e.interview_id}/report",
    )
