"""Synthesize the stack once per session and share the template, the assembly and the timing."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from aws_cdk.assertions import Template  # noqa: E402 - after the sys.path line above

from infra import constants  # noqa: E402
from infra.app import build_app  # noqa: E402
from infra.stack import JipingStack  # noqa: E402

TEST_CONTEXT = {"jiping:bundleLayerDependencies": False}


@dataclass(frozen=True)
class Synth:
    stack: JipingStack
    outdir: Path
    template: Template
    raw: dict[str, Any]
    seconds: float

    def resources(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.raw["Resources"].items() if v["Type"] == cfn_type}

    def resource(self, cfn_type: str, logical_id_prefix: str) -> tuple[str, dict[str, Any]]:
        found = [(k, v) for k, v in self.resources(cfn_type).items() if k.startswith(logical_id_prefix)]
        assert len(found) == 1, f"{cfn_type} {logical_id_prefix}*: {[k for k, _ in found]}"
        return found[0]

    def logical_id(self, construct: Any) -> str:
        return self.stack.get_logical_id(construct.node.default_child)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    outdir = tmp_path_factory.mktemp("cdk.out")
    started = time.perf_counter()
    app, stack = build_app(outdir=str(outdir), context=TEST_CONTEXT)
    app.synth()  # cdk-nag runs here: any unacknowledged finding raises "Validation failed"
    seconds = time.perf_counter() - started
    raw = json.loads((outdir / f"{constants.STACK_NAME}.template.json").read_text())
    return Synth(stack=stack, outdir=outdir, template=Template.from_json(raw), raw=raw, seconds=seconds)


@pytest.fixture(scope="session")
def template(synth: Synth) -> Template:
    return synth.template


@pytest.fixture(scope="session")
def china(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The template with ``jiping:partition=aws-cn`` (AWS China's regions)."""
    outdir = tmp_path_factory.mktemp("china")
    app, _ = build_app(outdir=str(outdir), context={**TEST_CONTEXT, "jiping:partition": "aws-cn"})
    app.synth()
    return json.loads((outdir / f"{constants.STACK_NAME}.template.json").read_text())


def resolve_join(value: Any) -> str:
    """Flatten ``Fn::Join`` with tokens (Refs, GetAtts) replaced by a placeholder string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(p if isinstance(p, str) else "TOKEN" for p in parts)
    raise AssertionError(f"not a string or Fn::Join: {value!r}")
