"""The contribution ledger across jobs: who did how much, for how long, with the person behind
each worker id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Unpack

import polars as pl

from crowdaudit.audit import build_audit, read_selected_jobs
from crowdaudit.errors import IdentityError
from crowdaudit.identity.cognito import CognitoDirectory
from crowdaudit.identity.directory import IdentityDirectory, Person, PoolSub, unresolved
from crowdaudit.metrics.contributions import build_pool_subs, compute_contributions
from crowdaudit.model import Job
from crowdaudit.options import ReadOptions, ReadOverrides, with_overrides
from crowdaudit.report.ledger_quality import with_quality
from crowdaudit.report.outputs import Written, write_ledger
from crowdaudit.schema import COL
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.discovery import JobFilter, UnreadableJob
from crowdaudit.sources.fetch import no_progress

__all__ = ["Contributions", "cognito_directory", "contributions", "fetch_contributions"]


@dataclass(frozen=True, slots=True)
class Contributions:
    """The ledger and what is known about its gaps.

    Attributes:
        table: one row per person, or per person and job (``schema.CONTRIBUTIONS``).
        jobs: the jobs read.
        unresolved: ``(user_pool_id, sub)`` pairs the directory does not know (deleted users).
        identity_error: the directory's error, when the ledger was built without names on purpose.
        unreadable: with ``all_jobs``, the jobs found but not read, with the reason.
    """

    table: pl.DataFrame
    jobs: tuple[Job, ...]
    unresolved: tuple[PoolSub, ...] = ()
    identity_error: IdentityError | None = None
    unreadable: tuple[UnreadableJob, ...] = ()

    def write(
        self,
        out: str | Path,
        *,
        seed_csv: str | Path | None = None,
        aws: AwsConfig | None = None,
    ) -> Written:
        """Write the ledger, all or nothing, and say where (``Written.extras``).

        Args:
            out: the ledger file, local or ``s3://``; its extension picks the format: ``.csv``,
                ``.json`` or ``.parquet``. It holds personal data where Cognito knows names.
            seed_csv: also write the contribution notebook's CSV (``username``, ``user_sub``,
                ``label_count``) to this path or ``s3://`` URI; needs one row per person.
            aws: how to reach S3; boto3's defaults when ``None``.

        Raises:
            OutputError: a wrong extension, ``seed_csv`` of a ledger by job, or a file that
                could not be written (then neither file is).
        """
        return write_ledger(self.table, out, seed_csv_to=seed_csv, aws=aws)


def cognito_directory(aws: AwsConfig) -> CognitoDirectory:
    """A Cognito directory with one client per region, retrying throttled calls (botocore)."""
    return CognitoDirectory(lambda region: aws.client("cognito-idp", region=region))


def fetch_contributions(
    jobs: Sequence[Job],
    *,
    directory: IdentityDirectory | None,
    allow_missing_identities: bool = False,
    by_job: bool = False,
    rate_per_object: float | None = None,
    rate_per_hour: float | None = None,
) -> Contributions:
    """The ledger of jobs already read, with names fetched from ``directory`` (``None``: no names).

    A job found through DescribeLabelingJob with a public-workforce task price is paid that price
    per object unless ``rate_per_object`` is given.

    Raises:
        IdentityError: the directory failed and ``allow_missing_identities`` is false.
    """
    responses = pl.concat([job.responses for job in jobs], how="vertical")
    people: dict[PoolSub, Person | None] = {}
    error: IdentityError | None = None
    if directory is not None:
        try:
            people = directory.fetch_people(build_pool_subs(responses))
        except IdentityError as exc:
            if not allow_missing_identities:
                raise
            error = exc
    job_rates = None
    if rate_per_object is None:
        priced = {
            job.name: job.price_per_object for job in jobs if job.price_per_object is not None
        }
        job_rates = {name: price for name, price in priced.items() if price is not None} or None
    table = compute_contributions(
        responses,
        identities=people,
        by_job=by_job,
        rate_per_object=rate_per_object,
        rate_per_hour=rate_per_hour,
        job_rates=job_rates,
    )
    return Contributions(
        _with_named_people(table, jobs), tuple(jobs), tuple(unresolved(people)), error
    )


def _with_named_people(table: pl.DataFrame, jobs: Sequence[Job]) -> pl.DataFrame:
    """Fill ``username`` and ``email`` from the people platform exports name (Label Studio)."""
    named = [job.people for job in jobs if job.people is not None]
    if not named:
        return table
    people = pl.concat(named).unique(subset=COL.WORKER, keep="first", maintain_order=True)
    filled = table.join(people, on=COL.WORKER, how="left", suffix="_export")
    return filled.with_columns(
        pl.coalesce(COL.USERNAME, f"{COL.USERNAME}_export").alias(COL.USERNAME),
        pl.coalesce(COL.EMAIL, f"{COL.EMAIL}_export").alias(COL.EMAIL),
    ).select(table.columns)


def contributions(
    *sources: str | Path,
    job_names: Iterable[str] = (),
    all_jobs: JobFilter | None = None,
    identities: bool = True,
    allow_missing_identities: bool = False,
    by_job: bool = False,
    rate_per_object: float | None = None,
    rate_per_hour: float | None = None,
    with_audit: bool = False,
    directory: IdentityDirectory | None = None,
    options: ReadOptions | None = None,
    **overrides: Unpack[ReadOverrides],
) -> Contributions:
    """The contribution ledger of one or more labeling jobs, with Cognito user names and e-mails.

    Args:
        sources: job output folders, local paths or ``s3://`` URIs, or platform export files.
        job_names: labeling jobs to find through DescribeLabelingJob.
        all_jobs: every job of the account that matches, instead of ``sources`` and
            ``job_names`` (:func:`crowdaudit.audit.read_account`).
        identities: look up the people behind Cognito ``sub`` values.
        allow_missing_identities: on a Cognito error, build the ledger without names instead of
            raising.
        by_job: one row per person and job.
        rate_per_object: USD per answer; jobs found by name default to their task price.
        rate_per_hour: USD per hour of ``total_seconds``.
        with_audit: audit the same jobs too, and add each person's verdict, its reason and
            skill beside their work (the second reading is cheap with ``cache``).
        directory: where to look people up; Cognito through ``options.aws`` when ``None``.
        options: how to read (:class:`~crowdaudit.options.ReadOptions`); answers are always
            read without labels (``labels=False``) for the ledger itself.
        **overrides: fields of ``options`` to change, by name (``strict=True``, ``aws=...``).

    Returns:
        The :class:`Contributions`: the ledger ``table`` and what is known about its gaps.

    Raises:
        SourceError: a job or folder cannot be reached.
        IdentityError: Cognito cannot be asked, unless ``allow_missing_identities``.
        InputFormatError: with ``strict``, the first unusable file.

    Example::

        ledger = crowdaudit.contributions("s3://bucket/output/job-a/", "s3://bucket/output/job-b/")
        ledger.table.select("username", "email", "n_answers", "total_seconds")
        ledger.write("pay.csv")
    """
    read = replace(with_overrides(options, overrides), labels=False)
    jobs, unreadable = read_selected_jobs(
        sources, job_names=job_names, all_jobs=all_jobs, options=read
    )
    if identities and directory is None:
        directory = cognito_directory(read.aws)
    ledger = fetch_contributions(
        jobs,
        directory=directory if identities else None,
        allow_missing_identities=allow_missing_identities,
        by_job=by_job,
        rate_per_object=rate_per_object,
        rate_per_hour=rate_per_hour,
    )
    if with_audit:
        # The audit reads the jobs as ``audit`` does (task type and all), without progress.
        audited = replace(read, labels=True, progress=no_progress, engine=None)
        jobs, _ = read_selected_jobs(
            sources, job_names=job_names, all_jobs=all_jobs, options=audited
        )
        ledger = replace(ledger, table=with_quality(ledger.table, build_audit(jobs, None).workers))
    return replace(ledger, unreadable=tuple(unreadable or ()))
