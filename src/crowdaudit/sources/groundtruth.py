"""Reading one SageMaker Ground Truth job's output folder into tables.

The folder is ``<S3OutputPath>/<job-name>/``, on disk or in S3, laid out as::

    annotations/worker-response/iteration-<N>/<datasetObjectId>/<timestamp>.json
    annotations/consolidated-annotation/consolidation-response/iteration-<N>/<timestamp>.json
    manifests/output/output.manifest          (manifests/intermediate/<N>/ while the job runs)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

import orjson
import polars as pl

from crowdaudit.errors import (
    EmptyJobError,
    InputFormatError,
    ResponseFormatError,
    SkipLog,
    SourceError,
)
from crowdaudit.model import Job
from crowdaudit.schema import COL, IDENTITY_COLUMNS, ReaderFigures, ReadingCounts
from crowdaudit.sources.cache import CachedFile, CacheState, Problem, ResponseCache
from crowdaudit.sources.consolidated import (
    build_consolidated,
    build_sources,
)
from crowdaudit.sources.fetch import (
    DEFAULT_CONCURRENCY,
    FolderRead,
    Progress,
    list_tree,
    no_progress,
)
from crowdaudit.sources.job_labels import (
    ConsolidatedLabels,
    Consolidation,
    job_fetcher,
    parse_consolidated_labels,
    read_consolidation,
    read_manifest,
)
from crowdaudit.sources.other_answers import (
    OtherAnswers,
    read_other_answers,
    sample_other_answers,
)
from crowdaudit.sources.responses import (
    AnswerParser,
    ResponseColumns,
    ResponseFile,
    build_raw,
    build_responses,
    match_response_key,
    parse_response_file,
)
from crowdaudit.sources.store import REFUSALS, LocalStore, ObjectStore, join_key
from crowdaudit.sources.times import describe_time_counts, screen_times
from crowdaudit.tasks.base import Fetch, TaskType
from crowdaudit.tasks.custom import Custom
from crowdaudit.tasks.registry import TaskOptions
from crowdaudit.tasks.single_label import Classification

if TYPE_CHECKING:
    from crowdaudit.sources.ray_engine import RayEngine

__all__ = ["parse_fetched_file", "read_job_folder"]

WORKER_RESPONSE = "annotations/worker-response/"


def _no_label(content: object) -> None:
    """Answer parser that keeps every answer and no label."""
    return None


def _job_name_of(prefix: str, store: ObjectStore) -> str:
    name = prefix.rstrip("/").rsplit("/", 1)[-1]
    if name:
        return name
    return store.uri("").rstrip("/").rsplit("/", 1)[-1]


_FRAME_KEY = re.compile(r"(?:^|/)iteration-\d+/[^/]+/[^/]+/[^/]+\.json$")
"""Video-frame jobs: ``iteration-1/0/<40 hex>/frame_0019.jpeg.json``, one file per frame."""

SEQUENCE_LABELS = "annotations/consolidated-annotation/output/"
_SEQUENCE_LABEL = re.compile(r"/output/[^/]+/SeqLabel\.json$")


def unsupported_layout(where: str) -> InputFormatError:
    """The refusal of video-frame and 3D point-cloud jobs, recognised by their files."""
    return InputFormatError(
        "unsupported task type",
        where=where,
        why="video-frame and 3D point-cloud jobs carry no per-worker answers in worker-response files",
        code="unsupported-task-type",
    )


_LISTING_CODES = frozenset({"unexpected-key", *REFUSALS})
"""Reasons for which a listed file is skipped before it is read."""

_BATCH = 2000
"""Files parsed between two writes to the cache: what a killed run can lose at most."""


def _list_responses(folder: FolderRead, root: str) -> dict[str, ResponseFile]:
    """Worker-response files by key."""
    store, skips = folder.store, folder.skips
    listed = list_tree(store, root, concurrency=folder.concurrency, progress=folder.progress)
    listed = [obj for obj in listed if obj.refused or not obj.key.endswith("/")]
    wanted: dict[str, ResponseFile] = {}
    frames: list[str] = []
    for obj in sorted(listed, key=lambda stored: stored.key):
        if obj.refused is not None:
            skips.skip(
                ResponseFormatError(
                    "refusing file",
                    where=store.uri(obj.key),
                    why=REFUSALS[obj.refused],
                    code=obj.refused,
                )
            )
            continue
        matched = match_response_key(obj.key[len(root) :])
        if matched is None and _FRAME_KEY.search(obj.key[len(root) :]):
            frames.append(obj.key)
        elif matched is None:
            skips.skip(
                ResponseFormatError(
                    "unexpected file in worker-response",
                    where=store.uri(obj.key),
                    why="not iteration-<N>/<datasetObjectId>/<timestamp>.json",
                    code="unexpected-key",
                )
            )
        else:
            wanted[obj.key] = ResponseFile(obj.key, *matched, obj.etag)
    if frames and not wanted:
        raise unsupported_layout(store.uri(frames[0]))
    for key in frames:
        skips.skip(
            ResponseFormatError(
                "unexpected file in worker-response",
                where=store.uri(key),
                why="a per-frame file in a job with per-object answers",
                code="unexpected-key",
            )
        )
    return wanted


def _replay(problems: tuple[Problem, ...], skips: SkipLog) -> None:
    for what, where, why, code in problems:
        skips.skip(ResponseFormatError(what, where=where, why=why, code=code))


def parse_fetched_file(
    store: ObjectStore,
    file: ResponseFile,
    data: bytes | SourceError,
    *,
    parse_answer: AnswerParser,
    into: ResponseColumns,
    skips: SkipLog,
) -> CachedFile | None:
    """Parse one fetched worker-response file into ``into``; its cache entry holds what was wrong
    in it. A file that could not be fetched is skipped and gives ``None``: not cached, it is tried
    again next time."""
    if isinstance(data, SourceError):
        skips.skip(data)
        return None
    where = store.uri(file.key)
    before = len(skips.records)
    try:
        parse_response_file(
            data,
            where=where,
            task=file.task,
            iteration=file.iteration,
            parse_answer=parse_answer,
            into=into,
            skips=skips,
        )
    except InputFormatError as exc:
        skips.skip(exc)
    problems = tuple(
        (record.what, record.where, record.why, record.code) for record in skips.records[before:]
    )
    return CachedFile(where, file.etag or "", problems)


def _read_responses(
    folder: FolderRead, *, parse_answer: AnswerParser, cache: ResponseCache | None
) -> tuple[pl.DataFrame, dict[str, int], int]:
    """The job's answers as parsed (``responses.RAW``), fetching only what the cache does not
    hold; also the file counts and how many files were fetched."""
    store, skips = folder.store, folder.skips
    root = join_key(folder.prefix, WORKER_RESPONSE) + "/"
    wanted = _list_responses(folder, root)
    state = cache.load() if cache is not None else CacheState()
    known: dict[str, CachedFile] = {}
    fresh: list[str] = []
    for key, file in wanted.items():
        cached = state.files.get(key)
        if cached is not None and file.etag is not None and cached.etag == file.etag:
            known[key] = cached
            _replay(cached.problems, skips)
        else:
            fresh.append(key)
    reused = {cached.where for cached in known.values()}
    raw_parts = [state.raw.filter(pl.col(COL.SOURCE_KEY).is_in(reused))] if reused else []

    columns = ResponseColumns()
    batch: list[tuple[str, CachedFile]] = []

    def flush() -> None:
        nonlocal columns, batch
        raw = build_raw(columns)
        raw_parts.append(raw)
        if cache is not None and batch:
            cache.save_part(batch, raw)
        known.update(batch)
        columns, batch = ResponseColumns(), []

    fetched = folder.fetch(fresh, stage="reading answers")
    try:
        for key, data in fetched:
            parsed = parse_fetched_file(
                store, wanted[key], data, parse_answer=parse_answer, into=columns, skips=skips
            )
            if parsed is not None:
                batch.append((key, parsed))
            if len(batch) >= _BATCH:
                flush()
    finally:
        # Also when interrupted: what was parsed is kept, and a re-run resumes from there.
        fetched.close()
        flush()
    if cache is not None and ResponseCache.needs_compaction(cache.n_parts):
        cache.replace_all(known.items(), pl.concat(raw_parts, how="vertical_relaxed"))

    unusable = {record.where for record in skips.records if record.code != "bad-answer"}
    stats = {
        "n_response_files": len(wanted) + sum(r.code in _LISTING_CODES for r in skips.records),
        "n_response_files_used": sum(store.uri(key) not in unusable for key in wanted),
    }
    return pl.concat(raw_parts, how="vertical_relaxed"), stats, len(fresh)


def _no_answers(store: ObjectStore, prefix: str, n_files: int, skips: SkipLog) -> EmptyJobError:
    """Why a job has no answer at all, in the words a user can act on."""
    root = store.uri(join_key(prefix, WORKER_RESPONSE) + "/")
    if n_files == 0:
        sequences = join_key(prefix, SEQUENCE_LABELS) + "/"
        for obj in store.list_objects(sequences):
            if _SEQUENCE_LABEL.search(obj.key):
                raise unsupported_layout(store.uri(obj.key))
        return EmptyJobError(
            "no worker responses found",
            where=root,
            why="is this the job's output folder, the one holding annotations/ and manifests/?",
        )
    first = f"; first: {skips.records[0].why}" if skips.records else ""
    return EmptyJobError(
        "no usable worker answers", where=root, why=f"{n_files} files listed, none usable{first}"
    )


def _sample_answers(store: ObjectStore, prefix: str) -> list[object]:
    """The ``answerContent`` of the first readable worker-response file, to recognise its shape."""
    root = join_key(prefix, WORKER_RESPONSE) + "/"
    for obj in store.list_objects(root):
        if match_response_key(obj.key[len(root) :]) is None:
            continue
        try:
            document = orjson.loads(store.read_bytes(obj.key))
        except (SourceError, orjson.JSONDecodeError):
            continue
        answers = document.get("answers") if isinstance(document, dict) else None
        if isinstance(answers, list):
            return [a.get("answerContent") for a in answers if isinstance(a, dict)]
    return []


def _choose_task(
    store: ObjectStore, prefix: str, consolidation: Consolidation, options: TaskOptions
) -> TaskType:
    """The job's task type, said where the job is when it cannot be read.

    The answers' shape is looked at when the metadata does not say the type, and for custom
    jobs, which may be built on a built-in element."""
    metadata_type = consolidation.metadata_type
    custom = (metadata_type or "").lower() in Custom.metadata_types
    look = not options.forced and (not metadata_type or (custom and not options.answer_path))
    sample = (
        _sample_answers(store, prefix) or sample_other_answers(store, prefix, consolidation)
        if look
        else []
    )
    if not (metadata_type or options.forced or options.answer_path or sample):
        # Nothing to recognise (no readable answer at all): reading the answers as single-label
        # reports each file's problem, or that there are no files.
        return Classification()
    try:
        return options.choose(metadata_type, sample)
    except InputFormatError as exc:
        raise InputFormatError(
            exc.what, where=store.uri(prefix), why=f"{exc.where}: {exc.why}", code=exc.code
        ) from exc


_BY_LINE = ("output-manifest", "intermediate-manifest")
"""Sources of consolidated labels matched to objects by line index."""


def _note_beyond_manifest(
    responses: pl.DataFrame, consolidation: Consolidation, stats: dict[str, int], where: str
) -> list[str]:
    """Count the answered objects whose ``datasetObjectId`` is past the last line of a manifest
    read by line index (into ``stats``); a warning when there are some."""
    if consolidation.source not in _BY_LINE:
        return []
    lines = len(consolidation.manifest)
    ids = responses.select(pl.col(COL.TASK).unique().cast(pl.Int64, strict=False))
    beyond = stats["n_objects_beyond_manifest"] = ids.filter(pl.col(COL.TASK) >= lines).height
    if not beyond:
        return []
    return [
        f"{beyond} answered object(s) have no line in the {consolidation.source} of {lines} "
        f"lines (beyond-manifest); counted as failed: {where}"
    ]


def _open_cache(
    root: Path | None, store: ObjectStore, prefix: str, parser: str
) -> ResponseCache | None:
    if root is None:
        return None
    # A folder typed as a relative path is another folder when typed in another directory.
    where = store.identity(prefix) if isinstance(store, LocalStore) else store.uri(prefix)
    return ResponseCache(root, job_uri=where, parser=parser)


def read_job_folder(
    store: ObjectStore,
    prefix: str = "",
    *,
    name: str | None = None,
    label_attribute: str | None = None,
    strict: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress = no_progress,
    labels: bool = True,
    cache: Path | None = None,
    task_options: TaskOptions | None = None,
    fetch_external: Fetch | None = None,
    engine: RayEngine | None = None,
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
        cache: a folder for the incremental cache (:mod:`crowdaudit.sources.cache`): answers
            parsed before are reused when their file's ETag is unchanged. ``None``: no cache.
        task_options: ``--task-type`` and the per-type options; the type is otherwise found from
            the label attribute's metadata, else from the shape of the answers.
        fetch_external: reads a file a label names outside the job folder (an
            ``annotation-ref`` elsewhere in S3 or on disk); ``None``: such labels are skipped.
        engine: Ray tasks that fetch and parse the new files into ``cache`` first
            (:mod:`crowdaudit.sources.ray_engine`); the read then takes them from the cache.

    Raises:
        EmptyJobError: the folder holds no worker answers that could be used.
        LabelAttributeError: the label attribute is unknown or ambiguous.
        InputFormatError: with ``strict``, the first unusable file; always, a task type that has
            no per-worker answers (video, 3D point clouds) or that is not known.
        SourceError: the folder or bucket cannot be read.
    """
    job = name or _job_name_of(prefix, store)
    where = store.uri(prefix)
    skips = SkipLog(strict=strict)
    folder = FolderRead(store, prefix, skips, concurrency, progress)
    warnings: list[str] = []
    task: TaskType | None = None
    if labels:
        consolidation = read_consolidation(
            folder, job=job, label_attribute=label_attribute, warnings=warnings
        )
        task = _choose_task(store, prefix, consolidation, task_options or TaskOptions())
    else:
        # Only to know which objects lack worker responses (their answers may be elsewhere).
        consolidation = Consolidation(
            None, None, [], read_manifest(store, prefix, skips=skips)[0], None
        )
    parse_answer = task.parse_answer if task else _no_label
    parser = task.parser_id if task else "no-label-1"
    job_cache = _open_cache(cache, store, prefix, parser)
    prefetched = 0
    if engine is not None and job_cache is not None:
        prefetched = engine.prefill(
            job_uri=where, cache=job_cache, parse_answer=parse_answer, progress=progress
        )
    raw, stats, fetched = _read_responses(folder, parse_answer=parse_answer, cache=job_cache)
    fetch = job_fetcher(store, prefix, fetch_external)
    other = read_other_answers(
        folder,
        consolidation=consolidation,
        answered=frozenset(raw.get_column(COL.TASK).unique().to_list()),
        parse_answer=parse_answer,
        fetch=fetch,
    )
    if raw.height + other.raw.height == 0:
        raise _no_answers(store, prefix, stats["n_response_files"], skips)
    responses = _combine_answers(raw, other, job=job, stats=stats)
    labelled = (
        parse_consolidated_labels(consolidation, task, fetch, skips)
        if task
        else ConsolidatedLabels({}, frozenset(), frozenset())
    )
    warnings.extend(_reading_warnings(stats, labelled, task, where))
    stats["n_manifest_objects"] = len(consolidation.manifest)
    warnings += _note_beyond_manifest(responses, consolidation, stats, where)
    return Job(
        name=job,
        uri=where,
        responses=responses,
        consolidated=build_consolidated(labelled.labels),
        sources=build_sources(consolidation.manifest),
        label_attribute=consolidation.attribute,
        task_type=consolidation.metadata_type or (task.name if task else None),
        consolidated_from=consolidation.source,
        skipped=tuple(skips.records),
        stats=stats,
        warnings=tuple(warnings),
        n_fetched=fetched + prefetched,
        task=task,
        failed=_failed_objects(responses, consolidation, labelled),
        label_details=labelled.details,
    )


