"""cfn-lint on the synthesized templates, in the regions we document: the default template in AWS regions,
the ``jiping:partition=aws-cn`` template in the China regions (its GPU types and runtimes differ)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from cfnlint.api import ManualArgs, lint

from .conftest import Synth

JUSTIFIED = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "infra" / "justifications.yaml").read_text()
)
REGIONS = ["us-east-1", "eu-central-1"]
CHINA_REGIONS = ["cn-north-1", "cn-northwest-1"]


def _check(raw: dict, regions: list[str]) -> None:
    template = json.dumps(raw)
    ignored = sorted(JUSTIFIED["cfn-lint"])
    findings = lint(template, config=ManualArgs(regions=regions, ignore_checks=ignored))
    assert [f"{m.rule.id} {m.message}" for m in findings] == []
    every = {m.rule.id for m in lint(template, config=ManualArgs(regions=regions))}
    assert set(ignored) <= every, f"stale justifications: {set(ignored) - every}"
    assert not [rule for rule in every if rule.startswith("E")]


def test_the_template_has_no_cfn_lint_finding_but_the_justified_ones(synth: Synth) -> None:
    _check(synth.raw, REGIONS)


def test_the_china_template_has_none_in_the_china_regions(china: dict) -> None:
    _check(china, CHINA_REGIONS)
