"""The audit: jobs and gold in, the worker table and the job summary out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Unpack

import polars as pl

from crowdaudit._version import __version__
from crowdaudit.errors import (
    CredentialsError,
    CrowdAuditError,
    EmptyJobError,
    InputFormatError,
    LabelAttributeError,
    SourceError,
)
from crowdaudit.metrics.accuracy import compute_label_accuracy
from crowdaudit.metrics.history import compute_history
from crowdaudit.metrics.job_skill import compute_job_skill, single_job_figures
from crowdaudit.metrics.workers import (
    compute_seed_metrics,
    compute_worker_table,
    rank_workers,
    with_similarities,
)
from crowdaudit.model import Gold, Job
from crowdaudit.options import ReadOptions, ReadOverrides, with_overrides
from crowdaudit.report.html import render_report, render_summary_html
from crowdaudit.report.items import build_similarity_items, with_object_details, with_votes
from crowdaudit.report.outputs import Written, write_audit
from crowdaudit.report.plain_repr import render_repr
from crowdaudit.schema import COL, JobSummary, SeedFigures, Summary, UnreadableJobs
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.discovery import JobFilter, UnreadableJob, discover_jobs
from crowdaudit.sources.exports import ExportOptions, is_export_file, parse_export
from crowdaudit.sources.gold import SOURCE, match_gold, parse_gold
from crowdaudit.sources.groundtruth import describe, read_job_folder
from crowdaudit.sources.locations import open_folder, read_location
from crowdaudit.sources.sagemaker import JobInfo, fetch_job_info

__all__ = [
    "Audit",
    "audit",
    "build_audit",
    "read_account",
    "read_gold",
    "read_job",
    "read_jobs",
    "read_selected_jobs",
]


@dataclass(frozen=True, slots=True)
class Audit:
    """The result of an audit.

    Attributes:
        jobs: the jobs read.
        answers: every answer (``schema.RESPONSES``) with ``consolidated`` and ``gold`` joined on.
        workers: the worker table (``schema.WORKERS`` and the skill columns), best first.
        summary: job-level figures, as written to ``summary.json`` (``schema.Summary``).
        items: one row per object, least certain first: majority vote, Dawid-Skene label and
            its posterior, consolidated and gold labels (``items.csv``).
        unreadable: with ``all_jobs``, the jobs found but not read, with the reason (also in
            ``summary["unreadable_jobs"]``).
    """

    jobs: tuple[Job, ...]
    answers: pl.DataFrame
    workers: pl.DataFrame
    summary: Summary
    items: pl.DataFrame
    unreadable: tuple[UnreadableJob, ...] = ()

    @property
    def responses(self) -> pl.DataFrame:
        """The normalised responses of all jobs, without the joined labels."""
        return pl.concat([job.responses for job in self.jobs], how="vertical")

    @property
    def title(self) -> str:
        return "crowdaudit: " + ", ".join(job.name for job in self.jobs)

    @property
    def history(self) -> pl.DataFrame:
        """One row per worker and job, jobs in the order they started (``history.csv``)."""
        return compute_history(self.workers, self.answers)

    def seed_metrics(self) -> dict[str, SeedFigures]:
        """The seed notebook's per-worker JSON (see :func:`compute_seed_metrics`)."""
        return compute_seed_metrics(self.answers)

    def report(self) -> str:
        """The self-contained HTML report, as written to ``report.html``."""
        history = self.history if len(self.jobs) > 1 else None
        return render_report(
            self.workers,
            self.summary,
            self.answers,
            title=self.title,
            history=history,
            items=self.items,
        )

    def write(
        self,
        out: str | Path | None,
        *,
        seed_json: str | Path | None = None,
        aws: AwsConfig | None = None,
    ) -> Written:
        """Write every output of the audit, all or nothing, and say where.

        Args:
            out: a folder or an ``s3://`` prefix for ``workers.csv``, ``workers.parquet``,
                ``workers.json``, ``items.csv``, ``summary.json``, ``history.csv`` (several
                jobs) and ``report.html`` (:func:`~crowdaudit.report.outputs.render_audit_files`);
                ``None`` writes no folder.
            seed_json: also write the seed notebook's per-worker JSON to this path or ``s3://``
                URI.
            aws: how to reach S3; boto3's defaults when ``None``.

        Raises:
            OutputError: a file could not be written; what was there before is left as it was.

        Example::

            crowdaudit.audit("./my-job/", gold="golden.manifest").write("audit/")
        """
        return write_audit(self, out, seed_json=seed_json, aws=aws)

    def _repr_html_(self) -> str:
        """Who to check and why, then the summary and the top workers, shown by Jupyter."""
        return render_summary_html(self.workers, self.summary, title=self.title)

    def __repr__(self) -> str:
        """A few lines: the jobs, the counts, and the workers to check (never the tables)."""
        return render_repr(", ".join(job.name for job in self.jobs), self.summary, self.workers)


