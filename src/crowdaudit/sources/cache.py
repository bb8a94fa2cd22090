"""The incremental cache: parsed answers of each job, kept as Parquet with the keys and ETags they
came from, so that a re-run fetches only new or changed files and a run killed half-way resumes.

Layout, one folder per job and parser::

    <cache>/<sha256 of job URI and parser>/
        meta.json                  what the folder is for (job URI, parser, format version)
        part-<n>.parquet           parsed answers (``responses.RAW``) of one batch of files
        part-<n>.keys.parquet      key, ETag and, for unusable files, the reason, of that batch

A part counts only once its keys file exists; both are written atomically, rows first, so an
interrupted write leaves at worst an orphan rows file that the next load ignores. Folder and file
names derive from digests and counters only: S3 keys (which hold ``:``, or ``..`` in a hostile
bucket) never become paths.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import orjson
import polars as pl

from crowdaudit.errors import OutputError
from crowdaudit.sources.responses import RAW

__all__ = ["CacheState", "CachedFile", "Problem", "ResponseCache", "default_cache_dir"]

FORMAT_VERSION: Final = 2
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


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


class ResponseCache:
    """The cache folder of one job read with one parser."""

    def __init__(self, root: Path, *, job_uri: str, parser: str) -> None:
        digest = hashlib.sha256(f"{FORMAT_VERSION}\0{job_uri}\0{parser}".encode()).hexdigest()
        self.folder = root / digest[:40]
        self.job_uri = job_uri
        self.parser = parser

    def _parts(self) -> list[int]:
        if not self.folder.is_dir():
            return []
        numbers = []
        for entry in self.folder.iterdir():
            name = entry.name
            if name.startswith("part-") and name.endswith(".keys.parquet"):
                number = name.removeprefix("part-").removesuffix(".keys.parquet")
                if number.isdigit():
                    numbers.append(int(number))
        return sorted(numbers)

    def load(self) -> CacheState:
        """Everything complete parts hold; an unreadable part is ignored (and refetched).

        A file that appears in several parts (it changed, or a compaction was interrupted) keeps
        only its rows from the newest part.
        """
        state = CacheState()
        parts: list[tuple[int, pl.DataFrame, pl.DataFrame]] = []
        owner: dict[str, int] = {}
        for number in self._parts():
            try:
                keys = pl.read_parquet(self.folder / f"part-{number}.keys.parquet")
                rows = pl.read_parquet(self.folder / f"part-{number}.parquet")
            except (OSError, pl.exceptions.PolarsError):
                continue
            for key, where, etag, problems in keys.iter_rows():
                listed = tuple(tuple(p) for p in orjson.loads(problems)) if problems else ()
                state.files[key] = CachedFile(where, etag, listed)
                owner[where] = number
            parts.append((number, keys, rows))
        frames = []
        for number, keys, rows in parts:
            own = [where for where in keys.get_column("where") if owner.get(where) == number]
            frames.append(rows.filter(pl.col("source_key").is_in(own)))
        if frames:
            state.raw = pl.concat(frames, how="vertical_relaxed")
        return state

    def save_part(self, files: Sequence[tuple[str, CachedFile]], raw: pl.DataFrame) -> None:
        """Add one batch: ``(key, what is known of the file)``, and the answers parsed from it."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            meta = self.folder / "meta.json"
            if not meta.exists():
                description = {
                    "job": self.job_uri,
                    "parser": self.parser,
                    "version": FORMAT_VERSION,
                }
                _write_atomically(meta, orjson.dumps(description))
            number = max(self._parts(), default=-1) + 1
            keys = pl.DataFrame(
                [
                    (
                        key,
                        f.where,
                        f.etag,
                        orjson.dumps(f.problems).decode() if f.problems else None,
                    )
                    for key, f in files
                ],
                schema=KEYS,
                orient="row",
            )
            _write_atomically(self.folder / f"part-{number}.parquet", _parquet(raw))
            _write_atomically(self.folder / f"part-{number}.keys.parquet", _parquet(keys))
        except OSError as exc:
            raise OutputError("cannot write cache", where=str(self.folder), why=str(exc)) from exc

    def replace_all(self, files: Iterable[tuple[str, CachedFile]], raw: pl.DataFrame) -> None:
        """Rewrite the folder as a single part holding exactly ``files`` and ``raw``."""
        old = self._parts()
        self.save_part(list(files), raw)
        for number in old:
            for suffix in (".keys.parquet", ".parquet"):
                (self.folder / f"part-{number}{suffix}").unlink(missing_ok=True)

    @property
    def n_parts(self) -> int:
        return len(self._parts())

    @staticmethod
    def needs_compaction(n_parts: int) -> bool:
        return n_parts > _COMPACT_AFTER
