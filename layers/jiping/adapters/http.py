"""The webhook sender: one POST with httpx, no redirects, a timeout, and an SSRF guard.

``check_url`` refuses what a tenant must not make us call: a scheme other than https (http only when
``allow_http``, for local receivers), credentials in the URL, and any host that resolves to a private,
loopback, link-local (169.254.0.0/16: the instance metadata service), multicast, reserved or
unspecified address (unless ``allow_private``, for local receivers). The sender resolves the host
again at send time, checks every address, and connects to the address it checked (the Host header and
TLS SNI keep the name), so a DNS answer that changes between the check and the connection (DNS
rebinding) cannot reach an internal address.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import httpx

from jiping.delivery.webhooks import Response, WebhookError

Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise WebhookError("UNRESOLVABLE_HOST", f"{host} does not resolve ({exc.strerror})") from None
    return sorted({str(info[4][0]) for info in infos})


# IPv6 ranges that carry an IPv4 address inside (or lead to one through a gateway): a webhook to one of
# them could reach a private IPv4 network through NAT64, 6to4 or Teredo, whatever ``is_global`` says
# (and it says different things on different Pythons). Lambda reaches the internet over IPv4: refused.
_EMBEDS_IPV4 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "64:ff9b::/96",  # NAT64, well-known prefix (RFC 6052)
        "64:ff9b:1::/48",  # NAT64, local use (RFC 8215)
        "2002::/16",  # 6to4 (RFC 3056)
        "2001::/32",  # Teredo (RFC 4380)
        "::/96",  # IPv4-compatible (deprecated, RFC 4291)
        "::ffff:0:0:0/96",  # IPv4-translated (RFC 2765)
    )
)


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is the IPv4 address itself
            return _forbidden(str(ip.ipv4_mapped))
        if any(ip in net for net in _EMBEDS_IPV4):
            return True
    return not ip.is_global or ip.is_multicast


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


class HttpxSender:
    """``WebhookSender`` over httpx: pinned to the checked address, never following redirects."""

    def __init__(self, policy: UrlPolicy, client: httpx.Client | None = None) -> None:
        self.policy = policy
        self.client = client or httpx.Client(follow_redirects=False, trust_env=False)

    def post(self, url: str, headers: dict[str, str], body: bytes, timeout_s: float) -> Response:
        started = time.perf_counter()

        def took() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            host, port, addresses = self.policy.addresses(url)
        except WebhookError as exc:
            return Response(latency_ms=took(), error=exc.code)
        parts = urlsplit(url)
        address = addresses[0]
        literal = f"[{address}]" if ":" in address else address
        pinned = urlunsplit((parts.scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
        default_port = 443 if parts.scheme == "https" else 80
        try:
            response = self.client.post(
                pinned,
                content=body,
                headers=headers | {"host": host if port == default_port else f"{host}:{port}"},
                timeout=timeout_s,
                extensions={"sni_hostname": host},
            )
        except httpx.TimeoutException:
            return Response(latency_ms=took(), error=f"timeout after {timeout_s:g} s")
        except httpx.HTTPError as exc:
            return Response(latency_ms=took(), error=f"connection failed ({type(exc).__name__})")
        code = response.status_code
        error = None
        if 300 <= code < 400:
            error = f"redirect to another URL not followed ({code})"
        elif not 200 <= code < 300:
            error = f"HTTP {code}"
        return Response(
            status_code=code, retry_after=response.headers.get("retry-after"), latency_ms=took(), error=error
        )
