"""Reading one SageMaker Ground Truth job's output folder into tables.

The folder is ``<S3OutputPath>/<job-name>/``, on disk or in S3, laid out as::

    annotations/worker-response/iteration-<N>/<datasetObjectId>/<timestamp>.json
    annotations/consolidated-annotation/consolidation-response/iteration-<N>/<timestamp>.json
    manifests/output/output.manifest          (manifests/intermediate/<N>/ while the job runs)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from crowdaudit.errors import (
    EmptyJobError,
    InputFormatError,
    ManifestFormatError,
    ResponseFormatError,
    SkipLog,
    SkippedRecord,
    SourceError,
)
from crowdaudit.schema import COL
from crowdaudit.sources.consolidated import (
    LabelRecord,
    build_consolidated,
    build_sources,
    find_label_attributes,
    iter_consolidated,
    parse_consolidation_response,
    parse_manifest,
    resolve_label_attribute,
)
from crowdaudit.sources.fetch import Progress, fetch_objects, no_progress
from crowdaudit.sources.responses import (
    AnswerParser,
    ResponseColumns,
    build_responses,
    match_response_key,
    parse_response_file,
)
from crowdaudit.sources.store import ObjectStore, join_key
from crowdaudit.tasks import classification

__all__ = ["Job", "read_job_folder"]

WORKER_RESPONSE = "annotations/worker-response/"
CONSOLIDATION_RESPONSE = "annotations/consolidated-annotation/consolidation-response/"
OUTPUT_MANIFEST = "manifests/output/output.manifest"
INTERMEDIATE_MANIFESTS = "manifests/intermediate/"
_INTERMEDIATE = re.compile(r"manifests/intermediate/(\d+)/output\.manifest$")


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


def _no_label(content: object) -> None:
    """Answer parser that keeps every answer and no label."""
    return None


def _job_name_of(prefix: str, store: ObjectStore) -> str:
    name = prefix.rstrip("/").rsplit("/", 1)[-1]
    if name:
        return name
    return store.uri("").rstrip("/").rsplit("/", 1)[-1]


def _read_responses(
    store: ObjectStore,
    prefix: str,
    *,
    job: str,
    skips: SkipLog,
    concurrency: int,
    progress: Progress,
    parse_answer: AnswerParser,
) -> tuple[pl.DataFrame, dict[str, int]]:
    root = join_key(prefix, WORKER_RESPONSE)
    progress("listing", 0, None)
    listed = [obj.key for obj in store.list_objects(root + "/") if not obj.key.endswith("/")]
    progress("listing", len(listed), len(listed))
    wanted: list[tuple[str, int, str]] = []
    for key in listed:
        relative = key[len(root) + 1 :]
        matched = match_response_key(relative)
        if matched is None:
            skips.skip(
                ResponseFormatError(
                    "unexpected file in worker-response",
                    store.uri(key),
                    "not iteration-<N>/<datasetObjectId>/<timestamp>.json",
                    code="unexpected-key",
                )
            )
            continue
        wanted.append((key, *matched))
    if not listed:
        raise EmptyJobError(
            "no worker responses found",
            store.uri(root + "/"),
            "is this the job's output folder, the one holding annotations/ and manifests/?",
        )
    columns = ResponseColumns()
    positions = {key: (iteration, task) for key, iteration, task in wanted}
    files_used = 0
    for key, data in fetch_objects(
        store, list(positions), concurrency=concurrency, progress=progress, stage="reading answers"
    ):
        where = store.uri(key)
        iteration, task = positions[key]
        if isinstance(data, SourceError):
            skips.skip(ResponseFormatError(data.what, data.where, data.why, code="unreadable"))
            continue
        try:
            parse_response_file(
                data,
                where=where,
                task=task,
                iteration=iteration,
                parse_answer=parse_answer,
                into=columns,
                skips=skips,
            )
        except InputFormatError as exc:
            skips.skip(exc)
        else:
            files_used += 1
    if len(columns) == 0:
        first = f"; first: {skips.records[0].why}" if skips.records else ""
        raise EmptyJobError(
            "no usable worker answers",
            store.uri(root + "/"),
            f"{len(listed)} files listed, none usable{first}",
        )
    responses, duplicates, bad_times = build_responses(columns, job=job)
    stats = {
        "n_response_files": len(listed),
        "n_response_files_used": files_used,
        "n_duplicate_answers": duplicates,
        "n_unparsed_timestamps": bad_times,
    }
    return responses, stats


def _find_manifest(store: ObjectStore, prefix: str) -> tuple[str | None, str | None]:
    """The final output manifest, else the newest intermediate one (job still running)."""
    final = join_key(prefix, OUTPUT_MANIFEST)
    if any(obj.key == final for obj in store.list_objects(final)):
        return final, "output-manifest"
    newest: tuple[int, str] | None = None
    for obj in store.list_objects(join_key(prefix, INTERMEDIATE_MANIFESTS) + "/"):
        match = _INTERMEDIATE.search(obj.key)
        if match and (newest is None or int(match.group(1)) > newest[0]):
            newest = (int(match.group(1)), obj.key)
    return (newest[1], "intermediate-manifest") if newest else (None, None)


def _read_label_records(
    store: ObjectStore, prefix: str, *, skips: SkipLog, concurrency: int, progress: Progress
) -> tuple[list[LabelRecord], list[LabelRecord], str | None]:
    """Return (consolidation records, manifest records, where the consolidation came from)."""
    manifest_key, manifest_kind = _find_manifest(store, prefix)
    manifest = (
        parse_manifest(store.read_bytes(manifest_key), where=store.uri(manifest_key), skips=skips)
        if manifest_key
        else []
    )
    root = join_key(prefix, CONSOLIDATION_RESPONSE) + "/"
    keys = sorted(obj.key for obj in store.list_objects(root) if obj.key.endswith(".json"))
    consolidation: list[LabelRecord] = []
    for key, data in fetch_objects(
        store, keys, concurrency=concurrency, progress=progress, stage="reading consolidation"
    ):
        if isinstance(data, SourceError):
            skips.skip(ManifestFormatError(data.what, data.where, data.why, code="unreadable"))
            continue
        try:
            consolidation.extend(parse_consolidation_response(data, where=store.uri(key)))
        except InputFormatError as exc:
            skips.skip(exc)
    if consolidation:
        return consolidation, manifest, "consolidation-response"
    return manifest, manifest, manifest_kind


def read_job_folder(
    store: ObjectStore,
    prefix: str = "",
    *,
    name: str | None = None,
    label_attribute: str | None = None,
    strict: bool = False,
    concurrency: int = 32,
    progress: Progress = no_progress,
    labels: bool = True,
) -> Job:
    """Read a Ground Truth job's output folder.

    Args:
        store: where the folder lives (a local folder, S3 bucket or in-memory store).
        prefix: the folder's key within the store (``""`` for the store's root).
        name: the job name; defaults to the folder's last part.
        label_attribute: the attribute holding consolidated labels; found by rule when ``None``.
        strict: raise on the first unusable file instead of counting it as skipped.
        concurrency: how many objects to read at once.
        progress: callback ``(stage, done, total)``.
        labels: parse each answer's label and read the consolidated labels; with ``False``
            answers of any shape are kept with a null label (enough to count who did what).

    Raises:
        EmptyJobError: the folder holds no worker answers that could be used.
        LabelAttributeError: the label attribute is unknown or ambiguous.
        InputFormatError: with ``strict``, the first unusable file; always, an unsupported task type.
        SourceError: the folder or bucket cannot be read.
    """
    job = name or _job_name_of(prefix, store)
    where = store.uri(prefix)
    skips = SkipLog(strict=strict)
    responses, stats = _read_responses(
        store,
        prefix,
        job=job,
        skips=skips,
        concurrency=concurrency,
        progress=progress,
        parse_answer=classification.parse_answer if labels else _no_label,
    )
    records, manifest, consolidated_from = (
        _read_label_records(store, prefix, skips=skips, concurrency=concurrency, progress=progress)
        if labels
        else ([], [], None)
    )
    warnings: list[str] = []
    attribute: str | None = None
    task_type: str | None = None
    consolidated: dict[str, str | None] = {}
    if records:
        attribute = resolve_label_attribute(
            find_label_attributes(records), job_name=job, requested=label_attribute, where=where
        )
        for task, metadata, kind in iter_consolidated(records, attribute):
            task_type = task_type or kind
            consolidated[task] = classification.parse_consolidated(metadata) if metadata else None
        if task_type is not None and task_type not in classification.TASK_TYPES:
            raise InputFormatError(
                "unsupported task type",
                where,
                f"{task_type}; crowdaudit reads single-label classification jobs",
                code="unsupported-task-type",
            )
    elif labels:
        if label_attribute is not None:
            raise InputFormatError(
                "cannot check label attribute",
                where,
                f"{label_attribute!r}: no output manifest or consolidation response found",
                code="missing-manifest",
            )
        message = "no consolidated labels found (no output manifest or consolidation response)"
        if strict:
            raise InputFormatError(
                message, where, "the job may still be running", code="missing-manifest"
            )
        warnings.append(f"{message}: {where}")
    if stats["n_unparsed_timestamps"]:
        warnings.append(f"{stats['n_unparsed_timestamps']} timestamps could not be parsed: {where}")
    stats["n_manifest_objects"] = len(manifest)
    return Job(
        name=job,
        uri=where,
        responses=responses,
        consolidated=build_consolidated(consolidated),
        sources=build_sources(manifest),
        label_attribute=attribute,
        task_type=task_type,
        consolidated_from=consolidated_from,
        skipped=tuple(skips.records),
        stats=stats,
        warnings=tuple(warnings),
    )


def describe(job: Job) -> dict[str, Any]:
    """The job's figures for ``summary.json``."""
    answered = job.responses.select(pl.col(COL.TASK).n_unique()).item()
    with_label = job.consolidated.filter(pl.col(COL.CONSOLIDATED).is_not_null())
    failed = (
        job.responses.select(COL.TASK)
        .unique()
        .join(with_label, on=COL.TASK, how="anti")
        .sort(COL.TASK)
        .get_column(COL.TASK)
        .to_list()
        if job.consolidated_from
        else []
    )
    return {
        "job": job.name,
        "source": job.uri,
        "label_attribute": job.label_attribute,
        "task_type": job.task_type,
        "consolidated_from": job.consolidated_from,
        "n_objects": answered,
        "n_answers": job.responses.height,
        "n_workers": job.responses.select(pl.col(COL.WORKER).n_unique()).item(),
        "n_consolidated_objects": with_label.height,
        "n_failed_objects": len(failed) if job.consolidated_from else None,
        "failed_objects": failed,
        **dict(job.stats),
        "n_files_skipped": len(job.skipped),
    }
