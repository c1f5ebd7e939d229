"""StartEvaluation, invoked with the sample SQS batch (events/sqs_upload_batch.json)."""

from __future__ import annotations

import json

from tests.conftest import load_event


def _batch(cloud, key: str, version: str = "v-1") -> dict:
    batch = load_event("sqs_upload_batch.json")
    body = json.loads(batch["Records"][0]["body"])
    body["detail"]["bucket"]["name"] = cloud.uploads_bucket
    body["detail"]["object"]["key"] = key
    body["detail"]["object"]["version-id"] = version
    batch["Records"][0]["body"] = json.dumps(body)
    return batch


def _invoke(cloud, event: dict) -> dict:
    resp = cloud.client("lambda").invoke(
        FunctionName=cloud.function("StartEvaluation").name, Payload=json.dumps(event).encode()
    )
    assert "FunctionError" not in resp, resp["Payload"].read()
    return json.loads(resp["Payload"].read())


def test_a_bad_key_is_reported_as_a_failed_record_not_dropped(cloud):
    # GIVEN a batch with a record outside the key scheme and a good one
    bad = _batch(cloud, "uploads/only-two/parts.mp4")["Records"][0]
    good = _batch(cloud, "uploads/t-start/iv-mixed/q1.mp4", version="v-mixed")["Records"][0]
    good["messageId"] = "good-record"
    # WHEN StartEvaluation handles it
    result = _invoke(cloud, {"Records": [bad, good]})
    # THEN only the bad record goes back to the queue (and on to its DLQ after the receive limit)
    assert result["batchItemFailures"] == [{"itemIdentifier": bad["messageId"]}]


def test_the_same_record_twice_starts_one_execution(cloud):
    # The object does not exist, so the execution ends FAILED in ProbeMedia; what matters is the count.
    event = _batch(cloud, "uploads/t-start/iv-start/q1.mp4", version="v-dup")
    before = len(cloud.executions())
    assert _invoke(cloud, event)["batchItemFailures"] == []
    assert _invoke(cloud, event)["batchItemFailures"] == []
    names = [e["name"] for e in cloud.executions()]
    assert len(names) == before + 1
    assert len(set(names)) == len(names)
