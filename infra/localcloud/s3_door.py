"""``jiping serve``'s S3 door: a browser's POST of a presigned upload form, checked as S3 checks it.

The API hands out forms made by boto3's ``generate_presigned_post`` against the emulated S3, signed
(SigV2 in us-east-1, SigV4 elsewhere) with this process's keys, whose secret no one else knows: it is
drawn afresh for every ``jiping serve`` (``cloud``). The door takes such a form at ``/local-s3/<bucket>`` and, before storing a byte, refuses:

- a POST from a web page of another origin (a browser always says where it posts from);
- any bucket but the uploads bucket (the door never writes the artifacts bucket);
- a body over the largest form the API hands out, or over the policy's size range (413, unread);
- a form whose signature is not the run's over its policy, an expired policy, a condition the form
  fails (``eq``, ``starts-with``, ``content-length-range``, the bucket), or a field no condition covers.

Every refusal is an S3-style XML error with a 4xx status; the upload then starts the workflow, as in AWS.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from infra.localcloud.template import REGION

PRE_DATA_MAX = 20 * 1024  # S3's limit on the form fields before the file
MAX_BODY = 2 * 1024**3 + PRE_DATA_MAX  # the largest file a form allows (max_bytes <= 2 GiB), with its fields
TRAILER_MAX = 1024  # after the file: the closing boundary (and whatever a client adds after it)
# the fields a policy does not cover (S3's rule, SigV4 and SigV2)
UNSIGNED = {"file", "policy", "x-amz-signature", "signature", "awsaccesskeyid"}
LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}


class Refused(Exception):
    """An S3 error: an HTTP status, S3's code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Keys:
    """The keys the local cloud's functions sign with (the door checks their signatures)."""

    access_key: str
    secret_key: str
    region: str


Response = tuple[str, list[tuple[str, str]], bytes]


def door_for(cloud: Any) -> S3Door:
    """The door to ``cloud``'s uploads bucket, checking forms against the keys its functions sign with."""
    import boto3

    session = boto3.session.Session()
    credentials = session.get_credentials()
    if credentials is None:
        raise RuntimeError("the local cloud has no keys: is it running?")
    frozen = credentials.get_frozen_credentials()
    s3 = cloud.client("s3")

    def store(bucket: str, key: str, body: bytes, content_type: str) -> None:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)

    keys = Keys(frozen.access_key, frozen.secret_key, REGION)
    return S3Door(keys, cloud.uploads_bucket, store)


