"""Where exhausted webhook deliveries and operator alerts go: an SQS dead-letter queue and an SNS topic.

Messages name the tenant, endpoint and delivery, never a body (bodies may hold transcripts).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from jiping.delivery.webhooks import Delivery, WebhookEndpoint
from jiping.domain.errors import TransientError


class SqsDeadLetters:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._sqs, self._url = client, queue_url

    def send(self, delivery: Delivery) -> None:
        message = {
            "tenant_id": delivery.tenant_id,
            "endpoint_id": delivery.endpoint_id,
            "delivery_id": delivery.delivery_id,
            "event_type": delivery.event_type,
            "attempts": len(delivery.attempts),
        }
        try:
            self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps(message))
        except (BotoCoreError, ClientError) as exc:
            raise TransientError(f"webhook dead-letter queue: {type(exc).__name__}") from exc


class SnsAlerts:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._sns, self._arn = client, topic_arn

    def wecom_stopped(self, tenant_id: str, errcode: int | None, detail: str) -> None:
        """WeCom refuses every send until an operator acts (wrong secret, untrusted egress IP)."""
        message = {
            "alert": "wecom_stopped",
            "tenant_id": tenant_id,
            "errcode": errcode,
            "detail": detail[:200],
        }
        try:
            self._sns.publish(
                TopicArn=self._arn, Subject="Jiping: WeCom refuses our sends", Message=json.dumps(message)
            )
        except (BotoCoreError, ClientError) as exc:
            raise TransientError(f"alerts topic: {type(exc).__name__}") from exc

    def endpoint_disabled(self, endpoint: WebhookEndpoint) -> None:
        message = {
            "alert": "webhook_endpoint_disabled",
            "tenant_id": endpoint.tenant_id,
            "endpoint_id": endpoint.endpoint_id,
            "reason": endpoint.disabled_reason,
        }
        try:
            self._sns.publish(
                TopicArn=self._arn, Subject="Jiping: webhook endpoint disabled", Message=json.dumps(message)
            )
        except (BotoCoreError, ClientError) as exc:
            raise TransientError(f"alerts topic: {type(exc).__name__}") from exc

    def publish(self, subject: str, message: dict[str, Any]) -> None:
        """Any other operator alert (e.g. score drift): a subject and a JSON message without personal data."""
        try:
            self._sns.publish(TopicArn=self._arn, Subject=subject[:100], Message=json.dumps(message))
        except (BotoCoreError, ClientError) as exc:
            raise TransientError(f"alerts topic: {type(exc).__name__}") from exc
