"""Every exception crowdaudit raises on purpose, in one tree.

::

    CrowdAuditError                 base: anything the user can act on
    ├── SourceError                 a source (folder, bucket, job) cannot be read
    │   ├── SourceNotFoundError     the path, bucket, key or labeling job does not exist
    │   ├── AccessDeniedError       the credentials may not read or write it
    │   └── CredentialsError        no usable AWS credentials or profile
    ├── InputFormatError            a file was read but its content cannot be used
    │   ├── ResponseFormatError     a worker-response file (malformed, truncated, unknown shape)
    │   ├── ManifestFormatError     an output manifest or consolidation file
    │   └── GoldFormatError         a gold file
    ├── IdentityError               the identity directory (Cognito) cannot be asked
    ├── LabelAttributeError         the label attribute is unknown or ambiguous
    ├── EmptyJobError               a source holds no usable worker answers
    └── OutputError                 an output cannot be written

Messages follow one form, ``<what failed>: <where> (<why>; <hint>)``, so that the command line can
print ``error: <message>`` and nothing else. The context is keyword-only: ``what`` is positional,
``where`` (a file, URI or job), ``why`` (the reason) and ``hint`` (what the user may do about it) are
named, so a hint never passes for a reason.

An error that wraps another keeps its class: :meth:`CrowdAuditError.reworded` gives the same class
with new context, and an S3 write refused for the credentials stays an :class:`AccessDeniedError`.

The ``why`` often quotes a server (an S3 error message, a
botocore exception); every one passes through :func:`redact`, so that a server echoing the
request's headers or a presigned URL cannot put a session token or a signature on the screen.
"""

from __future__ import annotations

import copy as copy_module
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Final, Self

from crowdaudit.schema import SkippedEntry

__all__ = [
    "AccessDeniedError",
    "CredentialsError",
    "CrowdAuditError",
    "EmptyJobError",
    "GoldFormatError",
    "IdentityError",
    "InputFormatError",
    "LabelAttributeError",
    "ManifestFormatError",
    "OutputError",
    "ResponseFormatError",
    "SkipLog",
    "SkippedRecord",
    "SourceError",
    "SourceNotFoundError",
    "redact",
]

_SECRET_FIELDS: Final = re.compile(
    # A header or query parameter that carries a credential, then its value: "X-Amz-Signature=…",
    # "x-amz-security-token: …", "Authorization: AWS4-HMAC-SHA256 Credential=…, Signature=…".
    r"(?i)\b(x-amz-security-token|x-amz-signature|x-amz-credential|x-amz-content-sha256"
    r"|authorization|awsaccesskeyid|signature|credential|security-token|session-token"
    r"|aws_secret_access_key|aws_session_token|secret_?access_?key)"
    r"([\"']?\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s&,;\"'<>]+(?:[ ][^\s&,;\"'<>=]+(?=,|$))?)"
)
_ACCESS_KEY_ID: Final = re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b")
MASK: Final = "***"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with credentials masked: the values of credential headers and query parameters
    (``X-Amz-Security-Token``, ``X-Amz-Signature``, ``X-Amz-Credential``, ``Authorization``…),
    AWS access key ids, and each of ``secrets`` (e.g. the credentials in use) wherever it occurs.

    >>> redact("denied: X-Amz-Security-Token=FQoGZXIvYXdzE&x=1")
    'denied: X-Amz-Security-Token=***&x=1'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    text = _SECRET_FIELDS.sub(lambda match: f"{match.group(1)}{match.group(2)}{MASK}", text)
    return _ACCESS_KEY_ID.sub(MASK, text)


class CrowdAuditError(Exception):
    """Base of every error crowdaudit raises for a problem the user can fix.

    Its text is one line, ``<what>: <where> (<why>; <hint>)``, fit to print as it is; the
    command line prints ``error: `` and that line, then exits 1. Catch this class to handle
    them all; the subclasses tell the kinds apart.

    Attributes:
        what: what failed, e.g. ``"cannot parse worker response"``.
        where: the file, S3 URI or job name it concerns.
        why: the reason, in a few words.
        hint: what the user can do about it, e.g. ``"set a profile or AWS_* variables"``.

    Example::

        try:
            result = crowdaudit.audit("s3://bucket/output/my-job/")
        except crowdaudit.CrowdAuditError as error:
            print(f"error: {error}")  # e.g. error: cannot read S3 object: s3://… (timed out)
    """

    def __init__(self, what: str, *, where: str = "", why: str = "", hint: str = "") -> None:
        self.what = what
        self.where = where
        self.why = redact(why) if why else why
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = self.what
        if self.where:
            text += f": {self.where}"
        detail = "; ".join(part for part in (self.why, self.hint) if part)
        if detail:
            text += f" ({detail})"
        return text

    def reworded(self, what: str, *, where: str) -> Self:
        """The same error, of the same class and with the same reason, about another ``where``."""
        copy = copy_module.copy(self)
        CrowdAuditError.__init__(copy, what, where=where, why=self.why, hint=self.hint)
        return copy


