"""The audit log on the emulated table: a record is written once; the same record again (a redelivered
event) is already there, and another record under the same key is refused, never overwriting it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jiping.adapters.dynamo.audit import DynamoAuditLog
from jiping.domain.errors import StorageError
from jiping.portal.audit import AuditRecord

from infra import constants

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def test_the_same_record_twice_is_one_record_and_another_under_its_key_is_refused(cloud) -> None:
    log = DynamoAuditLog(cloud.outputs[constants.OUTPUT_AUDIT_TABLE])
    record = AuditRecord(
        tenant_id="t-audit",
        interview_id="iv-once",
        at=AT,
        kind="upload_refused",
        actor="system",
        details={"refused_version": "v2"},
        expires_at=AT + timedelta(days=1095),
    )
    log.append(record)
    log.append(record)  # the S3 event delivered again
    assert log.records("t-audit", "iv-once") == [record]
    with pytest.raises(StorageError):
        log.append(record.model_copy(update={"details": {"refused_version": "v3"}}))
    assert log.records("t-audit", "iv-once") == [record]
