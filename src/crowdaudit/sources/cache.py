"""The incremental cache: parsed answers of each job, kept as Parquet with the keys and ETags they
came from, so that a re-run fetches only new or changed files and a run killed half-way resumes.

Layout, one folder per job and parser::

    <cache>/<sha256 of job URI and parser>/
        meta.json                         what the folder is for (job URI, parser, format version)
        .lock                             taken while the folder is read or written
        part-<time>-<pid>-<random>.parquet    one batch: its files' keys and its parsed answers

A batch is one file, written under a temporary name and renamed into place, so its answers and
its keys appear together or not at all: there is no pairing of two files to get wrong. Part names
are unique (time, process, random), so two runs never write the same name; the lock (``flock``)
keeps a compaction from deleting parts another run is writing. Parts are read in name order, and
a file that appears in several keeps its rows from the newest. For local files the "ETag" holds
inode, size, modification and change time (:class:`~crowdaudit.sources.store.LocalStore`), and the
folder digest uses the resolved path: a file edited with its modification time put back, or the
same relative path typed in another directory, is never served from another's entry.

Folder and file names derive from digests and counters only: S3 keys (which hold ``:``, or ``..``
in a hostile bucket) never become paths.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import orjson
import polars as pl

from crowdaudit.errors import OutputError
from crowdaudit.schema import COL
from crowdaudit.sources.responses import RAW
from crowdaudit.sources.store import write_atomically

__all__ = ["CacheState", "CachedFile", "Problem", "ResponseCache", "default_cache_dir"]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: unique part names still keep batches whole
    fcntl = None  # type: ignore[assignment]

FORMAT_VERSION: Final = 3
_COMPACT_AFTER: Final = 8

KEYS: Final[dict[str, pl.DataType]] = {
    "key": pl.String(),
    "where": pl.String(),
    "etag": pl.String(),
    "problems": pl.String(),
}


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/crowdaudit``, else ``~/.cache/crowdaudit``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crowdaudit"


Problem = tuple[str, str, str, str]
"""``(what, where, why, code)`` of an unusable file or answer, as reported to the user."""


@dataclass(frozen=True, slots=True)
class CachedFile:
    """A file the cache has seen: where it is, its ETag, and what in it could not be used."""

    where: str
    etag: str
    problems: tuple[Problem, ...] = ()


@dataclass(slots=True)
class CacheState:
    """What a cache folder holds: files seen and the answers parsed from them."""

    files: dict[str, CachedFile] = field(default_factory=dict)
    raw: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=RAW))


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


_KIND = "_cache_row"
"""Marks the rows of a part file: ``"key"`` for a file's key, ETag and problems; ``"answer"``
for a parsed answer."""


def _pack(files: Sequence[tuple[str, CachedFile]], raw: pl.DataFrame) -> pl.DataFrame:
    """A batch as one table: its keys and its answers, told apart by ``_cache_row``."""
    keys = pl.DataFrame(
        [
            (key, f.where, f.etag, orjson.dumps(f.problems).decode() if f.problems else None)
            for key, f in files
        ],
        schema=KEYS,
        orient="row",
    )
    answers = (
        raw.select(*(pl.col(name).cast(dtype) for name, dtype in RAW.items()))
        if raw.width
        else pl.DataFrame(schema=RAW)
    )
    return pl.concat(
        [
            keys.with_columns(pl.lit("key").alias(_KIND)),
            answers.with_columns(pl.lit("answer").alias(_KIND)),
        ],
        how="diagonal",
    )


def _unpack(part: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    keys = part.filter(pl.col(_KIND) == "key").select(*KEYS)
    answers = part.filter(pl.col(_KIND) == "answer").select(*RAW)
    return keys, answers


class ResponseCache:
    """The cache folder of one job read with one parser."""

    def __init__(self, root: Path, *, job_uri: str, parser: str) -> None:
        digest = hashlib.sha256(f"{FORMAT_VERSION}\0{job_uri}\0{parser}".encode()).hexdigest()
        self.folder = root / digest[:40]
        self.job_uri = job_uri
        self.parser = parser
        self._mine: set[str] = set()
        """Parts this object loaded or wrote: the ones a compaction may delete."""

    def _parts(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(
            entry.name
            for entry in self.folder.iterdir()
            if entry.name.startswith("part-") and entry.name.endswith(".parquet")
        )

    @contextlib.contextmanager
    def _locked(self, *, exclusive: bool) -> Iterator[None]:
        if fcntl is None or not self.folder.is_dir():
            yield
            return
        with open(self.folder / ".lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def load(self) -> CacheState:
        """Everything the parts hold; an unreadable part is ignored (and its files refetched).

        A file that appears in several parts (it changed, or a compaction was interrupted) keeps
        only its rows from the newest part.
        """
        state = CacheState()
        parts: list[tuple[str, pl.DataFrame, pl.DataFrame]] = []
        owner: dict[str, str] = {}
        with self._locked(exclusive=False):
            for name in self._parts():
                try:
                    keys, rows = _unpack(pl.read_parquet(self.folder / name))
                except (OSError, pl.exceptions.PolarsError):
                    continue
                self._mine.add(name)
                for key, where, etag, problems in keys.iter_rows():
                    listed = tuple(tuple(p) for p in orjson.loads(problems)) if problems else ()
                    state.files[key] = CachedFile(where, etag, listed)
                    owner[where] = name
                parts.append((name, keys, rows))
        frames = []
        for name, keys, rows in parts:
            own = [where for where in keys.get_column("where") if owner.get(where) == name]
            frames.append(rows.filter(pl.col(COL.SOURCE_KEY).is_in(own)))
        if frames:
            state.raw = pl.concat(frames, how="vertical_relaxed")
        return state

    def _write_meta(self) -> None:
        meta = self.folder / "meta.json"
        if not meta.exists():
            description = {"job": self.job_uri, "parser": self.parser, "version": FORMAT_VERSION}
            write_atomically(meta, orjson.dumps(description), private=True)

    def save_part(self, files: Sequence[tuple[str, CachedFile]], raw: pl.DataFrame) -> None:
        """Add one batch: ``(key, what is known of the file)``, and the answers parsed from it."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self._locked(exclusive=True):
                self._write_meta()
                name = f"part-{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}.parquet"
                write_atomically(self.folder / name, _parquet(_pack(files, raw)), private=True)
                self._mine.add(name)
        except OSError as exc:
            raise OutputError("cannot write cache", where=str(self.folder), why=str(exc)) from exc

    def replace_all(self, files: Iterable[tuple[str, CachedFile]], raw: pl.DataFrame) -> None:
        """Rewrite what this run knows as a single part, and delete the parts it replaces.

        Parts written meanwhile by another run are kept: they may hold files this run has not seen.
        """
        replaced = set(self._mine)
        self.save_part(list(files), raw)
        with self._locked(exclusive=True):
            for name in replaced:
                (self.folder / name).unlink(missing_ok=True)
        self._mine -= replaced

    @property
    def n_parts(self) -> int:
        return len(self._parts())

    @staticmethod
    def needs_compaction(n_parts: int) -> bool:
        return n_parts > _COMPACT_AFTER