def _join_labels(job: Job, gold: Gold | None) -> pl.DataFrame:
    """The job's answers with their consolidated and gold labels and similarities to them."""
    answers = job.responses.join(job.consolidated, on=COL.TASK, how="left", maintain_order="left")
    if gold is None and job.gold is not None:
        answers = answers.join(job.gold, on=COL.TASK, how="left", maintain_order="left")
    elif gold is None or job.task is None:
        answers = answers.with_columns(pl.lit(None, pl.String()).alias(COL.GOLD))
    else:
        per_task = match_gold(gold, job.sources, job.task.parse_gold)
        answers = answers.join(per_task, on=COL.TASK, how="left", maintain_order="left")
    return with_similarities(answers, job.task)


def _single_label(job: Job) -> bool:
    return job.task is not None and job.task.exact and job.task.name != "custom"


def _count_unused_gold(gold: Gold | None, jobs: Sequence[Job]) -> int:
    """Gold labels that matched no answered object of any job (wrong ids, other jobs' objects)."""
    if gold is None:
        return 0
    tasks = pl.concat([job.responses.select(COL.TASK) for job in jobs]).unique()
    used = gold.by_task.join(tasks, on=COL.TASK, how="semi").height
    if gold.by_source.height:
        sources = pl.concat(
            [
                job.sources.join(job.responses.select(COL.TASK), on=COL.TASK, how="semi")
                for job in jobs
            ]
        )
        used += gold.by_source.join(sources, on=SOURCE, how="semi").height
    return gold.size - used


def _gold_accuracy_of_consolidated(answers: pl.DataFrame) -> float | None:
    # Only rows with both labels count: keeping those first leaves fewer rows to deduplicate.
    scored = answers.filter(pl.col(COL.CONSOLIDATED).is_not_null() & pl.col(COL.GOLD).is_not_null())
    objects = scored.select(COL.JOB, COL.TASK, COL.CONSOLIDATED, COL.GOLD).unique()
    return compute_label_accuracy(objects, label=COL.CONSOLIDATED)