class S3Door:
    """The door to one bucket; ``store`` writes what it takes (the emulated S3's PutObject)."""

    def __init__(
        self, keys: Keys, uploads_bucket: str, store: Callable[[str, str, bytes, str], None]
    ) -> None:
        self._keys = keys
        self._bucket = uploads_bucket
        self._store = store  # (bucket, key, body, content type)

    def post(self, bucket: str, environ: Mapping[str, Any]) -> Response:
        """Answer a POST to ``/local-s3/<bucket>`` (a WSGI environ; its body is read only if it may be)."""
        try:
            self._accept(bucket, environ)
        except Refused as refused:
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{refused.code}</Code><Message>{escape(refused.message)}</Message></Error>"
            ).encode()
            status = f"{refused.status} {HTTPStatus(refused.status).phrase}"
            return status, [("content-type", "application/xml"), ("content-length", str(len(body)))], body
        return "204 No Content", [], b""

    def _accept(self, bucket: str, environ: Mapping[str, Any]) -> None:
        _same_origin(environ)
        if bucket != self._bucket:
            raise Refused(403, "AccessDenied", "this door takes uploads to the uploads bucket only")
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if length < 0:
            raise Refused(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
        if length > MAX_BODY:
            raise Refused(413, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
        boundary = _boundary(str(environ.get("CONTENT_TYPE") or ""))
        stream: BinaryIO = environ["wsgi.input"]
        head = _read(stream, min(length, PRE_DATA_MAX))
        fields, file_start = _fields(head, boundary, truncated=len(head) < length)
        policy = self._verified_policy(fields)
        low, high = _check_policy(policy, bucket, fields)
        if length - file_start > high + TRAILER_MAX:
            raise Refused(413, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
        body = head + _read(stream, length - len(head))
        file_end = body.find(b"\r\n--" + boundary, file_start)
        if file_end < 0:
            raise Refused(400, "MalformedPOSTRequest", "The file part has no closing boundary.")
        size = file_end - file_start
        if size > high:
            raise Refused(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
        if size < low:
            raise Refused(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed.")
        content_type = fields.get("content-type", "binary/octet-stream")
        self._store(bucket, fields["key"], body[file_start:file_end], content_type)

    def _verified_policy(self, fields: Mapping[str, str]) -> Any:
        """The policy the form carries, once its signature is found to be this run's: SigV4 or, as boto3
        signs forms for us-east-1, SigV2 (S3 takes both)."""
        missing = [name for name in ("key", "policy") if name not in fields]
        if missing:
            raise Refused(400, "InvalidArgument", f"The form has no {' or '.join(missing)} field.")
        try:
            policy = json.loads(base64.b64decode(fields["policy"], validate=True))
        except (binascii.Error, ValueError, RecursionError):  # not base64, not UTF-8, not JSON
            raise Refused(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
        if "x-amz-signature" in fields:
            access_key, expected = self._sigv4(fields)
            given = fields["x-amz-signature"].lower()
        elif "signature" in fields:
            access_key = fields.get("awsaccesskeyid", "")
            mac = hmac.new(self._keys.secret_key.encode(), fields["policy"].encode(), hashlib.sha1)
            expected = base64.b64encode(mac.digest()).decode()
            given = fields["signature"]
        else:
            raise Refused(403, "AccessDenied", "The form is not signed.")
        if access_key != self._keys.access_key:
            raise Refused(403, "InvalidAccessKeyId", "The access key Id you provided is not this run's.")
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise Refused(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        return policy

    def _sigv4(self, fields: Mapping[str, str]) -> tuple[str, str]:
        """The access key a SigV4 form names, and the signature this run's secret gives its policy."""
        if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
            raise Refused(400, "InvalidArgument", "Only AWS4-HMAC-SHA256 signatures are taken.")
        credential = fields.get("x-amz-credential", "").split("/")
        access_key, date, region, service, terminator = (credential + [""] * 5)[:5]
        scope = (region, service, terminator) == (self._keys.region, "s3", "aws4_request")
        if len(credential) != 5 or not scope or not fields.get("x-amz-date", "").startswith(date + "T"):
            raise Refused(400, "AuthorizationQueryParametersError", "Invalid x-amz-credential or x-amz-date.")
        key = f"AWS4{self._keys.secret_key}".encode()
        for part in (date, region, service, terminator):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return access_key, hmac.new(key, fields["policy"].encode(), hashlib.sha256).hexdigest()


def _same_origin(environ: Mapping[str, Any]) -> None:
    """A browser names the page a POST comes from: only a page this server served (on a loopback name, so a
    rebound DNS name is not one) may post. A client that names no origin (curl, the tests) is no web page."""
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return
    host = str(environ.get("HTTP_HOST") or "")
    own = f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
    if origin != own or host.rsplit(":", 1)[0] not in LOOPBACK:
        raise Refused(403, "AccessDenied", f"a POST from {origin} (another origin) is refused")


def _boundary(content_type: str) -> bytes:
    header = Message()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str) or not boundary:
        raise Refused(
            400, "MalformedPOSTRequest", "The body of your POST request is not multipart/form-data."
        )
    try:
        return boundary.encode("ascii")
    except UnicodeEncodeError:
        raise Refused(400, "MalformedPOSTRequest", "The multipart boundary is not ASCII.") from None


def _read(stream: BinaryIO, n: int) -> bytes:
    chunks, left = [], n
    while left > 0:
        chunk = stream.read(min(left, 1024 * 1024))
        if not chunk:
            raise Refused(400, "IncompleteBody", "The body is shorter than its Content-Length.")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _fields(head: bytes, boundary: bytes, *, truncated: bool) -> tuple[dict[str, str], int]:
    """The form fields before the file (names lower-cased, as S3 matches them) and where the file begins."""
    delimiter = b"--" + boundary
    too_long = Refused(400, "MaxPostPreDataLengthExceeded", "The fields before the file are too large.")
    malformed = Refused(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed.")
    start = head.find(delimiter)
    if start < 0:
        raise too_long if truncated else malformed
    pos = start + len(delimiter)
    fields: dict[str, str] = {}
    while True:
        if head.startswith(b"--", pos):
            raise Refused(400, "InvalidArgument", "The form has no file field.")
        header_end = head.find(b"\r\n\r\n", pos)
        if not head.startswith(b"\r\n", pos) or header_end < 0:
            raise too_long if truncated else malformed
        part = BytesParser(policy=HTTP).parsebytes(head[pos + 2 : header_end + 4], headersonly=True)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            raise malformed
        data_start = header_end + 4
        if name.lower() == "file":  # S3 takes the file last and ignores what follows it
            return fields, data_start
        data_end = head.find(b"\r\n" + delimiter, data_start)
        if data_end < 0:
            raise too_long if truncated else malformed
        if name.lower() in fields:
            raise Refused(400, "InvalidArgument", f"The form has the field {name} twice.")
        try:
            fields[name.lower()] = head[data_start:data_end].decode()
        except UnicodeDecodeError:
            raise Refused(400, "InvalidArgument", f"The field {name} is not UTF-8.") from None
        pos = data_end + 2 + len(delimiter)


def _check_policy(policy: Any, bucket: str, fields: Mapping[str, str]) -> tuple[int, int]:
    """Hold the form to its (signed) policy as S3 does; return the file's size range."""
    if not isinstance(policy, dict) or not isinstance(policy.get("conditions"), list):
        raise _invalid()
    _check_expiration(policy.get("expiration"))
    values = {**fields, "bucket": bucket}
    covered: set[str] = set()
    low, high = 0, MAX_BODY
    for condition in policy["conditions"]:
        op, name, value = _condition(condition)
        if op == "content-length-range":
            low, high = max(low, name), min(high, value)
            continue
        field = name[1:].lower()
        covered.add(field)
        if not _holds(op, field, value, values.get(field)):
            failed = json.dumps(condition)
            raise Refused(
                403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {failed}"
            )
    if "bucket" not in covered:
        raise Refused(403, "AccessDenied", "Invalid according to Policy: the policy names no bucket")
    extra = sorted(f for f in fields if f not in covered | UNSIGNED and not f.startswith("x-ignore-"))
    if extra:
        raise Refused(
            403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}"
        )
    return low, high


def _invalid() -> Refused:
    return Refused(400, "InvalidPolicyDocument", "Invalid Policy: Invalid conditions.")


def _check_expiration(value: Any) -> None:
    try:
        expiration = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Refused(400, "InvalidPolicyDocument", "Invalid Policy: Invalid 'expiration' value.") from None
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=UTC)
    if datetime.now(UTC) > expiration:
        raise Refused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")


def _condition(condition: Any) -> tuple[str, Any, Any]:
    """A condition as (operator, "$field", value), or ("content-length-range", min, max)."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, value),) = condition.items()
        condition = ["eq", f"${name}", value]
    if not isinstance(condition, list) or len(condition) != 3:
        raise _invalid()
    op, name, value = condition
    if op == "content-length-range":
        ok = type(name) is int and type(value) is int
    else:
        field_ok = isinstance(name, str) and name.startswith("$") and len(name) > 1
        ok = op in ("eq", "starts-with") and field_ok and isinstance(value, str)
    if not ok:
        raise _invalid()
    return op, name, value


def _holds(op: str, field: str, value: str, given: str | None) -> bool:
    if given is None:  # a condition on a field the form lacks fails
        return False
    if op == "eq":
        return given == value
    if field == "content-type":  # a list of types: each must start so (S3's rule)
        return all(v.strip().startswith(value) for v in given.split(","))
    return given.startswith(value)
