"""Job profiles (胜任力模型), versioned: a version is never overwritten, old results keep theirs."""

from __future__ import annotations

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from jiping import bootstrap
from jiping.adapters.dynamo.profiles import DynamoProfileRepository
from jiping.domain.errors import PortalError
from jiping.domain.profiles import JobProfile, profile_from_text

from ..context import IdempotencyKey, idempotent, settings, tenant
from ..schemas import ProfileSummary

router = APIGatewayHttpRouter()


def profiles() -> DynamoProfileRepository:
    return bootstrap.profile_repository(settings().profiles_table)


@router.post("/v1/profiles")
def put_profile(
    profile: Annotated[dict[str, Any], Body()], idempotency_key: IdempotencyKey = None
) -> Response[Any]:
    def make() -> tuple[int, Any]:
        parsed = profile_from_text(json.dumps(profile), "json", "request body")
        profiles().put(tenant(router.current_event), parsed)
        return 201, {"id": parsed.id, "version": parsed.version}

    return idempotent(router.current_event, idempotency_key, "put-profile", profile, make)


@router.get("/v1/profiles")
def list_profiles() -> list[ProfileSummary]:
    """The tenant's job profiles and their versions (every version is kept: old results use theirs)."""
    grouped: dict[str, list[JobProfile]] = {}
    for profile in profiles().list(tenant(router.current_event)):
        grouped.setdefault(profile.id, []).append(profile)
    summaries = []
    for pid, versions in sorted(grouped.items()):
        latest = max(versions, key=lambda v: v.version)
        summaries.append(
            ProfileSummary(
                id=pid,
                title=latest.title,
                language=latest.language,
                versions=sorted(v.version for v in versions),
            )
        )
    return summaries


@router.get("/v1/profiles/<profile_id>")
def get_profile(profile_id: str, version: Annotated[int | None, Query(ge=1)] = None) -> JobProfile:
    found = profiles().get(tenant(router.current_event), profile_id, version)
    if found is None:
        raise PortalError("PROFILE_NOT_FOUND", "no such job profile (version) for this tenant", 404)
    return found
