"""The domain event publisher on EventBridge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from jiping.domain.errors import TransientError
from jiping.domain.models import DomainEvent

_BATCH = 10  # PutEvents takes at most ten entries


class EventBridgePublisher:
    def __init__(self, client: Any, bus_name: str, source: str) -> None:
        self._events = client
        self._bus = bus_name
        self._source = source

    def publish(self, events: Sequence[DomainEvent]) -> None:
        for start in range(0, len(events), _BATCH):
            chunk = events[start : start + _BATCH]
            entries = [
                {
                    "EventBusName": self._bus,
                    "Source": self._source,
                    "DetailType": event.type,
                    "Detail": event.model_dump_json(),
                    "Time": event.time,
                }
                for event in chunk
            ]
            try:
                resp = self._events.put_events(Entries=entries)
            except ClientError as exc:
                raise TransientError(f"EventBridge {exc.response['Error']['Code']}") from exc
            if resp.get("FailedEntryCount"):
                codes = sorted({e.get("ErrorCode", "?") for e in resp["Entries"] if "ErrorCode" in e})
                raise TransientError(f"EventBridge rejected {resp['FailedEntryCount']} entries: {codes}")
