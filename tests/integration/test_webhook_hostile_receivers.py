"""Hostile webhook receivers (issue 16, point 1): real HTTP servers on 127.0.0.1 that drip, flood, bomb or
swallow the request. Each send ends by its deadline (plus slack for a loaded machine) with little memory.

Here rather than in ``unit/``: these tests open sockets, which the unit tests' guard forbids.
"""

from __future__ import annotations

import gzip
import resource
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from jiping.adapters.http import RESPONSE_READ_BYTES, HttpxSender, UrlPolicy

TIMEOUT_S = 2.0
SLACK_S = 2.0  # a loaded 2-core machine: the deadline is the point, not the last 100 ms
MEMORY_BOUND = 64 * 1024 * 1024
MIB = 1024 * 1024

Behaviour = Callable[[socket.socket, bytes], None]


@dataclass
class Server:
    """A TCP server on 127.0.0.1 whose every connection gets ``behave(conn, request_head)``."""

    behave: Behaviour
    read_request: bool = True
    sock: socket.socket = field(default_factory=lambda: socket.create_server(("127.0.0.1", 0)))
    requests: list[bytes] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.sock.getsockname()[1]}/hooks"

    def serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                head = _read_request(conn) if self.read_request else b""
                self.requests.append(head)
                self.behave(conn, head)
            except OSError:
                pass  # the sender hung up: what it should do


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(behave: Behaviour, read_request: bool = True) -> Server:
        server = Server(behave, read_request)
        threading.Thread(target=server.serve, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop.set()
        server.sock.close()


def _sender() -> HttpxSender:
    return HttpxSender(UrlPolicy(allow_http=True, allow_private=True))


@dataclass
class Measured:
    status_code: int | None
    error: str | None
    seconds: float
    traced_peak: int  # bytes allocated by Python at the peak of the send (tracemalloc)
    maxrss_growth: int  # growth of the process's peak resident set (bytes; 0 when the peak was earlier)


def _measure(url: str, timeout_s: float = TIMEOUT_S) -> Measured:
    sender = _sender()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.monotonic()
    try:
        response = sender.post(url, {"content-type": "application/json"}, b'{"type":"x"}', timeout_s)
    finally:
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss) * 1024  # KiB on Linux
    print(
        f"{url}: {response.status_code} {response.error} {seconds:.2f} s, peak {peak / MIB:.2f} MiB, maxrss +{growth / MIB:.1f} MiB"
    )
    return Measured(response.status_code, response.error, seconds, peak, growth)


# --- the hostile receivers --------------------------------------------------------------------------


def drip_body(conn: socket.socket, head: bytes) -> None:
    """200 and a promised megabyte, one byte a second."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
    for _ in range(60):
        conn.sendall(b"x")
        time.sleep(1)


def drip_headers(conn: socket.socket, head: bytes) -> None:
    """A status line, then header bytes one a second, never finishing the headers."""
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(60):
        conn.sendall(b"X")
        time.sleep(1)


def huge_body(conn: socket.socket, head: bytes) -> None:
    """500 with a 300 MiB body, sent as fast as the sender takes it."""
    chunk = b"e" * 65536
    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n\r\n" % (300 * MIB))
    for _ in range(300 * MIB // len(chunk)):
        conn.sendall(chunk)


def endless_body(conn: socket.socket, head: bytes) -> None:
    """200 and a chunked body that never ends."""
    chunk = b"10000\r\n" + b"z" * 65536 + b"\r\n"
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    while True:
        conn.sendall(chunk)


def _bomb(decompressed_mib: int = 256) -> bytes:
    """gzip of ``decompressed_mib`` MiB of zeros (about a thousandth of it compressed)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(MIB)
    parts = [packer.compress(zeros) for _ in range(decompressed_mib)]
    return b"".join(parts) + packer.flush()


BOMB = _bomb()


