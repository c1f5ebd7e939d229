"""cdk-nag AwsSolutions: zero unacknowledged findings, and no acknowledgement without a finding."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aws_cdk import App
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

from infra.app import build_app
from infra.nag import ACKNOWLEDGED_RULES_METADATA, CONTEXT_ACKNOWLEDGE

from .conftest import TEST_CONTEXT, Synth


def _walk(node: IConstruct) -> Iterator[IConstruct]:
    yield node
    for child in node.node.children:
        yield from _walk(child)


def _acknowledgements(root: IConstruct) -> list[tuple[str, str, str]]:
    found = []
    for node in _walk(root):
        for entry in node.node.metadata:
            if entry.type == ACKNOWLEDGED_RULES_METADATA:
                for qualified, reason in entry.data.items():
                    rule = qualified.split("::", 1)[-1]
                    if rule.startswith("AwsSolutions-"):  # CDK itself acknowledges some cfn-lint rules
                        found.append((node.node.path, rule, reason))
    return found


@pytest.fixture(scope="module")
def unacknowledged(tmp_path_factory: pytest.TempPathFactory) -> tuple[App, list[tuple[str | None, str]]]:
    """The same app with every acknowledgement left out: the raw AwsSolutions findings."""
    app, _ = build_app(
        outdir=str(tmp_path_factory.mktemp("noack")), context={**TEST_CONTEXT, CONTEXT_ACKNOWLEDGE: False}
    )
    report = AwsSolutionsChecks().validate_scope(app)
    findings = [(r.construct_path, v.rule_name) for v in report.violations for r in v.violating_resources]
    return app, findings


def test_synth_reports_no_unacknowledged_errors_or_warnings(synth: Synth) -> None:
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert violations == []
    assert AwsSolutionsChecks().validate_scope(synth.stack).success


def test_every_acknowledgement_names_one_finding_and_gives_a_reason(synth: Synth) -> None:
    acknowledgements = _acknowledgements(synth.stack)
    assert acknowledgements
    for path, rule, reason in acknowledgements:
        assert len(reason) > 20, (path, rule)
        assert path != synth.stack.node.path, f"{rule} acknowledged on the whole stack"


def test_every_acknowledgement_still_matches_a_real_finding(
    synth: Synth, unacknowledged: tuple[App, list[tuple[str | None, str]]]
) -> None:
    _, findings = unacknowledged
    assert findings, "without acknowledgements cdk-nag must report the acknowledged findings"
    stale = [
        (path, rule)
        for path, rule, _ in _acknowledgements(synth.stack)
        if not any(
            f_rule == rule and f_path is not None and (f_path == path or f_path.startswith(path + "/"))
            for f_path, f_rule in findings
        )
    ]
    assert stale == []


def test_synth_fails_when_an_acknowledgement_is_missing(
    unacknowledged: tuple[App, list[tuple[str | None, str]]],
) -> None:
    app, _ = unacknowledged
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