class SourceError(CrowdAuditError):
    """A source of answers, gold or job metadata cannot be read.

    Raised by the readers (:func:`crowdaudit.audit`, :func:`crowdaudit.read_job`, …) when a
    folder, S3 object or labeling job cannot be reached at all, after the retries of
    :class:`~crowdaudit.sources.aws.AwsConfig`; the subclasses name the common causes.
    """


class SourceNotFoundError(SourceError):
    """The path, bucket, key or labeling job does not exist.

    ``where`` names it; check the spelling, the region (``AwsConfig(region=...)``) or, for a
    job name, the account the profile points at.
    """


class AccessDeniedError(SourceError):
    """The credentials in use may not read or write the resource.

    S3's or SageMaker's refusal (403, ``AccessDenied``), on a read or on writing an output to
    S3; ``why`` quotes the service, with any credential masked.
    """


class CredentialsError(SourceError):
    """No usable AWS credentials, or the named profile does not exist.

    Raised before any S3 or SageMaker call succeeds; the hint says which profile or
    ``AWS_*`` variables to set.
    """


class _CodedError(CrowdAuditError):
    """An error that also carries a stable reason code (``code``); ``default_code`` when none is
    given."""

    default_code: ClassVar[str]

    def __init__(
        self, what: str, *, where: str = "", why: str = "", hint: str = "", code: str | None = None
    ) -> None:
        self.code = self.default_code if code is None else code
        super().__init__(what, where=where, why=why, hint=hint)


class InputFormatError(_CodedError):
    """A file was read but its content cannot be used.

    Attributes:
        code: a stable reason code, e.g. ``"malformed-json"``, used to count skipped files;
            ``"invalid"`` by default.
    """

    default_code = "invalid"


class ResponseFormatError(InputFormatError):
    """A worker-response file is malformed, truncated or has an unknown answer shape.

    Raised with ``strict``; otherwise the file is skipped and counted
    (:class:`SkippedRecord`, ``summary["skipped"]``) and the rest of the job is read.
    """


class ManifestFormatError(InputFormatError):
    """An output manifest or consolidation-response file cannot be used.

    Raised with ``strict``; otherwise the line or file is skipped and counted, and the job is
    audited without those consolidated labels.
    """


class GoldFormatError(InputFormatError):
    """A gold file cannot be used.

    Raised by :func:`crowdaudit.read_gold` and the readers given ``gold``: a line or row that
    is none of the formats :mod:`crowdaudit.sources.gold` reads, no label at all, or a task
    with two different labels.
    """


class IdentityError(_CodedError):
    """The identity directory cannot be asked: no permission, unknown pool, throttling, no network.

    Attributes:
        code: a stable reason code: ``"access-denied"``, ``"pool-not-found"``, ``"throttled"``,
            ``"credentials"`` (missing or rejected), ``"unreachable"`` or ``"service-error"`` (the
            default).
    """

    default_code = "service-error"


class LabelAttributeError(CrowdAuditError):
    """The label attribute asked for is absent, or several candidates remain.

    Raised while reading a job's output manifest; give the attribute that holds the
    consolidated labels (``label_attribute=``, ``--label-attribute``).
    """


class EmptyJobError(CrowdAuditError):
    """A source holds no usable worker answers.

    Raised when an export or a table of answers has no usable answer (every row or
    annotation was left out, or there were none), or when the skill estimate is asked of no
    answers, so that there is nothing to audit; ``why`` says which.
    """


class OutputError(CrowdAuditError):
    """An output file or S3 object cannot be written.

    Raised while writing the outputs of an audit or a ledger; none of them is left behind
    half-written (they are staged, then put in place together).
    """


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A file or record that was read but not used: what failed, where, why, and a stable code.

    Counted in ``summary["skipped"]`` instead of stopping the audit (without ``strict``).

    Attributes:
        what: what failed, e.g. ``"cannot parse worker response"``.
        where: the file, S3 URI or line it concerns.
        why: the reason, in a few words.
        code: a stable reason code, e.g. ``"malformed-json"``, to count records by.
    """

    what: str
    where: str
    why: str
    code: str

    @classmethod
    def from_error(cls, error: InputFormatError | SourceError) -> SkippedRecord:
        """The record of ``error``; a source that could not be read is coded ``"unreadable"``."""
        code = error.code if isinstance(error, InputFormatError) else "unreadable"
        return cls(error.what, error.where, error.why, code)

    def to_dict(self) -> SkippedEntry:
        return {"what": self.what, "where": self.where, "why": self.why, "code": self.code}


class SkipLog:
    """Collects skipped records, or raises the first one, of its own class, when ``strict``.

    A record is skipped because its content cannot be used (:class:`InputFormatError`) or because
    it could not be read at all (:class:`SourceError`, coded ``"unreadable"``).
    """

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self.records: list[SkippedRecord] = []

    def skip(self, error: InputFormatError | SourceError) -> None:
        if self.strict:
            raise error
        self.records.append(SkippedRecord.from_error(error))
