"""Reading many objects concurrently from a store, with progress reported to a callback."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Final

from crowdaudit.errors import AccessDeniedError, CredentialsError, SkipLog, SourceError
from crowdaudit.sources.store import ObjectStore, StoredObject

__all__ = [
    "DEFAULT_CONCURRENCY",
    "FolderRead",
    "Progress",
    "fetch_objects",
    "list_tree",
    "no_progress",
]

DEFAULT_CONCURRENCY: Final = 64
"""S3 objects read at once unless told otherwise: the one default of every entry point (the
library's readers, the Ray engine, the command line) and of the S3 connection pool."""

Progress = Callable[[str, int, int | None], None]
"""``progress(stage, done, total)``: called as work advances; ``total`` is ``None`` when unknown."""


def no_progress(stage: str, done: int, total: int | None) -> None:
    """A progress callback that ignores everything."""


def fetch_objects(
    store: ObjectStore,
    keys: Sequence[str],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress = no_progress,
    stage: str = "fetching",
) -> Generator[tuple[str, bytes | SourceError], None, None]:
    """Yield ``(key, bytes)`` for every key, in order, reading up to ``concurrency`` at once.

    A key that cannot be read yields its :class:`SourceError` instead of bytes, so the caller can
    count it as skipped; denied access and missing credentials would fail every key alike and are
    raised at once.
    """

    def read(key: str) -> bytes | SourceError:
        try:
            return store.read_bytes(key)
        except (AccessDeniedError, CredentialsError):
            raise
        except SourceError as exc:
            return exc

    total = len(keys)
    progress(stage, 0, total)
    concurrency = min(concurrency, store.max_concurrency)
    if concurrency <= 1 or total <= 1:
        results: Iterator[bytes | SourceError] = map(read, keys)
        for done, (key, result) in enumerate(zip(keys, results, strict=True), start=1):
            progress(stage, done, total)
            yield key, result
        return
    # A bounded window of reads in flight, not every key submitted at once: memory stays flat on
    # a 200,000-file job, and a run stopped half-way (an error, Ctrl-C) does not go on
    # downloading the rest in the background.
    window = 4 * concurrency
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="crowdaudit-fetch")
    pending: deque[tuple[str, Future[bytes | SourceError]]] = deque()
    try:
        remaining = iter(keys)
        for key in islice(remaining, window):
            pending.append((key, pool.submit(read, key)))
        done = 0
        while pending:
            key, future = pending.popleft()
            result = future.result()
            for following in islice(remaining, 1):
                pending.append((following, pool.submit(read, following)))
            done += 1
            progress(stage, done, total)
            yield key, result
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True, slots=True)
class FolderRead:
    """A job folder being read: its store and key, the log its unusable files go to, and how its
    objects are fetched (``concurrency`` at once, ``progress`` told)."""

    store: ObjectStore
    prefix: str
    skips: SkipLog
    concurrency: int = DEFAULT_CONCURRENCY
    progress: Progress = no_progress

    def fetch(
        self, keys: Sequence[str], *, stage: str
    ) -> Generator[tuple[str, bytes | SourceError], None, None]:
        """:func:`fetch_objects` of ``keys`` in this folder's store."""
        return fetch_objects(
            self.store, keys, concurrency=self.concurrency, progress=self.progress, stage=stage
        )


def list_tree(
    store: ObjectStore,
    prefix: str,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress = no_progress,
    stage: str = "listing",
) -> list[StoredObject]:
    """Every object below ``prefix`` (ending in ``/``), listing its sub-folders in parallel.

    S3 returns at most 1,000 keys a page, one page after another; a job's keys are spread over
    ``iteration-N/`` folders, so listing those side by side divides the waiting.
    """
    progress(stage, 0, None)
    if min(concurrency, store.max_concurrency) <= 1:
        found = list(store.list_objects(prefix))
        progress(stage, len(found), len(found))
        return found
    folders, found = store.list_level(prefix)
    with ThreadPoolExecutor(
        max_workers=min(concurrency, max(len(folders), 1)), thread_name_prefix="crowdaudit-list"
    ) as pool:
        for listed in pool.map(lambda folder: list(store.list_objects(folder)), folders):
            found += listed
            progress(stage, len(found), None)
    progress(stage, len(found), len(found))
    return found
