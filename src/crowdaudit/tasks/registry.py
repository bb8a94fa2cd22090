"""Choosing the task type of a job (pure).

In order: the type named with ``forced`` (the CLI's ``--task-type``); else the manifest's
``<attribute>-metadata.type``; else the shape of the workers' answers. Video-frame and 3D
point-cloud jobs are refused with the reason: their worker-response files carry no per-worker
answers (each frame's labels are consolidated into ``SeqLabel.json`` files instead).

=====================  ==============================================================
name                   metadata ``type`` (``groundtruth/…``)
=====================  ==============================================================
``classification``     ``image-classification``, ``text-classification``
``multilabel``         ``image-classification-multilabel``, ``text-classification-multilabel``
``bounding-box``       ``object-detection`` (also adjustment jobs)
``entities``           ``text-span``
``segmentation``       ``semantic-segmentation``
``verification``       ``label-verification``
``custom``             ``custom``
=====================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, get_args

from crowdaudit.errors import InputFormatError
from crowdaudit.tasks.base import TaskType
from crowdaudit.tasks.boxes import BOX_ELEMENTS, BoundingBoxes
from crowdaudit.tasks.custom import COMPARES, Compare, Custom
from crowdaudit.tasks.entities import ENTITY_ELEMENTS, SPAN_MATCHES, Entities, SpanMatch
from crowdaudit.tasks.multilabel import MULTI_SELECT_ELEMENTS, MultiLabel
from crowdaudit.tasks.on_custom import OnCustomTemplate
from crowdaudit.tasks.segmentation import SEGMENTATION_ELEMENTS, Segmentation
from crowdaudit.tasks.single_label import Classification, Verification

__all__ = [
    "TASK_TYPE_NAMES",
    "TaskOptions",
    "TaskTypeName",
    "detect_answer_shape",
    "task_type_for",
]

TaskTypeName = Literal[
    "classification",
    "multilabel",
    "bounding-box",
    "entities",
    "segmentation",
    "verification",
    "custom",
]
TASK_TYPE_NAMES: Final[tuple[TaskTypeName, ...]] = get_args(TaskTypeName)
"""The names ``forced`` (``--task-type``) accepts."""

_TYPES: Final[tuple[tuple[TaskTypeName, frozenset[str]], ...]] = (
    ("classification", Classification.metadata_types),
    ("multilabel", MultiLabel.metadata_types),
    ("bounding-box", BoundingBoxes.metadata_types),
    ("entities", Entities.metadata_types),
    ("segmentation", Segmentation.metadata_types),
    ("verification", Verification.metadata_types),
    ("custom", Custom.metadata_types),
)
_BY_METADATA: Final[dict[str, TaskTypeName]] = {
    kind: name for name, kinds in _TYPES for kind in kinds
}

_NO_WORKER_ANSWERS: Final = (
    "groundtruth/video",
    "groundtruth/point_cloud",
    "groundtruth/point-cloud",
    "groundtruth/3d",
)
_FRAME_KEYS: Final = frozenset({"detectionAnnotations", "trackingAnnotations"})

# Answer shapes, most specific first: the key an element holds, then the type it means.
_SHAPES: Final[tuple[tuple[str, Sequence[str], TaskTypeName], ...]] = (
    ("labeledImage", SEGMENTATION_ELEMENTS, "segmentation"),
    ("boundingBoxes", BOX_ELEMENTS, "bounding-box"),
    ("entities", ENTITY_ELEMENTS, "entities"),
    ("labels", MULTI_SELECT_ELEMENTS, "multilabel"),
    ("label", ("crowd-image-classifier", "crowd-classifier"), "classification"),
)


def _unsupported(kind: str, why: str) -> InputFormatError:
    return InputFormatError(
        "unsupported task type", where=kind, why=why, code="unsupported-task-type"
    )


def _supported_list() -> str:
    return ", ".join(sorted(_BY_METADATA))


def detect_answer_shape(content: object) -> TaskTypeName | None:
    """The task type an ``answerContent`` looks like, or ``None`` when it resembles none.

    >>> detect_answer_shape({"boundingBox": {"boundingBoxes": None}})
    'bounding-box'
    """
    if not isinstance(content, Mapping):
        return None
    if _FRAME_KEYS & set(content):
        raise _unsupported(
            "video-frame answer",
            "video-frame jobs carry no per-worker answers in worker-response files",
        )
    elements = [element for element in content.values() if isinstance(element, Mapping)]
    for key, _, name in _SHAPES:
        if any(key in element for element in elements):
            return name
    return None


_BARE_KEYS: Final[dict[TaskTypeName, str]] = {"classification": "label", "multilabel": "labels"}


def _detect_element(content: object) -> TaskTypeName | None:
    """The built-in element a custom template's answer comes from, or ``None``.

    Boxes, entities and masks have keys of their own. A ``label`` or ``labels`` key is common in
    any custom form, so a classifier is recognised only by an element holding nothing else (but
    a ``workerComment``): ``{"category": {"label": "Correct"}}``.
    """
    detected = detect_answer_shape(content)
    key = _BARE_KEYS.get(detected) if detected else None
    if key is None or not isinstance(content, Mapping):
        return detected
    elements = [e for e in content.values() if isinstance(e, Mapping) and key in e]
    if any(set(element) - {key, "workerComment"} for element in elements):
        return None
    return detected


def _build(
    name: TaskTypeName,
    *,
    answer_path: str | None,
    compare: Compare,
    iou_threshold: float,
    span_match: SpanMatch,
    label_path: str | None,
) -> TaskType:
    if name == "multilabel":
        return MultiLabel()
    if name == "bounding-box":
        return BoundingBoxes(iou_threshold=iou_threshold)
    if name == "entities":
        return Entities(span_match=span_match)
    if name == "segmentation":
        return Segmentation()
    if name == "verification":
        return Verification()
    if name == "custom":
        return Custom(answer_path=answer_path, compare=compare, label_path=label_path)
    return Classification()


def task_type_for(
    metadata_type: str | None,
    *,
    sample_answers: Sequence[object] = (),
    forced: str | None = None,
    answer_path: str | None = None,
    compare: str = "exact",
    iou_threshold: float = 0.5,
    span_match: str = "exact",
    label_path: str | None = None,
) -> TaskType:
    """The task type of a job, configured with the options that apply to it.

    A ``groundtruth/custom`` job whose answers have the shape of a built-in element (and no
    ``answer_path``), or that is forced to a built-in type, is compared as that type, its Lambda's
    labels read by :class:`~crowdaudit.tasks.on_custom.OnCustomTemplate`.

    Args:
        metadata_type: the label attribute's ``-metadata.type`` (any case), if known.
        sample_answers: some workers' ``answerContent`` values, used when the type is unknown.
        forced: a name from :data:`TASK_TYPE_NAMES` that overrides detection.
        answer_path: for ``custom``: dotted path to the answer in ``answerContent``. Given with no
            type known and no answer shape recognised, it selects ``custom``.
        compare: for ``custom``: ``exact``, ``jaccard`` or ``number``.
        iou_threshold: for ``bounding-box``: the least IoU of a match.
        span_match: for ``entities``: ``exact`` or ``overlap``.
        label_path: dotted path to the label inside a custom job's consolidated value.

    Raises:
        ValueError: ``forced``, ``compare``, ``span_match`` or ``iou_threshold`` is not a valid
            option (a usage error, for the CLI to check first).
        InputFormatError: (code ``unsupported-task-type``) a video-frame or 3D point-cloud job, a
            type crowdaudit does not know, or no type and no recognisable answer.
    """
    checked_compare = _as_compare(compare)
    checked_span_match = _as_span_match(span_match)

    kind = (metadata_type or "").strip().lower()

    def build(name: TaskTypeName) -> TaskType:
        task = _build(
            name,
            answer_path=answer_path,
            compare=checked_compare,
            iou_threshold=iou_threshold,
            span_match=checked_span_match,
            label_path=label_path,
        )
        if kind in Custom.metadata_types and name != "custom":
            return OnCustomTemplate(task, label_path=label_path)
        return task

    if forced is not None:
        name = _as_name(forced)
        if name is None:
            raise ValueError(
                f"unknown task type {forced!r}; choose one of {', '.join(TASK_TYPE_NAMES)}"
            )
        return build(name)
    if kind in Custom.metadata_types and answer_path is None:
        for content in sample_answers:
            detected = _detect_element(content)
            if detected is not None:
                return build(detected)
    if metadata_type:
        if kind.startswith(_NO_WORKER_ANSWERS):
            raise _unsupported(
                kind,
                "video-frame and 3D point-cloud jobs carry no per-worker answers in "
                "worker-response files",
            )
        if kind in _BY_METADATA:
            return build(_BY_METADATA[kind])
        raise _unsupported(kind, f"supported: {_supported_list()}; or choose one with --task-type")
    for content in sample_answers:
        detected = detect_answer_shape(content)
        if detected is not None:
            return build(detected)
    if answer_path is not None:
        return build("custom")
    raise _unsupported(
        "unknown",
        "no metadata type and no answer of a known shape; choose one with --task-type "
        f"({', '.join(TASK_TYPE_NAMES)})",
    )


@dataclass(frozen=True, slots=True)
class TaskOptions:
    """What the user said about the task type (``--task-type`` and the per-type options).

    Each field is used only by the task type it names; the defaults suit most jobs, whose type is
    detected from the output manifest.

    Attributes:
        forced: a task type name that overrides detection (``--task-type``).
        answer_path: for ``custom``: dotted path to the answer in ``answerContent``.
        compare: for ``custom``: ``"exact"``, ``"jaccard"`` or ``"number"``.
        iou_threshold: for ``bounding-box``: the least intersection over union of a match.
        span_match: for ``entities``: ``"exact"`` or ``"overlap"``.
        label_path: dotted path to the label inside a custom job's consolidated value.

    Example::

        options = crowdaudit.TaskOptions(answer_path="annotatedResult.label")
        result = crowdaudit.audit("./my-custom-job/", task_options=options)
    """

    forced: str | None = None
    answer_path: str | None = None
    compare: str = "exact"
    iou_threshold: float = 0.5
    span_match: str = "exact"
    label_path: str | None = None

    def choose(self, metadata_type: str | None, sample_answers: Sequence[object] = ()) -> TaskType:
        """The job's task type: see :func:`task_type_for`."""
        return task_type_for(
            metadata_type,
            sample_answers=sample_answers,
            forced=self.forced,
            answer_path=self.answer_path,
            compare=self.compare,
            iou_threshold=self.iou_threshold,
            span_match=self.span_match,
            label_path=self.label_path,
        )


def _as_name(value: str) -> TaskTypeName | None:
    for name in TASK_TYPE_NAMES:
        if value == name:
            return name
    return None


def _as_compare(value: str) -> Compare:
    for option in COMPARES:
        if value == option:
            return option
    raise ValueError(f"compare must be one of {', '.join(COMPARES)}, not {value!r}")


def _as_span_match(value: str) -> SpanMatch:
    for option in SPAN_MATCHES:
        if value == option:
            return option
    raise ValueError(f"span_match must be one of {', '.join(SPAN_MATCHES)}, not {value!r}")
