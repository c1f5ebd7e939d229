"""API keys: stored as digests, tied to one tenant, refused when malformed, forged or revoked."""

from __future__ import annotations

import pytest
from jiping.portal.interviews import ApiKeyRecord, authenticate, mint_key


class Keys:
    def __init__(self) -> None:
        self.records: dict[str, ApiKeyRecord] = {}

    def put(self, record: ApiKeyRecord) -> None:
        self.records[record.key_id] = record

    def get(self, key_id: str) -> ApiKeyRecord | None:
        return self.records.get(key_id)


def test_a_minted_key_authenticates_its_tenant_and_only_its_digest_is_stored() -> None:
    keys = Keys()
    token = mint_key(keys, "acme")
    (record,) = keys.records.values()
    assert token.startswith(f"jp_{record.key_id}_") and token.split("_", 2)[2] not in record.model_dump_json()
    assert authenticate(keys, f"Bearer {token}") == "acme"


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
    mint_key(keys, "acme")
    assert authenticate(keys, header) is None


def test_a_forged_secret_or_a_revoked_key_is_refused() -> None:
    keys = Keys()
    token = mint_key(keys, "acme")
    assert authenticate(keys, f"Bearer {token[:-1]}{'A' if token[-1] != 'A' else 'B'}") is None
    next(iter(keys.records.values())).revoked = True
    assert authenticate(keys, f"Bearer {token}") is None