def _combine_answers(
    raw: pl.DataFrame, other: OtherAnswers, *, job: str, stats: dict[str, int]
) -> pl.DataFrame:
    """The responses table from worker-response answers and the others; counts go to ``stats``."""
    responses, duplicates, bad_times = build_responses(
        pl.concat([raw, other.raw], how="vertical_relaxed"), job=job
    )
    if other.raw.height:
        responses = _fill_identity(responses)
    responses, time_counts = screen_times(responses, now=datetime.now(UTC))
    stats.update(_count_other_answers(responses, other))
    stats["n_duplicate_answers"] = duplicates
    stats["n_unparsed_timestamps"] = bad_times
    stats.update(time_counts)
    return responses


def _reading_warnings(
    stats: dict[str, int], labelled: ConsolidatedLabels, task: TaskType | None, where: str
) -> list[str]:
    """What the reader worked around; the count of unusable labels also goes to ``stats``."""
    warnings = []
    if stats["n_unparsed_timestamps"]:
        warnings.append(f"{stats['n_unparsed_timestamps']} timestamps could not be parsed: {where}")
    warnings += describe_time_counts(stats, where)
    if labelled.unusable and task is not None:
        stats["n_unusable_consolidated_labels"] = len(labelled.unusable)
        warnings.append(
            f"{len(labelled.unusable)} consolidated labels do not fit the {task.name} type and "
            f"were left out (see skipped, code bad-consolidated): {where}"
        )
    return warnings


