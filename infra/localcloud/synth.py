"""Synthesizing the CDK app for the local cloud, once per set of sources, and the local-only overrides."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra import constants

REPO = Path(__file__).resolve().parents[2]
LOCAL_API_URL = "http://127.0.0.1:8787"  # where `jiping serve` listens by default
_SYNTH_SOURCES = ("infra", "functions", "containers", "layers", "cdk.json", "pyproject.toml", ".dockerignore")


def local_overrides(model_cache: Path) -> dict[str, dict[str, str]]:
    """Per-function settings that differ locally: models on the CPU, from the local cache (the images
    bake them in at fixed paths)."""
    asr = {
        "WHISPER_MODEL": "base",
        "WHISPER_MODEL_DIR": "",
        "WHISPER_DEVICE": "cpu",
        "WHISPER_COMPUTE_TYPE": "int8",
        "MODEL_CACHE_DIR": str(model_cache),
    }
    vision = {"FACE_MODEL_DIR": "", "POSE_MODEL_DIR": "", "MODEL_CACHE_DIR": str(model_cache)}
    score = {
        "ENCODER_MODEL_DIR": "",
        "JUDGE_MODEL_DIR": "",
        "JUDGE_THREADS": "2",
        "MODEL_CACHE_DIR": str(model_cache),
    }
    # Local receivers listen on http://127.0.0.1: allowed here only (AWS refuses both, see jiping.adapters.http).
    webhooks = {"WEBHOOK_ALLOW_HTTP": "true", "WEBHOOK_ALLOW_PRIVATE": "true", "API_BASE_URL": LOCAL_API_URL}
    # Pool workers locally: short long-polls (so that they stop promptly) and frequent heartbeats (the
    # heartbeat timeout is scaled down, see moto_patches); every tier runs on the CPU here.
    pool = {"POOL_WAIT_S": "1", "POOL_HEARTBEAT_EVERY_S": "0.5"}
    return {
        constants.ASR_CPU_POOL: asr | pool,
        constants.ASR_GPU_POOL: asr | pool,
        constants.VISION_POOL: vision | pool,
        constants.VISION_FUNCTION: vision,
        constants.SCORE_FUNCTION: score,
        "DeliverWebhooks": webhooks,
        "RetryWebhooks": webhooks,
        # invitation links point at the page `jiping serve` serves, not at the (absent) CloudFront distribution
        "Api": webhooks | {"CANDIDATE_BASE_URL": LOCAL_API_URL},
    }


def quiet_jsii() -> None:
    """jsii warns at length that this machine's Node 20 is past its end of life; say it once, in the README."""
    for var in (
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION",
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION",
    ):
        os.environ.setdefault(var, "20")


def sources_digest(root: Path = REPO) -> str:
    """A digest of every source that shapes the synthesized template and its assets."""
    digest = hashlib.sha256()
    for name in _SYNTH_SOURCES:
        path = root / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for f in files:
            if "__pycache__" in f.parts or f.suffix == ".pyc":
                continue
            digest.update(str(f.relative_to(root)).encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def synthesize(
    cache_root: Path | None = None, context: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], Path]:
    """Synthesize the app once per source digest; return (template, assembly directory)."""
    quiet_jsii()
    from infra.app import build_app

    ctx = {"jiping:bundleLayerDependencies": False, **dict(context or {})}
    key = sources_digest() + "-" + hashlib.sha256(json.dumps(ctx, sort_keys=True).encode()).hexdigest()[:8]
    root = cache_root or (REPO / ".build" / "synth")
    outdir = root / key
    template_file = outdir / f"{constants.STACK_NAME}.template.json"
    if not template_file.is_file():
        tmp = root / f".{key}.{os.getpid()}.{threading.get_ident()}"
        shutil.rmtree(tmp, ignore_errors=True)
        app, _stack = build_app(outdir=str(tmp), context=ctx)
        app.synth()
        if outdir.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.rename(outdir)
        for stale in root.iterdir():  # keep the cache small: the newest synthesis only
            if stale.name != outdir.name and not stale.name.startswith("."):
                shutil.rmtree(stale, ignore_errors=True)
    return json.loads(template_file.read_text()), outdir
