"""Finding every labeling job of an account: ListLabelingJobs, then DescribeLabelingJob per job.

``--all-jobs`` lists the jobs that match a :class:`JobFilter` (creation time, status and name are
filtered by the service; the work team by us, since ListLabelingJobs cannot), describes each one as
``--job NAME`` does, and splits them into jobs to read and jobs that cannot be read, each with its
reason: a job that may not be described, a streaming job that is still running (its output is
never final), and video or 3D point-cloud jobs (no per-worker answers to audit).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, Literal

from crowdaudit.errors import AccessDeniedError, SourceNotFoundError
from crowdaudit.schema import UnreadableJobEntry
from crowdaudit.sources.aws_errors import translate_aws_error
from crowdaudit.sources.sagemaker import JobInfo, parse_job_description

__all__ = [
    "JOB_STATUSES",
    "Discovery",
    "JobFilter",
    "JobStatus",
    "UnreadableJob",
    "discover_jobs",
    "list_job_summaries",
    "parse_date",
    "unreadable_reason",
]

JobStatus = Literal["Initializing", "InProgress", "Completed", "Failed", "Stopping", "Stopped"]
JOB_STATUSES: Final[tuple[JobStatus, ...]] = (
    "Initializing",
    "InProgress",
    "Completed",
    "Failed",
    "Stopping",
    "Stopped",
)

# Ground Truth's built-in pre-annotation Lambdas name the task type: PRE-VideoObjectTracking,
# PRE-3DPointCloudSemanticSegmentation, … (and their Adjustment/Verification variants).
_NO_WORKER_ANSWERS: Final = re.compile(r"PRE-(Video|3DPointCloud)[A-Za-z]*")
_RUNNING: Final = frozenset({"Initializing", "InProgress", "Stopping"})


@dataclass(frozen=True, slots=True)
class JobFilter:
    """Which jobs ``--all-jobs`` takes. ``None`` leaves a criterion open.

    Attributes:
        since: created at or after this instant (UTC).
        until: created before this instant (UTC).
        status: ``LabelingJobStatus`` equal to this.
        name_contains: the job name contains this text (the service compares case-insensitively).
        workteam: the job's ``WorkteamArn`` equals this.
    """

    since: datetime | None = None
    until: datetime | None = None
    status: JobStatus | None = None
    name_contains: str | None = None
    workteam: str | None = None

    def list_parameters(self) -> dict[str, Any]:
        """The ListLabelingJobs request parameters for the criteria the service filters on."""
        parameters: dict[str, Any] = {"SortBy": "CreationTime", "SortOrder": "Ascending"}
        if self.since is not None:
            parameters["CreationTimeAfter"] = self.since
        if self.until is not None:
            parameters["CreationTimeBefore"] = self.until
        if self.status is not None:
            parameters["StatusEquals"] = self.status
        if self.name_contains:
            parameters["NameContains"] = self.name_contains
        return parameters


@dataclass(frozen=True, slots=True)
class UnreadableJob:
    """A job found but not audited, and why."""

    name: str
    reason: str
    status: str | None = None

    def to_dict(self) -> UnreadableJobEntry:
        return {"job": self.name, "status": self.status, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Discovery:
    """The outcome of listing an account: jobs to read, oldest first, and jobs that cannot be."""

    jobs: tuple[JobInfo, ...]
    unreadable: tuple[UnreadableJob, ...]


def parse_date(text: str, *, end_of_day: bool = False) -> datetime:
    """``2026-03-01`` or an ISO 8601 instant → an aware UTC datetime.

    A bare date with ``end_of_day`` is the start of the next day, so that ``--until 2026-03-31``
    takes in jobs created on the 31st.

    >>> parse_date("2026-03-31", end_of_day=True).isoformat()
    '2026-04-01T00:00:00+00:00'
    >>> parse_date("2026-03-31T12:30:00+02:00").isoformat()
    '2026-03-31T10:30:00+00:00'
    """
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time") from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def list_job_summaries(client: Any, job_filter: JobFilter) -> Iterator[Mapping[str, Any]]:
    """Every ``LabelingJobSummary`` that matches, page by page, oldest first."""
    paginator = client.get_paginator("list_labeling_jobs")
    try:
        for page in paginator.paginate(**job_filter.list_parameters()):
            for summary in page.get("LabelingJobSummaryList", []):
                if job_filter.workteam and summary.get("WorkteamArn") != job_filter.workteam:
                    continue
                yield summary
    except Exception as exc:
        raise translate_aws_error(exc, "cannot list labeling jobs", "ListLabelingJobs") from exc


def unreadable_reason(description: Mapping[str, Any]) -> str | None:
    """Why a described job cannot be audited, or ``None`` when it can (pure)."""
    human = description.get("HumanTaskConfig", {})
    lambda_arn = str(human.get("PreHumanTaskLambdaArn", ""))
    kind = _NO_WORKER_ANSWERS.search(lambda_arn)
    if kind:
        return f"{kind.group(0).removeprefix('PRE-')} jobs have no per-worker answers to audit"
    status = description.get("LabelingJobStatus")
    streaming = "SnsDataSource" in description.get("InputConfig", {}).get("DataSource", {})
    if streaming and status in _RUNNING:
        return "streaming job still running: its output is not final; stop it or audit it by --job"
    return None


def _describe(client: Any, name: str) -> Mapping[str, Any] | UnreadableJob:
    try:
        response: Mapping[str, Any] = client.describe_labeling_job(LabelingJobName=name)
    except Exception as exc:
        error = translate_aws_error(exc, "cannot describe labeling job", name)
        # Denied for this job alone (a policy scoped by job ARN), or deleted since the listing:
        # the other jobs can still be audited. Anything else stops the run.
        if isinstance(error, AccessDeniedError | SourceNotFoundError):
            return UnreadableJob(name, f"cannot describe the job ({error.why})")
        raise error from exc
    return response


def discover_jobs(client: Any, job_filter: JobFilter) -> Discovery:
    """List the account's jobs that match ``job_filter`` and describe each one.

    Args:
        client: a boto3 SageMaker client.
        job_filter: which jobs to take.

    Raises:
        CredentialsError: no usable credentials.
        AccessDeniedError, SourceError: the jobs cannot be listed at all.
    """
    readable: list[JobInfo] = []
    unreadable: list[UnreadableJob] = []
    # The whole listing first: a page token expires, and a describe call between pages could
    # outlast it.
    for summary in list(list_job_summaries(client, job_filter)):
        name = summary["LabelingJobName"]
        described = _describe(client, name)
        if isinstance(described, UnreadableJob):
            unreadable.append(
                UnreadableJob(name, described.reason, summary.get("LabelingJobStatus"))
            )
            continue
        reason = unreadable_reason(described)
        if reason is not None:
            unreadable.append(UnreadableJob(name, reason, described.get("LabelingJobStatus")))
            continue
        readable.append(parse_job_description(described))
    return Discovery(tuple(readable), tuple(unreadable))