def _fill_identity(responses: pl.DataFrame) -> pl.DataFrame:
    """Answers read without identity data (consolidation requests, pass-through labels) take that
    of the same worker id's other answers in the job: a worker id belongs to one worker."""
    known = (
        responses.filter(pl.col(COL.SUB).is_not_null())
        .group_by(COL.WORKER)
        .agg(pl.col(name).first().alias(f"_{name}") for name in IDENTITY_COLUMNS)
    )
    if known.height == 0:
        return responses
    filled = responses.join(known, on=COL.WORKER, how="left", maintain_order="left")
    missing = pl.col(COL.SUB).is_null()
    return filled.with_columns(
        pl.when(missing).then(pl.col(f"_{name}")).otherwise(pl.col(name)).alias(name)
        for name in IDENTITY_COLUMNS
    ).select(responses.columns)


def _count_other_answers(responses: pl.DataFrame, other: OtherAnswers) -> dict[str, int]:
    """How many of the kept answers came from consolidation requests and pass-through labels."""
    keys = responses.get_column(COL.SOURCE_KEY)
    return {
        "n_answers_from_consolidation_requests": int(keys.is_in(other.request_keys).sum()),
        "n_answers_from_pass_through": int(keys.is_in(other.pass_through_keys).sum()),
    }


