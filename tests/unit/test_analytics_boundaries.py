"""Demographic attributes never reach the scoring code: not by import, not by settings (the template
test ``tests/infra/test_analytics.py`` checks the IAM side: only the API's role may read the table)."""

from __future__ import annotations

import ast
from pathlib import Path

from jiping.settings import PersistSettings, ScoreSettings

from tests.conftest import REPO

PACKAGE = REPO / "layers"
FORBIDDEN = ("jiping.analytics", "jiping.adapters.dynamo.analytics")
SCORING_ROOTS = [
    REPO / "containers" / "scoring" / "entrypoint.py",
    REPO / "containers" / "speech" / "entrypoint.py",
    REPO / "containers" / "transcribe" / "entrypoint.py",
    REPO / "containers" / "vision" / "entrypoint.py",
    REPO / "functions" / "persist.py",
    REPO / "functions" / "plan_answers.py",
    REPO / "functions" / "probe_media.py",
    REPO / "functions" / "publish.py",
]


def _module_file(name: str) -> Path | None:
    base = PACKAGE.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    """Every ``jiping`` module a file imports, at any depth of the file (lazy imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("jiping")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("jiping"):
            found.add(node.module)
            found |= {
                f"{node.module}.{a.name}" for a in node.names if _module_file(f"{node.module}.{a.name}")
            }
    return found


def closure(roots: list[Path]) -> set[str]:
    seen: set[str] = set()
    todo = [m for root in roots for m in _imports(root)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is not None:
            todo += _imports(path)
    return seen


def test_the_closure_walker_sees_a_module_that_imports_analytics() -> None:
    # the walker itself: the API entrypoint does reach analytics
    assert any(
        m.startswith("jiping.analytics") for m in closure(sorted((REPO / "functions" / "api").rglob("*.py")))
    )


def test_no_scoring_or_workflow_entrypoint_can_import_analytics_or_the_demographics_store() -> None:
    reached = closure(SCORING_ROOTS)
    assert "jiping.scoring.results" in reached and "jiping.workflow.score" in reached
    assert not [m for m in reached if m.startswith(FORBIDDEN)]


def test_scoring_settings_name_no_demographics_table() -> None:
    for settings in (ScoreSettings, PersistSettings):
        assert not [f for f in settings.model_fields if "demographic" in f or "analytics" in f]
