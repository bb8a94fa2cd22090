"""The interface every task type implements, and the helpers the types share (pure).

A *task type* reads a label from the three places one comes from — a worker's ``answerContent``, the
consolidated label attribute of the output manifest (or a consolidation response) and a gold file —
and turns each into the same **canonical text**: a string that is hashable and comparable, so that
answers can live in the ``label`` column of the responses table like single-label classes do. It then
compares two canonical texts with a similarity in [0, 1] that is 1 when they are equal. The worker
table's accuracy and agreement columns are means of that similarity.

Nothing here does I/O: the one type that needs bytes from elsewhere (segmentation, whose consolidated
mask is a PNG in S3) receives a ``fetch`` callable from the caller.

Every type raises :class:`TaskShapeError` (a ``ValueError``) with a reason when a value has a shape
it cannot read, so that the reader can count and report it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Protocol

import orjson
import polars as pl

from crowdaudit.schema import COL
from crowdaudit.tasks.classification import AnswerShapeError

__all__ = [
    "Fetch",
    "LabelFromValue",
    "TaskShapeError",
    "TaskType",
    "canonical_json",
    "class_name",
    "compute_peer_similarity",
    "compute_similarity",
    "f1_score",
    "find_element",
    "parse_number",
    "text_label",
]

Fetch = Callable[[str], bytes]
"""Reads the bytes behind a URI (``s3://…``); supplied by the caller, which owns the I/O."""


class TaskShapeError(AnswerShapeError):
    """An answer, consolidated label or gold value does not have the shape its task type expects.

    A ``ValueError`` (through classification's ``AnswerShapeError``), so that code catching either
    of those for single-label classification catches every type.
    """


class TaskType(Protocol):
    """What a task type provides. Implementations are frozen dataclasses whose options are fields.

    Attributes:
        name: the type's name, as ``--task-type`` takes it (``"multilabel"``, ``"bounding-box"``…).
        metadata_types: the lower-case ``<attribute>-metadata.type`` values it handles.
        exact: ``True`` when :meth:`similarity` is exactly ``1.0 if a == b else 0.0``, so that the
            caller may compare canonical texts with vectorised equality instead.
        parser_id: changes whenever the canonical text an answer parses to would change (a new
            format or different options): a key for caches of parsed answers.
    """

    @property
    def name(self) -> str: ...

    @property
    def metadata_types(self) -> frozenset[str]: ...

    @property
    def exact(self) -> bool: ...

    @property
    def parser_id(self) -> str: ...

    def parse_answer(self, content: object) -> str:
        """A worker's ``answerContent`` as canonical text.

        Raises:
            TaskShapeError: the content has no answer of this type.
        """
        ...

    def parse_consolidated(
        self, value: object, metadata: Mapping[str, object], *, fetch: Fetch
    ) -> str | None:
        """The label attribute's value and its ``-metadata`` as canonical text.

        Returns ``None`` when the object has no label (``value`` is ``None``).

        Raises:
            TaskShapeError: the value or metadata is present but malformed.
        """
        ...

    def parse_gold(self, value: object, *, fetch: Fetch | None = None) -> str:
        """A gold value (shaped like the manifest's label value, see each module) as canonical text.

        Raises:
            TaskShapeError: the value has the wrong shape.
        """
        ...

    def similarity(self, a: str, b: str) -> float:
        """How alike two canonical texts are, in [0, 1]; 1 when they are equal; symmetric."""
        ...

    def worker_columns(self, pairs: pl.DataFrame) -> pl.DataFrame | None:
        """Extra per-worker columns, or ``None`` when the type has none.

        Args:
            pairs: columns ``worker``, ``answer`` and ``reference`` (canonical texts; the reference
                is the gold label where known, else the consolidated one, and may be null).

        Returns:
            One row per worker of ``pairs``, keyed by ``worker``.
        """
        ...


class LabelFromValue:
    """For the types whose consolidated label is read from the attribute's value: an object
    whose value is ``None`` has no label, and :meth:`parse_value` reads every other value."""

    __slots__ = ()

    def parse_consolidated(
        self, value: object, metadata: Mapping[str, object], *, fetch: Fetch
    ) -> str | None:
        """``None`` when ``value`` is, else :meth:`parse_value`."""
        return None if value is None else self.parse_value(value, metadata, fetch)

    def parse_value(self, value: object, metadata: Mapping[str, object], fetch: Fetch) -> str:
        """The consolidated label of an object that has a ``value``, as canonical text.

        Raises:
            TaskShapeError: the value or metadata is malformed.
        """
        raise NotImplementedError


def canonical_json(value: object) -> str:
    """Compact JSON with sorted keys: the same value always gives the same text."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def text_label(value: object, what: str) -> str:
    """A label that must be a non-empty string."""
    if type(value) is not str or not value:
        raise TaskShapeError(f"{what} is {_describe(value)}, not a non-empty string")
    return value


def parse_number(value: object, what: str) -> int | float:
    """A finite JSON number (not a boolean); integral floats become ints so ``3.0`` equals ``3``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TaskShapeError(f"{what} is {_describe(value)}, not a number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TaskShapeError(f"{what} is not finite")
        if value.is_integer():
            return int(value)
    return value


def class_name(index: object, class_map: object, what: str) -> str:
    """The class name of an index (int or digit string) through a ``class-map`` keyed by strings."""
    if not isinstance(class_map, Mapping):
        raise TaskShapeError(f"{what}: no 'class-map' to name class {index!r}")
    if isinstance(index, bool) or not isinstance(index, int | str):
        raise TaskShapeError(f"{what}: class index is {_describe(index)}")
    name = class_map.get(str(index))
    if type(name) is not str:
        raise TaskShapeError(f"{what}: class {index!r} is not in the class-map")
    return name


def find_element(content: object, names: Sequence[str], key: str) -> Mapping[str, object]:
    """The element of an ``answerContent`` that holds ``key``.

    The built-in template element ``names`` are tried first; a custom template with exactly one
    element holding ``key`` is accepted too, as classification does.

    Raises:
        TaskShapeError: ``content`` is not an object, or no single element holds ``key``.
    """
    if not isinstance(content, Mapping):
        raise TaskShapeError(f"answerContent is {_describe(content)}, not an object")
    for name in names:
        element = content.get(name)
        if isinstance(element, Mapping) and key in element:
            return element
    found = [
        element for element in content.values() if isinstance(element, Mapping) and key in element
    ]
    if len(found) == 1:
        return found[0]
    keys = ", ".join(sorted(map(str, content))) or "none"
    many = "several elements hold" if found else "no element holds"
    raise TaskShapeError(f"unknown answer shape: {many} {key!r} (keys: {keys})")


def f1_score(matched: float, n_a: int, n_b: int) -> float:
    """``2·matched / (n_a + n_b)``, the F1 of two sets with ``matched`` (possibly fractional)
    one-to-one matches; 1 when both are empty."""
    total = n_a + n_b
    return 1.0 if total == 0 else min(1.0, 2.0 * matched / total)


def _describe(value: object) -> str:
    if value is None:
        return "null"
    return type(value).__name__


def compute_similarity(task: TaskType, left: pl.Series, right: pl.Series) -> pl.Series:
    """The similarity of each pair ``(left[i], right[i])``; null where either side is null.

    Exact types are compared with vectorised equality; the others call :meth:`TaskType.similarity`
    once per distinct pair, since the same pair (a worker's answer against an object's consolidated
    label, say) recurs.
    """
    if task.exact:
        return (left == right).cast(pl.Float64).alias("similarity")
    cache: dict[tuple[str, str], float] = {}
    values: list[float | None] = []
    for a, b in zip(left.to_list(), right.to_list(), strict=True):
        if a is None or b is None:
            values.append(None)
            continue
        key = (a, b)
        if key not in cache:
            cache[key] = task.similarity(a, b)
        values.append(cache[key])
    return pl.Series("similarity", values, dtype=pl.Float64)


def compute_peer_similarity(task: TaskType, answers: pl.DataFrame) -> pl.Series:
    """For each answer, the mean similarity to every *other* worker's answer on the same object.

    ``answers`` needs columns ``task``, ``worker`` and ``label`` (canonical texts), plus ``job`` if
    it holds several jobs, with one answer per job, task and worker. The result is null where nobody
    else answered the object. A worker's leave-one-out agreement, generalised to any similarity, is
    the mean of this over the worker's objects:

    ``loo(w) = mean over objects o of w: mean over other workers v on o of sim(answer_w, answer_v)``.

    With 0/1 similarity this is the share of other workers who agree, not the majority rule that
    single-label classification's ``loo_agreement`` uses.
    """
    keys = [name for name in (COL.JOB, COL.TASK) if name in answers.columns]
    groups: dict[Hashable, list[int]] = {}
    rows = answers.select(*keys, COL.LABEL).rows()
    labels: list[str | None] = [row[-1] for row in rows]
    for index, row in enumerate(rows):
        groups.setdefault(row[:-1], []).append(index)
    cache: dict[tuple[str, str], float] = {}

    def similarity(a: str, b: str) -> float:
        key = (a, b) if a <= b else (b, a)
        if key not in cache:
            cache[key] = task.similarity(a, b)
        return cache[key]

    result: list[float | None] = [None] * len(rows)
    for members in groups.values():
        for index in members:
            own = labels[index]
            if own is None:
                continue
            others = _present(labels[other] for other in members if other != index)
            if others:
                result[index] = sum(similarity(own, other) for other in others) / len(others)
    return pl.Series("peer_similarity", result, dtype=pl.Float64)


def _present(values: Iterable[str | None]) -> list[str]:
    return [value for value in values if value is not None]
