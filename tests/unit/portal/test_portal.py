"""API keys: stored as digests, tied to one tenant and its scopes, refused when malformed, forged, revoked
or expired."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from jiping.portal.interviews import SCOPES, ApiKeyRecord, authenticate, mint_key, revoke_key


class Keys:
    def __init__(self) -> None:
        self.records: dict[str, ApiKeyRecord] = {}

    def put(self, record: ApiKeyRecord) -> None:
        self.records[record.key_id] = record

    def get(self, key_id: str) -> ApiKeyRecord | None:
        return self.records.get(key_id)

    def revoke(self, key_id: str, at: datetime) -> ApiKeyRecord | None:
        if key_id not in self.records:
            return None
        self.records[key_id] = self.records[key_id].model_copy(update={"revoked": True, "revoked_at": at})
        return self.records[key_id]


def test_a_minted_key_authenticates_its_tenant_and_only_its_digest_is_stored() -> None:
    keys = Keys()
    token = mint_key(keys, "acme", SCOPES)
    (record,) = keys.records.values()
    assert token.startswith(f"jp_{record.key_id}_") and token.split("_", 2)[2] not in record.model_dump_json()
    caller = authenticate(keys, f"Bearer {token}")
    assert caller is not None and caller.tenant_id == "acme" and caller.key_id == record.key_id
    assert caller.scopes == SCOPES and caller.actor == f"key:{record.key_id}"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic abc",
        "Bearer ",
        "Bearer jp_",
        "Bearer jp_nokey",
        "Bearer sk_abc_def",
        "Bearer jp_../_x",
    ],
)
def test_malformed_headers_are_refused(header: str | None) -> None:
    keys = Keys()
    mint_key(keys, "acme", SCOPES)
    assert authenticate(keys, header) is None


def test_a_forged_secret_or_a_revoked_key_is_refused() -> None:
    keys = Keys()
    token = mint_key(keys, "acme", SCOPES)
    assert authenticate(keys, f"Bearer {token[:-1]}{'A' if token[-1] != 'A' else 'B'}") is None
    next(iter(keys.records.values())).revoked = True
    assert authenticate(keys, f"Bearer {token}") is None


def test_a_key_carries_only_the_scopes_it_was_minted_with() -> None:
    keys = Keys()
    caller = authenticate(keys, f"Bearer {mint_key(keys, 'acme', ['ehr'])}")
    assert caller is not None and caller.scopes == ("ehr",)
    with pytest.raises(ValueError, match="scopes"):
        mint_key(keys, "acme", [])
    with pytest.raises(ValueError, match="scopes"):
        mint_key(keys, "acme", ["root"])  # type: ignore[list-item]


def test_revoking_a_key_by_its_id_or_its_token_refuses_it_from_then_on() -> None:
    keys = Keys()
    token, other = mint_key(keys, "acme", ["portal"]), mint_key(keys, "acme", ["portal"])
    done = revoke_key(keys, token)  # the whole token works, only its id is used
    assert done.revoked and done.revoked_at is not None
    assert authenticate(keys, f"Bearer {token}") is None
    assert authenticate(keys, f"Bearer {other}") is not None  # the tenant's other keys still work
    with pytest.raises(ValueError, match="no API key"):
        revoke_key(keys, "0123456789abcdef")


def test_a_key_past_its_expiry_is_refused() -> None:
    keys = Keys()
    token = mint_key(keys, "acme", ["portal"], expires_in_days=30)
    (record,) = keys.records.values()
    assert record.expires_at is not None
    assert authenticate(keys, f"Bearer {token}", now=record.expires_at - timedelta(seconds=1)) is not None
    assert authenticate(keys, f"Bearer {token}", now=record.expires_at) is None
    with pytest.raises(ValueError, match="expiry"):
        mint_key(keys, "acme", ["portal"], expires_in_days=0)
