"""The values a source reader hands to the metrics: a job read and normalised, and gold labels.

They live apart from any one reader, so that the Ground Truth reader, the long-table reader and the
platform-export readers all build the same :class:`Job` without importing one another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from crowdaudit.errors import SkippedRecord
from crowdaudit.tasks.base import TaskType

__all__ = ["Gold", "Job"]


@dataclass(frozen=True, slots=True)
class Job:
    """One labeling job, read and normalised.

    Attributes:
        name: the job name (the output folder's last part, or the name given with ``--job``).
        uri: the output folder.
        responses: one row per answer (``schema.RESPONSES``).
        consolidated: ``task, consolidated`` for every object with a consolidation record; the label
            is null where consolidation failed.
        sources: ``task, source``: the data object behind each id, from the output manifest.
        label_attribute: the attribute the consolidated labels were read from, if any.
        task_type: the metadata ``type`` (``groundtruth/image-classification``, …), if known.
        consolidated_from: where consolidated labels came from: ``consolidation-response``,
            ``output-manifest``, ``intermediate-manifest`` or ``None`` when there are none.
        skipped: every file or record read but not used, with the reason.
        stats: counts: files listed and used, duplicates dropped, unparseable timestamps.
        warnings: what the reader noticed but could work around.
        price_per_object: the public-workforce task price in USD, for jobs found with
            DescribeLabelingJob that have one.
        n_fetched: worker-response files fetched by this read (the others came from the cache).
        task: how answers of this job are read and compared (``None``: answers kept unlabelled).
        gold: ``task, gold`` (canonical texts) carried by the source itself, as platform exports
            flag ground-truth or control tasks; ``None`` when the source has none.
        people: ``worker, username, email`` where the source names its workers.
        failed: answered objects whose labeling failed (see :func:`describe`).
        label_details: per object, what the label's metadata adds (``schema.LABEL_DETAILS``:
            confidence, confidence map, adjustment status), where any object has some.
    """

    name: str
    uri: str
    responses: pl.DataFrame
    consolidated: pl.DataFrame
    sources: pl.DataFrame
    label_attribute: str | None
    task_type: str | None
    consolidated_from: str | None
    skipped: tuple[SkippedRecord, ...] = ()
    stats: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    price_per_object: float | None = None
    n_fetched: int = 0
    task: TaskType | None = None
    gold: pl.DataFrame | None = None
    people: pl.DataFrame | None = None
    failed: tuple[str, ...] = ()
    label_details: pl.DataFrame | None = None


@dataclass(frozen=True, slots=True)
class Gold:
    """Parsed gold labels, by task id and by data-object source, from :func:`crowdaudit.read_gold`.

    ``label`` holds each gold value as JSON text (``"\"Owl\""`` for the label ``Owl``).

    Attributes:
        where: the file or ``s3://`` URI read.
        by_task: ``task, label`` rows, matched on the object's id (``datasetObjectId``).
        by_source: ``source, label`` rows, matched on the data object (``source-ref``).
        skipped: the lines or rows that could not be used, counted in ``summary["skipped"]``.
    """

    where: str
    by_task: pl.DataFrame
    by_source: pl.DataFrame
    skipped: tuple[SkippedRecord, ...] = ()

    @property
    def size(self) -> int:
        return self.by_task.height + self.by_source.height
