"""The HTTP API on the local cloud: what API Gateway does in front of the Api function.

``LocalApi.request`` turns an HTTP request into an HTTP API (payload 2.0) event, runs the
``Authorizer`` function for every route but ``GET /v1/health`` (a refusal is API Gateway's 401/403),
puts its context into ``requestContext.authorizer.lambda`` and invokes the ``Api`` function, both
through the emulated Lambda service. ``wsgi`` serves the same on a socket (``jiping serve``) and to
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

OPEN_ROUTES = {("GET", "/v1/health"), ("GET", "/v1/wecom/callback"), ("POST", "/v1/wecom/callback")}
UPLOAD_PATH = "/local-s3/"  # where `jiping serve` takes the presigned upload forms (S3's role, locally)
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


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
        if (method.upper(), path) not in OPEN_ROUTES and path.startswith("/v1/"):
            if "authorization" not in headers:  # API Gateway refuses before calling the authorizer
                return HttpResponse(401, {"content-type": "application/json"}, b'{"message":"Unauthorized"}')
            verdict = self._invoke(
                "Authorizer",
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
        result = self._invoke("Api", event)
        out_body = result.get("body") or ""
        data = base64.b64decode(out_body) if result.get("isBase64Encoded") else out_body.encode()
        out_headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        return HttpResponse(int(result.get("statusCode", 200)), out_headers, data)

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/openapi.json":  # the committed document, for tools and fuzzers
            start_response("200 OK", [("content-type", "application/json")])
            return [OPENAPI.read_bytes()]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        path = environ.get("PATH_INFO") or "/"
        if path.startswith(UPLOAD_PATH) and environ["REQUEST_METHOD"] == "POST":
            status, text = self.upload(path[len(UPLOAD_PATH) :], environ.get("CONTENT_TYPE", ""), body)
            start_response(
                f"{status} {'No Content' if status == 204 else 'Refused'}", [("content-type", "text/plain")]
            )
            return [text.encode()]
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
        if response.status == 201 and path == "/v1/interviews":  # the forms post to this server's S3 door
            doc = response.json()
            for form in doc.get("uploads", []):
                bucket = form["url"].split("//", 1)[1].split(".s3", 1)[0]
                form["url"] = f"http://{environ.get('HTTP_HOST', '127.0.0.1')}{UPLOAD_PATH}{bucket}"
            response.body = json.dumps(doc).encode()
            response.headers["content-length"] = str(len(response.body))
        reason = {200: "OK", 201: "Created", 204: "No Content"}.get(response.status, "Status")
        start_response(f"{response.status} {reason}", list(response.headers.items()))
        return [response.body]

    def upload(self, bucket: str, content_type: str, body: bytes) -> tuple[int, str]:
        """A browser POST of a presigned form, checked against its policy as S3 would, then stored (the
        upload then starts the workflow, as in AWS). Signatures are not checked: the local S3 has no keys."""
        from email.parser import BytesParser
        from email.policy import HTTP

        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        fields: dict[str, str] = {}
        file: bytes | None = None
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name == "file":
                payload = part.get_payload(decode=True)
                file = payload if isinstance(payload, bytes) else None
            elif name:
                fields[str(name)] = part.get_content().strip()
        if file is None or "policy" not in fields or "key" not in fields:
            return 400, "a form needs key, policy and file"
        policy = json.loads(base64.b64decode(fields["policy"]))
        if time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()) > policy["expiration"]:
            return 403, "the policy has expired"
        for condition in policy["conditions"]:
            if isinstance(condition, dict):
                ((name, value),) = condition.items()
                given = bucket if name == "bucket" else fields.get(name, fields.get(name.title()))
                if given != value:
                    return 403, f"policy condition failed: {name}"
            elif condition[0] == "content-length-range" and not condition[1] <= len(file) <= condition[2]:
                return 400, "EntityTooLarge" if len(file) > condition[2] else "EntityTooSmall"
        self.cloud.client("s3").put_object(
            Bucket=bucket,
            Key=fields["key"],
            Body=file,
            ContentType=fields.get("Content-Type", "binary/octet-stream"),
        )
        return 204, ""