def gzip_bomb(conn: socket.socket, head: bytes) -> None:
    """503, Content-Encoding: gzip, 256 KiB on the wire that inflate to 256 MiB."""
    conn.sendall(
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Encoding: gzip\r\nRetry-After: 120\r\n"
        b"Content-Length: %d\r\n\r\n" % len(BOMB)
    )
    conn.sendall(BOMB)


def black_hole(conn: socket.socket, head: bytes) -> None:
    """Takes the connection, reads nothing, answers nothing."""
    time.sleep(30)


@pytest.mark.parametrize(
    ("behave", "read_request", "status_code", "error"),
    [
        pytest.param(drip_body, True, None, "timeout after 2 s", id="drip-body"),
        pytest.param(drip_headers, True, None, "timeout after 2 s", id="drip-headers"),
        pytest.param(huge_body, True, 500, "HTTP 500", id="huge-body-300MiB"),
        pytest.param(endless_body, True, 200, None, id="endless-body"),
        pytest.param(gzip_bomb, True, 503, "HTTP 503", id="gzip-bomb"),
        pytest.param(black_hole, False, None, "timeout after 2 s", id="black-hole"),
    ],
)
def test_a_hostile_receiver_ends_by_the_deadline_with_little_memory(
    serve: Callable[..., Server],
    behave: Behaviour,
    read_request: bool,
    status_code: int | None,
    error: str | None,
) -> None:
    # GIVEN a receiver that drips, floods, bombs or swallows
    server = serve(behave, read_request)
    # WHEN a webhook is sent to it with a 2 s timeout
    got = _measure(server.url)
    # THEN the send ends by the deadline with the status the headers said (or a timeout), in little memory
    assert (got.status_code, got.error) == (status_code, error)
    assert got.seconds < TIMEOUT_S + SLACK_S
    assert got.traced_peak < MEMORY_BOUND and got.maxrss_growth < MEMORY_BOUND


def test_a_compressed_answer_is_neither_asked_for_nor_inflated(serve: Callable[..., Server]) -> None:
    seen: list[bytes] = []

    def small_gzip(conn: socket.socket, head: bytes) -> None:
        body = gzip.compress(b"ok" * 10)
        seen.append(head)
        conn.sendall(
            b"HTTP/1.1 202 Accepted\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)
            + body
        )

    server = serve(small_gzip)
    got = _measure(server.url)
    assert (got.status_code, got.error) == (202, None)
    headers = seen[0].lower()
    assert b"accept-encoding: identity" in headers and b"gzip" not in headers
    assert b"host: localhost:" in headers  # the name in the Host header, the connection pinned to the address


def test_a_well_behaved_receiver_is_read_to_the_end_and_its_retry_after_kept(
    serve: Callable[..., Server],
) -> None:
    def busy(conn: socket.socket, head: bytes) -> None:
        body = b"busy " * 100  # under RESPONSE_READ_BYTES: read to its end
        assert len(body) < RESPONSE_READ_BYTES
        conn.sendall(
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 90\r\nContent-Length: %d\r\n\r\n" % len(body)
            + body
        )

    server = serve(busy)
    response = _sender().post(server.url, {}, b"{}", TIMEOUT_S)
    assert (response.status_code, response.retry_after, response.error) == (429, "90", "HTTP 429")


def test_a_receiver_that_closes_without_answering_is_a_connection_failure(
    serve: Callable[..., Server],
) -> None:
    server = serve(lambda conn, head: None)
    got = _measure(server.url)
    assert got.status_code is None and got.error is not None and got.error.startswith("connection failed")
    assert got.seconds < TIMEOUT_S + SLACK_S


def test_a_redirect_is_not_followed(serve: Callable[..., Server]) -> None:
    def redirect(conn: socket.socket, head: bytes) -> None:
        conn.sendall(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\n"
        )

    server = serve(redirect)
    response = _sender().post(server.url, {}, b"{}", TIMEOUT_S)
    assert (response.status_code, response.error) == (307, "redirect to another URL not followed (307)")
    assert len(server.requests) == 1
