"""An S3 bucket read and written through obstore (Rust's ``object_store``) instead of boto3.

A GET costs ~0.55 ms of CPU through obstore against ~5 ms through boto3 (``bench/ingest.py``), and
obstore's calls release the GIL, so the reader's thread pool really runs them side by side.

Credentials, region and endpoint still come from boto3's standard chain (:class:`AwsConfig`), so a
profile, SSO, instance role or ``AWS_*`` variables work exactly as with :class:`S3Store`; obstore
only receives the frozen credentials, refreshed through boto3 when they can expire.

Differences from :class:`S3Store` that callers may notice:

* ``object_store`` parses every key into its own path type, which refuses empty segments (``a//b``),
  ``.`` and ``..`` segments and control characters. Reading such a key raises
  :class:`SourceError`; listing a prefix below which such a key exists fails as a whole.
* A "folder" placeholder object (a key ending in ``/``, as the S3 console creates) is listed
  without its trailing ``/``. Below ``prefix`` the placeholder of ``prefix`` itself is dropped; one
  for a deeper, empty folder is listed as a zero-byte file that cannot be read.
* obstore retries server errors, timeouts and dropped connections with exponential backoff and
  jitter, but has no client-side rate limiting like botocore's adaptive mode.
"""

from __future__ import annotations

import html
import os
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import botocore.credentials
import botocore.exceptions
import obstore
import obstore.exceptions
from obstore.store import S3Store as _ObstoreS3

from crowdaudit.errors import (
    AccessDeniedError,
    CredentialsError,
    CrowdAuditError,
    SourceError,
    SourceNotFoundError,
    redact,
)
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.aws_errors import (
    NO_CREDENTIALS,
    NO_CREDENTIALS_HINT,
    AwsErrorKind,
    as_write_error,
    classify_aws_error,
    source_error_of,
    translate_aws_error,
)
from crowdaudit.sources.s3 import S3Store
from crowdaudit.sources.store import StoredObject

if TYPE_CHECKING:
    from obstore.store import ClientConfig, RetryConfig, S3Credential

__all__ = ["HybridS3Store", "ObstoreS3Store", "translate_obstore_error"]

_LIST_PAGE = 1000
"""Objects handed from Rust to Python at once: one S3 page."""
_REFRESH = timedelta(minutes=5)
"""How long obstore may keep credentials that can expire before asking boto3 again."""
_OVERALL_TIMEOUT = timedelta(hours=1)
"""obstore's whole-request timeout (30 s by default) would cut a large GET on a slow link; stalls are
caught by the read timeout instead, as with boto3."""

# S3's own error document, which obstore passes on inside its message: its <Code> is part of the
# S3 API, unlike the wording of obstore's message around it.
_S3_CODE = re.compile(r"<Code>([^<]*)</Code>")
_S3_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")
_MAX_REASON = 300


class _BotoCredentials:
    """obstore's credential callback: boto3's credentials, frozen, refreshed when they can expire."""

    def __init__(self, credentials: Any) -> None:
        self._credentials = credentials
        self._expires = isinstance(credentials, botocore.credentials.RefreshableCredentials)
        self.secrets: tuple[str, ...] = ()

    def __call__(self) -> S3Credential:
        frozen = self._credentials.get_frozen_credentials()
        self.secrets = tuple(
            part for part in (frozen.access_key, frozen.secret_key, frozen.token) if part
        )
        return {
            "access_key_id": frozen.access_key,
            "secret_access_key": frozen.secret_key,
            "token": frozen.token,
            "expires_at": datetime.now(UTC) + _REFRESH if self._expires else None,
        }


def _s3_endpoint(aws: AwsConfig) -> str | None:
    """``endpoint_url``, else ``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL`` (boto3's order)."""
    return (
        aws.endpoint_url
        or os.environ.get("AWS_ENDPOINT_URL_S3")
        or os.environ.get("AWS_ENDPOINT_URL")
        or None
    )


