"""Object stores: the one seam through which crowdaudit reads and writes files.

A store lists keys under a prefix and reads or writes the bytes of a key. Three stores exist: a
local folder, an S3 bucket and an in-memory dict (tests and the bundled demo). Keys always use ``/``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from crowdaudit.errors import OutputError, SourceError, SourceNotFoundError

__all__ = [
    "REFUSALS",
    "LocalStore",
    "MemoryStore",
    "ObjectStore",
    "StoredObject",
    "join_key",
    "write_atomically",
]


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def write_atomically(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``path`` whole or not at all: into a temporary file beside it, then renamed over it.

    The file gets the usual mode (``0o666`` less the umask), or stays readable by its owner only
    when ``private``.

    Raises:
        OSError: the folder cannot be written; no temporary file is left behind.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if not private:
            os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One listed object: its key, size in bytes and, where the store has one, its ETag.

    ``refused`` is a reason code for an entry the store lists but will not read, so that the
    caller counts it instead of losing it: ``outside-folder`` (a symbolic link resolving outside
    the folder), ``dangling-symlink`` or ``unreadable-folder``.
    """

    key: str
    size: int
    etag: str | None = None
    refused: str | None = None


REFUSALS: Final = {
    "outside-folder": "a symbolic link that resolves outside the job folder",
    "dangling-symlink": "a symbolic link to nothing",
    "unreadable-folder": "a folder that cannot be listed",
}
"""What each ``StoredObject.refused`` code means, in words."""


class ObjectStore(Protocol):
    """What crowdaudit needs from a place that holds files."""

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Yield every object whose key starts with ``prefix``, at any depth."""
        ...

    def list_level(self, prefix: str) -> tuple[list[str], list[StoredObject]]:
        """One level below ``prefix`` (which ends in ``/``): its sub-folder prefixes and its files."""
        ...

    def read_bytes(self, key: str) -> bytes:
        """Return the content of ``key``; raise :class:`SourceNotFoundError` if absent."""
        ...

    def write_bytes(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically: readers see the old or the new bytes, never half."""
        ...

    def uri(self, key: str) -> str:
        """A location a person can paste: a file path or an ``s3://`` URI."""
        ...

    @property
    def max_concurrency(self) -> int:
        """How many reads at once pay off: 1 where a read costs no waiting (disk, memory)."""
        ...


def join_key(prefix: str, *parts: str) -> str:
    """Join key parts with single slashes, whether or not ``prefix`` ends in one."""
    pieces = [prefix.rstrip("/")] if prefix else []
    pieces += [part.strip("/") for part in parts if part]
    return "/".join(piece for piece in pieces if piece)


