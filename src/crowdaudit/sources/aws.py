"""AWS sessions, the S3 store, and the translation of botocore errors into crowdaudit's tree.

Credentials and configuration come from boto3's standard chain: environment, shared files, SSO,
instance roles. ``profile`` and ``region`` select within it. Endpoints follow boto3's own rules too,
so ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_S3`` work for S3-compatible stores; ``endpoint_url``
overrides them for S3 only.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.config
import botocore.exceptions

from crowdaudit.errors import (
    AccessDeniedError,
    CredentialsError,
    CrowdAuditError,
    OutputError,
    SourceError,
    SourceNotFoundError,
)
from crowdaudit.sources.store import StoredObject

__all__ = ["AwsConfig", "S3Store", "is_s3_uri", "split_s3_uri", "translate_aws_error"]

_NOT_FOUND = {"NoSuchBucket", "NoSuchKey", "404", "NotFound", "ResourceNotFoundException"}
_DENIED = {"AccessDenied", "403", "AllAccessDisabled", "AccessDeniedException", "Forbidden"}
_BAD_CREDENTIALS = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidToken",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
}


@dataclass(frozen=True, slots=True)
class AwsConfig:
    """Where and as whom to call AWS. ``None`` means boto3's defaults.

    Every call is retried up to ``max_attempts`` times with exponential backoff and jitter
    (botocore's standard mode) on throttling (``SlowDown``, 503), server errors, timeouts and
    reset connections.
    """

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    max_pool_connections: int = 64
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 8

    def session(self) -> Any:
        try:
            return boto3.session.Session(profile_name=self.profile, region_name=self.region)
        except botocore.exceptions.ProfileNotFound as exc:
            raise CredentialsError("AWS profile not found", self.profile or "", str(exc)) from exc

    def client(
        self,
        service: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        max_attempts: int | None = None,
    ) -> Any:
        """A boto3 client with adaptive retries and a connection pool sized for our threads.

        ``max_attempts=1`` leaves retrying to the caller (the Cognito directory backs off itself).
        """
        config = botocore.config.Config(
            # "standard", not "adaptive": the adaptive rate limiter stalled a whole read once a
            # few SlowDowns came back (measured with tests/faultproxy.py).
            retries={"max_attempts": max_attempts or self.max_attempts, "mode": "standard"},
            max_pool_connections=self.max_pool_connections,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )
        return self.session().client(
            service, endpoint_url=endpoint_url, region_name=region, config=config
        )

    def s3_client(self) -> Any:
        return self.client("s3", endpoint_url=self.endpoint_url)


def is_s3_uri(text: str) -> bool:
    return text.startswith("s3://")


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` → ``("bucket", "a/b")``."""
    parts = urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc:
        raise SourceError("not an S3 URI", uri, "expected s3://bucket/prefix")
    return parts.netloc, parts.path.lstrip("/")


def translate_aws_error(exc: Exception, what: str, where: str) -> CrowdAuditError:
    """Turn a botocore exception into the matching crowdaudit error (never with credentials)."""
    if isinstance(
        exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError
    ):
        return CredentialsError(
            what, where, "no AWS credentials found; set a profile or AWS_* variables"
        )
    if isinstance(exc, botocore.exceptions.ProfileNotFound):
        return CredentialsError(what, where, str(exc))
    if isinstance(
        exc, botocore.exceptions.EndpointConnectionError | botocore.exceptions.ConnectionError
    ):
        return SourceError(what, where, f"cannot connect: {exc}")
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        reason = f"{code}: {error.get('Message', '')}".rstrip(": ")
        if code in _NOT_FOUND or status == "404":
            return SourceNotFoundError(what, where, reason)
        if code in _BAD_CREDENTIALS:
            return CredentialsError(what, where, reason)
        if code in _DENIED or status == "403":
            return AccessDeniedError(what, where, reason)
        return SourceError(what, where, reason)
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return SourceError(what, where, str(exc))
    return SourceError(what, where, f"{type(exc).__name__}: {exc}")


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
            error = translate_aws_error(exc, "cannot write S3 object", self.uri(key))
            raise OutputError(error.what, error.where, error.why) from exc

    def delete(self, key: str) -> None:
        """Remove ``key`` (no error when it is absent, as in S3 itself)."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            error = translate_aws_error(exc, "cannot delete S3 object", self.uri(key))
            raise OutputError(error.what, error.where, error.why) from exc

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"