def _reason(exc: BaseException, secrets: tuple[str, ...]) -> tuple[str, str]:
    """``(S3 error code, reason in a few words)`` of an obstore error."""
    text = str(exc)
    code_match, message_match = _S3_CODE.search(text), _S3_MESSAGE.search(text)
    code = html.unescape(code_match.group(1)) if code_match else ""
    if code:
        message = html.unescape(message_match.group(1)) if message_match else ""
        reason = f"{code}: {message}".rstrip(": ")
    else:
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        reason = first if len(first) <= _MAX_REASON else first[: _MAX_REASON - 1] + "…"
    return code, redact(reason, secrets)


_KIND_OF_EXCEPTION: tuple[tuple[type[BaseException], AwsErrorKind], ...] = (
    (FileNotFoundError, AwsErrorKind.NOT_FOUND),
    (obstore.exceptions.UnauthenticatedError, AwsErrorKind.CREDENTIALS),
    (obstore.exceptions.PermissionDeniedError, AwsErrorKind.ACCESS_DENIED),
)
"""obstore's typed exceptions (``object_store`` maps 404, 401 and 403 to them)."""


def translate_obstore_error(
    exc: BaseException, what: str, where: str, secrets: tuple[str, ...] = ()
) -> CrowdAuditError:
    """Turn an obstore exception into the matching crowdaudit error.

    The class follows S3's error code when the response carries a known one (a 403 with
    ``InvalidAccessKeyId`` is a credentials problem, a listing's ``NoSuchBucket`` comes as a
    :class:`obstore.exceptions.GenericError`), else obstore's exception type. ``secrets`` (the
    credentials in use) are masked should the reason ever contain them; only the S3 error code and
    message are kept when the response has them.
    """
    code, reason = _reason(exc, secrets)
    kind = classify_aws_error(code)
    if kind in (AwsErrorKind.OTHER, AwsErrorKind.THROTTLED):
        kind = next((k for cls, k in _KIND_OF_EXCEPTION if isinstance(exc, cls)), kind)
    return source_error_of(kind)(what, where=where, why=reason)


