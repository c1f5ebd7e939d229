"""The house rules of docs/architecture.md, checked on the source: who may import whom, who builds adapters.

- the domain (every ``jiping`` module but ``adapters`` and ``bootstrap``) never imports ``jiping.adapters``,
  ``jiping.bootstrap``, ``functions``, ``containers`` or ``infra``;
- adapters are built (their classes called) only in ``jiping.bootstrap`` and in the adapters themselves;
- nothing in ``jiping`` imports ``functions``, ``containers`` or ``infra``.
(That analytics is unreachable from the workflow is ``test_analytics_boundaries.py``.)
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "layers" / "jiping"
ENTRY_ROOTS = [REPO / "functions", REPO / "containers", REPO / "infra"]
OUTSIDE = ("functions", "containers", "infra")
DOMAIN_FORBIDDEN = ("jiping.adapters", "jiping.bootstrap", *OUTSIDE)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every absolute module a file imports, at any depth (lazy and TYPE_CHECKING imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def domain_violations(path: Path) -> list[str]:
    return sorted(m for m in imported(path) if m.startswith(DOMAIN_FORBIDDEN))


def adapter_classes() -> set[str]:
    names: set[str] = set()
    for path in (PACKAGE / "adapters").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {
            n.name
            for n in tree.body
            if isinstance(n, ast.ClassDef) and not n.name.endswith(("Item", "Error"))
        }
    return names


def constructions(path: Path, classes: set[str]) -> list[str]:
    """The adapter classes a file calls (constructs)."""
    built = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name in classes:
                built.append(f"{name} (line {node.lineno})")
    return built


def _domain_files() -> list[Path]:
    return [
        p
        for p in PACKAGE.rglob("*.py")
        if not module_name(p).startswith(("jiping.adapters", "jiping.bootstrap"))
    ]


def test_the_domain_never_imports_adapters_bootstrap_entrypoints_or_infra() -> None:
    bad = {module_name(p): domain_violations(p) for p in _domain_files()}
    assert not {m: v for m, v in bad.items() if v}


def test_the_package_never_imports_entrypoints_or_infra() -> None:
    bad = {module_name(p): [m for m in imported(p) if m.startswith(OUTSIDE)] for p in PACKAGE.rglob("*.py")}
    assert not {m: v for m, v in bad.items() if v}


def test_adapters_are_built_only_in_the_composition_root() -> None:
    classes = adapter_classes()
    assert {"DynamoInterviewRepository", "S3ObjectStore", "HttpxSender", "DynamoApiKeyStore"} <= classes
    files = _domain_files() + [p for root in ENTRY_ROOTS for p in root.rglob("*.py")]
    bad = {str(p.relative_to(REPO)): constructions(p, classes) for p in files}
    assert not {f: c for f, c in bad.items() if c}


def test_the_rules_catch_a_domain_module_that_imports_an_adapter(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from jiping.adapters.s3 import S3ObjectStore\n"
        "def load():\n    from infra.localcloud import cloud\n    return S3ObjectStore(None), cloud\n",
        encoding="utf-8",
    )
    assert domain_violations(planted) == [
        "infra.localcloud",
        "infra.localcloud.cloud",
        "jiping.adapters.s3",
        "jiping.adapters.s3.S3ObjectStore",
    ]
    assert constructions(planted, adapter_classes()) == ["S3ObjectStore (line 4)"]
