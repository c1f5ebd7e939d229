"""Local stand-ins for the systems Jiping calls out to, on 127.0.0.1: an EHR that receives webhooks.

``EhrReceiver`` verifies every request the way an EHR should (Standard Webhooks: signature against
its secret(s) with the ``standardwebhooks`` reference library, the timestamp within 5 minutes of its
clock, which tests may move, de-duplication on ``webhook-id``), and records what it saw. Tests script its answers: fail the
next N requests, answer 410 Gone, send a Retry-After.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook

TOLERANCE_S = 300


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int
    duplicate: bool = False

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Script:
    status: int
    retry_after: str | None = None


@dataclass
class EhrReceiver:
    """An HTTP server on 127.0.0.1 (a free port) that accepts Standard Webhooks deliveries."""

    secrets: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    accepted_ids: list[str] = field(default_factory=list)  # each webhook-id once, in order
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - a default a test replaces
    _script: list[_Script] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> EhrReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                status, retry_after = receiver._handle(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                self.send_response(status)
                if retry_after:
                    self.send_header("Retry-After", retry_after)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="ehr-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> EhrReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the receiver first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/webhooks"

    # -- scripting ------------------------------------------------------------------------------

    def fail_next(self, times: int, status: int = 503, retry_after: str | None = None) -> None:
        with self._lock:
            self._script.extend(_Script(status, retry_after) for _ in range(times))

    def gone(self) -> None:
        """Answer 410 Gone from now on (until ``reset``)."""
        with self._lock:
            self._script = [_Script(410)] * 10_000

    def reset(self) -> None:
        self.clock = lambda: datetime.now(UTC)
        with self._lock:
            self._script.clear()
            self.received.clear()
            self.accepted_ids.clear()

    def for_interview(self, interview_id: str) -> Iterator[Received]:
        return (
            r for r in list(self.received) if r.verified and r.json()["data"]["interview_id"] == interview_id
        )

    # -- the receiving end ----------------------------------------------------------------------

    def _verified(self, headers: dict[str, str], body: bytes) -> bool:
        try:
            msg_id, stamp, given = (
                headers["webhook-id"],
                headers["webhook-timestamp"],
                headers["webhook-signature"],
            )
            when = datetime.fromtimestamp(int(stamp), UTC)
            text = body.decode()
        except (KeyError, ValueError):
            return False
        if abs((self.clock() - when).total_seconds()) > TOLERANCE_S:
            return False
        offered = given.split(" ")
        return any(
            hmac.compare_digest(Webhook(secret).sign(msg_id, when, text), signature)
            for secret in self.secrets
            for signature in offered
        )

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str | None]:
        verified = self._verified(headers, body)
        with self._lock:
            script = self._script.pop(0) if self._script else None
            if not verified:
                status, retry_after = 401, None
            elif script is not None:
                status, retry_after = script.status, script.retry_after
            else:
                status, retry_after = 204, None
            duplicate = status == 204 and headers.get("webhook-id") in self.accepted_ids
            if status == 204 and not duplicate:
                self.accepted_ids.append(headers["webhook-id"])
            self.received.append(Received(path, headers, body, verified, status, duplicate))
        return status, retry_after
