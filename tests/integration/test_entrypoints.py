"""Every Lambda and container entrypoint imports and exposes what its template or job definition calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import constants
from infra.localcloud.runtime import load_module

REPO = Path(__file__).resolve().parents[2]  # (integration: importing Powertools opens the X-Ray UDP socket)


def _load(path: Path):
    """As the Lambda runtime does (a handler inside a package keeps its relative imports)."""
    return load_module(path, f"entry_{path.parent.name}_{path.stem}")


@pytest.mark.parametrize("handler", sorted(constants.ZIP_FUNCTIONS.values()))
def test_zip_function_handlers_exist(handler):
    module_name, attr = handler.rsplit(".", 1)
    assert callable(getattr(_load(REPO / "functions" / f"{module_name.replace('.', '/')}.py"), attr))


@pytest.mark.parametrize("task", ["transcribe", "vision", "speech", "scoring"])
def test_container_entrypoints_serve_lambda_and_the_command_line(task):
    module = _load(REPO / "containers" / task / "entrypoint.py")
    assert callable(module.handler) and callable(module.main)
    with pytest.raises(SystemExit):  # --request is required
        module.main([])
