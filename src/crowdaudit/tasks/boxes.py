"""Bounding boxes (``groundtruth/object-detection``), including adjustment jobs.

Shapes, as Ground Truth writes them:

* worker answer: ``{"boundingBox": {"boundingBoxes": [{"label": "Bird", "left": 583, "top": 302,
  "width": 1375, "height": 2052}], "inputImageProperties": {...}}}``; ``boundingBoxes`` is ``null``
  or ``[]`` when nothing is drawn; adjustment jobs add ``"initialValueModified": true|false``;
* consolidated: ``{"annotations": [{"class_id": 0, "left": 111, "top": 134, "width": 61,
  "height": 128}], "image_size": [...]}`` with ``class-map`` (``{"0": "dog"}``) in the metadata;
* gold: the same value as the manifest's, with the ``class-map`` inside it, e.g.
  ``{"annotations": [{"class_id": 0, "left": 111, "top": 134, "width": 61, "height": 128}],
  "class-map": {"0": "dog"}}``; an annotation may name its class with ``"label": "dog"`` instead.

Canonical text: compact JSON ``{"boxes": [[label, left, top, width, height], ...]}`` with the boxes
sorted, plus ``"modified": true|false`` when the answer carried ``initialValueModified``. The flag
feeds ``share_adjusted`` and never the similarity.

Similarity: the boxes of two answers are matched one to one, a pair being allowed when the labels
are equal and ``IoU ≥ iou_threshold``, where ``IoU = area(a ∩ b) / area(a ∪ b)``; the assignment
maximises the number of matches, then their total IoU (Hungarian method, Kuhn 1955, through
``scipy.optimize.linear_sum_assignment``). With ``m`` matches, ``F1 = 2m / (|A| + |B|)``; two empty
answers score 1. This is the detection F1 of PASCAL VOC (Everingham et al. 2010) at one threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt
import orjson
import polars as pl

from crowdaudit.schema import COL
from crowdaudit.tasks.base import (
    Fetch,
    LabelFromValue,
    TaskShapeError,
    canonical_json,
    class_name,
    f1_score,
    find_element,
    parse_number,
    text_label,
)

__all__ = ["BOX_ELEMENTS", "BoundingBoxes", "BoxMatch", "iou_matrix"]

BOX_ELEMENTS: Final = ("boundingBox",)
"""Element name of the built-in template, tried first."""

_SIDES: Final = ("left", "top", "width", "height")

Box = tuple[str, float, float, float, float]


@dataclass(frozen=True, slots=True)
class BoxMatch:
    """The one-to-one matching of two answers' boxes.

    Attributes:
        n_a: boxes in the first answer.
        n_b: boxes in the second answer.
        ious: the IoU of each matched pair.
    """

    n_a: int
    n_b: int
    ious: tuple[float, ...]

    @property
    def f1(self) -> float:
        """``2·matches / (n_a + n_b)``, 1 when both answers are empty."""
        return f1_score(len(self.ious), self.n_a, self.n_b)


def _box(item: object, what: str, class_map: object | None) -> Box:
    if not isinstance(item, Mapping):
        raise TaskShapeError(f"{what} is not an object")
    if "label" in item or class_map is None:
        label = text_label(item.get("label"), f"{what} 'label'")
    else:
        label = class_name(item.get("class_id"), class_map, what)
    left, top, width, height = (parse_number(item.get(side), f"{what} {side!r}") for side in _SIDES)
    if width < 0 or height < 0:
        raise TaskShapeError(f"{what} has a negative width or height")
    return (label, left, top, width, height)


def _canonical(items: object, what: str, *, class_map: object | None, modified: object) -> str:
    if items is None:
        items = []
    if not isinstance(items, list):
        raise TaskShapeError(f"{what} is not a list")
    boxes = sorted(_box(item, f"{what}[{index}]", class_map) for index, item in enumerate(items))
    document: dict[str, object] = {"boxes": boxes}
    if isinstance(modified, bool):
        document["modified"] = modified
    return canonical_json(document)


def _manifest_boxes(items: object, what: str, class_map: object | None) -> str:
    """Annotations as a manifest writes them: a ``class_id`` is named through ``class_map`` (none
    given: an empty map, so that such a box is an error rather than a guess)."""
    return _canonical(
        items, what, class_map=class_map if class_map is not None else {}, modified=None
    )


@lru_cache(maxsize=8192)
def _decode(text: str) -> tuple[tuple[Box, ...], bool | None]:
    document = orjson.loads(text)
    if not isinstance(document, dict) or not isinstance(document.get("boxes"), list):
        raise TaskShapeError(f"not a canonical box list: {text[:80]!r}")
    boxes = tuple(
        (str(b[0]), float(b[1]), float(b[2]), float(b[3]), float(b[4])) for b in document["boxes"]
    )
    modified = document.get("modified")
    return boxes, modified if isinstance(modified, bool) else None


def iou_matrix(a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """IoU of every pair of boxes given as rows ``(left, top, width, height)``.

    ``IoU = area(a ∩ b) / area(a ∪ b)``; identical boxes count as 1, even
    empty (zero-area) ones.

    >>> iou_matrix([[0, 0, 10, 10]], [[0, 0, 10, 8]]).round(3).tolist()
    [[0.8]]
    """
    first = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    second = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    left = np.maximum(first[:, None, 0], second[None, :, 0])
    top = np.maximum(first[:, None, 1], second[None, :, 1])
    right = np.minimum(
        first[:, None, 0] + first[:, None, 2], second[None, :, 0] + second[None, :, 2]
    )
    bottom = np.minimum(
        first[:, None, 1] + first[:, None, 3], second[None, :, 1] + second[None, :, 3]
    )
    inter = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    area_a = first[:, 2] * first[:, 3]
    area_b = second[:, 2] * second[:, 3]
    union = area_a[:, None] + area_b[None, :] - inter
    # Identical boxes score 1 even when rounding loses a tiny or empty box's area.
    same = np.all(first[:, None, :] == second[None, :, :], axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return np.asarray(np.where(same, 1.0, np.clip(iou, 0.0, 1.0)), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class BoundingBoxes(LabelFromValue):
    """Bounding boxes, compared by the F1 of boxes matched one to one by label and IoU.

    Attributes:
        iou_threshold: the least IoU for two boxes of the same label to match (default 0.5).
    """

    name: ClassVar[str] = "bounding-box"
    metadata_types: ClassVar[frozenset[str]] = frozenset({"groundtruth/object-detection"})
    exact: ClassVar[bool] = False
    parser_id: ClassVar[str] = "bounding-box-1"
    iou_threshold: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.iou_threshold <= 1.0:
            raise ValueError(f"iou_threshold must be in [0, 1], not {self.iou_threshold}")

    def parse_answer(self, content: object) -> str:
        """``boundingBox.boundingBoxes`` (``null`` and ``[]`` mean no box) as canonical text."""
        element = find_element(content, BOX_ELEMENTS, "boundingBoxes")
        return _canonical(
            element.get("boundingBoxes"),
            "boundingBoxes",
            class_map=None,
            modified=element.get("initialValueModified"),
        )

    def parse_value(self, value: object, metadata: Mapping[str, object], fetch: Fetch) -> str:
        """``annotations`` with each ``class_id`` named through ``metadata["class-map"]``."""
        if not isinstance(value, Mapping):
            raise TaskShapeError(f"bounding-box value is {type(value).__name__}, not an object")
        if "annotations" not in value:
            # Never read as "no boxes": that would score every worker 0 without a word.
            keys = ", ".join(sorted(map(str, value))) or "none"
            raise TaskShapeError(f"bounding-box value has no 'annotations' (keys: {keys})")
        return _manifest_boxes(value.get("annotations"), "annotations", metadata.get("class-map"))

    def parse_gold(self, value: object, *, fetch: Fetch | None = None) -> str:
        """The manifest's value with a ``class-map`` inside it, or annotations with ``label``."""
        if not isinstance(value, Mapping):
            raise TaskShapeError("bounding-box gold is not an object with 'annotations'")
        return _manifest_boxes(value.get("annotations"), "gold annotations", value.get("class-map"))

    def match(self, a: str, b: str) -> BoxMatch:
        """The optimal one-to-one matching of two answers' boxes (see the module docstring)."""
        boxes_a, _ = _decode(a)
        boxes_b, _ = _decode(b)
        if not boxes_a or not boxes_b:
            return BoxMatch(len(boxes_a), len(boxes_b), ())
        iou = iou_matrix([box[1:] for box in boxes_a], [box[1:] for box in boxes_b])
        labels_a = np.array([box[0] for box in boxes_a], dtype=object)
        labels_b = np.array([box[0] for box in boxes_b], dtype=object)
        allowed = (labels_a[:, None] == labels_b[None, :]) & (iou >= self.iou_threshold)
        # Weights K + IoU with K above the largest possible number of matches make one more match
        # always worth more than any gain in IoU: matches first, total IoU second.
        weight = np.where(allowed, min(len(boxes_a), len(boxes_b)) + 1.0 + iou, 0.0)
        # Imported here: scipy.optimize takes most of a second to import, which every other
        # task type and every start of the command would pay for nothing.
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(weight, maximize=True)
        ious = tuple(float(iou[r, c]) for r, c in zip(rows, cols, strict=True) if allowed[r, c])
        return BoxMatch(len(boxes_a), len(boxes_b), ious)

    def similarity(self, a: str, b: str) -> float:
        """F1 of the matched boxes; ``initialValueModified`` plays no part."""
        return self.match(a, b).f1

    def worker_columns(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """``mean_iou``, ``n_boxes`` and, for adjustment jobs, ``share_adjusted``.

        * ``mean_iou``: mean IoU of the worker's boxes matched to the reference, pooled over all
          matches; null when none matched.
        * ``n_boxes``: mean number of boxes the worker drew per object.
        * ``share_adjusted``: share of the worker's answers with ``initialValueModified`` true,
          among those that carry the flag; the column is present only when some answer does.
        """
        stats: dict[str, list[float]] = {}
        flagged = False
        for worker, answer, reference in pairs.select(COL.WORKER, "answer", "reference").rows():
            # iou sum, matches, boxes, answers, flagged answers, modified answers
            row = stats.setdefault(worker, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
            if answer is None:
                continue
            boxes, modified = _decode(answer)
            row[2] += len(boxes)
            row[3] += 1
            if modified is not None:
                flagged = True
                row[4] += 1
                row[5] += modified
            if reference is not None:
                ious = self.match(answer, reference).ious
                row[0] += sum(ious)
                row[1] += len(ious)
        workers = list(stats)
        columns: dict[str, list[str] | list[float | None]] = {
            COL.WORKER: workers,
            COL.MEAN_IOU: [_ratio(stats[w][0], stats[w][1]) for w in workers],
            COL.N_BOXES: [_ratio(stats[w][2], stats[w][3]) for w in workers],
        }
        schema: dict[str, pl.DataType] = {
            COL.WORKER: pl.String(),
            COL.MEAN_IOU: pl.Float64(),
            COL.N_BOXES: pl.Float64(),
        }
        if flagged:
            columns[COL.SHARE_ADJUSTED] = [_ratio(stats[w][5], stats[w][4]) for w in workers]
            schema[COL.SHARE_ADJUSTED] = pl.Float64()
        return pl.DataFrame(columns, schema=schema)


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None
