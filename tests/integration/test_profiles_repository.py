"""Job profiles stored per tenant: versions kept, never overwritten, never visible to another tenant."""

from __future__ import annotations

from pathlib import Path

import pytest
from jiping.adapters.dynamo.profiles import DynamoProfileRepository
from jiping.domain.errors import ProfileVersionExists
from jiping.domain.profiles import load_profile

from infra import constants

PROFILE = Path(__file__).resolve().parents[2] / "profiles" / "customer-service.yaml"


@pytest.fixture
def repo(cloud):
    return DynamoProfileRepository(cloud.client("dynamodb"), cloud.outputs[constants.OUTPUT_PROFILES_TABLE])


def test_versions_are_kept_and_the_latest_is_found(repo):
    v1 = load_profile(PROFILE)
    v2 = v1.model_copy(update={"version": 2, "title": v1.title + "（第二版）"})
    repo.put("acme", v1)
    repo.put("acme", v2)
    assert repo.get("acme", v1.id) == v2
    assert repo.get("acme", v1.id, version=1) == v1


def test_a_version_is_never_overwritten(repo):
    v1 = load_profile(PROFILE)
    repo.put("beta", v1)
    with pytest.raises(ProfileVersionExists, match="new version"):
        repo.put("beta", v1.model_copy(update={"title": "changed"}))
    assert repo.get("beta", v1.id, version=1) == v1


def test_another_tenant_sees_nothing(repo):
    repo.put("gamma", load_profile(PROFILE))
    assert repo.get("delta", "customer-service") is None