class ObstoreS3Store:
    """An S3 bucket (or S3-compatible store) through obstore; keys are object keys in ``bucket``.

    Build it with the same :class:`AwsConfig` as :class:`S3Store`::

        store = ObstoreS3Store(AwsConfig(profile="labeling"), "my-bucket")
    """

    max_concurrency = 512

    def __init__(self, aws: AwsConfig, bucket: str) -> None:
        self.bucket = bucket
        where = self.uri("")
        session = aws.session()
        try:
            credentials = session.get_credentials()
        except botocore.exceptions.BotoCoreError as exc:
            raise translate_aws_error(exc, "cannot use S3 bucket", where) from exc
        if credentials is None:
            raise CredentialsError(
                "cannot use S3 bucket", where=where, why=NO_CREDENTIALS, hint=NO_CREDENTIALS_HINT
            )
        self._credentials = _BotoCredentials(credentials)
        region = session.region_name or "us-east-1"
        endpoint = _s3_endpoint(aws)
        client: ClientConfig = {
            "connect_timeout": timedelta(seconds=aws.connect_timeout),
            "read_timeout": timedelta(seconds=aws.read_timeout),
            "timeout": _OVERALL_TIMEOUT,
            "allow_http": bool(endpoint and endpoint.lower().startswith("http://")),
        }
        # botocore's ``max_attempts`` in a client's configuration counts the retries after the
        # first try (``max_attempts=1``: two requests at most), as obstore's ``max_retries`` does.
        retry: RetryConfig = {"max_retries": max(aws.max_attempts, 0)}
        # obstore also reads AWS_* variables itself: everything that decides where and as whom
        # requests go is set here explicitly, so boto3's chain alone decides.
        settings: dict[str, Any] = {
            "region": region,
            "skip_signature": False,
            # boto3 addresses AWS buckets by host name, except names with dots (TLS would fail);
            # custom endpoints (MinIO, moto, …) get path-style requests.
            "virtual_hosted_style_request": endpoint is None and "." not in bucket,
        }
        if endpoint:
            # AWS_ENDPOINT_URL_S3 would otherwise take precedence over ``endpoint``.
            settings["endpoint"] = endpoint
            settings["aws_endpoint_url_s3"] = endpoint
        try:
            self._store = _ObstoreS3(
                bucket,
                client_options=client,
                retry_config=retry,
                credential_provider=self._credentials,
                **settings,
            )
        except (obstore.exceptions.BaseError, ValueError) as exc:
            raise self._error(exc, "cannot use S3 bucket", where) from exc

    def _error(self, exc: BaseException, what: str, where: str) -> CrowdAuditError:
        return translate_obstore_error(exc, what, where, self._credentials.secrets)

    @staticmethod
    def _parent(prefix: str) -> str | None:
        """The folder holding ``prefix``: obstore lists whole path segments, S3 any prefix."""
        if not prefix:
            return None
        if prefix.endswith("/"):
            return prefix
        return prefix.rsplit("/", 1)[0] + "/" if "/" in prefix else None

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        try:
            for batch in obstore.list(self._store, self._parent(prefix), chunk_size=_LIST_PAGE):
                for meta in batch:
                    # Also drops the folder placeholder of ``prefix``, listed without its "/".
                    if meta["path"].startswith(prefix):
                        yield StoredObject(meta["path"], meta["size"], meta["e_tag"])
        except (obstore.exceptions.BaseError, OSError, ValueError) as exc:
            raise self._error(exc, "cannot list S3 objects", self.uri(prefix)) from exc

    def list_level(self, prefix: str) -> tuple[list[str], list[StoredObject]]:
        try:
            listed = obstore.list_with_delimiter(self._store, self._parent(prefix))
        except (obstore.exceptions.BaseError, OSError, ValueError) as exc:
            raise self._error(exc, "cannot list S3 objects", self.uri(prefix)) from exc
        # obstore gives common prefixes without their trailing "/".
        folders = [
            folder + "/" for folder in listed["common_prefixes"] if folder.startswith(prefix)
        ]
        files = [
            StoredObject(meta["path"], meta["size"], meta["e_tag"])
            for meta in listed["objects"]
            if meta["path"].startswith(prefix)
        ]
        return sorted(folders), files

    def read_bytes(self, key: str) -> bytes:
        try:
            return obstore.get(self._store, key).bytes().to_bytes()
        except (obstore.exceptions.BaseError, OSError, ValueError) as exc:
            raise self._error(exc, "cannot read S3 object", self.uri(key)) from exc

    def write_bytes(self, key: str, data: bytes) -> None:
        # A single PUT below obstore's multipart threshold, else a multipart upload: either way
        # the object appears whole or not at all.
        try:
            obstore.put(self._store, key, data)
        except (obstore.exceptions.BaseError, OSError, ValueError) as exc:
            raise as_write_error(self._error(exc, "cannot write S3 object", self.uri(key))) from exc

    def delete(self, key: str) -> None:
        """Remove ``key`` (no error when it is absent, as in S3 itself)."""
        try:
            obstore.delete(self._store, key)
        except FileNotFoundError:
            return  # S3 answers 204 either way; an S3-compatible store may say 404
        except (obstore.exceptions.BaseError, OSError, ValueError) as exc:
            raise as_write_error(
                self._error(exc, "cannot delete S3 object", self.uri(key))
            ) from exc

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


_UNSAFE_FOR_OBSTORE = re.compile(r"(^|/)\.{1,2}(/|$)|//|[\x00-\x1f\x7f]")
"""Keys ``object_store``'s path type refuses although S3 allows them: ``.`` and ``..`` segments,
empty segments and control characters."""


