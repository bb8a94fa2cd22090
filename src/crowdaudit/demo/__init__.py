"""The bundled demo: the real output of a 2019 Ground Truth image-classification job.

See ``NOTICE`` beside this file for its origin and licence (Apache-2.0).
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tarfile
import tempfile
from importlib.resources import files
from pathlib import Path
from typing import Final

from crowdaudit.model import Gold
from crowdaudit.sources.gold import parse_gold
from crowdaudit.sources.store import MemoryStore

__all__ = ["DEMO_JOB", "demo_gold", "demo_job", "load_demo_gold", "load_demo_store"]

DEMO_JOB: Final = "birds-open-images-clone"
_HERE = files(__name__)


def load_demo_store() -> MemoryStore:
    """The demo job's files in memory, under the prefix ``birds-open-images-clone/``."""
    archive = gzip.decompress(_HERE.joinpath(f"{DEMO_JOB}.tar.gz").read_bytes())
    objects: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                objects[member.name] = handle.read()
    return MemoryStore(objects, name="demo")


def load_demo_gold() -> Gold:
    """The demo job's gold labels (a golden manifest keyed by ``datasetObjectId``)."""
    data = _HERE.joinpath("golden.manifest").read_bytes()
    return parse_gold(data, where="demo://golden.manifest")


def demo_job(folder: str | Path | None = None) -> Path:
    """The bundled job as a folder on disk, ready for :func:`crowdaudit.audit`.

    The job ships as a tarball; the first call unpacks it (into ``folder``, by default
    ``<cache>/demo/``, see :func:`crowdaudit.sources.cache.default_cache_dir`) and later calls
    return the same folder. Its gold labels are at :func:`demo_gold`.

    Args:
        folder: where to unpack it; ``None``: the user's cache folder.

    Returns:
        The job's output folder (holding ``annotations/`` and ``manifests/``).

    Example::

        import crowdaudit

        result = crowdaudit.audit(crowdaudit.demo_job(), gold=crowdaudit.demo_gold())
        result          # in a notebook: who to check, and why
    """
    from crowdaudit._version import __version__
    from crowdaudit.sources.cache import default_cache_dir

    root = Path(folder) if folder is not None else default_cache_dir() / "demo" / __version__
    job = root / DEMO_JOB
    if not (job / "manifests").is_dir():
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".demo-", dir=root))
        try:
            archive = gzip.decompress(_HERE.joinpath(f"{DEMO_JOB}.tar.gz").read_bytes())
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(staging, filter="data")
            (staging / "golden.manifest").write_bytes(
                _HERE.joinpath("golden.manifest").read_bytes()
            )
            os.replace(staging / "golden.manifest", root / "golden.manifest")
            # Moved into place whole: a second process sees all of the job or none of it.
            try:
                os.rename(staging / DEMO_JOB, job)
            except OSError:
                if not (job / "manifests").is_dir():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return job


def demo_gold(folder: str | Path | None = None) -> Path:
    """The bundled job's golden manifest on disk, beside the job :func:`demo_job` unpacks.

    Args:
        folder: as for :func:`demo_job` (the job is unpacked there first if needed).

    Returns:
        The path of ``golden.manifest``: one ``{"<datasetObjectId>": "<label>"}`` per line.

    Example::

        result = crowdaudit.audit(crowdaudit.demo_job(), gold=crowdaudit.demo_gold())
    """
    return demo_job(folder).parent / "golden.manifest"
