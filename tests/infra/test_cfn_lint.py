"""cfn-lint on the synthesized template, in the regions we document (AWS and AWS China)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from cfnlint.api import ManualArgs, lint

from .conftest import Synth

JUSTIFIED = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "infra" / "justifications.yaml").read_text()
)
REGIONS = ["us-east-1", "eu-central-1", "cn-north-1", "cn-northwest-1"]


def test_the_template_has_no_cfn_lint_finding_but_the_justified_ones(synth: Synth) -> None:
    template = json.dumps(synth.raw)
    ignored = sorted(JUSTIFIED["cfn-lint"])
    findings = lint(template, config=ManualArgs(regions=REGIONS, ignore_checks=ignored))
    assert [f"{m.rule.id} {m.message}" for m in findings] == []
    every = {m.rule.id for m in lint(template, config=ManualArgs(regions=REGIONS))}
    assert set(ignored) <= every, f"stale justifications: {set(ignored) - every}"
    assert not [rule for rule in every if rule.startswith("E")]
