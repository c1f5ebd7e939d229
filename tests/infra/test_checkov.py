"""checkov on the synthesized template: every failed check is justified in infra/justifications.yaml
(key ``checkov:``, by check id, optionally for some resources only), and every justification still
matches a failed check. checkov runs from its own venv (``make checkov``, which ``make test`` runs)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import REPO_ROOT, Synth

CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
JUSTIFIED: dict[str, Any] = yaml.safe_load((REPO_ROOT / "infra" / "justifications.yaml").read_text())[
    "checkov"
]

Finding = tuple[str, str]  # (check id, logical id)


def run_checkov(template: dict[str, Any], workdir: Path) -> set[Finding]:
    """The failed checks of ``template``, as (check id, logical id)."""
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run `make checkov` (make test runs it)"
    path = workdir / "template.json"
    path.write_text(json.dumps(template))
    run = subprocess.run(  # from workdir: no .checkov.yaml of ours or anyone's is picked up
        [
            str(CHECKOV),
            "-f",
            str(path),
            "--framework",
            "cloudformation",
            "-o",
            "json",
            "--quiet",
            "--skip-download",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: some check failed
    report = json.loads(run.stdout)
    assert "results" in report, f"checkov scanned nothing: {report}"
    summary = report["summary"]
    assert summary["parsing_errors"] == 0, summary
    assert summary["resource_count"] == len(template["Resources"]), summary
    return {(f["check_id"], f["resource"].split(".", 1)[1]) for f in report["results"]["failed_checks"]}


def justified(check_id: str, logical_id: str) -> bool:
    entry = JUSTIFIED.get(check_id)
    return isinstance(entry, str) or (isinstance(entry, dict) and logical_id in entry["resources"])


@pytest.fixture(scope="module")
def findings(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> set[Finding]:
    return run_checkov(synth.raw, tmp_path_factory.mktemp("checkov"))


def test_every_checkov_justification_gives_a_reason() -> None:
    for check_id, entry in JUSTIFIED.items():
        if isinstance(entry, dict):
            assert set(entry) == {"resources", "reason"}, check_id
            assert entry["resources"] and all(isinstance(r, str) for r in entry["resources"]), check_id
            entry = entry["reason"]
        assert isinstance(entry, str) and len(entry) > 20, check_id


def test_the_template_has_no_checkov_finding_but_the_justified_ones(findings: set[Finding]) -> None:
    assert sorted(f"{c} {r}" for c, r in findings if not justified(c, r)) == []


def test_every_checkov_justification_still_matches_a_finding(findings: set[Finding]) -> None:
    stale = []
    for check_id, entry in JUSTIFIED.items():
        failing = {r for c, r in findings if c == check_id}
        if isinstance(entry, str):
            stale += [check_id] if not failing else []
        else:
            stale += [f"{check_id} {r}" for r in entry["resources"] if r not in failing]
    assert stale == [], "stale justifications in infra/justifications.yaml"
