"""The webhook sender: one POST with httpx, no redirects, one deadline, a few KiB read, and an SSRF guard.

``check_url`` refuses what a tenant must not make us call: a scheme other than https (http only when
``allow_http``, for local receivers), credentials in the URL, and any host that resolves to an address
outside the public internet by the explicit tables below (private, loopback, link-local 169.254.0.0/16:
the instance metadata service, multicast, reserved, documentation, and IPv6 forms that carry an IPv4
address) unless ``allow_private``, for local receivers. The sender resolves the host
again at send time, checks every address, and connects to the address it checked (the Host header and
TLS SNI keep the name), so a DNS answer that changes between the check and the connection (DNS
rebinding) cannot reach an internal address.

A receiver cannot hold the sender past its deadline or fill its memory: the timeout is one wall-clock
deadline for the whole exchange (every socket operation is cut to the time left, so answering one byte a
second does not reset it), and the answer is streamed, its body read raw (never decompressed) up to
``RESPONSE_READ_BYTES`` and then dropped with the connection.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx

from jiping.delivery.webhooks import Response, WebhookError

Resolver = Callable[[str, int], list[str]]

RESPONSE_READ_BYTES = 4 * 1024
"""How much of an answer's body the sender reads (raw) before closing: the status and headers decide."""


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise WebhookError("UNRESOLVABLE_HOST", f"{host} does not resolve ({exc.strerror})") from None
    return sorted({str(info[4][0]) for info in infos})


# Where a webhook may go, decided by explicit tables (IANA's IPv4 and IPv6 special-purpose address
# registries, RFC 6890 and its updates), never by ``ipaddress.is_global``/``is_private``, whose answers
# change between Python versions. IPv4: everything but these. IPv6: global unicast (2000::/3) only, but
# these; so loopback, link-local, unique-local, multicast, IPv4-compatible/translated (::/96,
# ::ffff:0:0:0/96) and NAT64 (64:ff9b::/96, 64:ff9b:1::/48, which reach IPv4 through a gateway) are out.
# An IPv4-mapped address (::ffff:a.b.c.d) is judged as its IPv4 address.
DENIED_IPV4 = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local: the instance metadata service
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the limited broadcast 255.255.255.255
    )
)
GLOBAL_UNICAST_IPV6 = ipaddress.IPv6Network("2000::/3")
DENIED_IPV6 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "2001::/23",  # IETF protocol assignments: Teredo (2001::/32), benchmarking, ORCHID...
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4: an IPv4 address inside
        "3fff::/20",  # documentation (RFC 9637)
    )
)


