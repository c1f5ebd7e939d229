"""Analytics data on DynamoDB (pynamodb): outcomes and re-weighting proposals in one table, the
demographic attributes in a table of their own.

- Analytics table, ``tenant_id`` + ``sk``:
  - ``outcome#{interview_id}#{kind}#{date}``: one outcome (a repeat replaces it: idempotent);
  - ``proposal#{proposal_id}``: a re-weighting proposal and whether it was accepted;
  - ``alert#drift#{job}#{version}#{window}``: a drift alert already raised (raised once).
- Demographics table, ``tenant_id`` + ``interview_id``: the optional attributes. Only the API (the
  routes that store them, the impact report and erasure) is granted this table: the scoring code
  cannot read it (a template test asserts so).

Bulk writes go through ``batch_write`` after the whole batch validated (see ``jiping.analytics.service``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, GetError, PutError, PynamoDBConnectionError, QueryError
from pynamodb.models import Model

from jiping.adapters.dynamo.tables import bind, conditional_write, storage_error
from jiping.analytics.models import DemographicRecord, OutcomeRecord, ReweightingProposal

_STORAGE_ERRORS = (GetError, PutError, QueryError, DeleteError, PynamoDBConnectionError)


class AnalyticsItem(Model):
    class Meta:
        table_name = "unbound"

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    document = UnicodeAttribute()  # the record as JSON
    updated_at = UTCDateTimeAttribute()


class DemographicsItem(Model):
    class Meta:
        table_name = "unbound"

    tenant_id = UnicodeAttribute(hash_key=True)
    interview_id = UnicodeAttribute(range_key=True)
    attributes = UnicodeAttribute()  # JSON object
    received_at = UTCDateTimeAttribute()


def _outcome_sk(record: OutcomeRecord) -> str:
    return f"outcome#{record.interview_id}#{record.kind}#{record.date.isoformat()}"


class DynamoAnalyticsStore:
    """Outcomes and proposals (``OutcomeStore``, ``ProposalStore``) on the Analytics table."""

    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(AnalyticsItem, table_name, region, host)

    def put_outcomes(self, records: Iterable[OutcomeRecord]) -> int:
        written = 0
        try:
            with self._item.batch_write() as batch:
                for record in records:
                    batch.save(
                        self._item(
                            record.tenant_id,
                            _outcome_sk(record),
                            document=record.model_dump_json(),
                            updated_at=record.received_at,
                        )
                    )
                    written += 1
        except _STORAGE_ERRORS as exc:
            raise storage_error(exc, "analytics") from exc
        return written

    def outcomes(self, tenant_id: str) -> list[OutcomeRecord]:
        return [OutcomeRecord.model_validate_json(i.document) for i in self._query(tenant_id, "outcome#")]

    def delete_outcomes(self, tenant_id: str, interview_id: str) -> int:
        """Erase one interview's outcomes."""
        items = self._query(tenant_id, f"outcome#{interview_id}#")
        try:
            for item in items:
                item.delete()
        except _STORAGE_ERRORS as exc:
            raise storage_error(exc, "analytics") from exc
        return len(items)

    def save_proposal(self, tenant_id: str, proposal: ReweightingProposal) -> None:
        try:
            self._item(
                tenant_id,
                f"proposal#{proposal.proposal_id}",
                document=proposal.model_dump_json(),
                updated_at=proposal.accepted_at or proposal.created_at,
            ).save()
        except _STORAGE_ERRORS as exc:
            raise storage_error(exc, "analytics") from exc

    def proposal(self, tenant_id: str, proposal_id: str) -> ReweightingProposal | None:
        try:
            item = self._item.get(tenant_id, f"proposal#{proposal_id}", consistent_read=True)
        except self._item.DoesNotExist:
            return None
        except _STORAGE_ERRORS as exc:
            raise storage_error(exc, "analytics") from exc
        return ReweightingProposal.model_validate_json(item.document)

    def claim_alert(self, tenant_id: str, key: str, at: datetime) -> bool:
        """Record an alert once: False when ``key`` was already raised (the daily run repeats)."""
        item = self._item(tenant_id, f"alert#{key}", document="{}", updated_at=at)
        return conditional_write(lambda: item.save(condition=self._item.sk.does_not_exist()), "analytics")

    def _query(self, tenant_id: str, prefix: str) -> list[AnalyticsItem]:
        try:
            return list(self._item.query(tenant_id, self._item.sk.startswith(prefix)))
        except _STORAGE_ERRORS as exc:
            raise storage_error(exc, "analytics") from exc


class DynamoDemographicsStore:
    """``DemographicsStore`` on the Demographics table."""

    def __init__(self, table_name: str, region: str | None = None, host: str | None = None) -> None:
        self._item = bind(DemographicsItem, table_name, region, host)

    def put_demographics(self, records: Iterable[DemographicRecord]) -> int:
        written = 0
        try:
            with self._item.batch_write() as batch:
                for record in records:
                    batch.save(
                        self._item(
                            record.tenant_id,
                            record.interview_id,
                            attributes=json.dumps(record.attributes, ensure_ascii=False),
                            received_at=record.received_at,
                        )
                    )
                    written += 1
        except _STORAGE_ERRORS as exc:
            raise storage_error(exc, "demographics") from exc
        return written

    def demographics(self, tenant_id: str) -> list[DemographicRecord]:
        try:
            return [
                DemographicRecord(
                    tenant_id=i.tenant_id,
                    interview_id=i.interview_id,
                    attributes=json.loads(i.attributes),
                    received_at=i.received_at,
                )
                for i in self._item.query(tenant_id)
            ]
        except _STORAGE_ERRORS as exc:
            raise storage_error(exc, "demographics") from exc

    def delete_demographics(self, tenant_id: str, interview_id: str) -> int:
        try:
            self._item.get(tenant_id, interview_id, consistent_read=True).delete()
        except self._item.DoesNotExist:
            return 0
        except _STORAGE_ERRORS as exc:
            raise storage_error(exc, "demographics") from exc
        return 1