def _opened_path(fd: int, path: str) -> str:
    """Where an open file really is, links resolved: one readlink on Linux, else a realpath."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(path)


class LocalStore:
    """A folder on disk; keys are paths relative to ``root``."""

    # Measured on a 100,000-answer job: reading from the page cache in threads only adds lock
    # contention with the parsing thread, so files are read one after another.
    max_concurrency = 1

    def __init__(self, root: Path, *, confined: bool = True) -> None:
        """``confined``: refuse files that resolve outside ``root`` (a job folder); ``False`` for
        a folder holding a file the user named, which may well be a link."""
        self.root = root
        self._base = os.path.realpath(root)
        self._shown = str(root)
        self._confined = confined

    def _path(self, key: str) -> str:
        # Keys come from listings or from the user; none may climb out of the folder. Checking the
        # parts is enough (and ~20× cheaper than resolving every path on a 100,000-file job).
        parts = key.split("/")
        if key.startswith("/") or "\\" in key or ".." in parts:
            raise SourceError(
                "refusing key outside the folder", where=key, why=f"root is {self.root}"
            )
        return f"{self._base}/{key}" if key else self._base

    def _inside(self, resolved: str) -> bool:
        return resolved == self._base or resolved.startswith(self._base + os.sep)

    def _key(self, path: str) -> str:
        return path[len(self._base) + 1 :].replace(os.sep, "/")

    def _link(self, entry: os.DirEntry[str], seen: set[int]) -> StoredObject | str | None:
        """A symbolic link: a file to use, a folder to follow (its path), a refusal, or ``None``
        for a folder already listed (a loop, or two links to one folder)."""
        target = os.path.realpath(entry.path)
        if not os.path.exists(target):
            return StoredObject(self._key(entry.path), 0, refused="dangling-symlink")
        if not self._inside(target):
            return StoredObject(self._key(entry.path), 0, refused="outside-folder")
        if not os.path.isdir(target):
            return self._stored(entry, target)
        inode = os.stat(target).st_ino
        if inode in seen:
            return None
        seen.add(inode)
        return entry.path

    def _walk(self, top: str) -> Iterator[StoredObject]:
        """Every file below ``top``, following symbolic links that stay inside the folder."""
        seen = {os.stat(top).st_ino}
        pending = [top]
        while pending:
            folder = pending.pop()
            try:
                with os.scandir(folder) as entries:
                    # Unsorted: callers order what they need; sorting 20,000 folders costs 0.3 s.
                    listed = list(entries)
            except OSError:
                yield StoredObject(self._key(folder), 0, refused="unreadable-folder")
                continue
            for entry in listed:
                if entry.is_symlink():
                    found = self._link(entry, seen)
                    if isinstance(found, str):
                        pending.append(found)
                    elif found is not None:
                        yield found
                elif entry.is_dir(follow_symlinks=False):
                    seen.add(entry.inode())
                    pending.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    yield self._stored(entry)

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        base = self._path(prefix.rstrip("/")) if prefix else self._base
        if os.path.isfile(base):
            yield StoredObject(prefix, os.path.getsize(base))
            return
        if os.path.isdir(base):
            yield from self._walk(base)

    def _stored(self, entry: os.DirEntry[str], resolved: str | None = None) -> StoredObject:
        stat = entry.stat()
        # Stands in for an ETag. ctime moves with every change of content, also when the
        # modification time is put back (touch -r); the inode moves when a file is replaced; a
        # symbolic link also names the file it resolves to.
        etag = f"{stat.st_ino:x}-{stat.st_size:x}-{stat.st_mtime_ns:x}-{stat.st_ctime_ns:x}"
        if resolved is not None:
            etag += "-" + hashlib.sha1(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        return StoredObject(self._key(entry.path), stat.st_size, etag)

    def list_level(self, prefix: str) -> tuple[list[str], list[StoredObject]]:
        base = self._path(prefix.rstrip("/")) if prefix else self._base
        if not os.path.isdir(base):
            return [], []
        folders, files = [], []
        with os.scandir(base) as entries:
            for entry in entries:
                found = self._link(entry, set()) if entry.is_symlink() else None
                if isinstance(found, StoredObject):
                    files.append(found)
                elif isinstance(found, str) or entry.is_dir(follow_symlinks=False):
                    folders.append(self._key(entry.path) + "/")
                elif entry.is_file(follow_symlinks=False):
                    files.append(self._stored(entry))
        return sorted(folders), files

    def identity(self, key: str) -> str:
        """Where ``key`` really is: the resolved path, the same whichever way the folder was typed."""
        return f"file://{self._base}/{key}" if key else f"file://{self._base}"

    def read_bytes(self, key: str) -> bytes:
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                if self._confined and not self._inside(_opened_path(handle.fileno(), path)):
                    raise SourceError(
                        "refusing file", where=self.uri(key), why=REFUSALS["outside-folder"]
                    )
                return handle.read()
        except FileNotFoundError:
            raise SourceNotFoundError("file not found", where=self.uri(key)) from None
        except IsADirectoryError:
            raise SourceError(
                "cannot read file", where=self.uri(key), why="it is a folder"
            ) from None
        except PermissionError:
            raise SourceError(
                "cannot read file", where=self.uri(key), why="permission denied"
            ) from None
        except OSError as exc:  # a name too long, a loop of symlinks, an I/O error
            raise SourceError(
                "cannot read file", where=self.uri(key), why=exc.strerror or str(exc)
            ) from exc

    def write_bytes(self, key: str, data: bytes) -> None:
        path = Path(self._path(key))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, data)
        except OSError as exc:
            raise OutputError(
                "cannot write file", where=str(path), why=exc.strerror or str(exc)
            ) from exc

    def uri(self, key: str) -> str:
        return f"{self._shown.rstrip('/')}/{key}" if key else self._shown


class MemoryStore:
    """Objects held in a dict: for tests and the bundled demo job."""

    max_concurrency = 1

    def __init__(self, objects: Mapping[str, bytes] | None = None, *, name: str = "memory") -> None:
        self.objects: dict[str, bytes] = dict(objects or {})
        self.name = name

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        for key in sorted(self.objects):
            if key.startswith(prefix):
                data = self.objects[key]
                yield StoredObject(key, len(data), hashlib.sha1(data).hexdigest())

    def list_level(self, prefix: str) -> tuple[list[str], list[StoredObject]]:
        folders: set[str] = set()
        files = []
        for stored in self.list_objects(prefix):
            rest = stored.key[len(prefix) :]
            if "/" in rest:
                folders.add(prefix + rest.split("/", 1)[0] + "/")
            else:
                files.append(stored)
        return sorted(folders), files

    def read_bytes(self, key: str) -> bytes:
        try:
            return self.objects[key]
        except KeyError:
            raise SourceNotFoundError("object not found", where=self.uri(key)) from None

    def write_bytes(self, key: str, data: bytes) -> None:
        self.objects[key] = bytes(data)

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def uri(self, key: str) -> str:
        return f"{self.name}://{key}"
