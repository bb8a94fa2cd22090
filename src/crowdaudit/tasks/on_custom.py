"""A custom job built on a built-in element: compared by the element's type, labelled by a Lambda.

A ``groundtruth/custom`` job whose template uses ``crowd-bounding-box``, ``crowd-entity-annotation``,
``crowd-semantic-segmentation`` or ``crowd-classifier`` gets answers of that element's shape, so
the answers are parsed and compared as that type (a box moved by a pixel is not a miss). Its
consolidated label is whatever the job's post-annotation Lambda wrote, read in this order:

1. ``None``, ``{}`` or the pass-through shape ``{"annotationsFromAllWorkers": [...]}``: no label;
2. ``{"annotation-ref": "<uri>"}``: the JSON of the file it names;
3. the value at ``label_path`` (a string holding JSON is decoded: AWS's custom bounding-box demo
   keeps the worker's answer as JSON text in ``boxesInfo``);
4. the type's own consolidated shape (``annotations`` with a ``class-map`` for boxes…);
5. the shape of a worker's answer, with or without its element name (a Lambda that passes one
   worker's answer on);
6. for classification, a single text leaf (``{"result": "Correct"}``).

A value none of these reads raises :class:`~crowdaudit.tasks.base.TaskShapeError`, which the
reader counts and reports: it is never read as an empty answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from crowdaudit.tasks.base import Fetch, TaskShapeError, TaskType
from crowdaudit.tasks.custom import Custom, check_path, read_lambda_label, unwrap

__all__ = ["OnCustomTemplate"]


@dataclass(frozen=True, slots=True)
class OnCustomTemplate:
    """The built-in type ``inner``, for a custom job whose template uses its element.

    Attributes:
        inner: the type the answers have (bounding boxes, entities, segmentation, classification…).
        label_path: dotted path to the label inside the Lambda's value; ``None``: the value.
    """

    inner: TaskType
    label_path: str | None = None
    metadata_types: ClassVar[frozenset[str]] = Custom.metadata_types

    def __post_init__(self) -> None:
        check_path(self.label_path, "label_path")

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def exact(self) -> bool:
        return self.inner.exact

    @property
    def parser_id(self) -> str:
        return self.inner.parser_id

    def parse_answer(self, content: object) -> str:
        """The answer, as the element's type reads it."""
        return self.inner.parse_answer(content)

    def parse_consolidated(
        self, value: object, metadata: Mapping[str, object], *, fetch: Fetch
    ) -> str | None:
        """The Lambda's label, read by the rules of the module docstring."""
        value = read_lambda_label(value, self.label_path, fetch=fetch)
        if value is None:
            return None
        # Shape errors are ValueErrors (classification's own class is not a TaskShapeError).
        first: ValueError | None = None
        try:
            label = self.inner.parse_consolidated(value, metadata, fetch=fetch)
            if label is not None:
                return label
        except ValueError as exc:
            first = exc
        for shaped in (value, {"consolidated": value}):
            try:
                return self.inner.parse_answer(shaped)
            except ValueError:
                continue
        leaf = unwrap(value)
        if self.inner.exact and isinstance(leaf, str) and leaf:
            return leaf
        why = f": {first}" if first is not None else ""
        raise TaskShapeError(f"the label does not fit the {self.inner.name} type{why}")

    def parse_gold(self, value: object, *, fetch: Fetch | None = None) -> str:
        """Gold, as the element's type reads it."""
        return self.inner.parse_gold(value, fetch=fetch)

    def similarity(self, a: str, b: str) -> float:
        """The element's type's similarity."""
        return self.inner.similarity(a, b)

    def worker_columns(self, pairs: pl.DataFrame) -> pl.DataFrame | None:
        """The element's type's worker columns."""
        return self.inner.worker_columns(pairs)