def _forbidden(address: str) -> bool:
    """Whether a webhook must not be sent to ``address`` (same answer on every Python version)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is the IPv4 address itself
            return _forbidden(str(ip.ipv4_mapped))
        return ip not in GLOBAL_UNICAST_IPV6 or any(ip in net for net in DENIED_IPV6)
    return any(ip in net for net in DENIED_IPV4)


class UrlPolicy:
    def __init__(
        self, *, allow_http: bool = False, allow_private: bool = False, resolver: Resolver = resolve
    ) -> None:
        self.allow_http, self.allow_private, self.resolver = allow_http, allow_private, resolver

    def check_url(self, url: str) -> str:
        """The URL, if a webhook may be sent to it; raises WebhookError with a reason code."""
        self.addresses(url)
        return url

    def addresses(self, url: str) -> tuple[str, int, list[str]]:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (self.allow_http and parts.scheme == "http"):
            raise WebhookError("URL_NOT_HTTPS", "webhook URLs must use https")
        if parts.username or parts.password:
            raise WebhookError("URL_HAS_CREDENTIALS", "put no credentials in a webhook URL")
        host = parts.hostname
        if not host:
            raise WebhookError("URL_WITHOUT_HOST", "a webhook URL needs a host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise WebhookError("URL_BAD_PORT", "the webhook URL's port is not a number 0-65535") from None
        addresses = self.resolver(host, port)
        if not addresses:
            raise WebhookError("UNRESOLVABLE_HOST", f"{host} has no address")
        if not self.allow_private and any(_forbidden(a) for a in addresses):
            raise WebhookError(
                "URL_PRIVATE_ADDRESS", "the webhook host resolves to a private or reserved address"
            )
        return host, port, addresses


class _Deadline:
    """The wall-clock deadline (``time.monotonic``) of the request being sent on this thread, if any."""

    current: contextvars.ContextVar[float | None] = contextvars.ContextVar("webhook_deadline", default=None)

    @classmethod
    def clamp(cls, timeout: float | None, expired: type[Exception]) -> float | None:
        """``timeout`` cut to the time left; raises ``expired`` (an httpcore timeout) when none is left."""
        deadline = cls.current.get()
        if deadline is None:
            return timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise expired("the webhook deadline passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read, write and TLS handshake ends by the request's deadline."""

    WRITE_PIECE = 16 * 1024  # each piece's send gets the time left when it starts

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _Deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        for start in range(0, len(buffer), self.WRITE_PIECE):
            piece = buffer[start : start + self.WRITE_PIECE]
            self._inner.write(piece, _Deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(
            ssl_context, server_hostname, _Deadline.clamp(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _Deadline.clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - webhooks go over TCP
        raise httpcore.ConnectError("webhooks go over TCP")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - no retries configured
        self._inner.sleep(seconds)


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport on a network backend that holds every socket operation to the request's
    deadline: httpx's own timeouts apply per operation, so a receiver sending one byte a second (of
    its headers or its body) would never trip them."""

    def __init__(self) -> None:
        super().__init__(trust_env=False)
        # HTTPTransport takes no network backend: the pool it made is replaced by the same one on ours
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False), network_backend=_DeadlineBackend()
        )


_RESOLVERS = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="webhook-dns")


class HttpxSender:
    """``WebhookSender`` over httpx: pinned to the checked address, never following redirects, within one
    wall-clock deadline (connect, send and every read), reading at most ``RESPONSE_READ_BYTES`` of the
    answer, raw (``Accept-Encoding: identity``, never decompressed): what counts is the status line and
    the headers (Retry-After), so a slow, endless or compressed answer costs neither time nor memory."""

    def __init__(self, policy: UrlPolicy, client: httpx.Client | None = None) -> None:
        self.policy = policy
        # a client passed in keeps the deadline only between the body's reads (no deadline backend)
        self.client = client or httpx.Client(
            transport=_DeadlineTransport(), follow_redirects=False, trust_env=False
        )

    def post(self, url: str, headers: dict[str, str], body: bytes, timeout_s: float) -> Response:
        started = time.monotonic()
        deadline = started + timeout_s

        def took() -> int:
            return int((time.monotonic() - started) * 1000)

        # The name is resolved within the deadline too: getaddrinfo cannot be cut short, so it runs in a
        # thread of its own that is left behind when the receiver's DNS does not answer in time.
        lookup = _RESOLVERS.submit(self.policy.addresses, url)
        try:
            host, port, addresses = lookup.result(timeout=max(0.0, deadline - time.monotonic()))
        except WebhookError as exc:
            return Response(latency_ms=took(), error=exc.code)
        except concurrent.futures.TimeoutError:
            return Response(latency_ms=took(), error=f"DNS lookup timed out after {timeout_s:g} s")
        parts = urlsplit(url)
        address = addresses[0]
        literal = f"[{address}]" if ":" in address else address
        pinned = urlunsplit((parts.scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
        default_port = 443 if parts.scheme == "https" else 80
        sent_headers = headers | {
            "host": host if port == default_port else f"{host}:{port}",
            "accept-encoding": "identity",  # a compressed answer is neither asked for nor decompressed
        }
        token = _Deadline.current.set(deadline)
        try:
            with self.client.stream(
                "POST",
                pinned,
                content=body,
                headers=sent_headers,
                timeout=timeout_s,
                extensions={"sni_hostname": host},
            ) as response:
                code, retry_after = response.status_code, response.headers.get("retry-after")
                _skim(response, deadline)
        except httpx.TimeoutException:
            return Response(latency_ms=took(), error=f"timeout after {timeout_s:g} s")
        except httpx.HTTPError as exc:
            return Response(latency_ms=took(), error=f"connection failed ({type(exc).__name__})")
        finally:
            _Deadline.current.reset(token)
        error = None
        if 300 <= code < 400:
            error = f"redirect to another URL not followed ({code})"
        elif not 200 <= code < 300:
            error = f"HTTP {code}"
        return Response(status_code=code, retry_after=retry_after, latency_ms=took(), error=error)


def _skim(response: httpx.Response, deadline: float) -> None:
    """Read the raw body until its end or ``RESPONSE_READ_BYTES``, whichever comes first (closing the
    response drops the rest with the connection); a body still coming at the deadline is a timeout."""
    read = 0
    for chunk in response.iter_raw():
        read += len(chunk)
        if read >= RESPONSE_READ_BYTES:
            return
        if time.monotonic() >= deadline:
            raise httpx.ReadTimeout("the answer was still arriving at the deadline")
