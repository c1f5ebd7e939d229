"""Run a built image's entrypoint on this machine: buildah (chroot isolation, the host's network), a local S3
(moto's server) and a fake Lambda Runtime API, so the check needs no Docker daemon and no AWS account."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REGISTRY = "localhost/jiping"
IMAGES = (
    "asr-cpu",
    "asr-gpu",
    "vision",
    "vision-lambda",
    "speech-lambda",
    "scoring-lambda",
)
USER = "10001"  # the images' non-root user
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
    "POWERTOOLS_METRICS_NAMESPACE": "Jiping",
    "POWERTOOLS_SERVICE_NAME": "jiping-images-test",
}


def image_ref(name: str) -> str:
    return f"{REGISTRY}/{name}:latest"


def image_config(name: str) -> dict[str, Any] | None:
    """The image's OCI config (Entrypoint, Cmd, Env, User, WorkingDir), or None when it is not built."""
    if shutil.which("buildah") is None:
        return None
    proc = subprocess.run(
        ["buildah", "inspect", "--type", "image", image_ref(name)],
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(proc.stdout)["OCIv1"]["config"] if proc.returncode == 0 else None


@dataclass
class Container:
    """A working container of an image; ``run`` starts a command in it as the image's user."""

    name: str
    id: str
    config: dict[str, Any]

    def command(self, argv: Sequence[str] | None, env: Mapping[str, str]) -> list[str]:
        """``argv`` None: the image's own ENTRYPOINT + CMD, exactly as Lambda or ECS would start it."""
        if argv is None:
            argv = [*(self.config.get("Entrypoint") or []), *(self.config.get("Cmd") or [])]
        cmd = [
            "buildah",
            "run",
            "--isolation",
            "chroot",
            "--network",
            "host",
            "--user",
            self.config.get("User") or USER,
        ]
        for key, value in env.items():
            cmd += ["--env", f"{key}={value}"]
        return [*cmd, self.id, "--", *argv]

    def run(
        self, argv: Sequence[str] | None, env: Mapping[str, str], timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(argv, env), capture_output=True, text=True, timeout=timeout, check=False
        )

    def start(self, argv: Sequence[str] | None, env: Mapping[str, str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(argv, env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


@contextmanager
def container(name: str) -> Iterator[Container]:
    config = image_config(name)
    if config is None:
        raise LookupError(f"image {image_ref(name)} is not built: run `make images`")
    cid = subprocess.run(
        ["buildah", "from", "--pull-never", "--quiet", image_ref(name)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    try:
        yield Container(name, cid, config)
    finally:
        subprocess.run(["buildah", "rm", cid], capture_output=True, check=False)


def stop(proc: subprocess.Popen[str]) -> str:
    """End a started container process (its whole process group) and return what it printed."""
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    return out or ""


# --- a fake Lambda Runtime API ----------------------------------------------------------------------


@dataclass
class RuntimeApi:
    """Serves one event to the runtime interface client and records what it posts back.

    GET  /2018-06-01/runtime/invocation/next          the event (then 410: the client has nothing more and exits)
    POST /2018-06-01/runtime/invocation/{id}/response the result
    POST /2018-06-01/runtime/invocation/{id}/error    a handler error
    POST /2018-06-01/runtime/init/error               an initialisation error
    """

    event: dict[str, Any]
    request_id: str = "8f5a4c0e-images-test"
    function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:jiping-images-test"
    deadline_ms: int = 0
    served: int = 0
    response: Any = None
    error: Any = None
    done: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def address(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"{host!s}:{port}"

    def __enter__(self) -> RuntimeApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _reply(
                self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None
            ) -> None:
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path != "/2018-06-01/runtime/invocation/next":
                    return self._reply(404)
                if api.served:
                    api.done.wait(timeout=600)
                    return self._reply(410, b'{"errorType":"Gone"}')
                api.served += 1
                import time

                deadline = api.deadline_ms or int((time.time() + 900) * 1000)
                self._reply(
                    200,
                    json.dumps(api.event).encode(),
                    {
                        "Content-Type": "application/json",
                        "Lambda-Runtime-Aws-Request-Id": api.request_id,
                        "Lambda-Runtime-Deadline-Ms": str(deadline),
                        "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                        "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                    },
                )

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                payload = json.loads(body) if body else None
                if self.path == f"/2018-06-01/runtime/invocation/{api.request_id}/response":
                    api.response = payload
                elif self.path.endswith("/error"):
                    api.error = payload or body.decode(errors="replace")
                else:
                    return self._reply(404)
                api.done.set()
                self._reply(202, b'{"status":"OK"}')

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def env(self, function_name: str, memory_mb: int = 3008) -> dict[str, str]:
        return {
            "AWS_LAMBDA_RUNTIME_API": self.address,
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "images-test",
            "LAMBDA_TASK_ROOT": "/var/task",
        }


def invoke(
    image: str, event: dict[str, Any], env: Mapping[str, str], timeout: float = 900
) -> tuple[Any, Any, str]:
    """Start the image's real ENTRYPOINT/CMD (awslambdaric) against the fake Runtime API with one event.

    Returns (response, error, what the process printed)."""
    with RuntimeApi(event) as api, container(image) as ctr:
        proc = ctr.start(None, {**env, **api.env(image)})
        finished = api.done.wait(timeout=timeout)
        while not finished and proc.poll() is None:  # pragma: no cover - a hung image
            finished = api.done.wait(timeout=1)
        output = stop(proc)
        return api.response, api.error, output
