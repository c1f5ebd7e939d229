"""Run the stack's Lambda functions and Batch container jobs in this process.

A function is loaded from the file CDK staged for it (the zip asset, or the entrypoint in the staged
docker context), once per local cloud (its cold start), and called with the environment variables
the template gives it. Handlers see that environment through ``jiping.settings.function_environment``;
``os.environ`` is never switched, because moto runs executions, Map iterations and Parallel branches
on threads of their own.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from jiping.settings import function_environment

from infra.localcloud.moto_patches import error_payload
from infra.localcloud.template import ACCOUNT, REGION

_counter = itertools.count()


@dataclass
class LambdaContext:
    """What the Lambda runtime hands a handler (the fields Powertools reads)."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_module(path: Path, label: str) -> ModuleType:
    """Import ``path`` as a fresh module (its own module state: a cold start).

    A handler inside a package (``api/handler.py``) is loaded with its package, under a fresh name, so
    that its relative imports resolve as they do on Lambda, where the code root is on ``sys.path``.
    """
    name = f"jiping_local_{label}_{next(_counter)}"
    if (path.parent / "__init__.py").is_file():
        _exec(name, path.parent / "__init__.py", package_dir=path.parent)
        name = f"{name}.{path.stem}"
    return _exec(name, path)


def _exec(name: str, path: Path, package_dir: Path | None = None) -> ModuleType:
    locations = [str(package_dir)] if package_dir else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=locations)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# Powertools' HTTP resolvers keep the current event and Lambda context in class attributes, shared by
# every resolver in the process. On Lambda a sandbox serves one request at a time; here the functions
# share one process, so HTTP API requests run one at a time (other invocations stay concurrent).
_HTTP_REQUEST = threading.Lock()


def _is_http_request(event: Any) -> bool:
    return isinstance(event, dict) and event.get("version") == "2.0" and "routeKey" in event


@dataclass
class LocalFunction:
    """One Lambda function of the stack, run in-process."""

    logical_id: str
    construct_id: str
    name: str
    module_path: Path
    handler_name: str
    environment: dict[str, str]
    memory_mb: int
    timeout_s: int
    invocations: int = 0
    _module: ModuleType | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> Any:
        with self._lock:
            if self._module is None:
                self._module = load_module(self.module_path, self.logical_id)
            return getattr(self._module, self.handler_name)

    def reset(self) -> None:
        """Drop the loaded module: the next invoke is a cold start (settings are read again)."""
        with self._lock:
            self._module = None

    def invoke(self, event: Any, overrides: Mapping[str, str] | None = None) -> tuple[bytes, bool]:
        """Run the handler; return (payload, failed) as the Lambda service would."""
        self.invocations += 1
        env = self.environment | dict(overrides or {})
        context = LambdaContext(self.name, self.memory_mb, self.timeout_s)
        try:
            with function_environment(env), _HTTP_REQUEST if _is_http_request(event) else nullcontext():
                result = self.handler()(event, context)
        except Exception as exc:  # noqa: BLE001 - a function error is reported, as Lambda does
            return error_payload(exc), True
        return json.dumps(result, default=str).encode(), False


@dataclass
class LocalContainer:
    """A container image of the stack (its staged docker context), run in-process."""

    name: str
    context_dir: Path
    dockerfile: str
    _modules: dict[str, ModuleType] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def source_dir(self) -> Path:
        return self.context_dir / Path(self.dockerfile).parent

    def module(self, filename: str) -> ModuleType:
        with self._lock:
            if filename not in self._modules:
                self._modules[filename] = load_module(self.source_dir() / filename, self.name)
            return self._modules[filename]

    def reset(self) -> None:
        with self._lock:
            self._modules.clear()

    def run_command(self, command: list[str], env: Mapping[str, str]) -> None:
        """Run ``python3 /path/script.py args…`` as the image would: the script's ``main(argv)``."""
        if len(command) < 2 or not Path(command[0]).name.startswith("python"):
            raise ValueError(f"local containers run Python entrypoints only, not {command[:2]}")
        module = self.module(Path(command[1]).name)
        with function_environment(env):
            code = module.main(command[2:])
        if code not in (0, None):
            raise RuntimeError(f"container exited with {code}")
