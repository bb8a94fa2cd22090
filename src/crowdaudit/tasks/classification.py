"""Single-label classification: image (``crowd-image-classifier``) and text (``crowd-classifier``).

A worker's ``answerContent`` is ``{"<element name>": {"label": "<class name>"}}``. The consolidated
label of an object is the ``class-name`` in ``<attribute>-metadata``; the attribute's own value is the
class *index*, which workers never see, so answers are compared with ``class-name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "CLASSIFIER_ELEMENTS",
    "AnswerShapeError",
    "parse_answer",
    "parse_consolidated",
]

CLASSIFIER_ELEMENTS: Final = ("crowd-image-classifier", "crowd-classifier")
"""Element names of the built-in templates, tried first."""


class AnswerShapeError(ValueError):
    """An answer or label does not have the shape of single-label classification."""


def _label_text(value: object) -> str | None:
    if type(value) is str:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _not_empty(label: str) -> str:
    # An empty label is no class a worker chose: kept, it would become a class of its own.
    if not label.strip():
        raise AnswerShapeError("the label is empty")
    return label


def parse_answer(content: object) -> str:
    """Return the class a worker chose from its ``answerContent``.

    The built-in element names are tried first; a custom template with a single element holding a
    ``label`` is accepted too. Anything else raises :class:`AnswerShapeError`.

    >>> parse_answer({"crowd-image-classifier": {"label": "Owl"}})
    'Owl'
    """
    if type(content) is not dict:
        raise AnswerShapeError(f"answerContent is {type(content).__name__}, not an object")
    for name in CLASSIFIER_ELEMENTS:
        element = content.get(name)
        if (
            isinstance(element, Mapping)
            and (label := _label_text(element.get("label"))) is not None
        ):
            return _not_empty(label)
    candidates = [
        label
        for element in content.values()
        if isinstance(element, Mapping) and (label := _label_text(element.get("label"))) is not None
    ]
    if len(candidates) == 1:
        return _not_empty(candidates[0])
    keys = ", ".join(sorted(map(str, content))) or "none"
    raise AnswerShapeError(
        f"unknown answer shape: no single 'label' in answerContent (keys: {keys})"
    )


def parse_consolidated(metadata: Mapping[str, object]) -> str | None:
    """The consolidated class name from an attribute's metadata, or ``None`` if it has none."""
    return _label_text(metadata.get("class-name"))
