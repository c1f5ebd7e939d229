"""Idempotency-Key on the emulated Idempotency table: a retry while the first run is still going is
refused, and a first run that died (no clean-up possible) frees its key once it cannot be running."""

from __future__ import annotations

import hashlib
import time

import pytest
from jiping.adapters.dynamo.idempotency import DynamoIdempotency
from jiping.domain.errors import IdempotencyInProgress

from infra import constants

DAY = 24 * 3600


@pytest.fixture
def store(cloud) -> DynamoIdempotency:
    return DynamoIdempotency(cloud.client("dynamodb"), cloud.outputs[constants.OUTPUT_IDEMPOTENCY_TABLE])


def _died_mid_request(cloud, key: str, digest: str, in_progress_until: float) -> None:
    """What a first run leaves when its function is killed between its claim and its answer."""
    cloud.client("dynamodb").put_item(
        TableName=cloud.outputs[constants.OUTPUT_IDEMPOTENCY_TABLE],
        Item={
            "id": {"S": "api#" + hashlib.sha256(key.encode()).hexdigest()},
            "status": {"S": "in_progress"},
            "digest": {"S": digest},
            "expiration": {"N": str(int(time.time()) + DAY)},
            "in_progress_expiration": {"N": str(int(in_progress_until * 1000))},
        },
    )


def test_a_retry_while_the_first_run_still_goes_is_refused_and_the_first_answer_is_kept(store) -> None:
    def first() -> tuple[int, dict]:
        with pytest.raises(IdempotencyInProgress):  # the portal's impatient retry
            store.remember("t#create#k-concurrent", "d1", lambda: (201, {"n": 2}), DAY, 30)
        return 201, {"n": 1}

    assert store.remember("t#create#k-concurrent", "d1", first, DAY, 30) == (201, {"n": 1})
    assert store.remember("t#create#k-concurrent", "d1", lambda: (201, {"n": 3}), DAY, 30) == (201, {"n": 1})


def test_a_first_run_that_died_holds_its_key_only_while_it_could_still_be_running(store, cloud) -> None:
    _died_mid_request(cloud, "t#create#k-alive", "d1", time.time() + 25)
    with pytest.raises(IdempotencyInProgress):
        store.remember("t#create#k-alive", "d1", lambda: (201, {"n": 1}), DAY, 30)
    # its function's timeout has passed: nothing can answer it any more, so the retry runs
    _died_mid_request(cloud, "t#create#k-dead", "d1", time.time() - 1)
    assert store.remember("t#create#k-dead", "d1", lambda: (201, {"n": 2}), DAY, 30) == (201, {"n": 2})
    assert store.remember("t#create#k-dead", "d1", lambda: (201, {"n": 3}), DAY, 30) == (201, {"n": 2})
