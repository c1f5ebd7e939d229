"""End-to-end helpers: upload through the S3 trigger, follow the execution, read what was stored."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
from jiping.domain.models import Interview, Transcript

from infra import constants
from tests.conftest import delivered_events  # noqa: F401 - re-exported for the e2e tests


def run_upload(
    cloud: Any, path: Path, tenant: str, interview: str, filename: str | None = None, *, consent: bool = True
) -> Any:
    """Upload as a portal would and wait for the execution the S3 event started. Unless the interview
    already has a consent record (or ``consent`` is False), the candidate's consent to video analysis is
    recorded first, as the portal API does."""
    row = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE]).get(tenant, interview)
    if consent and (row is None or not row.consent):
        cloud.register_consent(tenant, interview)
    up = cloud.upload(path, tenant, interview, filename)
    return cloud.wait_for_execution(cloud.execution_arn(**up), timeout=900)


def interview_row(cloud: Any, tenant: str, interview: str) -> Interview:
    row = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE]).get(tenant, interview)
    assert row is not None, "no interview row was stored"
    return row


def transcript_of(cloud: Any, key: str) -> Transcript:
    body = cloud.client("s3").get_object(Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Key=key)[
        "Body"
    ]
    return Transcript.model_validate_json(body.read())


_NUMBERS = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "10": "ten"}


def words(text: str) -> list[str]:
    tokens = re.findall(r"[a-z0-9']+", text.lower())
    return [_NUMBERS.get(t, t) for t in tokens]


def hanzi(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) == "Lo")


def edit_distance(a: list[str] | str, b: list[str] | str) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]
