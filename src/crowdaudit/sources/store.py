"""Object stores: the one seam through which crowdaudit reads and writes files.

A store lists keys under a prefix and reads or writes the bytes of a key. Three stores exist: a
local folder, an S3 bucket and an in-memory dict (tests and the bundled demo). Keys always use ``/``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from crowdaudit.errors import OutputError, SourceError, SourceNotFoundError

__all__ = ["LocalStore", "MemoryStore", "ObjectStore", "StoredObject", "join_key"]


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One listed object: its key, size in bytes and, where the store has one, its ETag."""

    key: str
    size: int
    etag: str | None = None


class ObjectStore(Protocol):
    """What crowdaudit needs from a place that holds files."""

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Yield every object whose key starts with ``prefix``, at any depth."""
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


def join_key(prefix: str, *parts: str) -> str:
    """Join key parts with single slashes, whether or not ``prefix`` ends in one."""
    pieces = [prefix.rstrip("/")] if prefix else []
    pieces += [part.strip("/") for part in parts if part]
    return "/".join(piece for piece in pieces if piece)


class LocalStore:
    """A folder on disk; keys are paths relative to ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._resolved = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self._resolved / key).resolve()
        root = self._resolved
        if path != root and root not in path.parents:
            raise SourceError("refusing key outside the folder", key, f"root is {self.root}")
        return path

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        base = self._path(prefix) if prefix else self.root
        if not base.exists():
            return
        if base.is_file():
            yield StoredObject(prefix, base.stat().st_size)
            return
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath, name)
                key = path.relative_to(self._resolved).as_posix()
                yield StoredObject(key, path.stat().st_size)

    def read_bytes(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise SourceNotFoundError("file not found", str(path)) from None
        except IsADirectoryError:
            raise SourceError("cannot read file", str(path), "it is a folder") from None
        except PermissionError:
            raise SourceError("cannot read file", str(path), "permission denied") from None

    def write_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                # mkstemp creates files readable by the owner only; give them the usual mode.
                os.chmod(tmp, 0o666 & ~_UMASK)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise OutputError("cannot write file", str(path), exc.strerror or str(exc)) from exc

    def uri(self, key: str) -> str:
        return str(self.root / key) if key else str(self.root)


class MemoryStore:
    """Objects held in a dict: for tests and the bundled demo job."""

    def __init__(self, objects: Mapping[str, bytes] | None = None, *, name: str = "memory") -> None:
        self.objects: dict[str, bytes] = dict(objects or {})
        self.name = name

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        for key in sorted(self.objects):
            if key.startswith(prefix):
                yield StoredObject(key, len(self.objects[key]))

    def read_bytes(self, key: str) -> bytes:
        try:
            return self.objects[key]
        except KeyError:
            raise SourceNotFoundError("object not found", self.uri(key)) from None

    def write_bytes(self, key: str, data: bytes) -> None:
        self.objects[key] = bytes(data)

    def uri(self, key: str) -> str:
        return f"{self.name}://{key}"
