"""Named entity recognition (``groundtruth/text-span``, ``crowd-entity-annotation``).

Shapes, as Ground Truth writes them; offsets count Unicode characters and ``endOffset`` is the
first character after the span:

* worker answer: ``{"crowd-entity-annotation": {"entities": [{"startOffset": 0, "endOffset": 4,
  "label": "verb"}]}}``;
* consolidated: ``{"annotations": {"entities": [{"label": "Thing", "startOffset": 22,
  "endOffset": 53}], "labels": [...]}}``;
* gold: the same value as the manifest's, e.g. ``{"annotations": {"entities": [{"label": "Date",
  "startOffset": 75, "endOffset": 88}]}}``; ``{"entities": [...]}`` or a bare list are accepted too.

Canonical text: the distinct spans as a sorted compact JSON array of ``[start, end, label]``, e.g.
``[[0,4,"verb"],[22,53,"Thing"]]``; ``[]`` when there are none.

Similarity (``span_match``):

* ``"exact"``: span F1, ``2·|A ∩ B| / (|A| + |B|)``, a span counting only with the same offsets and
  label (the CoNLL-2003 criterion, Tjong Kim Sang and De Meulder 2003);
* ``"overlap"``: partial credit. Spans of the same label are matched one to one so as to maximise
  the total credit, the credit of a pair being the Jaccard index of their character ranges,
  ``|a ∩ b| / |a ∪ b|``; similarity ``= 2·Σ credit / (|A| + |B|)``. An exact match earns 1, so
  ``overlap ≥ exact``. Example: ``Location [14, 18)`` against ``Location [14, 19)`` earns 4/5.

Both score 1 when neither answer has a span.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Final, Literal

import numpy as np
import orjson
import polars as pl

from crowdaudit.tasks.base import (
    Fetch,
    LabelFromValue,
    TaskShapeError,
    canonical_json,
    f1_score,
    find_element,
    text_label,
)

__all__ = ["ENTITY_ELEMENTS", "SPAN_MATCHES", "Entities", "SpanMatch"]

ENTITY_ELEMENTS: Final = ("crowd-entity-annotation",)
"""Element name of the built-in NER tool, tried first."""

SpanMatch = Literal["exact", "overlap"]
SPAN_MATCHES: Final[tuple[SpanMatch, ...]] = ("exact", "overlap")

Span = tuple[int, int, str]


def _offset(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise TaskShapeError(f"{what} is not a whole number")
    if value < 0:
        raise TaskShapeError(f"{what} is negative")
    return int(value)


def _span(item: object, what: str) -> Span:
    if not isinstance(item, Mapping):
        raise TaskShapeError(f"{what} is not an object")
    start = _offset(item.get("startOffset"), f"{what} 'startOffset'")
    end = _offset(item.get("endOffset"), f"{what} 'endOffset'")
    if end < start:
        raise TaskShapeError(f"{what} ends before it starts")
    return (start, end, text_label(item.get("label"), f"{what} 'label'"))


def _canonical(items: object, what: str) -> str:
    if items is None:
        items = []
    if not isinstance(items, list):
        raise TaskShapeError(f"{what} is not a list")
    return canonical_json(sorted({_span(item, f"{what}[{i}]") for i, item in enumerate(items)}))


@lru_cache(maxsize=8192)
def _decode(text: str) -> tuple[Span, ...]:
    spans = orjson.loads(text)
    if not isinstance(spans, list):
        raise TaskShapeError(f"not a canonical span list: {text[:80]!r}")
    return tuple((int(s[0]), int(s[1]), str(s[2])) for s in spans)


def _overlap_credit(a: tuple[Span, ...], b: tuple[Span, ...]) -> float:
    credit = np.zeros((len(a), len(b)))
    for i, (start_a, end_a, label_a) in enumerate(a):
        for j, (start_b, end_b, label_b) in enumerate(b):
            if label_a != label_b:
                continue
            inter = min(end_a, end_b) - max(start_a, start_b)
            union = max(end_a, end_b) - min(start_a, start_b)
            if union == 0:
                credit[i, j] = 1.0 if start_a == start_b else 0.0
            elif inter > 0:
                credit[i, j] = inter / union
    from scipy.optimize import (
        linear_sum_assignment,
    )  # slow to import: only when overlaps are scored

    rows, cols = linear_sum_assignment(credit, maximize=True)
    return math.fsum(credit[rows, cols].tolist())


@dataclass(frozen=True, slots=True)
class Entities(LabelFromValue):
    """Entity spans, compared by span F1 (exact, or with partial credit for overlaps).

    Attributes:
        span_match: ``"exact"`` (default) or ``"overlap"``; see the module docstring.
    """

    name: ClassVar[str] = "entities"
    metadata_types: ClassVar[frozenset[str]] = frozenset({"groundtruth/text-span"})
    exact: ClassVar[bool] = False
    parser_id: ClassVar[str] = "entities-1"
    span_match: SpanMatch = "exact"

    def __post_init__(self) -> None:
        if self.span_match not in SPAN_MATCHES:
            raise ValueError(f"span_match must be one of {', '.join(SPAN_MATCHES)}")

    def parse_answer(self, content: object) -> str:
        """``crowd-entity-annotation.entities`` as canonical text."""
        element = find_element(content, ENTITY_ELEMENTS, "entities")
        return _canonical(element.get("entities"), "entities")

    def parse_value(self, value: object, metadata: Mapping[str, object], fetch: Fetch) -> str:
        """``annotations.entities`` of the manifest's value."""
        return self.parse_gold(value)

    def parse_gold(self, value: object, *, fetch: Fetch | None = None) -> str:
        """``{"annotations": {"entities": [...]}}``, ``{"entities": [...]}`` or a bare list."""
        if isinstance(value, Mapping) and isinstance(value.get("annotations"), Mapping):
            value = value["annotations"]
        if isinstance(value, Mapping):
            if "entities" not in value:
                raise TaskShapeError("entity value has no 'annotations.entities'")
            value = value["entities"]
        return _canonical(value, "entities")

    def similarity(self, a: str, b: str) -> float:
        """Span F1 (``span_match="exact"``) or overlap-credited F1 (``"overlap"``)."""
        # Taking the pair in a fixed order makes the float sums, hence the result, symmetric.
        spans_a, spans_b = (_decode(a), _decode(b)) if a <= b else (_decode(b), _decode(a))
        if self.span_match == "exact" or not spans_a or not spans_b:
            matched = float(len(set(spans_a) & set(spans_b)))
        else:
            matched = _overlap_credit(spans_a, spans_b)
        return f1_score(matched, len(spans_a), len(spans_b))

    def worker_columns(self, pairs: pl.DataFrame) -> None:
        """Entities add no columns."""
        return None