class HybridS3Store:
    """An S3 bucket with one path for everything: obstore lists, reads, writes and deletes.

    obstore costs a tenth of boto3's CPU per object and per listed key (``bench/ingest.py``), and
    its errors are classified by S3's own ``<Code>`` (:func:`translate_obstore_error`).

    boto3 (:class:`~crowdaudit.sources.s3.S3Store`) is kept for what obstore cannot address, and
    only for that: a key or prefix with a ``.`` or ``..`` segment, ``//`` or a control character
    (``object_store`` refuses such paths; S3 allows them), and a listing obstore refuses because
    such a key lies below the prefix; and a delete that obstore's DeleteObjects call could not
    settle (a refusal of the key inside a 200 answer, or a store without the call), asked again
    as one DeleteObject so that the error keeps S3's class. Its client is made on the first such
    call.
    """

    max_concurrency = 512

    def __init__(self, aws: AwsConfig, bucket: str) -> None:
        aws.session()  # an unknown profile is an error about the profile, before any request
        self.bucket = bucket
        self._aws = aws
        self._fast: ObstoreS3Store | None = None
        self._boto: S3Store | None = None
        self._lock = threading.Lock()

    def _obstore(self) -> ObstoreS3Store:
        # Made on the first call, so that a failure (no such bucket, no credentials) is told about
        # the key or prefix the user gave.
        with self._lock:
            if self._fast is None:
                self._fast = ObstoreS3Store(self._aws, self.bucket)
            return self._fast

    def _opened(self, what: str, key: str) -> ObstoreS3Store:
        try:
            return self._obstore()
        except CrowdAuditError as exc:
            raise exc.reworded(what, where=self.uri(key)) from exc

    def _fallback(self) -> S3Store:
        """boto3, for the keys obstore cannot address."""
        with self._lock:
            if self._boto is None:
                self._boto = S3Store(self._aws.s3_client(), self.bucket)
            return self._boto

    def read_bytes(self, key: str) -> bytes:
        if _UNSAFE_FOR_OBSTORE.search(key):
            return self._fallback().read_bytes(key)
        return self._obstore().read_bytes(key)

    def write_bytes(self, key: str, data: bytes) -> None:
        if _UNSAFE_FOR_OBSTORE.search(key):
            self._fallback().write_bytes(key, data)
            return
        try:
            store = self._opened("cannot write S3 object", key)
        except CrowdAuditError as exc:
            raise as_write_error(exc) from exc
        store.write_bytes(key, data)

    def delete(self, key: str) -> None:
        """Remove ``key`` (no error when it is absent, as in S3 itself)."""
        if _UNSAFE_FOR_OBSTORE.search(key):
            self._fallback().delete(key)
            return
        try:
            self._opened("cannot delete S3 object", key).delete(key)
        except (AccessDeniedError, CredentialsError):
            raise
        except CrowdAuditError:
            # obstore deletes through DeleteObjects (a POST to ``?delete``): a refusal of the one
            # key comes back inside a 200 answer, which obstore reports without S3's class, and
            # some S3-compatible stores lack the call. boto3's DeleteObject says which it was.
            self._fallback().delete(key)

    def _listed(self, prefix: str) -> list[StoredObject] | None:
        """obstore's listing of ``prefix``, or ``None`` where boto3 must list instead."""
        if _UNSAFE_FOR_OBSTORE.search(prefix):
            return None
        reader = self._opened("cannot list S3 objects", prefix)
        try:
            listed = list(reader.list_objects(prefix))
        except (SourceNotFoundError, AccessDeniedError, CredentialsError):
            raise
        except SourceError:
            return None  # e.g. a key obstore cannot parse somewhere below the prefix
        # obstore lists an S3 console "folder" object (a zero-byte "x/") as a file "x".
        parents = {stored.key.rsplit("/", 1)[0] for stored in listed if "/" in stored.key}
        return [stored for stored in listed if stored.size or stored.key not in parents]

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        listed = self._listed(prefix)
        if listed is None:
            yield from self._fallback().list_objects(prefix)
        else:
            yield from listed

    def list_level(self, prefix: str) -> tuple[list[str], list[StoredObject]]:
        if not _UNSAFE_FOR_OBSTORE.search(prefix):
            reader = self._opened("cannot list S3 objects", prefix)
            try:
                return reader.list_level(prefix)
            except (SourceNotFoundError, AccessDeniedError, CredentialsError):
                raise
            except SourceError:
                pass  # a key obstore cannot parse at this level: boto3 lists it
        return self._fallback().list_level(prefix)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"
