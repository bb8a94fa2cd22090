"""How jobs are read: the one options object of every entry point, declared once with its defaults.

:func:`crowdaudit.audit`, :func:`crowdaudit.read_jobs`, :func:`crowdaudit.read_job`,
:func:`crowdaudit.read_account` and :func:`crowdaudit.contributions` all take the same
:class:`ReadOptions`, either whole (``options=``) or as keyword arguments that change some of its
fields; the two can be combined::

    fast = crowdaudit.ReadOptions(concurrency=128, cache=Path("~/.cache/crowdaudit").expanduser())
    crowdaudit.audit("s3://bucket/output/job-a/", options=fast)
    crowdaudit.audit("s3://bucket/output/job-b/", options=fast, strict=True)

A new option is one field here (and, for the command line, one in ``_cli_shared.ReadArgs``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypedDict

from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.export_job import ExportOptions
from crowdaudit.sources.fetch import DEFAULT_CONCURRENCY, Progress, no_progress
from crowdaudit.sources.ray_engine import RayEngine
from crowdaudit.tasks.registry import TaskOptions

__all__ = ["ReadOptions", "ReadOverrides", "with_overrides"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadOptions:
    """How to read labeling jobs: what to do with bad files, where AWS is, how fast, what to keep.

    Every field has a default, so ``ReadOptions()`` reads like the command line without options,
    except that it keeps no cache and reports no progress (the command does both by default).
    Change a field with :func:`dataclasses.replace` or by passing it as a keyword argument to the
    entry point (``crowdaudit.audit(folder, strict=True)``).

    Attributes:
        strict: stop at the first unusable file (raise its error) instead of skipping it and
            counting it in ``summary["skipped"]``.
        label_attribute: the output manifest's attribute that holds the consolidated labels,
            when the reader cannot find it; applies to every job.
        aws: profile, region and S3 endpoint (boto3's standard chain when left as it is).
        sagemaker: a boto3 SageMaker client for jobs named with ``job_names`` or found with
            ``all_jobs``; ``None`` makes one from ``aws``.
        concurrency: how many S3 objects are read at once (local files are read in turn).
        progress: a callback ``progress(stage, done, total)`` called as reading advances.
        cache: a folder for the incremental cache, so that a re-run fetches only new or
            changed files; ``None`` reads everything every time.
        engine: a :class:`~crowdaudit.sources.ray_engine.RayEngine`, entered, to fetch and
            parse in Ray tasks; it needs ``cache``. ``None`` reads in this process.
        labels: ``False`` keeps answers of any shape without a label and reads no
            consolidated labels (enough to count who did what, as the contribution ledger does).
        task_options: the task type and its options when detection is not enough, e.g.
            ``TaskOptions(answer_path="annotatedResult.label")`` for a custom template.
        export: for platform export files: the format, the Label Studio control, the answer
            column, and whether rejected work counts
            (:class:`~crowdaudit.sources.exports.ExportOptions`).
    """

    strict: bool = False
    label_attribute: str | None = None
    aws: AwsConfig = field(default_factory=AwsConfig)
    sagemaker: Any = None

    concurrency: int = DEFAULT_CONCURRENCY
    progress: Progress = no_progress
    cache: Path | None = None
    engine: RayEngine | None = None

    labels: bool = True
    task_options: TaskOptions | None = None
    export: ExportOptions | None = None

    def __post_init__(self) -> None:
        # The two a notebook user most often gives as True/False; caught here, with what to
        # pass instead, rather than as a traceback deep in the reader.
        if not callable(self.progress):
            raise TypeError(
                f"progress must be a callback progress(stage, done, total), not "
                f"{self.progress!r} (leave it out for no progress)"
            )
        if isinstance(self.cache, str | os.PathLike) and not isinstance(self.cache, Path):
            object.__setattr__(self, "cache", Path(self.cache))
        elif self.cache is not None and not isinstance(self.cache, Path):
            raise TypeError(
                f"cache must be a folder path or None, not {self.cache!r} (None keeps no cache)"
            )


class ReadOverrides(TypedDict, total=False):
    """The fields of :class:`ReadOptions` as keyword arguments (type checkers read this)."""

    strict: bool
    label_attribute: str | None
    aws: AwsConfig | None
    sagemaker: Any

    concurrency: int
    progress: Progress
    cache: Path | None
    engine: RayEngine | None

    labels: bool
    task_options: TaskOptions | None
    export: ExportOptions | None


def with_overrides(
    options: ReadOptions | None, overrides: ReadOverrides | dict[str, Any]
) -> ReadOptions:
    """``options`` (or the defaults) with the fields given as keyword arguments changed.

    ``aws=None`` keeps the default configuration, as the entry points always accepted it.

    Raises:
        TypeError: a keyword that is not a field of :class:`ReadOptions`.
    """
    changes = dict(overrides)
    if "aws" in changes and changes["aws"] is None:
        changes["aws"] = AwsConfig()
    return replace(options or ReadOptions(), **changes)
