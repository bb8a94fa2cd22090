"""Label Studio control tags as crowdaudit task types, for the three Label Studio exports (pure).

A Label Studio annotation's ``result`` is a list of items, each from one control tag (``from_name``)
of the labeling config, of one ``type``, holding a ``value``. The answers of one control become the
labels of a job; the control's type chooses how they are compared:

===================  ==================================================  ======================
control type         ``value``                                           task type
===================  ==================================================  ======================
``choices``          ``{"choices": ["Cat"]}``                            classification; multi-
                                                                         label when any
                                                                         annotation picks several
``labels``           ``{"start": 0, "end": 4, "labels": ["PER"]}``       entities (span F1)
``rectanglelabels``  ``{"x", "y", "width", "height"`` in percent of the  bounding-box IoU
                     image, ``"rectanglelabels": ["Car"]}``
``taxonomy``         ``{"taxonomy": [["Animal", "Cat"]]}``               Jaccard of paths (exact
                                                                         for one path each)
``rating``           ``{"rating": 4}``                                   number
``number``           ``{"number": 12}``                                  number
``textarea``         ``{"text": ["a line"]}``                            exact text, whitespace
                                                                         runs made one space
===================  ==================================================  ======================

Rotation of rectangles is ignored (boxes are compared axis-aligned); a rectangle in percent of
the image compares with IoU exactly as one in pixels, since IoU does not depend on scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

import orjson

from crowdaudit.errors import EmptyJobError, InputFormatError, SkipLog
from crowdaudit.model import Job
from crowdaudit.sources.consolidated import load_json
from crowdaudit.sources.export_job import ExportOptions, ExportRows, build_export_job
from crowdaudit.tasks.base import TaskShapeError, TaskType
from crowdaudit.tasks.registry import TaskTypeName

__all__ = [
    "CONTROL_TYPES",
    "LsAnswer",
    "LsFound",
    "build_label_studio_job",
    "choose_answer_control",
    "choose_control",
    "kind_of_value",
    "load_export",
]

CONTROL_TYPES: Final = (
    "choices",
    "labels",
    "rectanglelabels",
    "taxonomy",
    "rating",
    "number",
    "textarea",
)
"""The control types crowdaudit compares, lower case as the JSON export writes them."""

# The key a value holds, for the exports that drop the ``type`` (JSON-MIN, CSV); most specific
# first, since a rectangle with labels also holds x and y.
_VALUE_KEYS: Final = (
    ("rectanglelabels", "rectanglelabels"),
    ("taxonomy", "taxonomy"),
    ("labels", "labels"),
    ("choices", "choices"),
    ("rating", "rating"),
    ("number", "number"),
    ("text", "textarea"),
)


@dataclass(frozen=True, slots=True)
class LsAnswer:
    """One annotation, reduced to what the audit needs.

    ``values`` are the ``value`` objects of the chosen control's result items (``[]``: the
    annotator gave that control nothing).
    """

    task: str
    worker: str
    values: tuple[Mapping[str, object], ...]
    where: str
    ground_truth: bool = False
    seconds: float | None = None
    submitted: str | None = None


@dataclass(frozen=True, slots=True)
class LsFound:
    """What a Label Studio reader found in its export, for :func:`build_label_studio_job`.

    Attributes:
        answers: the usable annotations.
        kind: the chosen control's result type; ``None`` when labels are not read.
        people: worker id → ``(name, e-mail)``, where the export names them.
        stats: the reader's counts (``Job.stats``).
        warnings: the reader's warnings.
    """

    answers: Sequence[LsAnswer]
    kind: str | None
    people: Mapping[str, tuple[str | None, str | None]]
    stats: Mapping[str, int]
    warnings: tuple[str, ...]


def load_export(data: bytes, where: str) -> object:
    """The JSON document of a Label Studio export.

    Raises:
        InputFormatError: the bytes are not JSON.
    """
    return load_json(
        data, what="cannot parse Label Studio export", where=where, error=InputFormatError
    )


def kind_of_value(value: object) -> str | None:
    """The control type a ``value`` object looks like, when the export dropped its ``type``."""
    if not isinstance(value, Mapping):
        return None
    for key, kind in _VALUE_KEYS:
        if key in value:
            return kind
    return None


def _unsupported(kind: str, control: str, where: str) -> InputFormatError:
    return InputFormatError(
        "unsupported Label Studio control type",
        where=where,
        why=f"control {control!r} is {kind}; supported: {', '.join(CONTROL_TYPES)}",
        code="unsupported-control",
    )


def choose_control(controls: Mapping[str, set[str]], *, forced: str | None, where: str) -> str:
    """The control whose results are the answers: ``forced`` (``--control``) or the only one.

    Args:
        controls: every ``from_name`` seen, with the types of its results.

    Raises:
        InputFormatError: no control, several and none chosen, an unknown ``forced`` name, or a
            control of an unsupported type.
    """
    listed = ", ".join(f"{name} ({'/'.join(sorted(kinds))})" for name, kinds in controls.items())
    if forced is not None:
        if forced not in controls:
            raise InputFormatError(
                "no such control",
                where=where,
                why=f"--control {forced!r}; the export has: {listed or 'none'}",
            )
        name = forced
    elif len(controls) == 1:
        name = next(iter(controls))
    elif not controls:
        raise InputFormatError(
            "no annotation results", where=where, why="the export holds no answers"
        )
    else:
        raise InputFormatError(
            "several controls in the export",
            where=where,
            why=f"choose one with --control: {listed}",
        )
    kinds = controls[name]
    unsupported = sorted(kinds - set(CONTROL_TYPES))
    if unsupported:
        raise _unsupported(", ".join(unsupported), name, where)
    if len(kinds) > 1:
        raise InputFormatError(
            "control of several types",
            where=where,
            why=f"{name!r} has results of {', '.join(sorted(kinds))}",
        )
    return name


def choose_answer_control(
    controls: Mapping[str, set[str]], options: ExportOptions, where: str
) -> tuple[str | None, str | None]:
    """``(control, its result type)`` as :func:`choose_control` chooses it; ``(None, None)``
    when ``options`` read no labels."""
    if not options.labels:
        return None, None
    control = choose_control(controls, forced=options.control, where=where)
    return control, next(iter(controls[control]))


def _task_type(kind: str, answers: Sequence[LsAnswer], options: ExportOptions) -> TaskType:
    if kind == "choices":
        several = any(
            len({c for value in answer.values for c in _list(value.get("choices"))}) > 1
            for answer in answers
        )
        name: TaskTypeName = "multilabel" if several else "classification"
        return replace(options.task, forced=name).choose(None)
    if kind == "labels":
        return replace(options.task, forced="entities").choose(None)
    if kind == "rectanglelabels":
        return replace(options.task, forced="bounding-box").choose(None)
    compare = {"taxonomy": "jaccard", "rating": "number", "number": "number"}.get(kind, "exact")
    return replace(options.task, forced="custom", answer_path=None, compare=compare).choose(None)


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _one(values: Sequence[Mapping[str, object]], key: str) -> object:
    found = [value.get(key) for value in values if value.get(key) is not None]
    if len(set(map(repr, found))) != 1:
        raise TaskShapeError(f"expected one {key!r} value, found {len(found)}")
    return found[0]


def _content(kind: str, task: TaskType, values: Sequence[Mapping[str, object]]) -> object:
    """The answer in the shape the task type parses (a Ground Truth ``answerContent``)."""
    if kind == "choices":
        choices = sorted({str(c) for value in values for c in _list(value.get("choices"))})
        if task.name == "multilabel":
            return {"crowd-classifier-multi-select": {"labels": choices}}
        if len(choices) != 1:
            raise TaskShapeError("no choice made" if not choices else "several choices made")
        return {"crowd-classifier": {"label": choices[0]}}
    if kind == "labels":
        spans = [
            {"startOffset": value.get("start"), "endOffset": value.get("end"), "label": label}
            for value in values
            for label in _list(value.get("labels"))
        ]
        return {"crowd-entity-annotation": {"entities": spans}}
    if kind == "rectanglelabels":
        boxes = [
            {
                "label": label,
                "left": value.get("x"),
                "top": value.get("y"),
                "width": value.get("width"),
                "height": value.get("height"),
            }
            for value in values
            for label in _list(value.get("rectanglelabels"))
        ]
        return {"boundingBox": {"boundingBoxes": boxes}}
    if kind == "taxonomy":
        return [
            " / ".join(str(step) for step in _list(path))
            for value in values
            for path in _list(value.get("taxonomy"))
        ]
    if kind in ("rating", "number"):
        return _one(values, kind)
    lines = [str(line) for value in values for line in _list(value.get("text"))]
    if not lines:
        raise TaskShapeError("no text written")
    return "\n".join(" ".join(line.split()) for line in lines)


def build_label_studio_job(
    found: LsFound, *, name: str, where: str, options: ExportOptions, skips: SkipLog
) -> Job:
    """The job of a Label Studio export's annotations, read as control ``found.kind``.

    Ground-truth annotations become the task's gold label and are not scored as answers; an
    annotation the control type cannot read is skipped and counted.
    """
    kind = found.kind
    task = _task_type(kind, found.answers, options) if kind is not None else None
    rows = ExportRows(people=dict(found.people))
    # Most annotations repeat a few answers: parse each distinct one once.
    parsed: dict[bytes, str] = {}
    for answer in found.answers:
        label: str | None = None
        if task is not None and kind is not None:
            try:
                key = orjson.dumps(answer.values)
                label = parsed.get(key)
                if label is None:
                    label = parsed[key] = task.parse_answer(_content(kind, task, answer.values))
            except ValueError as exc:
                skips.skip(
                    InputFormatError(
                        "cannot read annotation",
                        where=answer.where,
                        why=str(exc),
                        code="bad-annotation",
                    )
                )
                continue
        if answer.ground_truth:
            if label is not None:
                rows.gold.setdefault(answer.task, label)
            continue
        rows.add(
            task=answer.task,
            worker=answer.worker,
            label=label,
            where=answer.where,
            seconds=answer.seconds,
            submitted=answer.submitted,
        )
    if not rows.task:
        raise EmptyJobError(
            "no usable annotations", where=where, why="every annotation was left out"
        )
    return build_export_job(
        rows,
        name=name,
        where=where,
        task=task,
        task_type=f"label-studio/{kind or 'unlabelled'}",
        skips=skips,
        stats=found.stats,
        warnings=found.warnings,
    )
