"""S3 through boto3: addresses (``s3://bucket/prefix``) and the :class:`S3Store`.

The store's errors are translated by :mod:`crowdaudit.sources.aws_errors`. crowdaudit's S3 path is
obstore (:class:`~crowdaudit.sources.s3_obstore.HybridS3Store`); this store answers only for keys
obstore cannot address (``..`` segments, ``//``, control characters), which S3 allows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import botocore.exceptions

from crowdaudit.errors import SourceError
from crowdaudit.sources.aws_errors import as_write_error, translate_aws_error
from crowdaudit.sources.store import StoredObject

__all__ = ["S3Store", "is_s3_uri", "split_s3_uri"]


def is_s3_uri(text: str) -> bool:
    return text.startswith("s3://")


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` → ``("bucket", "a/b")``."""
    parts = urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc:
        raise SourceError("not an S3 URI", where=uri, why="expected s3://bucket/prefix")
    return parts.netloc, parts.path.lstrip("/")


_BODY_ATTEMPTS = 5
_BROKEN_BODY = (
    botocore.exceptions.ResponseStreamingError,
    botocore.exceptions.IncompleteReadError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectionClosedError,
)


class S3Store:
    """An S3 bucket (or S3-compatible store); keys are object keys within ``bucket``."""

    max_concurrency = 512

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                # Empty pages have no "Contents" at all.
                for item in page.get("Contents", []):
                    yield StoredObject(item["Key"], int(item.get("Size", 0)), item.get("ETag"))
        except Exception as exc:
            raise translate_aws_error(exc, "cannot list S3 objects", self.uri(prefix)) from exc

    def list_level(self, prefix: str) -> tuple[list[str], list[StoredObject]]:
        paginator = self.client.get_paginator("list_objects_v2")
        folders: list[str] = []
        files: list[StoredObject] = []
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
                folders += [item["Prefix"] for item in page.get("CommonPrefixes", [])]
                files += [
                    StoredObject(item["Key"], int(item.get("Size", 0)), item.get("ETag"))
                    for item in page.get("Contents", [])
                ]
        except Exception as exc:
            raise translate_aws_error(exc, "cannot list S3 objects", self.uri(prefix)) from exc
        return folders, files

    def read_bytes(self, key: str) -> bytes:
        # botocore retries the request, not the reading of the body: a connection reset half-way
        # through a body is retried here, with the same backoff.
        attempt = 0
        while True:
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=key)
                data: bytes = response["Body"].read()
                return data
            except _BROKEN_BODY as exc:
                attempt += 1
                if attempt == _BODY_ATTEMPTS:
                    raise translate_aws_error(exc, "cannot read S3 object", self.uri(key)) from exc
                time.sleep(min(8.0, 0.1 * 2**attempt) * (0.5 + random.random() / 2))
            except Exception as exc:
                raise translate_aws_error(exc, "cannot read S3 object", self.uri(key)) from exc

    def write_bytes(self, key: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
        except Exception as exc:
            raise as_write_error(
                translate_aws_error(exc, "cannot write S3 object", self.uri(key))
            ) from exc

    def delete(self, key: str) -> None:
        """Remove ``key`` (no error when it is absent, as in S3 itself)."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise as_write_error(
                translate_aws_error(exc, "cannot delete S3 object", self.uri(key))
            ) from exc

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"