def build_audit(
    jobs: Sequence[Job],
    gold: Gold | None = None,
    *,
    unreadable: Sequence[UnreadableJob] | None = None,
) -> Audit:
    """Audit jobs that have been read already, with no I/O (pure).

    Args:
        jobs: the jobs, as :func:`read_job` or :func:`read_jobs` return them.
        gold: gold labels (:func:`read_gold`), matched on object ids and data-object sources.
        unreadable: the jobs ``--all-jobs`` found but could not read, listed in
            ``summary.json`` as ``unreadable_jobs`` (the key is there only when jobs were
            discovered).

    Returns:
        The :class:`Audit`: worker table, job summary, items and the answers behind them.

    Raises:
        EmptyJobError: the jobs hold no answers at all.

    Example::

        job = crowdaudit.read_job("./my-job/")
        result = crowdaudit.build_audit([job], crowdaudit.read_gold("golden.manifest"))
    """
    scored = [_join_labels(job, gold) for job in jobs]
    answers = pl.concat(scored, how="vertical")
    workers = pl.concat(
        [
            compute_worker_table(table, task=job.task)
            for job, table in zip(jobs, scored, strict=True)
        ],
        how="diagonal_relaxed",
    )
    # Dawid-Skene and its kin model single-label answers only.
    skill = compute_job_skill(
        answers.filter(pl.col(COL.JOB).is_in([job.name for job in jobs if _single_label(job)]))
    )
    if skill.workers.height:
        workers = rank_workers(workers.join(skill.workers, on=[COL.JOB, COL.WORKER], how="left"))
    per_job: list[JobSummary] = [
        {**describe(job), **skill.summaries.get(job.name, {})} for job in jobs
    ]
    gold_objects = answers.filter(pl.col(COL.GOLD).is_not_null()).select(COL.JOB, COL.TASK).unique()
    failed = [
        entry["n_failed_objects"] for entry in per_job if entry["n_failed_objects"] is not None
    ]
    unlabelled = [
        n for entry in per_job if (n := entry["n_objects_without_consolidated_label"]) is not None
    ]
    skipped = [record.to_dict() for job in jobs for record in job.skipped]
    skipped += [record.to_dict() for record in (gold.skipped if gold else ())]
    summary: Summary = {
        "crowdaudit_version": __version__,
        "n_jobs": len(jobs),
        "n_objects": sum(entry["n_objects"] for entry in per_job),
        "n_answers": answers.height,
        "n_workers": answers.select(pl.col(COL.WORKER).n_unique()).item(),
        "n_failed_objects": sum(failed) if failed else None,
        "n_objects_without_consolidated_label": sum(unlabelled) if unlabelled else None,
        "n_gold_labels": gold.size if gold else 0,
        "n_gold_objects": gold_objects.height,
        "n_gold_labels_unused": _count_unused_gold(gold, jobs),
        "consolidated_gold_accuracy": _gold_accuracy_of_consolidated(answers),
        "n_files_skipped": len(skipped),
        "skipped": skipped,
        "warnings": [warning for job in jobs for warning in job.warnings],
        **single_job_figures(per_job),
        "jobs": per_job,
        **_unreadable_jobs(unreadable),
    }
    items = _build_items(jobs, scored, skill.items)
    return Audit(tuple(jobs), answers, workers, summary, items, tuple(unreadable or ()))


def _unreadable_jobs(unreadable: Sequence[UnreadableJob] | None) -> UnreadableJobs:
    if unreadable is None:
        return {}
    return {
        "n_unreadable_jobs": len(unreadable),
        "unreadable_jobs": [job.to_dict() for job in unreadable],
    }


def _build_items(
    jobs: Sequence[Job], scored: Sequence[pl.DataFrame], single_label: pl.DataFrame
) -> pl.DataFrame:
    """``items.csv``: the skill estimators' items of single-label jobs, then one row per object of
    every other job, with the objects' sources and label details."""
    single = [table for job, table in zip(jobs, scored, strict=True) if _single_label(job)]
    if single_label.height and single:
        single_label = with_votes(single_label, pl.concat(single, how="diagonal_relaxed"))
    parts = [single_label] if single_label.height else []
    for job, table in zip(jobs, scored, strict=True):
        if job.task is not None and not _single_label(job):
            parts.append(build_similarity_items(table, job.task))
    if not parts:
        return single_label
    items = pl.concat(parts, how="diagonal_relaxed")
    return with_object_details(items, [(job.name, job.sources, job.label_details) for job in jobs])


