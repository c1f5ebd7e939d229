"""``jiping serve``'s S3 door (infra/localcloud/s3_door.py): only a form this run signed, for the uploads
bucket, posted from nowhere or from the server's own pages, within its policy, is stored."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import httpx
import pytest
from botocore.auth import S3SigV4PostAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from jiping.adapters.s3 import S3Presigner

from infra.localcloud.s3_door import PRE_DATA_MAX, Keys, S3Door
from infra.localcloud.template import REGION

KEYS = Keys("local", "this-runs-secret", REGION)
UPLOADS, ARTIFACTS = "jiping-uploads", "jiping-artifacts"
KEY = "uploads/t-a/iv-1/q1.mp4"
HOST = "127.0.0.1:8000"


class Stored(list[tuple[str, str, bytes, str]]):
    def __call__(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        self.append((bucket, key, body, content_type))


@pytest.fixture
def stored() -> Stored:
    return Stored()


@pytest.fixture
def door(stored: Stored) -> S3Door:
    return S3Door(KEYS, UPLOADS, stored)


def api_form(
    bucket: str = UPLOADS, key: str = KEY, secret: str = KEYS.secret_key, signature: str | None = None
) -> dict[str, str]:
    """A form as the API makes it (the same presigner, the same boto3 call: SigV2 in us-east-1)."""
    session = boto3.session.Session(
        aws_access_key_id=KEYS.access_key,
        aws_secret_access_key=secret,
        aws_session_token="local",  # noqa: S106 - the local cloud's session token
        region_name=REGION,
    )
    client = session.client("s3", config=Config(signature_version=signature))
    form = S3Presigner(client).post_form(bucket, key, "video/mp4", 1000, 600)
    return dict(form["fields"])


def signed(
    conditions: list[Any],
    fields: dict[str, str],
    secret: str = KEYS.secret_key,
    expires_in: timedelta | None = timedelta(hours=1),
) -> dict[str, str]:
    """A form with any policy, signed by botocore's own SigV4 POST signer."""
    policy: dict[str, Any] = {"conditions": list(conditions)}
    if expires_in is not None:
        policy["expiration"] = (datetime.now(UTC) + expires_in).strftime("%Y-%m-%dT%H:%M:%SZ")
    request = AWSRequest(method="POST", url=f"http://{HOST}")
    request.context["s3-presign-post-fields"] = dict(fields)
    request.context["s3-presign-post-policy"] = policy
    S3SigV4PostAuth(Credentials(KEYS.access_key, secret, "local"), "s3", REGION).add_auth(request)
    return dict(request.context["s3-presign-post-fields"])


def post(
    door: S3Door,
    fields: dict[str, str],
    file: bytes = b"a clip",
    *,
    bucket: str = UPLOADS,
    **environ: str,
) -> tuple[int, bytes, io.BytesIO]:
    request = httpx.Request(
        "POST", f"http://{HOST}/local-s3/{bucket}", data=fields, files={"file": ("q1.mp4", file, "video/mp4")}
    )
    body = request.read()
    stream = io.BytesIO(body)
    env = {
        "CONTENT_TYPE": request.headers["content-type"],
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": HOST,
        "wsgi.url_scheme": "http",
        "wsgi.input": stream,
    } | environ
    status, headers, text = door.post(bucket, env)
    assert int(status.split()[0]) == 204 or dict(headers)["content-type"] == "application/xml"
    return int(status.split()[0]), text, stream


def code(text: bytes) -> str:
    return text.split(b"<Code>")[1].split(b"</Code>")[0].decode()


SIGNATURES = pytest.mark.parametrize("signature", [None, "s3v4"])  # as boto3 signs in us-east-1, and SigV4


@SIGNATURES
def test_an_honest_form_is_stored_with_its_content_type(door, stored, signature):
    status, text, _ = post(door, api_form(signature=signature))
    assert status == 204, text
    assert stored == [(UPLOADS, KEY, b"a clip", "video/mp4")]


def test_a_browser_page_of_this_server_may_post(door, stored):
    assert post(door, api_form(), HTTP_ORIGIN=f"http://{HOST}")[0] == 204
    assert post(door, api_form(), HTTP_ORIGIN="http://localhost:8000", HTTP_HOST="localhost:8000")[0] == 204
    assert len(stored) == 2


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://evil.example", HOST),  # any web page the developer opens
        ("http://127.0.0.1:9999", HOST),  # another local server: same site, other origin
        ("null", HOST),  # a sandboxed frame or a file:// page
        (
            "http://evil.example:8000",
            "evil.example:8000",
        ),  # DNS rebinding: the origin matches, the host is no loopback
    ],
)
def test_a_post_from_another_origin_is_refused(door, stored, origin, host):
    status, text, stream = post(door, api_form(), HTTP_ORIGIN=origin, HTTP_HOST=host)
    assert (status, code(text)) == (403, "AccessDenied")
    assert stored == [] and stream.tell() == 0  # refused before a byte of the body was read


