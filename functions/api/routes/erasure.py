"""The right to erasure (the EraseCandidate function): a candidate's interviews erased everywhere."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.bootstrap import analytics as analytics_bootstrap
from jiping.domain.errors import PortalError
from jiping.portal.erasure import erase_candidate
from jiping.settings import ErasureSettings, load

from ..context import principal

router = APIGatewayHttpRouter()


@lru_cache(maxsize=1)
def settings() -> ErasureSettings:
    return load(ErasureSettings)


@router.delete("/v1/candidates/<candidate_ref>")
def erase(candidate_ref: str) -> Any:
    """Erase the candidate's interviews everywhere (media and artifacts with all versions, deliveries,
    notices, rows) and publish ``interview.erased`` for each."""
    s, caller = settings(), principal(router.current_event)
    report = erase_candidate(
        caller.tenant_id,
        candidate_ref,
        interviews=bootstrap.interview_repository(s.interviews_table),
        objects=bootstrap.object_store(),
        uploads_bucket=s.uploads_bucket,
        artifacts_bucket=s.artifacts_bucket,
        deliveries=bootstrap.webhook_store(s.webhooks_table),
        notices=bootstrap.wecom_store(s.wecom_state_table),
        outcomes=analytics_bootstrap.analytics_store(s.analytics_table),
        demographics=analytics_bootstrap.demographics_store(s.demographics_table),
        audit=bootstrap.audit_log(s.audit_table),
        audit_retention_days=s.audit_retention_days,
        publisher=bootstrap.event_publisher(s.publish_settings()),
        key_id=caller.key_id,
        workspace=bootstrap.workspace_store(s.workspace_table) if s.workspace_table else None,
    )
    if not report.interviews:
        raise PortalError(
            "CANDIDATE_NOT_FOUND", "no interview of this tenant has this candidate reference", 404
        )
    return report.model_dump()