def read_gold(source: str | Path, *, aws: AwsConfig | None = None) -> Gold:
    """Read a gold file from a path or an ``s3://`` URI.

    Formats (:mod:`crowdaudit.sources.gold`): a golden manifest (``{"<datasetObjectId>":
    "<label>"}`` per line), a CSV with columns ``task,label``, or JSON Lines with
    ``source-ref`` (or ``source``) and ``label``.

    Args:
        source: the file's path or ``s3://`` URI.
        aws: profile, region and S3 endpoint for an ``s3://`` URI; boto3's defaults when None.

    Returns:
        The :class:`Gold` labels, by object id and by data-object source.

    Raises:
        SourceError: the file cannot be read (missing, access denied, no credentials).
        GoldFormatError: its content is none of the formats, or a task has two labels.

    Example::

        gold = crowdaudit.read_gold("s3://bucket/golden.manifest")
        gold.size  # labels read
    """
    data, where = read_location(str(source), aws or AwsConfig())
    return parse_gold(data, where=where)


def _resolve_sources(
    sources: Iterable[str | Path],
    job_names: Iterable[str],
    aws: AwsConfig,
    sagemaker: Any,
    job_infos: Iterable[JobInfo] = (),
) -> list[tuple[str, str | None, JobInfo | None]]:
    """``(folder, job name or None, job info or None)`` for every source and ``--job`` name."""
    resolved: list[tuple[str, str | None, JobInfo | None]] = [(str(s), None, None) for s in sources]
    resolved += [(info.output_uri, info.name, info) for info in job_infos]
    names = list(job_names)
    if names:
        client = sagemaker or aws.client("sagemaker")
        for name in names:
            info = fetch_job_info(client, name)
            resolved.append((info.output_uri, info.name, info))
    return resolved


def read_jobs(
    sources: Iterable[str | Path] = (),
    *,
    job_names: Iterable[str] = (),
    job_infos: Iterable[JobInfo] = (),
    options: ReadOptions | None = None,
    **overrides: Unpack[ReadOverrides],
) -> list[Job]:
    """Read Ground Truth jobs given as output folders (paths or ``s3://`` URIs) or as job names.

    A source ending in ``.csv``, ``.tsv``, ``.json`` or ``.parquet`` (or any source when
    ``export.format`` is set) is one file instead: a platform export (Label Studio, Mechanical
    Turk, Toloka) or a long table of answers, detected by content (:mod:`crowdaudit.sources.exports`).

    A job named with ``job_names`` takes its output folder and label attribute from
    DescribeLabelingJob (called with ``options.sagemaker``, else a client made from
    ``options.aws``).

    Args:
        sources: job output folders (``<S3OutputPath>/<job-name>/``) or export files.
        job_names: labeling jobs whose output folder and label attribute come from
            DescribeLabelingJob.
        job_infos: jobs described already (by :func:`read_account`).
        options: how to read (:class:`~crowdaudit.options.ReadOptions`); the defaults when
            ``None``.
        overrides: fields of ``options`` to change, as keywords:
            ``read_jobs([folder], strict=True, cache=Path("cache"))``.

    Returns:
        One :class:`Job` per source, then per job name, in the order given.

    Raises:
        SourceError: a folder, object or job cannot be reached (missing, access denied, no
            credentials).
        InputFormatError: with ``strict``, the first unusable file; without, a file that
            leaves the job unusable (e.g. no output manifest).
        LabelAttributeError: the label attribute is absent or ambiguous.

    Example::

        jobs = crowdaudit.read_jobs(["./job-a/"], job_names=["job-b"])
        [job.name for job in jobs]
    """
    read = with_overrides(options, overrides)
    if read.engine is not None and read.cache is None:
        raise CrowdAuditError(
            "cannot use --engine ray",
            where="--no-cache",
            why="Ray tasks hand their results over in the cache",
        )
    export = replace(read.export or ExportOptions(), labels=read.labels)
    if read.task_options is not None:
        export = replace(export, task=read.task_options)
    jobs: list[Job] = []
    for folder, name, info in _resolve_sources(
        sources, job_names, read.aws, read.sagemaker, job_infos
    ):
        if name is None and is_export_file(folder, export):
            data, where = read_location(folder, read.aws)
            jobs.append(parse_export(data, where=where, strict=read.strict, options=export))
        else:
            jobs.append(_read_folder(folder, name, info, read))
    if not jobs:
        raise SourceError("nothing to audit", hint="give a job folder, an s3:// URI or --job NAME")
    seen: set[str] = set()
    for job in jobs:
        if job.name in seen:
            raise CrowdAuditError(
                "two sources have the same job name", where=job.name, why="audit each once"
            )
        seen.add(job.name)
    return jobs


