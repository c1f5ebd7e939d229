"""The suite's own clocks: no test may be a date bomb.

A test that builds state at a hard-coded instant (``T0 = datetime(2026, 11, 22, …)``) and then checks it
against the real clock passes until the gap between them outgrows some window (a secret's 24 h overlap,
a 15-day tombstone, a 30-day retention) and then fails for ever. Two guards:

- a lint over the test files: no test function both reads the real clock and uses a hard-coded date;
- the date-sensitive tests below, run again with the clock moved past every window the code has
  (``--clock-offset``, see ``tests/conftest.py``).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent

# Past the webhook secret overlap (24 h), the tombstone (15 days), the upload retention (30 days), the
# artifact retention (365 days) and the audit retention (1,095 days).
OFFSETS = ["+1d", "+31d", "+366d", "+4y"]
# Tests whose outcome depends on how far "now" is from the times they store: rotation overlaps, the
# reference libraries' timestamp tolerance, TTLs and retention, consent and tombstones, token expiry.
DATE_SENSITIVE = [
    "tests/unit/delivery/test_webhooks.py",
    "tests/unit/portal/test_audit.py",
    "tests/unit/portal/test_consent.py",
    "tests/unit/workflow/test_record_unfinished.py",
    "tests/unit/delivery/test_wecom.py",
]

_REAL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}


def _is_real_clock(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return (func.value.id, func.attr) in _REAL_CLOCK
    return isinstance(func, ast.Name) and func.id == "utcnow"


def _is_fixed_date(node: ast.AST) -> bool:
    """``datetime(2026, …)`` or ``date(2026, …)`` with a literal year."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"datetime", "date"}
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, int)
    )


def date_bombs(source: str) -> list[str]:
    """The functions of a test module that read the real clock and use a hard-coded date (a literal, or
    a module-level name bound to an expression holding one)."""
    tree = ast.parse(source)
    fixed_names = {
        target.id
        for stmt in tree.body
        if isinstance(stmt, ast.Assign) and any(_is_fixed_date(n) for n in ast.walk(stmt.value))
        for target in stmt.targets
        if isinstance(target, ast.Name)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        inner = list(ast.walk(node))
        real = any(isinstance(n, ast.Call) and _is_real_clock(n) for n in inner)
        fixed = any(_is_fixed_date(n) for n in inner) or any(
            isinstance(n, ast.Name) and n.id in fixed_names for n in inner
        )
        if real and fixed:
            found.append(node.name)
    return found


def test_the_lint_finds_a_test_that_rotates_at_a_fixed_time_and_signs_at_the_real_one() -> None:
    bomb = (
        "from datetime import UTC, datetime\n"
        "T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)\n"
        "def test_x():\n"
        "    rotated = rotate(now=T0)\n"
        "    sign(rotated.active_secrets(datetime.now(UTC)))\n"
        "def test_fine():\n"
        "    rotate(now=T0)\n"
    )
    assert date_bombs(bomb) == ["test_x"]
    assert date_bombs(bomb.replace("now=T0", "now=datetime.now(UTC)")) == []


def test_no_test_mixes_a_hard_coded_date_with_the_real_clock() -> None:
    offenders = {
        str(path.relative_to(REPO)): bombs
        for path in sorted(TESTS.rglob("test_*.py"))
        if (bombs := date_bombs(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, (
        "these tests build state at a fixed date and check it against the real clock: they will fail "
        "once the gap outgrows a window; use one clock (a fixed one, or the real one throughout)"
    )


@pytest.mark.parametrize("offset", OFFSETS)
def test_the_date_sensitive_tests_pass_with_the_clock_moved_forward(offset: str) -> None:
    # the run starts from the real clock, even when this suite's clock is moved itself (--clock-offset): its
    # Python and node processes must be moved by the one offset, not by ours and theirs
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "FAKETIME")) and k != "JIPING_CLOCK_OFFSET_S"
    }
    site = str(TESTS / "support" / "clock_site")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != site
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"--clock-offset={offset}",
            *DATE_SENSITIVE,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert f"clock moved forward by {offset}" in proc.stdout