@SIGNATURES
def test_a_policy_swapped_for_another_tenants_key_is_refused(door, stored, signature):
    # GIVEN tenant A's honest form, WHEN its policy is rewritten for tenant B's key (the signature kept)
    fields = api_form(signature=signature)
    policy = json.loads(base64.b64decode(fields["policy"]))
    other = "uploads/t-b/iv-9/q1.mp4"
    policy["conditions"] = [{"key": other} if c == {"key": KEY} else c for c in policy["conditions"]]
    fields |= {"key": other, "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
    status, text, _ = post(door, fields)
    assert (status, code(text)) == (403, "SignatureDoesNotMatch") and stored == []


@SIGNATURES
@pytest.mark.parametrize("secret", ["local", "FOOBARSECRET"])  # the old fixed secret, moto's stand-in
def test_a_form_signed_with_another_secret_is_refused(door, stored, secret, signature):
    forged = api_form(key="uploads/t-b/iv-9/q1.mp4", secret=secret, signature=signature)
    status, text, _ = post(door, forged)
    assert (status, code(text)) == (403, "SignatureDoesNotMatch") and stored == []


def test_the_artifacts_bucket_is_never_written_even_with_a_form_this_run_signed(door, stored):
    report = api_form(bucket=ARTIFACTS, key="t-b/iv-9/report.html")
    status, text, stream = post(door, report, bucket=ARTIFACTS)
    assert (status, code(text)) == (403, "AccessDenied") and stream.tell() == 0
    status, text, _ = post(door, api_form(), bucket=ARTIFACTS)  # the uploads form at the artifacts door
    assert (status, code(text)) == (403, "AccessDenied") and stored == []


def test_a_form_for_another_bucket_posted_to_the_uploads_door_is_refused(door, stored):
    status, text, _ = post(door, api_form(bucket=ARTIFACTS, key=KEY))
    assert (status, code(text)) == (403, "AccessDenied") and b"bucket" in text and stored == []


def test_a_policy_naming_no_bucket_is_refused(door, stored):
    fields = signed([{"key": KEY}], {"key": KEY})
    status, text, _ = post(door, fields)
    assert (status, code(text)) == (403, "AccessDenied") and b"names no bucket" in text and stored == []


@pytest.mark.parametrize("extra", ["x-amz-meta-tenant", "Cache-Control", "success_action_redirect"])
def test_a_field_the_policy_does_not_cover_is_refused(door, stored, extra):
    status, text, _ = post(door, api_form() | {extra: "t-b"})
    assert (status, code(text)) == (403, "AccessDenied") and b"Extra input fields" in text and stored == []


def test_x_ignore_fields_are_ignored_as_s3_ignores_them(door, stored):
    assert post(door, api_form() | {"x-ignore-note": "anything"})[0] == 204


def test_starts_with_conditions_are_held(door, stored):
    conditions = [
        {"bucket": UPLOADS},
        ["starts-with", "$key", "uploads/t-a/"],
        ["starts-with", "$Content-Type", "video/"],
    ]
    fields = signed(conditions, {"key": KEY, "Content-Type": "video/mp4"})
    assert post(door, fields)[0] == 204
    status, text, _ = post(door, fields | {"key": "uploads/t-b/iv-9/q1.mp4"})
    assert (status, code(text)) == (403, "AccessDenied") and b"starts-with" in text
    status, text, _ = post(door, fields | {"Content-Type": "video/mp4, text/html"})  # each type must start so
    assert (status, code(text)) == (403, "AccessDenied")
    assert [s[1] for s in stored] == [KEY]


def test_an_eq_condition_on_a_field_the_form_lacks_fails(door, stored):
    fields = api_form()
    del fields["Content-Type"]
    status, text, _ = post(door, fields)
    assert (status, code(text)) == (403, "AccessDenied") and stored == []


def test_a_body_over_the_policys_size_is_refused_unread(door, stored):
    status, text, stream = post(door, api_form(), file=b"x" * 100_000)  # the form allows 1,000 bytes
    assert (status, code(text)) == (413, "EntityTooLarge")
    assert stream.tell() == PRE_DATA_MAX and stored == []  # only the fields before the file were read


def test_a_body_over_the_largest_form_is_refused_before_a_byte_is_read(door, stored):
    status, text, stream = post(door, api_form(), CONTENT_LENGTH=str(3 * 1024**3))
    assert (status, code(text)) == (413, "EntityTooLarge") and stream.tell() == 0


def test_the_file_size_is_held_to_the_range_exactly(door, stored):
    assert code(post(door, api_form(), file=b"x" * 1001)[1]) == "EntityTooLarge"
    assert code(post(door, api_form(), file=b"")[1]) == "EntityTooSmall"
    assert post(door, api_form(), file=b"x" * 1000)[0] == 204


def test_an_expired_policy_is_refused(door, stored):
    fields = signed([{"bucket": UPLOADS}, {"key": KEY}], {"key": KEY}, expires_in=timedelta(seconds=-1))
    status, text, _ = post(door, fields)
    assert (status, code(text)) == (403, "AccessDenied") and b"expired" in text and stored == []


def test_a_form_naming_another_access_key_is_refused(door, stored):
    fields = api_form(signature="s3v4")
    fields["x-amz-credential"] = fields["x-amz-credential"].replace("local/", "someone/", 1)
    status, text, _ = post(door, fields)
    assert (status, code(text)) == (403, "InvalidAccessKeyId") and stored == []


@pytest.mark.parametrize(
    ("change", "status", "s3_code"),
    [
        ({"policy": "not base64!"}, 400, "InvalidPolicyDocument"),
        ({"policy": base64.b64encode(b"{not json").decode()}, 400, "InvalidPolicyDocument"),
        ({"policy": base64.b64encode(b"\xff\xfe").decode()}, 400, "InvalidPolicyDocument"),
        ({"policy": base64.b64encode(b"[" * 10_000).decode()[:4000]}, 400, "InvalidPolicyDocument"),
        ({"x-amz-signature": "签名"}, 403, "SignatureDoesNotMatch"),
        ({"x-amz-credential": "local"}, 400, "AuthorizationQueryParametersError"),
        ({"x-amz-algorithm": "AWS4-HMAC-MD5"}, 400, "InvalidArgument"),
    ],
)
def test_a_malformed_form_is_a_4xx_never_a_500(door, stored, change, status, s3_code):
    got, text, _ = post(door, api_form(signature="s3v4") | change)
    assert (got, code(text)) == (status, s3_code) and stored == []


def test_a_policy_with_malformed_conditions_is_a_400(door, stored):
    for conditions in (
        [["eq", "key", KEY]],
        [["matches", "$key", ".*"]],
        [["content-length-range", "1", 2]],
        ["x"],
    ):
        got, text, _ = post(door, signed([{"bucket": UPLOADS}, *conditions], {"key": KEY}))
        assert (got, code(text)) == (400, "InvalidPolicyDocument"), conditions
    no_expiration = signed([{"bucket": UPLOADS}, {"key": KEY}], {"key": KEY}, expires_in=None)
    assert code(post(door, no_expiration)[1]) == "InvalidPolicyDocument"
    assert stored == []


def _environ(body: bytes, content_type: str, length: str | None = None) -> dict[str, Any]:
    env = {"CONTENT_TYPE": content_type, "HTTP_HOST": HOST, "wsgi.input": io.BytesIO(body)}
    return env | ({"CONTENT_LENGTH": length} if length is not None else {"CONTENT_LENGTH": str(len(body))})


@pytest.mark.parametrize(
    ("body", "content_type", "length", "status"),
    [
        (b"key=a&policy=b", "application/x-www-form-urlencoded", None, 400),
        (b"--b\r\nno headers end", "multipart/form-data; boundary=b", None, 400),
        (b"nothing like a boundary", "multipart/form-data; boundary=b", None, 400),
        (
            b'--b\r\ncontent-disposition: form-data; name="key"\r\n\r\nk\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
            None,
            400,
        ),
        (
            b"--b\r\ncontent-disposition: form-data\r\n\r\nk\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
            None,
            400,
        ),
        (b"--b\r\n", "multipart/form-data; boundary=b", "10", 400),  # shorter than it says
        (b"--b\r\n", "multipart/form-data; boundary=b", "", 411),
        (b"--b\r\n", "multipart/form-data; boundary=b", "lots", 411),
        (b"--b\r\n" + b"x" * 30_000, "multipart/form-data; boundary=b", None, 400),  # fields too long
    ],
)
def test_a_malformed_body_is_a_4xx_with_an_s3_code(door, stored, body, content_type, length, status):
    got, headers, text = door.post(UPLOADS, _environ(body, content_type, length))
    assert int(got.split()[0]) == status and code(text) and stored == []


def test_a_field_given_twice_is_refused(door, stored):
    fields = api_form()
    request = httpx.Request(
        "POST",
        f"http://{HOST}/local-s3/{UPLOADS}",
        data=fields | {"key": [fields["key"], "uploads/t-b/iv-9/q1.mp4"]},
        files={"file": ("q1.mp4", b"clip", "video/mp4")},
    )
    body = request.read()
    got, _, text = door.post(UPLOADS, _environ(body, request.headers["content-type"]))
    assert (int(got.split()[0]), code(text)) == (400, "InvalidArgument") and stored == []


def test_a_sigv2_form_with_a_bad_or_no_signature_is_refused(door, stored):
    fields = api_form()
    assert "signature" in fields and "x-amz-signature" not in fields  # what boto3 makes in us-east-1
    assert code(post(door, fields | {"signature": "签名"})[1]) == "SignatureDoesNotMatch"
    assert code(post(door, fields | {"AWSAccessKeyId": "someone"})[1]) == "InvalidAccessKeyId"
    unsigned = {k: v for k, v in fields.items() if k not in ("signature", "AWSAccessKeyId")}
    assert (
        post(door, unsigned)[:2] == (403, post(door, unsigned)[1])
        and code(post(door, unsigned)[1]) == "AccessDenied"
    )
    assert stored == []
