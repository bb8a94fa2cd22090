"""Writing a set of outputs all or nothing, across folders and stores.

Every output is rendered before this module is called. :func:`write_all` then works in two phases:

1. **Stage.** Each file is written beside its final place under a temporary name: on disk into a
   hidden folder ``.crowdaudit-<token>/`` in the target folder (same file system, so a rename
   moves it); in S3 under a temporary prefix ``.crowdaudit-<token>/`` beside the key. Nothing a
   reader could see has changed yet; a failure here removes the staged files and stops.
2. **Commit.** Each staged file is moved into place: on disk the file already there is renamed
   into the staging folder first (kept as the backup) and the new one renamed over its name; in S3
   the old object's bytes are kept in memory and the new bytes written to the final key. Should
   one move fail, the moves already made are undone in reverse order: backups go back, new files
   go away, folders this run created are removed.

Where the credentials may write objects but not read them (a write-only role), an object that
was there before cannot be kept for putting back: should a later move fail, it is left with this
run's bytes. Afterwards nothing of the staging remains. A process killed in the middle of the commit (not an
error, but ``kill -9``) can leave a hidden ``.crowdaudit-<token>/`` folder behind, never a file
under an output's name that holds half its bytes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from crowdaudit.errors import AccessDeniedError, CrowdAuditError, OutputError, SourceNotFoundError
from crowdaudit.sources.aws_errors import as_write_error
from crowdaudit.sources.locations import Location
from crowdaudit.sources.store import _UMASK, LocalStore

__all__ = ["DeletableStore", "write_all"]

_STAGING = ".crowdaudit-"


class DeletableStore(Protocol):
    """What a non-local store must offer for outputs to be written all or nothing."""

    def read_bytes(self, key: str) -> bytes: ...

    def write_bytes(self, key: str, data: bytes) -> None: ...

    def delete(self, key: str) -> None: ...

    def uri(self, key: str) -> str: ...


class _Target(Protocol):
    def stage(self) -> None: ...

    def commit(self) -> None: ...

    def undo(self) -> None: ...

    def clean(self, *, failed: bool) -> None: ...


def _oserror(exc: OSError, path: Path | str) -> OutputError:
    return OutputError("cannot write file", where=str(path), why=exc.strerror or str(exc))


class _LocalTarget:
    """One file on disk, staged in a hidden sibling folder and renamed into place."""

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self.data = data
        self.created: list[Path] = []
        self.folder: Path | None = None
        self.backup: Path | None = None
        self.committed = False

    def stage(self) -> None:
        try:
            missing = [parent for parent in self.path.parents if not parent.exists()]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.created = list(reversed(missing))
            self.folder = Path(tempfile.mkdtemp(prefix=_STAGING, dir=self.path.parent))
            staged = self.folder / self.path.name
            staged.write_bytes(self.data)
            os.chmod(staged, 0o666 & ~_UMASK)
        except OSError as exc:
            raise _oserror(exc, self.path) from exc

    def commit(self) -> None:
        assert self.folder is not None
        try:
            if self.path.is_dir():
                raise OutputError(
                    "cannot write file", where=str(self.path), why="a folder has that name"
                )
            if self.path.exists() or self.path.is_symlink():
                self.backup = self.folder / (self.path.name + ".before")
                os.replace(self.path, self.backup)
            os.replace(self.folder / self.path.name, self.path)
            self.committed = True
        except OSError as exc:
            self.undo()
            raise _oserror(exc, self.path) from exc

    def undo(self) -> None:
        if self.committed:
            self.path.unlink(missing_ok=True)
        if self.backup is not None:
            os.replace(self.backup, self.path)
            self.backup = None
        self.committed = False

    def clean(self, *, failed: bool) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        if failed:
            for folder in reversed(self.created):
                try:
                    folder.rmdir()
                except OSError:
                    break  # not empty: something else lives there now


class _StoreTarget:
    """One object in S3 (or another store), staged under a temporary prefix."""

    def __init__(self, store: DeletableStore, key: str, data: bytes, token: str) -> None:
        self.store = store
        self.key = key
        self.data = data
        folder, _, name = key.rpartition("/")
        self.staged = (
            f"{folder}/{_STAGING}{token}/{name}" if folder else f"{_STAGING}{token}/{name}"
        )
        self.before: bytes | None = None
        self.unknown = False
        """The credentials may write but not read: what was there cannot be put back."""
        self.committed = False

    def stage(self) -> None:
        self.store.write_bytes(self.staged, self.data)

    def commit(self) -> None:
        try:
            self.before = self.store.read_bytes(self.key)
        except SourceNotFoundError:
            self.before = None
        except AccessDeniedError:
            self.unknown = True
        except CrowdAuditError as exc:
            raise as_write_error(exc) from exc
        self.store.write_bytes(self.key, self.data)
        self.committed = True

    def undo(self) -> None:
        if not self.committed or self.unknown:
            return
        if self.before is None:
            self.store.delete(self.key)
        else:
            self.store.write_bytes(self.key, self.before)
        self.committed = False

    def clean(self, *, failed: bool) -> None:
        self.store.delete(self.staged)


def _target(location: Location, data: bytes, token: str) -> _Target:
    store = location.store
    if isinstance(store, LocalStore):
        return _LocalTarget(store.root.expanduser() / location.key, data)
    if not hasattr(store, "delete"):
        raise OutputError("cannot write outputs", where=location.uri, why="the store cannot delete")
    return _StoreTarget(store, location.key, data, token)  # type: ignore[arg-type]


def write_all(outputs: Sequence[tuple[Location, bytes]]) -> list[str]:
    """Write every ``(location of a file, bytes)`` or, on any error, none; return their URIs.

    What was at those places before stays there untouched when this raises.

    Raises:
        OutputError: a file could not be written; nothing of this run is left behind.
    """
    token = uuid.uuid4().hex[:12]
    targets = [_target(location, data, token) for location, data in outputs]
    done: list[_Target] = []
    staged: list[_Target] = []
    failed = True
    try:
        for target in targets:
            staged.append(target)
            target.stage()
        for target in targets:
            target.commit()
            done.append(target)
        failed = False
    finally:
        # A clean-up step that fails must not hide the error that made it necessary.
        if failed:
            for target in reversed(done):
                with contextlib.suppress(Exception):
                    target.undo()
        # In reverse, so that a folder this run created is empty when its creator cleans up.
        for target in reversed(staged):
            with contextlib.suppress(Exception):
                target.clean(failed=failed)
    return [location.uri for location, _ in outputs]
