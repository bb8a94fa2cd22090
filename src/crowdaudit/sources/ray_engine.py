"""``--engine ray``: list, fetch and parse a job's worker responses in Ray tasks, into the cache.

The default engine reads a job's files with threads in one process. With Ray, the same work is
spread over a cluster's cores (or this machine's), as tasks:

1. one listing task per ``iteration-N/`` folder of ``annotations/worker-response/``;
2. one parsing task per shard of at most :data:`SHARD_FILES` new or changed files (a batch job
   keeps all its objects in ``iteration-1/``, so folders alone would give it one task): the
   task fetches its files with threads, parses them with the job's answer parser, and returns
   the parsed answers and the ETag and problems of each file;
3. the driver writes each returned shard as one part of the job's incremental cache
   (:class:`~crowdaudit.sources.cache.ResponseCache`) — the very parts the default engine
   writes, so both engines share a cache and resume each other's runs. Parts are written by the
   driver alone, which keeps their numbering single-writer.

Then the ordinary reader runs on that cache and finds every file there: the tables, skipped
files and figures come out of the same code whichever engine fetched. Model fitting stays on the
driver. Ray is an optional dependency (``pip install 'crowdaudit[ray]'``), imported on first use.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final

import polars as pl

from crowdaudit.errors import CrowdAuditError, SkipLog, SourceError
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.cache import CachedFile, ResponseCache
from crowdaudit.sources.fetch import DEFAULT_CONCURRENCY, Progress, fetch_objects, no_progress
from crowdaudit.sources.groundtruth import parse_fetched_file
from crowdaudit.sources.locations import open_folder
from crowdaudit.sources.responses import (
    AnswerParser,
    ResponseColumns,
    ResponseFile,
    build_raw,
    match_response_key,
)
from crowdaudit.sources.store import ObjectStore, join_key

__all__ = ["SHARD_FILES", "ParsedShard", "RayEngine", "list_folder", "parse_shard"]

SHARD_FILES: Final = 2000
"""Files per parsing task: the cache's batch size, so a shard is one cache part."""

_WORKER_RESPONSE: Final = "annotations/worker-response/"


@dataclass(frozen=True, slots=True)
class ParsedShard:
    """What a parsing task returns: each file's cache entry, and the answers parsed from them."""

    files: list[tuple[str, CachedFile]] = field(default_factory=list)
    raw: pl.DataFrame = field(default_factory=pl.DataFrame)


def _root(store_key: str) -> str:
    return join_key(store_key, _WORKER_RESPONSE) + "/"


def list_folder(store: ObjectStore, root: str, folder: str) -> list[ResponseFile]:
    """The worker-response files below ``folder`` whose key has Ground Truth's shape; the others
    are left for the reader, which reports them."""
    listed = []
    for obj in store.list_objects(folder):
        matched = match_response_key(obj.key[len(root) :])
        if matched is not None:
            listed.append(ResponseFile(obj.key, *matched, obj.etag))
    return listed


def parse_shard(
    store: ObjectStore,
    files: Sequence[ResponseFile],
    *,
    parse_answer: AnswerParser,
    concurrency: int,
) -> ParsedShard:
    """Fetch and parse ``files``, as the default engine does. A file that cannot be fetched is
    left out (not cached), so the reader tries it again and reports it; the problems of the
    others are in their cache entries."""
    by_key = {file.key: file for file in files}
    columns = ResponseColumns()
    skips = SkipLog(strict=False)
    parsed: list[tuple[str, CachedFile]] = []
    for key, data in fetch_objects(store, list(by_key), concurrency=concurrency):
        entry = parse_fetched_file(
            store, by_key[key], data, parse_answer=parse_answer, into=columns, skips=skips
        )
        if entry is not None:
            parsed.append((key, entry))
    return ParsedShard(parsed, build_raw(columns))


def _list_task(job_uri: str, aws: AwsConfig, folder: str) -> list[ResponseFile]:
    location = open_folder(job_uri, aws)
    return list_folder(location.store, _root(location.key), folder)