def _read_folder(folder: str, name: str | None, info: JobInfo | None, read: ReadOptions) -> Job:
    """One Ground Truth job's output folder, with what DescribeLabelingJob said of it."""
    location = open_folder(folder, read.aws)
    job = read_job_folder(
        location.store,
        location.key,
        name=name,
        strict=read.strict,
        labels=read.labels,
        label_attribute=read.label_attribute or (info.label_attribute if info else None),
        task_options=read.task_options,
        fetch_external=lambda uri: read_location(uri, read.aws)[0],
        concurrency=read.concurrency,
        progress=read.progress,
        cache=read.cache,
        engine=read.engine,
    )
    if info is not None and info.price_per_object is not None:
        job = replace(job, price_per_object=info.price_per_object)
    return job


JOBS_AT_ONCE: Final = 4
"""Jobs ``read_account`` reads at once, each with its own ``concurrency`` of object reads."""


def _unreadable_because(error: CrowdAuditError, *, strict: bool) -> str | None:
    """Why one discovered job is left out, or ``None`` when ``error`` must stop the run."""
    if strict or isinstance(error, CredentialsError):
        return None
    if isinstance(error, SourceError | EmptyJobError | InputFormatError | LabelAttributeError):
        return error.message
    return None


def read_account(
    job_filter: JobFilter,
    *,
    options: ReadOptions | None = None,
    **overrides: Unpack[ReadOverrides],
) -> tuple[list[Job], list[UnreadableJob]]:
    """Read every labeling job of the account that matches ``job_filter`` (``--all-jobs``).

    Jobs are found with ListLabelingJobs and DescribeLabelingJob
    (:func:`crowdaudit.sources.discovery.discover_jobs`). A job that cannot be described, is of
    a type without per-worker answers, or whose folder cannot be read or holds no usable answers,
    is returned among the unreadable with its reason, and the others are read; with ``strict``
    the first such folder is an error instead.

    Args:
        job_filter: which jobs to take (creation dates, status, name, work team).
        options: as for :func:`read_jobs`; ``strict`` stops at the first job that cannot be
            read instead of leaving it out, ``sagemaker`` lists and describes the jobs.
        overrides: as for :func:`read_jobs`.

    Returns:
        The jobs read, oldest first, and the jobs left out.

    Raises:
        SourceError: no job matched, or none could be read.

    Example::

        jobs, left_out = crowdaudit.read_account(crowdaudit.JobFilter(status="Completed"))
        [(job.name, job.reason) for job in left_out]
    """
    read = with_overrides(options, overrides)
    found = discover_jobs(read.sagemaker or read.aws.client("sagemaker"), job_filter)
    unreadable = list(found.unreadable)

    def read_one(info: JobInfo) -> Job | UnreadableJob:
        try:
            (job,) = read_jobs(job_infos=[info], options=read)
        except CrowdAuditError as exc:
            reason = _unreadable_because(exc, strict=read.strict)
            if reason is None:
                raise
            return UnreadableJob(info.name, reason, info.status)
        return job

    # Small jobs are a handful of requests each, mostly waiting: several are read side by side.
    with ThreadPoolExecutor(JOBS_AT_ONCE, thread_name_prefix="crowdaudit-job") as pool:
        outcomes = list(pool.map(read_one, found.jobs))
    jobs = [outcome for outcome in outcomes if isinstance(outcome, Job)]
    unreadable += [outcome for outcome in outcomes if isinstance(outcome, UnreadableJob)]
    if not jobs:
        first = f"; first: {unreadable[0].name}: {unreadable[0].reason}" if unreadable else ""
        raise SourceError(
            "no labeling job to audit",
            where="ListLabelingJobs",
            why=f"{len(unreadable)} matching job(s), none readable{first}",
        )
    return jobs, unreadable


