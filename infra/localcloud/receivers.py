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
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _script: list[_Script] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> EhrReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
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

            def log_message(self, format: str, *args: Any) -> None:
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


AUTHORIZE_PATH = "/connect/oauth2/authorize"


@dataclass
class WecomStandIn:
    """The WeCom API on 127.0.0.1, as far as Jiping uses it: gettoken, message/send,
    externalcontact/add_msg_template, and web sign-in (网页授权): the browser's ``/connect/oauth2/authorize``
    and the server's ``user/getuserinfo``. Who is signed in to "WeCom" is the browser's ``wecom_user`` cookie
    on the stand-in's origin (a test sets it; ``jiping serve`` shows a page to pick a member of ``directory``);
    a userid outside ``directory`` is a WeCom user outside the corp (an OpenId, no UserId). Tokens expire when a test says so (``expire_token``: the next
    call with the current token gets 42001); ``fail_next`` scripts errcodes; like WeCom it silently
    drops a member's messages over 30 a minute (``dropped`` counts them)."""

    corp_id: str = "wwlocal0000000001"
    corp_secret: str = "local-corp-secret-for-the-stand-in"  # noqa: S105 - a stand-in's fixed test credential
    token_fetches: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    dropped: int = 0
    directory: dict[str, str] = field(default_factory=lambda: {"zhangsan": "张三", "lisi": "李四"})
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _codes: dict[str, str] = field(default_factory=dict)
    _tokens: list[str] = field(default_factory=list)
    _expired: set[str] = field(default_factory=set)
    _script: list[int] = field(default_factory=list)
    _per_minute: dict[tuple[str, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> WecomStandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, payload: dict[str, Any]) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path.startswith(AUTHORIZE_PATH):
                    status, headers, body = stand_in._authorize(self.path, self.headers.get("cookie") or "")
                    self.send_response(status)
                    for name, value in headers:
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self._answer(stand_in._get(self.path))

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self._answer(stand_in._post(self.path, self.rfile.read(length)))

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="wecom-stand-in", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def api_base(self) -> str:
        assert self._server is not None, "start the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/cgi-bin/"

    @property
    def oauth_url(self) -> str:
        """Where WeCom's sign-in page is (``open.weixin.qq.com/connect/oauth2/authorize`` in WeCom)."""
        assert self._server is not None, "start the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}{AUTHORIZE_PATH}"

    def config(self, agent_id: int = 1000002) -> dict[str, Any]:
        """The Secrets Manager document the notifier reads (see jiping.delivery.wecom.WecomConfig)."""
        return {
            "corp_id": self.corp_id,
            "corp_secret": self.corp_secret,
            "agent_id": agent_id,
            "callback_token": "local-callback-token",
            "encoding_aes_key": "a" * 43,
        }

    # -- scripting ------------------------------------------------------------------------------

    def expire_token(self) -> None:
        with self._lock:
            self._expired.update(self._tokens)

    def fail_next(self, errcode: int, times: int = 1) -> None:
        with self._lock:
            self._script.extend([errcode] * times)

    def reset(self) -> None:
        self.clock = lambda: datetime.now(UTC)
        with self._lock:
            self.token_fetches, self.dropped = 0, 0
            self.messages.clear()
            self._script.clear()
            self._per_minute.clear()
            self._expired.update(self._tokens)

    # -- the API --------------------------------------------------------------------------------

    def _authorize(self, path: str, cookie: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """WeCom's sign-in page: back to ``redirect_uri`` with a one-time code for the signed-in user, at once
        (inside WeCom it is silent). ``as=`` picks the user (and remembers them, as the WeCom app would)."""
        import html
        import secrets as random_tokens
        from http.cookies import SimpleCookie
        from urllib.parse import parse_qs, quote, urlencode, urlsplit

        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        if (
            query.get("appid") != self.corp_id
            or query.get("scope") != "snsapi_base"
            or not query.get("redirect_uri")
        ):
            return (
                400,
                [("content-type", "text/plain; charset=utf-8")],
                b"invalid appid, scope or redirect_uri",
            )
        jar: SimpleCookie = SimpleCookie(cookie)
        user = query.get("as") or (jar["wecom_user"].value if "wecom_user" in jar else None)
        if not user:  # nobody signed in to the stand-in's "WeCom" yet: pick a member
            links = "".join(
                f'<li><a href="{html.escape(path + "&" + urlencode({"as": uid}))}">{html.escape(name)} ({uid})</a></li>'
                for uid, name in self.directory.items()
            )
            page = f"<!doctype html><meta charset=utf-8><title>WeCom stand-in</title><h1>企业微信（本地替身）</h1><ul>{links}</ul>"
            return 200, [("content-type", "text/html; charset=utf-8")], page.encode()
        code = random_tokens.token_urlsafe(16)
        with self._lock:
            self._codes[code] = user
        target = f"{query['redirect_uri']}?code={quote(code)}&state={quote(query.get('state', ''))}"
        headers = [("location", target), ("set-cookie", f"wecom_user={user}; Path=/; SameSite=Lax")]
        return 302, headers, b""

    def _get(self, path: str) -> dict[str, Any]:
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/cgi-bin/user/getuserinfo":
            with self._lock:
                if query.get("access_token") in self._expired:
                    return {"errcode": 42001, "errmsg": "access_token expired"}
                if query.get("access_token") not in self._tokens:
                    return {"errcode": 40014, "errmsg": "invalid access_token"}
                user = self._codes.pop(query.get("code", ""), None)  # a code works once
            if user is None:
                return {"errcode": 40029, "errmsg": "invalid code"}
            if user not in self.directory:
                return {"errcode": 0, "errmsg": "ok", "OpenId": f"o-{user}", "DeviceId": ""}
            return {"errcode": 0, "errmsg": "ok", "UserId": user, "DeviceId": ""}
        if parts.path != "/cgi-bin/gettoken":
            return {"errcode": 404, "errmsg": "not found"}
        if query.get("corpid") != self.corp_id or query.get("corpsecret") != self.corp_secret:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        with self._lock:
            self.token_fetches += 1
            token = f"tok-{len(self._tokens) + 1}"  # unique for the stand-in's life, across resets
            self._tokens.append(token)
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

    def _post(self, path: str, body: bytes) -> dict[str, Any]:
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(path)
        token = parse_qs(parts.query).get("access_token", [""])[0]
        with self._lock:
            if token in self._expired:
                return {"errcode": 42001, "errmsg": "access_token expired"}
            if token not in self._tokens:
                return {"errcode": 40014, "errmsg": "invalid access_token"}
            if self._script:
                code = self._script.pop(0)
                return {"errcode": code, "errmsg": f"scripted {code}"}
            payload = json.loads(body or b"{}")
            if parts.path == "/cgi-bin/message/send":
                member = str(payload.get("touser"))
                minute = self.clock().strftime("%Y%m%d%H%M")
                seen = self._per_minute.get((member, minute), 0) + 1
                self._per_minute[(member, minute)] = seen
                if seen > 30:  # WeCom drops these without an error
                    self.dropped += 1
                    return {"errcode": 0, "errmsg": "ok", "invaliduser": ""}
                self.messages.append({"api": "message/send", **payload})
                return {"errcode": 0, "errmsg": "ok", "invaliduser": ""}
            if parts.path == "/cgi-bin/externalcontact/add_msg_template":
                self.messages.append({"api": "externalcontact/add_msg_template", **payload})
                return {"errcode": 0, "errmsg": "ok", "fail_list": [], "msgid": f"msg{len(self.messages)}"}
        return {"errcode": 404, "errmsg": "not found"}
