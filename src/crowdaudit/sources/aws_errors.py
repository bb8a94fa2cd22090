"""AWS error codes, sorted once into what the user can do about them, and botocore's exceptions
translated into crowdaudit's tree.

S3 through boto3, S3 through obstore, SageMaker and Cognito all answer with the same vocabulary of
error codes (``NoSuchBucket``, ``AccessDenied``, ``ExpiredToken``, ``ThrottlingException``, …).
:func:`classify_aws_error` is the one table from a code (and, failing a known code, the HTTP status)
to an :class:`AwsErrorKind`; each caller turns the kind into its own error class.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import botocore.exceptions

from crowdaudit.errors import (
    AccessDeniedError,
    CredentialsError,
    CrowdAuditError,
    OutputError,
    SourceError,
    SourceNotFoundError,
)

__all__ = [
    "NO_CREDENTIALS",
    "NO_CREDENTIALS_HINT",
    "AwsErrorKind",
    "as_write_error",
    "classify_aws_error",
    "error_code_of",
    "source_error_of",
    "translate_aws_error",
]

NO_CREDENTIALS: Final = "no AWS credentials found"
NO_CREDENTIALS_HINT: Final = "set a profile or AWS_* variables"


class AwsErrorKind(StrEnum):
    """What an AWS error means for the user."""

    NOT_FOUND = "not-found"
    ACCESS_DENIED = "access-denied"
    CREDENTIALS = "credentials"
    THROTTLED = "throttled"
    OTHER = "other"


_KIND_OF_CODE: Final[dict[str, AwsErrorKind]] = {
    **dict.fromkeys(
        ("NoSuchBucket", "NoSuchKey", "404", "NotFound", "ResourceNotFoundException"),
        AwsErrorKind.NOT_FOUND,
    ),
    **dict.fromkeys(
        (
            "AccessDenied",
            "403",
            "AllAccessDisabled",
            "AccessDeniedException",
            "Forbidden",
            "NotAuthorizedException",
            "UnauthorizedException",
        ),
        AwsErrorKind.ACCESS_DENIED,
    ),
    **dict.fromkeys(
        (
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "InvalidSignatureException",
            "ExpiredToken",
            "ExpiredTokenException",
            "InvalidToken",
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "Unauthorized",
        ),
        AwsErrorKind.CREDENTIALS,
    ),
    **dict.fromkeys(
        ("ThrottlingException", "TooManyRequestsException", "SlowDown", "Throttling"),
        AwsErrorKind.THROTTLED,
    ),
}
_KIND_OF_STATUS: Final = {
    404: AwsErrorKind.NOT_FOUND,
    403: AwsErrorKind.ACCESS_DENIED,
    401: AwsErrorKind.CREDENTIALS,
}


def classify_aws_error(code: str, status: int | None = None) -> AwsErrorKind:
    """The kind of an AWS error: by its code, else by its HTTP status.

    >>> classify_aws_error("NoSuchBucket"), classify_aws_error("", 403)
    (<AwsErrorKind.NOT_FOUND: 'not-found'>, <AwsErrorKind.ACCESS_DENIED: 'access-denied'>)
    >>> classify_aws_error("InvalidAccessKeyId", 403)
    <AwsErrorKind.CREDENTIALS: 'credentials'>
    """
    kind = _KIND_OF_CODE.get(code)
    if kind is not None:
        return kind
    return _KIND_OF_STATUS.get(status or 0, AwsErrorKind.OTHER)


def error_code_of(exc: botocore.exceptions.ClientError) -> str:
    """The ``Error.Code`` of a botocore client error, or ``""``."""
    error = exc.response.get("Error", {}) if isinstance(exc.response, dict) else {}
    code = error.get("Code", "")
    return code if isinstance(code, str) else ""


_SOURCE_ERROR_OF: Final[dict[AwsErrorKind, type[SourceError]]] = {
    AwsErrorKind.NOT_FOUND: SourceNotFoundError,
    AwsErrorKind.CREDENTIALS: CredentialsError,
    AwsErrorKind.ACCESS_DENIED: AccessDeniedError,
}


def source_error_of(kind: AwsErrorKind) -> type[SourceError]:
    """The crowdaudit class of an AWS error of ``kind`` met while reading a source."""
    return _SOURCE_ERROR_OF.get(kind, SourceError)


def translate_aws_error(exc: Exception, what: str, where: str) -> CrowdAuditError:
    """Turn a botocore exception into the matching crowdaudit error (never with credentials)."""
    if isinstance(
        exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError
    ):
        return CredentialsError(what, where=where, why=NO_CREDENTIALS, hint=NO_CREDENTIALS_HINT)
    if isinstance(exc, botocore.exceptions.ProfileNotFound):
        return CredentialsError(what, where=where, why=str(exc))
    if isinstance(
        exc, botocore.exceptions.EndpointConnectionError | botocore.exceptions.ConnectionError
    ):
        return SourceError(what, where=where, why=f"cannot connect: {exc}")
    if isinstance(exc, botocore.exceptions.ClientError):
        code = error_code_of(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = exc.response.get("Error", {}).get("Message", "")
        reason = f"{code}: {message}".rstrip(": ")
        kind = classify_aws_error(code, status if isinstance(status, int) else None)
        return source_error_of(kind)(what, where=where, why=reason)
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return SourceError(what, where=where, why=str(exc))
    return SourceError(what, where=where, why=f"{type(exc).__name__}: {exc}")


def as_write_error(error: CrowdAuditError) -> CrowdAuditError:
    """``error``, met while writing: refused credentials and denied access keep their class (the
    user fixes them as for a read); any other failure is an :class:`OutputError`.
    """
    if isinstance(error, AccessDeniedError | CredentialsError):
        return error
    return OutputError(error.what, where=error.where, why=error.why, hint=error.hint)
