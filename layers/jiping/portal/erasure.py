"""Erase a candidate: every interview the tenant holds under the candidate's reference, everywhere.

For each interview: the uploads (``uploads/{tenant}/{interview}/``) and artifacts
(``{tenant}/{interview}/``: transcripts, analyses, features, result, report, résumé) with **every object
version and delete marker**, the HR workspace's comments, pushes and decision, the webhook deliveries about
it, the WeCom notice log, the outcomes the EHR posted,
the demographic attributes, the audit log's records (replaced by one that says the interview was erased,
with no other content), and the interview row, replaced by a tombstone (the ids, ERASED, when). Then
``interview.erased`` is published (the EHR's webhook carries only the ids, so it can erase its copy).
The order is stores first, row last: a failure half-way leaves the row, and the erasure can be re-run.

An execution still running at the erasure cannot bring the interview back: its next write to the row
raises ``InterviewErased``, the execution ends unrecorded, and RecordUnfinished, meeting the tombstone,
deletes whatever the execution had written to S3 meanwhile (``erase_leftovers``).
"""

from __future__ import annotations

from typing import Any, Protocol

from jiping.domain.models import DomainEvent, Model, utcnow
from jiping.portal.audit import AuditRecord, record
from jiping.ports import EventPublisher


class ErasureReport(Model):
    candidate_ref: str
    interviews: list[str]
    object_versions: int
    deliveries: int
    notices: int
    outcomes: int = 0
    demographics: int = 0


class Objects(Protocol):
    def delete_prefix(self, bucket: str, prefix: str) -> int: ...


class Interviews(Protocol):
    def list_for_tenant(self, tenant_id: str, limit: int = 1000) -> list[Any]: ...

    def erase(self, tenant_id: str, interview_id: str) -> None:
        """Replace the row by a tombstone that no later write can overwrite (see DynamoInterviewRepository)."""


class Deliveries(Protocol):
    def delete_deliveries(self, tenant_id: str, interview_id: str) -> int: ...


class Notices(Protocol):
    def delete_notices(self, tenant_id: str, interview_id: str) -> int: ...


class Outcomes(Protocol):
    def delete_outcomes(self, tenant_id: str, interview_id: str) -> int: ...


class Demographics(Protocol):
    def delete_demographics(self, tenant_id: str, interview_id: str) -> int: ...


class WorkspaceRows(Protocol):
    def delete_interview(self, tenant_id: str, interview_id: str) -> int:
        """The HR workspace's comments, pushes and decision about the interview."""


class Audit(Protocol):
    def delete_records(self, tenant_id: str, interview_id: str) -> int: ...

    def append(self, record: AuditRecord) -> None: ...


def erase_candidate(
    tenant_id: str,
    candidate_ref: str,
    *,
    interviews: Interviews,
    objects: Objects,
    uploads_bucket: str,
    artifacts_bucket: str,
    deliveries: Deliveries,
    notices: Notices,
    outcomes: Outcomes,
    demographics: Demographics,
    audit: Audit,
    audit_retention_days: int,
    publisher: EventPublisher,
    key_id: str | None = None,
    workspace: WorkspaceRows | None = None,
) -> ErasureReport:
    found = [
        i for i in interviews.list_for_tenant(tenant_id, limit=100_000) if i.candidate_ref == candidate_ref
    ]
    versions = sent = told = results = attributes = 0
    for interview in found:
        iv = interview.interview_id
        versions += objects.delete_prefix(uploads_bucket, f"uploads/{tenant_id}/{iv}/")
        versions += objects.delete_prefix(artifacts_bucket, f"{tenant_id}/{iv}/")
        sent += deliveries.delete_deliveries(tenant_id, iv)
        told += notices.delete_notices(tenant_id, iv)
        results += outcomes.delete_outcomes(tenant_id, iv)
        attributes += demographics.delete_demographics(tenant_id, iv)
        if workspace is not None:  # HR's and managers' comments go with the interview
            workspace.delete_interview(tenant_id, iv)
        audit.delete_records(tenant_id, iv)  # the scores and decisions about the person go too ...
        # ... and the erasure is logged, with the key that asked for it
        record(audit, interview, "erased", key_id=key_id, retention_days=audit_retention_days)
        interviews.erase(tenant_id, iv)  # a tombstone: an execution still running cannot write it again
        publisher.publish(
            [
                DomainEvent(
                    id=DomainEvent.stable_id(f"erase|{tenant_id}|{iv}", "ERASED"),
                    type="interview.erased",
                    time=utcnow(),
                    tenant_id=tenant_id,
                    interview_id=iv,
                    data={"candidate_ref": candidate_ref},
                )
            ]
        )
    return ErasureReport(
        candidate_ref=candidate_ref,
        interviews=[i.interview_id for i in found],
        object_versions=versions,
        deliveries=sent,
        notices=told,
        outcomes=results,
        demographics=attributes,
    )


def erase_leftovers(
    tenant_id: str, interview_id: str, *, objects: Objects, uploads_bucket: str, artifacts_bucket: str
) -> int:
    """Delete what an execution running at an erasure wrote afterwards (every version); how many."""
    return objects.delete_prefix(
        uploads_bucket, f"uploads/{tenant_id}/{interview_id}/"
    ) + objects.delete_prefix(artifacts_bucket, f"{tenant_id}/{interview_id}/")
