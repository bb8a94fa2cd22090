"""Single-label types as :class:`~crowdaudit.tasks.base.TaskType`: classification and verification.

Both compare answers by equality, so their similarity is exactly 0 or 1 and ``exact`` is true.

* **Classification** (``groundtruth/image-classification``, ``groundtruth/text-classification``)
  adapts :mod:`crowdaudit.tasks.classification`: the answer is ``{"crowd-image-classifier":
  {"label": "Owl"}}``, the consolidated label is the metadata's ``class-name`` (the attribute's
  value is a class index workers never see). Gold: the class name, ``{"3": "Owl"}``.
* **Label verification** (``groundtruth/label-verification``): the manifest's value is an index
  (``"1"``) and the metadata's ``class-name`` the verdict (``"bad"``). The worker answer's shape is
  not documented by AWS; a classifier-like ``{"<element>": {"label": "bad"}}`` is
  read. Gold: the verdict, ``{"3": "bad"}``.

Canonical text: the class name itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from crowdaudit.tasks import classification
from crowdaudit.tasks.base import Fetch, TaskShapeError

__all__ = ["Classification", "Verification"]


def _gold_label(value: object) -> str:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Mapping) and isinstance(value.get("class-name"), str):
        return str(value["class-name"])
    raise TaskShapeError("gold label is not a class name")


@dataclass(frozen=True, slots=True)
class Classification:
    """Single-label classification: a worker is right or wrong."""

    name: ClassVar[str] = "classification"
    metadata_types: ClassVar[frozenset[str]] = frozenset(
        {"groundtruth/image-classification", "groundtruth/text-classification"}
    )
    exact: ClassVar[bool] = True
    parser_id: ClassVar[str] = "classification-1"

    def parse_answer(self, content: object) -> str:
        """The ``label`` of the classifier element."""
        return classification.parse_answer(content)

    def parse_consolidated(
        self, value: object, metadata: Mapping[str, object], *, fetch: Fetch
    ) -> str | None:
        """The metadata's ``class-name``; ``None`` when there is none."""
        return classification.parse_consolidated(metadata)

    def parse_gold(self, value: object, *, fetch: Fetch | None = None) -> str:
        """The class name (a number is taken as its text; ``{"class-name": …}`` is accepted)."""
        return _gold_label(value)

    def similarity(self, a: str, b: str) -> float:
        """1 when the class names are equal, else 0."""
        return 1.0 if a == b else 0.0

    def worker_columns(self, pairs: pl.DataFrame) -> None:
        """No extra columns."""
        return None


@dataclass(frozen=True, slots=True)
class Verification(Classification):
    """Label verification: the worker's verdict (``good``, ``bad``, …) on an existing label, read
    like a classifier's answer and compared by equality."""

    name: ClassVar[str] = "verification"
    metadata_types: ClassVar[frozenset[str]] = frozenset({"groundtruth/label-verification"})
    parser_id: ClassVar[str] = "verification-1"
