"""Media bytes in an S3-compatible object store (AWS S3, SeaweedFS, MinIO, Garage, R2).

Same contract as `LocalMediaStore` (media/storage.py): keys pass `check_key`, originals are
private, variants public. Originals live in their own bucket, or under the `originals/`
prefix of the one bucket, and only the variants prefix is ever made anonymously readable
(`public_read_policy`). The client is boto3, synchronous like the store interface: callers
already run store calls in a thread (`asyncio.to_thread`), and boto3 is the reference
S3 client every S3-compatible server tests against.

Errors keep the local store's meaning: a missing object is `FileNotFoundError`; a store
that does not answer, or answers with a server error, is `StoreUnavailable` (an `OSError`),
which the job spine retries and the upload form reports in words. Credentials are never
logged: they live only inside the boto3 client.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from media.storage import Area, StoreUnavailable, check_key

ORIGINALS_PREFIX = "originals/"
VARIANTS_PREFIX = "variants/"


@dataclass(frozen=True)
class S3Location:
    """Where the two areas live; `private_bucket` empty means one bucket, two prefixes."""

    endpoint: str
    region: str
    bucket: str
    private_bucket: str = ""
    path_style: bool = True


def make_client(location: S3Location, access_key: str, secret_key: str, timeout: float = 10.0) -> Any:
    """A boto3 S3 client with short timeouts and no retries of its own: retrying is the job
    spine's job (one attempt policy for the whole server, visible in the queue)."""
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client(
        "s3",
        endpoint_url=location.endpoint or None,
        region_name=location.region or "us-east-1",
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        config=BotoConfig(
            s3={"addressing_style": "path" if location.path_style else "virtual"},
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=timeout,
            read_timeout=timeout,
            signature_version="s3v4",
        ),
    )


class S3MediaStore:
    """Byte storage by (area, key) in one or two buckets."""

    def __init__(self, client: Any, location: S3Location) -> None:
        self.client = client
        self.location = location

    # -- where each area lives
    def _where(self, area: Area, key: str) -> tuple[str, str]:
        check_key(key)
        if Area(area) is Area.ORIGINALS:
            if self.location.private_bucket:
                return self.location.private_bucket, key
            return self.location.bucket, ORIGINALS_PREFIX + key
        return self.location.bucket, VARIANTS_PREFIX + key

    def public_object_key(self, key: str) -> str:
        """The object name of a public variant inside the bucket (for the public URL)."""
        return self._where(Area.VARIANTS, key)[1]

    # -- the MediaStore interface
    def put(self, area: Area, key: str, data: bytes) -> None:
        bucket, name = self._where(area, key)
        with _translated(key):
            self.client.put_object(
                Bucket=bucket, Key=name, Body=data, ContentMD5=_content_md5(data),
                ContentType=_content_type(key),
            )

    def get(self, area: Area, key: str) -> bytes:
        bucket, name = self._where(area, key)
        with _translated(key):
            body: bytes = self.client.get_object(Bucket=bucket, Key=name)["Body"].read()
            return body

    def delete(self, area: Area, key: str) -> bool:
        if not self.exists(area, key):
            return False
        bucket, name = self._where(area, key)
        with _translated(key):
            self.client.delete_object(Bucket=bucket, Key=name)
        return True

    def exists(self, area: Area, key: str) -> bool:
        return self.md5(area, key) is not None

    def path_for_serving(self, key: str) -> Path | None:
        """Objects have no file path: the web proxies them or redirects to the public URL."""
        check_key(key)
        return None

    def md5(self, area: Area, key: str) -> str | None:
        """The object's MD5 (hex) from its ETag, or None if absent. Objects are written in
        one part, so the ETag is the MD5 of the bytes (multipart ETags contain a '-')."""
        bucket, name = self._where(area, key)
        try:
            with _translated(key):
                head = self.client.head_object(Bucket=bucket, Key=name)
        except FileNotFoundError:
            return None
        etag = str(head.get("ETag", "")).strip('"')
        return etag if etag and "-" not in etag else ""

    def open(self, area: Area, key: str) -> BinaryIO:
        """The object's body as a stream (botocore's StreamingBody reads in pieces)."""
        bucket, name = self._where(area, key)
        with _translated(key):
            body: BinaryIO = self.client.get_object(Bucket=bucket, Key=name)["Body"]
            return body

    def put_file(self, area: Area, key: str, path: Path) -> None:
        """Uploaded in parts by boto3 (a multipart object's ETag is not its MD5, so `md5`
        answers "" for it)."""
        bucket, name = self._where(area, key)
        with _translated(key):
            self.client.upload_file(str(path), bucket, name,
                                    ExtraArgs={"ContentType": _content_type(key)})

    def iter_keys(self, area: Area) -> Iterator[str]:
        bucket, name = self._where(area, "x")
        prefix = name[: -len("x")]
        paginator = self.client.get_paginator("list_objects_v2")
        with _translated(prefix or bucket):
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield item["Key"][len(prefix):]

    # -- setting up a store
    def prepare(self) -> list[str]:
        """Create the buckets that are missing and make the variants prefix (only) publicly
        readable. Returns what it did, for the CLI to print."""
        done = []
        buckets = [self.location.bucket]
        if self.location.private_bucket:
            buckets.append(self.location.private_bucket)
        with _translated(self.location.bucket):
            existing = {b["Name"] for b in self.client.list_buckets().get("Buckets", [])}
            for bucket in buckets:
                if bucket not in existing:
                    self.client.create_bucket(Bucket=bucket)
                    done.append(f"created bucket {bucket}")
            self.client.put_bucket_policy(
                Bucket=self.location.bucket,
                Policy=json.dumps(public_read_policy(self.location.bucket, VARIANTS_PREFIX)),
            )
        done.append(f"made {self.location.bucket}/{VARIANTS_PREFIX}* publicly readable")
        return done


def public_read_policy(bucket: str, prefix: str) -> dict[str, Any]:
    """Anonymous GetObject on one prefix: originals (other prefix or bucket) stay private."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ImpastoPublicVariants",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{bucket}/{prefix}*"],
        }],
    }


def _content_md5(data: bytes) -> str:
    """Content-MD5 makes the store refuse a body damaged on the way."""
    import base64

    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def _content_type(key: str) -> str:
    ext = key.rsplit(".", 1)[-1].lower()
    return {"webp": "image/webp", "jpg": "image/jpeg", "jpeg": "image/jpeg",
            "png": "image/png"}.get(ext, "application/octet-stream")


class _translated:
    """Map botocore's errors onto the store contract's two: absent, or unavailable."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None:
            return False
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if code in ("NoSuchKey", "404", "NotFound") or status == 404:
                raise FileNotFoundError(self.key) from None
            if status >= 500 or status in (0, 429):
                raise StoreUnavailable(f"object store error {status or code}") from None
            raise StoreUnavailable(f"object store refused the request: {code or status}") from None
        if isinstance(exc, BotoCoreError):
            raise StoreUnavailable(f"object store unreachable: {type(exc).__name__}") from None
        return False