def _failed_objects(
    responses: pl.DataFrame, consolidation: Consolidation, labelled: ConsolidatedLabels
) -> tuple[str, ...]:
    """Answered objects that really failed: their record says so, or a finished job's
    consolidation has no record of them. Sorted as numbers ("9" before "10")."""
    answered = set(responses.get_column(COL.TASK).unique().to_list())
    failed = answered & labelled.failed
    if consolidation.source in ("consolidation-response", "output-manifest"):
        failed |= answered - {record.task for record in consolidation.records}
    return tuple(sorted(failed, key=lambda task: (len(task), task)))


def describe(job: Job) -> ReaderFigures:
    """The job's figures for ``summary.json``.

    ``n_failed_objects`` counts objects that failed (``failed_objects`` lists them);
    ``n_objects_without_consolidated_label`` the other answered objects without a consolidated
    label: a pass-through or absent Lambda, a job still running, a label that does not fit.
    """
    answered = job.responses.select(pl.col(COL.TASK).n_unique()).item()
    with_label = job.consolidated.filter(pl.col(COL.CONSOLIDATED).is_not_null())
    n_labelled = (
        job.responses.select(COL.TASK).unique().join(with_label, on=COL.TASK, how="semi").height
    )
    known = job.consolidated_from is not None
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
        "n_failed_objects": len(job.failed) if known else None,
        "failed_objects": list(job.failed) if known else [],
        "n_objects_without_consolidated_label": (
            answered - n_labelled - len(job.failed) if known else None
        ),
        # Each reader fills its own counts (schema.ReadingCounts); a Job holds them untyped.
        **cast(ReadingCounts, job.stats),
        **_count_adjusted(job.label_details),
        "n_files_skipped": len(job.skipped),
    }


def _count_adjusted(details: pl.DataFrame | None) -> ReadingCounts:
    """``n_objects_adjusted`` and ``n_objects_unadjusted`` of an adjustment job (its metadata's
    ``adjustment-status``, one per object); nothing for other jobs."""
    if details is None or details.get_column(COL.ADJUSTMENT_STATUS).null_count() == details.height:
        return {}
    status = details.get_column(COL.ADJUSTMENT_STATUS)
    return {
        "n_objects_adjusted": int((status == "adjusted").sum()),
        "n_objects_unadjusted": int((status == "unadjusted").sum()),
    }
