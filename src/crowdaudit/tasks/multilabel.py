"""Multi-label classification: image (``crowd-image-classifier-multi-select``) and text
(``crowd-classifier-multi-select``).

Shapes, as Ground Truth writes them:

* worker answer: ``{"crowd-image-classifier-multi-select": {"labels": ["bicycle", "person"]}}``;
* consolidated: the attribute's value is a list of class indices (ints, or digit strings) selected
  by *at least one* worker, named through ``class-map`` in the metadata:
  ``[1, 0]`` with ``{"class-map": {"0": "person", "1": "bicycle"}, …}``;
* gold: a list of class **names**, e.g. ``{"7": ["bicycle", "person"]}`` in the gold file (the
  manifest's indices mean nothing without that job's ``class-map``), or ``{"labels": [1, 0],
  "class-map": {"0": "person", "1": "bicycle"}}`` to keep them.

Canonical text: the sorted, de-duplicated names as a compact JSON array, ``["bicycle","person"]``;
``[]`` when nothing was selected.

Similarity is the Jaccard index ``|A ∩ B| / |A ∪ B|`` (Jaccard 1901), 1 when both sets are empty.
Because Ground Truth's consolidated value is the *union* of the workers' choices, agreement with it
rewards workers who pick many labels; prefer gold or leave-one-out agreement for this type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Final

import orjson
import polars as pl

from crowdaudit.schema import COL
from crowdaudit.tasks.base import (
    Fetch,
    LabelFromValue,
    TaskShapeError,
    canonical_json,
    class_name,
    find_element,
    text_label,
)

__all__ = ["MULTI_SELECT_ELEMENTS", "MultiLabel", "jaccard"]

MULTI_SELECT_ELEMENTS: Final = (
    "crowd-image-classifier-multi-select",
    "crowd-classifier-multi-select",
)
"""Element names of the built-in templates, tried first."""


def _canonical(labels: object, what: str) -> str:
    if not isinstance(labels, list):
        raise TaskShapeError(f"{what} is not a list of labels")
    return canonical_json(sorted({text_label(label, f"{what} item") for label in labels}))


@lru_cache(maxsize=8192)
def _label_set(text: str) -> frozenset[str]:
    labels = orjson.loads(text)
    if not isinstance(labels, list):
        raise TaskShapeError(f"not a canonical label set: {text[:80]!r}")
    return frozenset(str(label) for label in labels)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """``|a ∩ b| / |a ∪ b|``; 1 when both are empty.

    >>> jaccard(frozenset({"cat", "dog"}), frozenset({"cat"}))
    0.5
    """
    union = len(a | b)
    return 1.0 if union == 0 else len(a & b) / union


@dataclass(frozen=True, slots=True)
class MultiLabel(LabelFromValue):
    """Multi-label classification, compared by the Jaccard index of the label sets."""

    name: ClassVar[str] = "multilabel"
    metadata_types: ClassVar[frozenset[str]] = frozenset(
        {
            "groundtruth/image-classification-multilabel",
            "groundtruth/text-classification-multilabel",
        }
    )
    exact: ClassVar[bool] = False
    parser_id: ClassVar[str] = "multilabel-1"

    def parse_answer(self, content: object) -> str:
        """``{"crowd-image-classifier-multi-select": {"labels": ["b", "a"]}}`` → ``["a","b"]``."""
        element = _multi_select(content)
        return _canonical(element.get("labels"), "'labels'")

    def parse_value(self, value: object, metadata: Mapping[str, object], fetch: Fetch) -> str:
        """Class indices named through ``metadata["class-map"]``."""
        if not isinstance(value, list):
            raise TaskShapeError(f"multi-label value is {type(value).__name__}, not a list")
        class_map = metadata.get("class-map")
        return _canonical([class_name(i, class_map, "multi-label value") for i in value], "value")

    def parse_gold(self, value: object, *, fetch: Fetch | None = None) -> str:
        """A list of class names, or ``{"labels": [indices], "class-map": {...}}``."""
        if isinstance(value, Mapping):
            labels = value.get("labels")
            if not isinstance(labels, list):
                raise TaskShapeError("multi-label gold object has no 'labels' list")
            class_map = value.get("class-map")
            return _canonical([class_name(i, class_map, "gold") for i in labels], "gold")
        return _canonical(value, "multi-label gold")

    def similarity(self, a: str, b: str) -> float:
        """Jaccard index of the two label sets."""
        return jaccard(_label_set(a), _label_set(b))

    def worker_columns(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """Micro-averaged ``label_precision`` and ``label_recall`` against the reference.

        Over a worker's answers ``A_i`` with a reference ``R_i``:
        ``label_precision = Σ|A_i ∩ R_i| / Σ|A_i|`` and ``label_recall = Σ|A_i ∩ R_i| / Σ|R_i|``,
        null when the denominator is 0. Answers without a reference are not counted.
        """
        totals: dict[str, list[int]] = {}
        for worker, answer, reference in pairs.select(COL.WORKER, "answer", "reference").rows():
            counts = totals.setdefault(worker, [0, 0, 0])
            if answer is None or reference is None:
                continue
            given, expected = _label_set(answer), _label_set(reference)
            counts[0] += len(given & expected)
            counts[1] += len(given)
            counts[2] += len(expected)
        workers = list(totals)
        return pl.DataFrame(
            {
                COL.WORKER: workers,
                COL.LABEL_PRECISION: [_ratio(totals[w][0], totals[w][1]) for w in workers],
                COL.LABEL_RECALL: [_ratio(totals[w][0], totals[w][2]) for w in workers],
            },
            schema={
                COL.WORKER: pl.String(),
                COL.LABEL_PRECISION: pl.Float64(),
                COL.LABEL_RECALL: pl.Float64(),
            },
        )


def _multi_select(content: object) -> Mapping[str, object]:
    return find_element(content, MULTI_SELECT_ELEMENTS, "labels")


def _ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None
