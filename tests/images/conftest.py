"""The image checks (``make images-test``; not part of ``make test``: pyproject's norecursedirs keeps this folder out).

Each test starts a built image's real entrypoint on a sample clip. S3 (and DynamoDB) are moto's server on
127.0.0.1, reached through AWS_ENDPOINT_URL, which boto3 honours."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.images.support import AWS_ENV, image_config, image_ref

REPO = Path(__file__).resolve().parents[2]
MEDIA = REPO / "events" / "media"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def aws_env(moto_endpoint: str) -> dict[str, str]:
    return {**AWS_ENV, "AWS_ENDPOINT_URL": moto_endpoint}


@pytest.fixture(scope="session")
def s3(moto_endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's dummy credentials
    )


@pytest.fixture(scope="session")
def media_bucket(s3) -> str:
    """The sample clips, uploaded once."""
    s3.create_bucket(Bucket="media")
    s3.create_bucket(Bucket="artifacts")
    for clip in ("q2_en.mp4", "q1_zh.mp4"):
        s3.upload_file(str(MEDIA / clip), "media", clip)
    return "media"


def require_image(name: str) -> None:
    if shutil.which("buildah") is None:
        pytest.fail("buildah is not installed: run `make images` (it installs buildah and builds the images)")
    if image_config(name) is None:
        pytest.fail(f"{image_ref(name)} is not built: run `make images`")