def _parse_task(
    job_uri: str,
    aws: AwsConfig,
    files: list[ResponseFile],
    parse_answer: AnswerParser,
    concurrency: int,
) -> ParsedShard:
    return parse_shard(
        open_folder(job_uri, aws).store, files, parse_answer=parse_answer, concurrency=concurrency
    )


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise CrowdAuditError(
            "cannot use --engine ray",
            where="ray",
            why=f"{exc}; install it: pip install 'crowdaudit[ray]'",
        ) from exc
    return ray


def _chunks(items: Sequence[ResponseFile], size: int) -> Iterator[list[ResponseFile]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class RayEngine:
    """Ray tasks that fill a job's cache; use as a context manager around the reads.

    Args:
        aws: how tasks reach S3 (each task opens its own client from it).
        address: a running cluster (``ray://head:10001``, ``auto``); ``None`` starts a local Ray
            for the run and stops it afterwards. An already initialised Ray is used as it is.
        num_cpus: CPUs of the local Ray (``None``: all); ignored with ``address``.
        concurrency: objects each parsing task reads at once.
        shard_files: files per parsing task.
    """

    def __init__(
        self,
        aws: AwsConfig,
        *,
        address: str | None = None,
        num_cpus: int | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        shard_files: int = SHARD_FILES,
    ) -> None:
        self.aws = aws
        self.address = address
        self.num_cpus = num_cpus
        self.concurrency = concurrency
        self.shard_files = shard_files
        self._ray: Any = None
        self._started = False
        self.n_tasks = 0

    def __enter__(self) -> RayEngine:
        ray = _import_ray()
        if not ray.is_initialized():
            # Ray's own start-up notices would mix with the command's output.
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "logging_level": logging.ERROR,
            }
            if self.address is None:
                options["num_cpus"] = self.num_cpus
            try:
                ray.init(address=self.address, **options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = self.address or "local"
                raise SourceError("cannot start or reach Ray", where=where, why=str(exc)) from exc
            self._started = True
        self._ray = ray
        self._list = ray.remote(_list_task)
        self._parse = ray.remote(_parse_task)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False

    def _gather(self, refs: list[Any]) -> Iterator[Any]:
        """Results as tasks finish; a task's crowdaudit error is raised as itself."""
        pending = list(refs)
        while pending:
            done, pending = self._ray.wait(pending, num_returns=1)
            try:
                yield self._ray.get(done[0])
            except self._ray.exceptions.RayTaskError as exc:
                cause = exc.as_instanceof_cause()
                if isinstance(cause, CrowdAuditError):
                    raise cause from None
                raise

    def prefill(
        self,
        *,
        job_uri: str,
        cache: ResponseCache,
        parse_answer: AnswerParser,
        progress: Progress = no_progress,
    ) -> int:
        """Bring ``cache`` up to date with the job's files; return how many were fetched."""
        if self._ray is None:
            raise RuntimeError("RayEngine is used outside its with block")
        location = open_folder(job_uri, self.aws)
        root = _root(location.key)
        folders, _ = location.store.list_level(root)
        known = {key: cached.etag for key, cached in cache.load().files.items()}
        listed: list[ResponseFile] = []
        progress("listing", 0, None)
        for found in self._gather([self._list.remote(job_uri, self.aws, f) for f in folders]):
            listed += found
            progress("listing", len(listed), None)
        fresh = sorted(
            (file for file in listed if file.etag is None or known.get(file.key) != file.etag),
            key=lambda file: file.key,
        )
        shards = [
            self._parse.remote(job_uri, self.aws, chunk, parse_answer, self.concurrency)
            for chunk in _chunks(fresh, self.shard_files)
        ]
        self.n_tasks += len(folders) + len(shards)
        done = 0
        progress("reading answers", 0, len(fresh))
        for shard in self._gather(shards):
            if shard.files:
                cache.save_part(shard.files, shard.raw)
            done += len(shard.files)
            progress("reading answers", done, len(fresh))
        return len(fresh)
