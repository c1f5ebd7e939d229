"""The object store on S3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from jiping.domain.errors import NotFound, StorageError, TransientError
from jiping.domain.models import ObjectLocation

_MISSING = {"404", "NoSuchKey", "NoSuchVersion", "NoSuchBucket"}
_TRANSIENT = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "500", "503"}


def _translate(exc: ClientError, location: ObjectLocation) -> Exception:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code in _MISSING:
        return NotFound(f"s3://{location.bucket}/{location.key} ({code})")
    if code in _TRANSIENT:
        return TransientError(f"S3 {code}")
    return StorageError(f"S3 {code}")


class S3ObjectStore:
    def __init__(self, client: Any) -> None:
        self._s3 = client

    @staticmethod
    def _version(location: ObjectLocation) -> dict[str, str]:
        return {"VersionId": location.version_id} if location.version_id else {}

    def download(self, location: ObjectLocation, dest: Path) -> int:
        try:
            self._s3.download_file(
                location.bucket, location.key, str(dest), ExtraArgs=self._version(location) or None
            )
        except ClientError as exc:
            raise _translate(exc, location) from exc
        return dest.stat().st_size

    def put_json(self, location: ObjectLocation, document: Any) -> str | None:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        return self.put_bytes(location, body, "application/json")

    def put_bytes(self, location: ObjectLocation, body: bytes, content_type: str) -> str | None:
        try:
            resp = self._s3.put_object(
                Bucket=location.bucket, Key=location.key, Body=body, ContentType=content_type
            )
        except ClientError as exc:
            raise _translate(exc, location) from exc
        return resp.get("VersionId")

    def get_json(self, location: ObjectLocation) -> Any:
        try:
            resp = self._s3.get_object(Bucket=location.bucket, Key=location.key, **self._version(location))
        except ClientError as exc:
            raise _translate(exc, location) from exc
        return json.loads(resp["Body"].read())

    def delete_prefix(self, bucket: str, prefix: str) -> int:
        """Delete every version and delete marker under ``prefix``; return how many were removed."""
        removed = 0
        try:
            pages = self._s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix)
            for page in pages:
                batch = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
                ]
                for start in range(0, len(batch), 1000):
                    chunk = batch[start : start + 1000]
                    out = self._s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
                    if out.get("Errors"):
                        raise StorageError(f"S3 could not delete {len(out['Errors'])} object versions")
                    removed += len(chunk)
        except ClientError as exc:
            raise _translate(exc, ObjectLocation(bucket=bucket, key=prefix)) from exc
        return removed


class S3Presigner:
    """Presigned browser upload forms and download links."""

    def __init__(self, client: Any) -> None:
        self._s3 = client

    def post_form(
        self, bucket: str, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> dict[str, Any]:
        """A browser upload form bound to one key, one content type and a size range."""
        try:
            return dict(
                self._s3.generate_presigned_post(
                    Bucket=bucket,
                    Key=key,
                    Fields={"Content-Type": content_type},
                    Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
                    ExpiresIn=expires_in,
                )
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 presign: {type(exc).__name__}") from exc

    def get_url(self, bucket: str, key: str, expires_in: int) -> str:
        try:
            return str(
                self._s3.generate_presigned_url(
                    "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in
                )
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 presign: {type(exc).__name__}") from exc
