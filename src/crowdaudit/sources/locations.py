"""Turning what the user typed (a path or an ``s3://`` URI) into a store and a key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crowdaudit.errors import SourceError, SourceNotFoundError
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.s3 import is_s3_uri, split_s3_uri
from crowdaudit.sources.s3_obstore import HybridS3Store
from crowdaudit.sources.store import LocalStore, ObjectStore

__all__ = ["Location", "open_folder", "open_output_file", "open_output_folder", "read_location"]


@dataclass(frozen=True, slots=True)
class Location:
    """A key (file or folder prefix) within a store."""

    store: ObjectStore
    key: str

    @property
    def uri(self) -> str:
        return self.store.uri(self.key)


def _s3(uri: str, aws: AwsConfig) -> Location:
    bucket, key = split_s3_uri(uri)
    return Location(HybridS3Store(aws, bucket), key)


def open_folder(text: str, aws: AwsConfig) -> Location:
    """A folder to read from; its key ends in ``/`` unless it is a store's root.

    Raises:
        SourceNotFoundError: a local folder that does not exist, or is a file.
    """
    if is_s3_uri(text):
        location = _s3(text, aws)
        key = location.key if not location.key or location.key.endswith("/") else location.key + "/"
        return Location(location.store, key)
    path = Path(text).expanduser()
    try:
        exists, is_folder = path.exists(), path.is_dir()
    except OSError as exc:  # a name too long, a loop of symlinks
        raise SourceError(
            "cannot read folder", where=str(path), why=exc.strerror or str(exc)
        ) from exc
    if not exists:
        raise SourceNotFoundError("folder not found", where=str(path))
    if not is_folder:
        raise SourceNotFoundError(
            "not a folder", where=str(path), why="expected a job's output folder"
        )
    return Location(LocalStore(path), "")


def open_output_folder(text: str, aws: AwsConfig) -> Location:
    """A folder to write into: a local path (created on first write) or an ``s3://`` prefix."""
    if is_s3_uri(text):
        location = _s3(text, aws)
        key = location.key if not location.key or location.key.endswith("/") else location.key + "/"
        return Location(location.store, key)
    return Location(LocalStore(Path(text).expanduser()), "")


def open_output_file(text: str, aws: AwsConfig) -> Location:
    """A file to write: a local path or an ``s3://`` URI of an object."""
    if is_s3_uri(text):
        return _s3(text, aws)
    path = Path(text).expanduser()
    return Location(LocalStore(path.parent), path.name)


def read_location(text: str, aws: AwsConfig) -> tuple[bytes, str]:
    """The bytes of one file given as a path or an ``s3://`` URI, and its printable location."""
    if is_s3_uri(text):
        location = _s3(text, aws)
        return location.store.read_bytes(location.key), location.uri
    path = Path(text).expanduser()
    store = LocalStore(path.parent, confined=False)  # the user named this file, link or not
    return store.read_bytes(path.name), str(path)
