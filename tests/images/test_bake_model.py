"""bake_model.py (the GPU image's build step) bakes a hub model only as pinned: checked before it is baked."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

BAKE = Path(__file__).resolve().parents[2] / "containers" / "transcribe" / "bake_model.py"
spec = importlib.util.spec_from_file_location("bake_model", BAKE)
assert spec and spec.loader
bake_model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bake_model)

FILES = {"model.bin": b"weights", "config.json": b"{}"}
REVISION = "0" * 40


def _pins(tmp_path: Path, files: dict[str, bytes] = FILES) -> Path:
    pins = tmp_path / "pins"
    pins.mkdir()
    doc = {
        "repo": "example/faster-whisper-x",
        "revision": REVISION,
        "files": {n: {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for n, b in files.items()},
    }
    (pins / "whisper-x.json").write_text(json.dumps(doc))
    return pins


def _hub(served: dict[str, bytes], calls: list[tuple[str, str, str]]):
    def download(repo: str, name: str, revision: str, directory: Path) -> Path:
        calls.append((repo, name, revision))
        directory.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(served[name])
        return directory / name

    return download


def test_a_pinned_hub_model_is_fetched_at_its_revision_and_baked_with_its_manifest(tmp_path):
    calls: list[tuple[str, str, str]] = []
    target = bake_model.bake("x", tmp_path / "models", pins=_pins(tmp_path), download=_hub(FILES, calls))

    assert {c[2] for c in calls} == {REVISION} and {c[1] for c in calls} == set(FILES)
    assert (target / "model.bin").read_bytes() == b"weights"
    manifest = json.loads((target / ".jiping-verified.json").read_text())
    assert manifest["model.bin"]["sha256"] == hashlib.sha256(b"weights").hexdigest()


def test_a_file_that_differs_from_its_pin_is_not_baked(tmp_path):
    served = {**FILES, "model.bin": b"tampered"}
    with pytest.raises(SystemExit, match="not baked"):
        bake_model.bake("x", tmp_path / "models", pins=_pins(tmp_path), download=_hub(served, []))
    assert not (tmp_path / "models" / "whisper-x").exists()


def test_a_hub_model_without_a_pin_or_with_another_revision_is_refused(tmp_path):
    pins = _pins(tmp_path)
    with pytest.raises(SystemExit, match="refusing to bake"):
        bake_model.bake("large-v3", tmp_path / "models", pins=pins, download=_hub(FILES, []))
    with pytest.raises(SystemExit, match="not the pinned"):
        bake_model.bake("x", tmp_path / "models", pins=pins, revision="1" * 40, download=_hub(FILES, []))


def test_the_large_v3_turbo_pin_in_the_repository_is_complete():
    pin = bake_model.load_pin("large-v3-turbo")
    assert set(pin["files"]) == {
        "config.json",
        "model.bin",
        "preprocessor_config.json",
        "tokenizer.json",
        "vocabulary.json",
    }
    assert pin["files"]["model.bin"]["size"] == 1_617_884_929
