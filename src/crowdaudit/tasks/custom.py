"""Custom templates (``groundtruth/custom``): any ``answerContent``, read through a path.

A custom template names its form elements freely, so the answer is found with ``answer_path``, a
dotted path into ``answerContent`` (``annotatedResult.label``; a number indexes a list,
``labels.0``; a string holding JSON is decoded on the way, as ``annotationData.content`` is).
Without a path the whole ``answerContent`` is the answer.

Shapes (``gt-format.md`` 3.8):

* worker answer: e.g. ``{"annotatedResult": {"label": "Response 2", "score": 4}}``;
* consolidated: whatever the post-annotation Lambda wrote, read with the same path, e.g.
  ``{"annotatedResult": {"label": "Response 2", "score": 4}}``. The pass-through shape
  ``{"annotationsFromAllWorkers": [...]}`` and ``{}`` (no Lambda) hold no consolidated label: ``None``;
* gold: the same shape (read with the path), or the bare value the path selects,
  ``{"3": "Response 2"}``.

``compare`` chooses the canonical text and the similarity:

* ``"exact"``: the value as text (strings as they are, anything else as compact JSON); similarity
  1 if equal else 0;
* ``"jaccard"``: a list (or one value) as a set, canonical as a sorted JSON array; similarity
  ``|A ∩ B| / |A ∪ B|`` (1 for two empty sets);
* ``"number"``: a number (or numeric string), canonical as JSON; similarity
  ``1 − |a − b| / max(|a|, |b|)`` clipped to [0, 1], 1 when ``a = b`` (so 4 against 5 scores 0.8,
  and values of opposite signs score 0). It is scale-free: it compares ratings on any scale.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Final, Literal

import orjson
import polars as pl

from crowdaudit.tasks.base import Fetch, TaskShapeError, canonical_json, parse_number
from crowdaudit.tasks.multilabel import jaccard

__all__ = ["COMPARES", "Compare", "Custom", "resolve_path"]

Compare = Literal["exact", "jaccard", "number"]
COMPARES: Final[tuple[Compare, ...]] = ("exact", "jaccard", "number")

_MISSING: Final = object()


def resolve_path(value: object, path: str) -> object:
    """The value at a dotted ``path`` inside ``value``.

    >>> resolve_path({"annotatedResult": {"labels": ["a", "b"]}}, "annotatedResult.labels.1")
    'b'

    Raises:
        TaskShapeError: the path leads nowhere.
    """
    current = value
    walked: list[str] = []
    for part in path.split("."):
        if isinstance(current, str) and current[:1] in ("{", "["):
            with contextlib.suppress(orjson.JSONDecodeError):
                current = orjson.loads(current)
        found: object = _MISSING
        if isinstance(current, Mapping):
            found = current.get(part, _MISSING)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            found = current[int(part)]
        if found is _MISSING:
            where = ".".join(walked) or "answerContent"
            raise TaskShapeError(f"no {part!r} under {where} (answer path {path!r})")
        walked.append(part)
        current = found
    return current


def _item_text(value: object) -> str:
    return value if isinstance(value, str) else canonical_json(value)


def _number(value: object, what: str) -> int | float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError as exc:
            raise TaskShapeError(f"{what} {value!r} is not a number") from exc
    return parse_number(value, what)


@dataclass(frozen=True, slots=True)
class Custom:
    """A custom template's answer at ``answer_path``, compared by ``compare``.

    Attributes:
        answer_path: dotted path into ``answerContent``; ``None`` takes the whole content.
        compare: ``"exact"``, ``"jaccard"`` or ``"number"`` (see the module docstring).
    """

    name: ClassVar[str] = "custom"
    metadata_types: ClassVar[frozenset[str]] = frozenset({"groundtruth/custom"})
    answer_path: str | None = None
    compare: Compare = "exact"

    def __post_init__(self) -> None:
        if self.compare not in COMPARES:
            raise ValueError(f"compare must be one of {', '.join(COMPARES)}")
        if self.answer_path is not None and (
            not self.answer_path or any(not part for part in self.answer_path.split("."))
        ):
            raise ValueError(f"answer_path {self.answer_path!r} has an empty part")

    @property
    def exact(self) -> bool:
        return self.compare == "exact"

    @property
    def parser_id(self) -> str:
        return f"custom-1:{self.compare}:{self.answer_path or ''}"

    def _canonical(self, value: object, what: str) -> str:
        if value is None:
            raise TaskShapeError(f"{what} is null")
        if self.compare == "number":
            return canonical_json(_number(value, what))
        if self.compare == "jaccard":
            items = value if isinstance(value, list) else [value]
            return canonical_json(sorted({_item_text(item) for item in items}))
        return _item_text(value)

    def parse_answer(self, content: object) -> str:
        """The value at ``answer_path`` in ``answerContent`` as canonical text."""
        value = content if self.answer_path is None else resolve_path(content, self.answer_path)
        return self._canonical(value, self.answer_path or "answerContent")

    def parse_consolidated(
        self, value: object, metadata: Mapping[str, object], *, fetch: Fetch
    ) -> str | None:
        """The Lambda's output read with ``answer_path``; ``None`` for pass-through or empty."""
        if value is None or value == {}:
            return None
        if isinstance(value, Mapping) and "annotationsFromAllWorkers" in value:
            return None
        if self.answer_path is not None and isinstance(value, Mapping | list):
            value = resolve_path(value, self.answer_path)
        return self._canonical(value, "consolidated value")

    def parse_gold(self, value: object, *, fetch: Fetch | None = None) -> str:
        """The gold value read with ``answer_path`` when it has that shape, else as it is."""
        if self.answer_path is not None and isinstance(value, Mapping | list):
            try:
                value = resolve_path(value, self.answer_path)
            except TaskShapeError:
                if isinstance(value, Mapping):
                    raise
        return self._canonical(value, "gold value")

    def similarity(self, a: str, b: str) -> float:
        """Equality, Jaccard index or relative numeric closeness, by ``compare``."""
        if a == b:
            return 1.0
        if self.compare == "exact":
            return 0.0
        left, right = orjson.loads(a), orjson.loads(b)
        if self.compare == "jaccard":
            return jaccard(frozenset(map(_item_text, left)), frozenset(map(_item_text, right)))
        x, y = float(left), float(right)
        scale = max(abs(x), abs(y))
        if scale == 0 or not math.isfinite(scale):
            return 1.0 if x == y else 0.0
        return min(1.0, max(0.0, 1.0 - abs(x - y) / scale))

    def worker_columns(self, pairs: pl.DataFrame) -> None:
        """No extra columns."""
        return None
