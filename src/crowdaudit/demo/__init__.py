"""The bundled demo: the real output of a 2019 Ground Truth image-classification job.

See ``NOTICE`` beside this file for its origin and licence (Apache-2.0).
"""

from __future__ import annotations

import gzip
import io
import tarfile
from importlib.resources import files
from typing import Final

from crowdaudit.model import Gold
from crowdaudit.sources.gold import parse_gold
from crowdaudit.sources.store import MemoryStore

__all__ = ["DEMO_JOB", "load_demo_gold", "load_demo_store"]

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