def read_selected_jobs(
    sources: Iterable[str | Path] = (),
    *,
    job_names: Iterable[str] = (),
    all_jobs: JobFilter | None = None,
    options: ReadOptions | None = None,
    **overrides: Unpack[ReadOverrides],
) -> tuple[list[Job], list[UnreadableJob] | None]:
    """The jobs a command names: every job matching ``all_jobs`` (:func:`read_account`), else
    ``sources`` and ``job_names`` (:func:`read_jobs`); ``options`` as there.

    Returns:
        the jobs, and the jobs found but not read (``None`` without ``all_jobs``).
    """
    read = with_overrides(options, overrides)
    if all_jobs is None:
        return read_jobs(sources, job_names=job_names, options=read), None
    return read_account(all_jobs, options=read)


def read_job(
    source: str | Path,
    *,
    options: ReadOptions | None = None,
    **overrides: Unpack[ReadOverrides],
) -> Job:
    """Read one Ground Truth job's output folder or one export file, local or in S3.

    Args:
        source: the job's output folder, a local path or an ``s3://`` URI, or one export file.
        options: as for :func:`read_jobs`.
        overrides: as for :func:`read_jobs`.

    Returns:
        The :class:`Job`: its responses (one row per answer), consolidated labels and sources.

    Raises:
        SourceError: the folder or file cannot be reached.
        InputFormatError: as for :func:`read_jobs`.

    Example::

        job = crowdaudit.read_job("s3://bucket/output/my-job/")
        job.responses.group_by("worker").len()
    """
    (job,) = read_jobs([source], options=with_overrides(options, overrides))
    return job


def audit(
    *sources: str | Path,
    job_names: Iterable[str] = (),
    gold: str | Path | None = None,
    all_jobs: JobFilter | None = None,
    options: ReadOptions | None = None,
    **overrides: Unpack[ReadOverrides],
) -> Audit:
    """Audit one or more labeling jobs.

    Args:
        sources: job output folders (``<S3OutputPath>/<job-name>/``), local paths or ``s3://``
            URIs, or platform export files.
        job_names: labeling jobs to find through DescribeLabelingJob.
        gold: a gold file, local or ``s3://``.
        all_jobs: audit every job of the account that matches, instead of ``sources`` and
            ``job_names`` (:func:`read_account`); ``summary["unreadable_jobs"]`` lists those left
            out.
        options: how to read (:class:`~crowdaudit.options.ReadOptions`: ``strict``,
            ``label_attribute``, ``aws``, ``concurrency``, ``progress``, ``cache``,
            ``task_options``, ``export``, ``engine``…); the defaults when ``None``.
        **overrides: fields of ``options`` to change, by name: ``audit(folder, strict=True)``.

    Returns:
        The :class:`Audit`: ``workers`` (one row per worker and job, with ``verdict`` and its
        reason), ``summary``, ``items`` and ``answers``; ``report()`` gives the HTML report and
        :meth:`Audit.write` writes its files.

    Raises:
        SourceError: a job, folder or the gold file cannot be reached.
        InputFormatError: with ``strict``, the first unusable file; a gold file that cannot
            be used (``GoldFormatError``).
        LabelAttributeError: the label attribute is absent or ambiguous.
        EmptyJobError: no usable answer at all.

    Example::

        a = crowdaudit.audit("s3://bucket/output/my-job/", gold="golden.manifest")
        a.workers.sort("gold_accuracy")
        a.write("audit/")  # workers.csv, summary.json, report.html…
    """
    read = with_overrides(options, overrides)
    gold_labels = read_gold(gold, aws=read.aws) if gold is not None else None
    jobs, unreadable = read_selected_jobs(
        sources, job_names=job_names, all_jobs=all_jobs, options=read
    )
    return build_audit(jobs, gold_labels, unreadable=unreadable)
