"""What synth stages: small docker contexts, the functions directory, the layer."""

from __future__ import annotations

import json
from pathlib import Path

from infra import constants

from .conftest import Synth

FORBIDDEN = {".venv", ".git", "cdk.out", ".build", "tests", "functions", "infra", "__pycache__"}
MAX_CONTEXT_BYTES = 5 * 1024 * 1024


def _assets(synth: Synth) -> dict:
    return json.loads((synth.outdir / f"{constants.STACK_NAME}.assets.json").read_text())


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def test_docker_contexts_are_staged_small_and_without_local_state(synth: Synth) -> None:
    images = _assets(synth)["dockerImages"].values()
    dockerfiles = sorted(
        (image["source"]["dockerFile"], image["source"].get("dockerBuildTarget", "")) for image in images
    )
    assert dockerfiles == [
        ("containers/scoring/Dockerfile.lambda", ""),
        ("containers/speech/Dockerfile.lambda", ""),
        ("containers/transcribe/Dockerfile", "asr-cpu"),  # the worker pools' two tiers
        ("containers/transcribe/Dockerfile", "asr-gpu"),
        ("containers/vision/Dockerfile", ""),
        ("containers/vision/Dockerfile.lambda", ""),
    ]
    for image in images:
        context = synth.outdir / image["source"]["directory"]
        names = {p.name for p in context.rglob("*")}
        assert not names & FORBIDDEN, names & FORBIDDEN
        assert (context / "pyproject.toml").is_file()
        assert (context / "layers" / "jiping" / "__init__.py").is_file()
        assert (context / image["source"]["dockerFile"]).is_file()
        assert _size(context) < MAX_CONTEXT_BYTES


def test_layer_asset_holds_the_domain_package_under_python(synth: Synth) -> None:
    _, layer = synth.resource("AWS::Lambda::LayerVersion", "ComputeJipingLayer")  # not CDK's AWS CLI layer
    staged = synth.outdir / layer["Metadata"]["aws:asset:path"]
    assert (staged / "python" / "jiping" / "__init__.py").is_file()
    assert not list(staged.rglob("__pycache__"))


def test_zip_functions_share_one_code_asset_with_every_handler(synth: Synth) -> None:
    paths = {
        fn["Metadata"]["aws:asset:path"]
        for logical_id, fn in synth.resources("AWS::Lambda::Function").items()
        if logical_id.startswith("Compute") and fn["Properties"].get("Handler")
    }
    (path,) = paths
    for handler in constants.ZIP_FUNCTIONS.values():
        module = handler.rsplit(".", 1)[0].replace(".", "/")  # api.handler.handler -> api/handler.py
        assert (synth.outdir / path / f"{module}.py").is_file(), module
