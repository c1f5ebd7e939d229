"""Adapters against the emulated cloud: S3, DynamoDB (pynamodb), EventBridge, Step Functions."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
from jiping.adapters.eventbridge import EventBridgePublisher
from jiping.adapters.s3 import S3ObjectStore
from jiping.domain.errors import NotFound
from jiping.domain.models import DomainEvent, Interview, InterviewStatus, MediaRecord, ObjectLocation

from infra import constants
from tests.conftest import delivered_events


def test_missing_object_is_not_found(cloud, tmp_path):
    store = S3ObjectStore(cloud.client("s3"))
    with pytest.raises(NotFound):
        store.download(ObjectLocation(bucket=cloud.uploads_bucket, key="uploads/none"), tmp_path / "x")


def test_json_round_trip_keeps_chinese(cloud):
    store = S3ObjectStore(cloud.client("s3"))
    loc = ObjectLocation(bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], key="t/i/m/x.json")
    store.put_json(loc, {"text": "你好，世界"})
    assert store.get_json(loc) == {"text": "你好，世界"}


def test_concurrent_updates_of_one_interview_all_land(cloud):
    # GIVEN one interview whose answers finish at the same time
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    now = datetime.now(UTC)

    def add(media_id: str) -> None:
        def change(current: Interview | None) -> Interview:
            iv = current or Interview(
                tenant_id="t-conc",
                interview_id="iv-conc",
                status=InterviewStatus.PROCESSING,
                created_at=now,
                updated_at=now,
            )
            iv.media[media_id] = MediaRecord(
                media_id=media_id, status=InterviewStatus.TRANSCRIBED, key=media_id, updated_at=now
            )
            return iv

        repo.update("t-conc", "iv-conc", change)

    # WHEN eight writers update it concurrently
    threads = [threading.Thread(target=add, args=(f"q{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN optimistic locking kept every answer
    assert sorted(repo.get("t-conc", "iv-conc").media) == [f"q{i}" for i in range(8)]


def test_tenants_are_separate_partitions(cloud):
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    now = datetime.now(UTC)
    repo.update(
        "tenant-a",
        "iv-same",
        lambda _: Interview(
            tenant_id="tenant-a",
            interview_id="iv-same",
            status=InterviewStatus.CREATED,
            created_at=now,
            updated_at=now,
        ),
    )
    assert repo.get("tenant-b", "iv-same") is None


def test_published_events_reach_the_delivery_queues(cloud):
    publisher = EventBridgePublisher(
        cloud.client("events"), cloud.outputs[constants.OUTPUT_EVENT_BUS], "jiping"
    )
    event = DomainEvent(
        id="evt_test_adapter",
        type="interview.rejected",
        time=datetime.now(UTC),
        tenant_id="t",
        interview_id="i-adapter",
        data={"reason_code": "NOT_MEDIA"},
    )
    publisher.publish([event])
    # the bus carried it (the local cloud's tap); the webhook and WeCom consumers took their copies
    (body,) = delivered_events(cloud, "i-adapter")
    assert body["detail"]["id"] == "evt_test_adapter" and body["detail-type"] == "interview.rejected"
    cloud.drain()
