"""Custom templates (``groundtruth/custom``): any ``answerContent``, read through a path.

A custom template names its form elements freely, so the answer is found with ``answer_path``, a
dotted path into ``answerContent`` (``annotatedResult.label``; a number indexes a list,
``labels.0``; a string holding JSON is decoded on the way, as ``annotationData.content`` is).
The consolidated label is read with ``label_path`` (e.g. ``result``), else with ``answer_path``.

Without a path, objects with a single key are unwrapped down to the first value that is not one
(``workerComment`` is no part of an answer and is ignored), so that an answer
``{"category": {"label": "Correct"}}`` and a Lambda's label ``{"result": "Correct"}`` both read as
``Correct``: where each holds one scalar leaf, those leaves are compared without being told.

Shapes, as a custom template and its post-annotation Lambda write them:

* worker answer: e.g. ``{"annotatedResult": {"label": "Response 2", "score": 4}}``;
* consolidated: whatever the post-annotation Lambda wrote, read with the path, e.g.
  ``{"annotatedResult": {"label": "Response 2", "score": 4}}``. The pass-through shape
  ``{"annotationsFromAllWorkers": [...]}`` and ``{}`` (no Lambda) hold no consolidated label: ``None``;
  ``{"annotation-ref": "<uri>"}`` is read from the file it names;
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

__all__ = ["COMPARES", "Compare", "Custom", "read_lambda_label", "resolve_path", "unwrap"]

Compare = Literal["exact", "jaccard", "number"]
COMPARES: Final[tuple[Compare, ...]] = ("exact", "jaccard", "number")

_MISSING: Final = object()
_NOT_ANSWERS: Final = frozenset({"workerComment"})
PASS_THROUGH: Final = "annotationsFromAllWorkers"
ANNOTATION_REF: Final = "annotation-ref"


def unwrap(value: object) -> object:
    """``value`` with objects of a single key (``workerComment`` aside) replaced by that key's
    value, repeatedly.

    >>> unwrap({"category": {"label": "Correct"}, "workerComment": "unsure"})
    'Correct'
    """
    while isinstance(value, Mapping):
        keys = [key for key in value if key not in _NOT_ANSWERS]
        if len(keys) != 1:
            break
        value = value[keys[0]]
    return value


def read_lambda_label(value: object, path: str | None, *, fetch: Fetch) -> object:
    """A post-annotation Lambda's label, ready to parse: ``None`` for no label (``None``, ``{}``
    or the pass-through shape); an ``annotation-ref`` replaced by the JSON of the file it names
    (read with ``fetch``); then the value at ``path``, if given.

    Raises:
        TaskShapeError: the referenced file is not JSON, or the path leads nowhere.
        SourceError: the referenced file cannot be read.
    """
    if value is None or value == {}:
        return None
    if isinstance(value, Mapping) and PASS_THROUGH in value:
        return None
    if isinstance(value, Mapping) and isinstance(value.get(ANNOTATION_REF), str):
        uri = str(value[ANNOTATION_REF])
        try:
            value = orjson.loads(fetch(uri))
        except orjson.JSONDecodeError as exc:
            raise TaskShapeError(f"annotation-ref {uri} is not JSON: {exc}") from exc
    if path is not None:
        value = resolve_path(value, path)
        if isinstance(value, str) and value[:1] in ("{", "["):
            # A template that keeps an answer as JSON text in a hidden input.
            with contextlib.suppress(orjson.JSONDecodeError):
                value = orjson.loads(value)
    return value


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


def check_path(path: str | None, what: str) -> None:
    """Raise ``ValueError`` for a dotted path with an empty part (a usage error)."""
    if path is not None and (not path or any(not part for part in path.split("."))):
        raise ValueError(f"{what} {path!r} has an empty part")


def _is_scalar(value: object) -> bool:
    return not isinstance(value, Mapping | list)


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
        answer_path: dotted path into ``answerContent``; ``None``: the content, unwrapped.
        compare: ``"exact"``, ``"jaccard"`` or ``"number"`` (see the module docstring).
        label_path: dotted path into the consolidated label; ``None``: ``answer_path`` where the
            label has it, else the label unwrapped.
    """

    name: ClassVar[str] = "custom"
    metadata_types: ClassVar[frozenset[str]] = frozenset({"groundtruth/custom"})
    answer_path: str | None = None
    compare: Compare = "exact"
    label_path: str | None = None

    def __post_init__(self) -> None:
        if self.compare not in COMPARES:
            raise ValueError(f"compare must be one of {', '.join(COMPARES)}")
        for what, path in (("answer_path", self.answer_path), ("label_path", self.label_path)):
            check_path(path, what)

    @property
    def exact(self) -> bool:
        return self.compare == "exact"

    @property
    def parser_id(self) -> str:
        return f"custom-2:{self.compare}:{self.answer_path or ''}"

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
        """The value at ``answer_path`` in ``answerContent`` (else the content unwrapped) as
        canonical text."""
        if self.answer_path is None:
            return self._canonical(unwrap(content), "answerContent")
        return self._canonical(resolve_path(content, self.answer_path), self.answer_path)

    def parse_consolidated(
        self, value: object, metadata: Mapping[str, object], *, fetch: Fetch
    ) -> str | None:
        """The Lambda's output read with ``label_path``, else with ``answer_path`` where it has
        that path, else unwrapped; ``None`` for pass-through or empty."""
        value = read_lambda_label(value, self.label_path, fetch=fetch)
        what = "consolidated value"
        if value is None:
            return None
        if self.label_path is not None:
            return self._canonical(value, what)
        if self.answer_path is not None:
            try:
                return self._canonical(resolve_path(value, self.answer_path), what)
            except TaskShapeError:
                # A Lambda's own shape ({"result": "Correct"}): its one scalar leaf, if so.
                if not _is_scalar(unwrap(value)):
                    raise
        return self._canonical(unwrap(value), what)

    def parse_gold(self, value: object, *, fetch: Fetch | None = None) -> str:
        """The gold value read with ``answer_path`` when it has that shape, else as it is
        (unwrapped when there is no path)."""
        if self.answer_path is None:
            return self._canonical(unwrap(value), "gold value")
        if isinstance(value, Mapping | list):
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
