"""The HTTP API on the local cloud: what API Gateway does in front of the API's functions.

``LocalApi.request`` turns an HTTP request into an HTTP API (payload 2.0) event, picks the route API
Gateway would (``routes.py``, from the synthesized template), runs the route's Lambda authorizer where it
has one (a refusal is API Gateway's 401/403), puts its context into ``requestContext.authorizer.lambda``
and invokes the route's function (``Api``, ``WecomCallback``, ``EraseCandidate``, ``CandidateApi`` or
``WorkspaceApi``; cookies travel as payload 2.0 carries them), both through the
emulated Lambda service. ``wsgi`` serves the same on a socket (``jiping serve``) and to
WSGI test clients (the schemathesis fuzz).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from infra.localcloud.routes import Route, routes_of, select

UPLOAD_PATH = "/local-s3/"  # where `jiping serve` takes the presigned upload forms (S3's role, locally)
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
# The candidate page: in AWS, CloudFront serves it from its bucket (infra/constructs/candidate_site.py) and
# sends /v1/candidate/* to the API; locally this server does both, from the same origin.
CANDIDATE_SITE = Path(__file__).resolve().parents[2] / "web" / "candidate"
CANDIDATE_ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
# What CloudFront's response headers policy sets on the page (the same policy, locally)
PAGE_HEADERS = [
    (
        "content-security-policy",
        "default-src 'self'; media-src 'self' blob:; img-src 'self' data: blob:; connect-src 'self'; "
        "style-src 'self'; script-src 'self'",
    ),
    ("permissions-policy", "camera=(self), microphone=(self)"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),  # the link's token never leaves in a Referer
    ("cache-control", "no-store"),
]
# The HR workspace (issue 18): /hr/… from web/hr, the same way (infra/constructs/candidate_site.py serves it in
# AWS with its own headers policy). No camera or microphone; the session is a cookie, so no framing at all.
WORKSPACE_SITE = Path(__file__).resolve().parents[2] / "web" / "hr"
WORKSPACE_ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
WORKSPACE_HEADERS = [
    (
        "content-security-policy",
        "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; connect-src 'self'; "
        "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("permissions-policy", "camera=(), microphone=()"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cache-control", "no-store"),
]


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class LocalApi:
    def __init__(self, cloud: Any) -> None:
        self.cloud = cloud
        self._lambda = cloud.client("lambda")
        self.routes: list[Route] = routes_of(cloud.template)  # the HTTP API's routes, from the template

    def _invoke(self, construct_id: str, event: dict[str, Any]) -> dict[str, Any]:
        out = self._lambda.invoke(
            FunctionName=self.cloud.function(construct_id).name, Payload=json.dumps(event).encode()
        )
        payload = json.loads(out["Payload"].read() or b"{}")
        if out.get("FunctionError"):
            return {
                "statusCode": 500,
                "headers": {"content-type": "application/json"},
                "body": json.dumps({"message": "Internal Server Error"}),
            }
        return dict(payload)

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | str | None = None,
        query: str = "",
    ) -> HttpResponse:
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        raw = body.encode() if isinstance(body, str) else (body or b"")
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "127.0.0.1",
                "http": {
                    "method": method.upper(),
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": "$default",
                "stage": "$default",
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
                "timeEpoch": int(time.time() * 1000),
            },
            "isBase64Encoded": bool(raw),
            "body": base64.b64encode(raw).decode() if raw else None,
        }
        if query:
            event["queryStringParameters"] = dict(parse_qsl(query, keep_blank_values=True))
        if "cookie" in headers:  # payload 2.0 carries the cookies apart from the headers
            event["cookies"] = [c.strip() for c in headers.pop("cookie").split(";") if c.strip()]
        chosen = select(self.routes, method, path)  # the route, and so the function, API Gateway would pick
        if chosen is None:
            return HttpResponse(404, {"content-type": "application/json"}, b'{"message":"Not Found"}')
        route, params = chosen
        event["routeKey"] = event["requestContext"]["routeKey"] = route.key
        if params:
            event["pathParameters"] = params
        if route.authorizer is not None:
            if "authorization" not in headers:  # API Gateway refuses before calling the authorizer
                return HttpResponse(401, {"content-type": "application/json"}, b'{"message":"Unauthorized"}')
            verdict = self._invoke(
                route.authorizer,
                {
                    "version": "2.0",
                    "type": "REQUEST",
                    "headers": headers,
                    "rawPath": path,
                    "requestContext": event["requestContext"],
                },
            )
            if not verdict.get("isAuthorized"):
                return HttpResponse(403, {"content-type": "application/json"}, b'{"message":"Forbidden"}')
            event["requestContext"]["authorizer"] = {"lambda": verdict.get("context", {})}
        result = self._invoke(route.function, event)
        out_body = result.get("body") or ""
        data = base64.b64decode(out_body) if result.get("isBase64Encoded") else out_body.encode()
        out_headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        if result.get("cookies"):  # payload 2.0: API Gateway turns them into Set-Cookie headers
            out_headers["set-cookie"] = "; ".join(result["cookies"][:1])  # one cookie at most here
        return HttpResponse(int(result.get("statusCode", 200)), out_headers, data)

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/openapi.json":  # the committed document, for tools and fuzzers
            start_response("200 OK", [("content-type", "application/json")])
            return [OPENAPI.read_bytes()]
        path = environ.get("PATH_INFO") or "/"
        if environ["REQUEST_METHOD"] in ("GET", "HEAD") and (served := self.page(path)) is not None:
            status, page_headers, page = served
            start_response(status, page_headers)
            return [page]
        if path.startswith(UPLOAD_PATH) and environ["REQUEST_METHOD"] == "POST":  # the door reads its body
            status, out_headers, text = self.upload(path[len(UPLOAD_PATH) :], environ)
            start_response(status, out_headers)
            return [text]
        if path.startswith(UPLOAD_PATH) and environ["REQUEST_METHOD"] in ("GET", "HEAD"):  # a presigned GET
            status, out_headers, data = self.download(path[len(UPLOAD_PATH) :], environ)
            start_response(status, out_headers)
            return [data]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        response = self.request(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO") or "/",
            headers=headers,
            body=body,
            query=environ.get("QUERY_STRING", ""),
        )
        self._for_this_server(path, response, f"http://{environ.get('HTTP_HOST', '127.0.0.1')}")
        reason = {200: "OK", 201: "Created", 204: "No Content", 302: "Found"}.get(response.status, "Status")
        start_response(f"{response.status} {reason}", list(response.headers.items()))
        return [response.body]

    def _for_this_server(self, path: str, response: HttpResponse, host: str) -> None:
        """S3's and the site's addresses in a response, as this server serves them (what CloudFront and S3
        do in AWS): upload forms and the report's players to its S3 door, invitations to its page."""
        if response.status == 201 and path == "/v1/interviews":  # the forms post to this server's S3 door
            doc = response.json()
            for form in doc.get("uploads", []):
                form["url"] = self._door_url(form["url"], host)
            self._rewrite(response, doc)
        elif response.status == 201 and path.startswith("/v1/candidate/") and path.endswith("/upload"):
            doc = response.json()
            doc["url"] = self._door_url(doc["url"], host)
            self._rewrite(response, doc)
        elif response.status == 201 and (path.endswith("/invitations") or path == "/v1/practice-interviews"):
            doc = response.json()
            doc["url"] = host + "/c/" + doc["url"].split("/c/", 1)[1]  # an invitation: this server's page
            self._rewrite(response, doc)
        elif response.status == 200 and path.startswith("/v1/workspace/interviews/"):
            doc = response.json()  # a report: its players play from this server's door, not S3's address
            if isinstance(doc, dict) and isinstance(doc.get("questions"), list):
                for question in doc["questions"]:
                    if question.get("media_url"):
                        question["media_url"] = self._get_door_url(question["media_url"], host)
                self._rewrite(response, doc)

    @staticmethod
    def _door_url(url: str, host: str) -> str:
        bucket = url.split("//", 1)[1].split(".s3", 1)[0]
        return f"{host}{UPLOAD_PATH}{bucket}"

    @staticmethod
    def _get_door_url(url: str, host: str) -> str:
        """A presigned S3 GET (virtual-hosted or path style) as this server's door: /local-s3/{bucket}/{key}?…"""
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if ".s3" in parts.netloc and not parts.netloc.startswith("s3"):
            bucket, key = parts.netloc.split(".s3", 1)[0], parts.path.lstrip("/")
        else:
            bucket, _, key = parts.path.lstrip("/").partition("/")
        return f"{host}{UPLOAD_PATH}{bucket}/{key}?{parts.query}"

    def download(self, rest: str, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """A presigned GET, as S3 answers it: the object (or the asked byte range, so that a player can seek),
        403 once the link has expired, 404 for no such key. (The signature itself is not checked locally.)"""
        import calendar
        from urllib.parse import parse_qs, unquote

        from botocore.exceptions import ClientError

        bucket, _, key = rest.partition("/")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        signed, lasts = query.get("X-Amz-Date"), query.get("X-Amz-Expires")
        if not signed or not lasts:
            return "403 Forbidden", [("content-type", "text/plain")], b"not a presigned URL"
        at = calendar.timegm(time.strptime(signed, "%Y%m%dT%H%M%SZ"))
        if at + int(lasts) < time.time():
            return "403 Forbidden", [("content-type", "text/plain")], b"Request has expired"
        try:
            found = self.cloud.client("s3").get_object(Bucket=bucket, Key=unquote(key))
        except ClientError:
            return "404 Not Found", [("content-type", "text/plain")], b"NoSuchKey"
        data = found["Body"].read()
        kind = found.get("ContentType") or "application/octet-stream"
        wanted = environ.get("HTTP_RANGE", "")
        if wanted.startswith("bytes=") and "," not in wanted:
            first, _, last = wanted[6:].partition("-")
            start = int(first) if first else max(0, len(data) - int(last or 0))
            end = min(len(data) - 1, int(last) if first and last else len(data) - 1)
            if start >= len(data):
                return "416 Range Not Satisfiable", [("content-range", f"bytes */{len(data)}")], b""
            part = data[start : end + 1]
            headers = [("content-type", kind), ("accept-ranges", "bytes"), ("content-length", str(len(part)))]
            return (
                "206 Partial Content",
                [*headers, ("content-range", f"bytes {start}-{end}/{len(data)}")],
                part,
            )
        headers = [("content-type", kind), ("accept-ranges", "bytes"), ("content-length", str(len(data)))]
        return "200 OK", headers, data if environ["REQUEST_METHOD"] == "GET" else b""

    @staticmethod
    def _rewrite(response: HttpResponse, doc: Any) -> None:
        response.body = json.dumps(doc).encode()
        response.headers["content-length"] = str(len(response.body))

    def page(self, path: str) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """The candidate page under /c/, the HR workspace under /hr (CloudFront's site behaviours); None for
        anything else."""
        if path.startswith("/c/"):
            return self.candidate_page(path)
        if path == "/hr" or path.startswith("/hr/"):
            return self.workspace_page(path)
        return None

    def candidate_page(self, path: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """``/c/assets/…`` from web/candidate; any other ``/c/…`` is the page (CloudFront's rewrite)."""
        if path.startswith("/c/assets/"):
            name = path[len("/c/assets/") :]
            if name not in CANDIDATE_ASSETS:
                return "404 Not Found", [("content-type", "text/plain")], b"not found"
            body = (CANDIDATE_SITE / name).read_bytes()
            return "200 OK", [("content-type", CANDIDATE_ASSETS[name]), *PAGE_HEADERS], body
        body = (CANDIDATE_SITE / "index.html").read_bytes()
        return "200 OK", [("content-type", "text/html; charset=utf-8"), *PAGE_HEADERS], body

    @staticmethod
    def workspace_page(path: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """``/hr/assets/…`` from web/hr; any other ``/hr…`` is the workspace's one page, which routes itself."""
        if path.startswith("/hr/assets/"):
            name = path[len("/hr/assets/") :]
            if name not in WORKSPACE_ASSETS:
                return "404 Not Found", [("content-type", "text/plain")], b"not found"
            body = (WORKSPACE_SITE / name).read_bytes()
            return "200 OK", [("content-type", WORKSPACE_ASSETS[name]), *WORKSPACE_HEADERS], body
        body = (WORKSPACE_SITE / "index.html").read_bytes()
        return "200 OK", [("content-type", "text/html; charset=utf-8"), *WORKSPACE_HEADERS], body

    def upload(self, bucket: str, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """A browser POST of a presigned form, checked as S3 would (``s3_door``), then stored in the uploads
        bucket (the upload then starts the workflow, as in AWS): status line, headers, body."""
        from infra.localcloud.s3_door import door_for

        return door_for(self.cloud).post(bucket, environ)
