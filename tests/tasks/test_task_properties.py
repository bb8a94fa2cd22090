"""Properties every similarity must have: bounds, identity, symmetry, order invariance."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st
from task_support import BIRD, NEST, png_from_codes, segmentation_answer

from crowdaudit.tasks.base import TaskType
from crowdaudit.tasks.boxes import BoundingBoxes
from crowdaudit.tasks.custom import Custom
from crowdaudit.tasks.entities import Entities
from crowdaudit.tasks.multilabel import MultiLabel
from crowdaudit.tasks.segmentation import Segmentation

LABELS = st.sampled_from(["cat", "dog", "ñandú", "猫"])


def _check_pair(task: TaskType, a: str, b: str) -> None:
    ab, ba = task.similarity(a, b), task.similarity(b, a)
    assert 0.0 <= ab <= 1.0
    assert ab == ba
    assert task.similarity(a, a) == 1.0
    assert task.similarity(b, b) == 1.0
    if a == b:
        assert ab == 1.0


# ---- multi-label

label_lists = st.lists(LABELS, max_size=5)


def _multi(labels: list[str]) -> str:
    return MultiLabel().parse_answer({"crowd-classifier-multi-select": {"labels": labels}})


@given(label_lists, label_lists, st.randoms())
def test_multilabel(a: list[str], b: list[str], random: object) -> None:
    _check_pair(MultiLabel(), _multi(a), _multi(b))
    shuffled = list(a)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert _multi(shuffled) == _multi(a)


# ---- boxes

boxes = st.lists(
    st.fixed_dictionaries(
        {
            "label": st.sampled_from(["Bird", "Nest"]),
            "left": st.integers(0, 20),
            "top": st.integers(0, 20),
            "width": st.integers(0, 12) | st.floats(0, 12, allow_nan=False),
            "height": st.integers(0, 12),
        }
    ),
    max_size=5,
)


def _boxes(task: BoundingBoxes, items: list[dict[str, object]] | None) -> str:
    return task.parse_answer({"boundingBox": {"boundingBoxes": items}})


@settings(max_examples=200)
@given(boxes, boxes, st.sampled_from([0.0, 0.3, 0.5, 0.9, 1.0]), st.randoms())
def test_bounding_boxes(
    a: list[dict[str, object]], b: list[dict[str, object]], threshold: float, random: object
) -> None:
    task = BoundingBoxes(iou_threshold=threshold)
    _check_pair(task, _boxes(task, a), _boxes(task, b))
    shuffled = list(a)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert _boxes(task, shuffled) == _boxes(task, a)
    assert _boxes(task, None) == _boxes(task, [])


# ---- entities

spans = st.lists(
    st.tuples(st.integers(0, 20), st.integers(0, 8), st.sampled_from(["X", "Y"])).map(
        lambda t: {"startOffset": t[0], "endOffset": t[0] + t[1], "label": t[2]}
    ),
    max_size=5,
)


@settings(max_examples=200)
@given(spans, spans, st.sampled_from(["exact", "overlap"]))
def test_entities(a: list[dict[str, object]], b: list[dict[str, object]], mode: str) -> None:
    task = Entities(span_match=mode)  # type: ignore[arg-type]
    text_a = task.parse_answer({"crowd-entity-annotation": {"entities": a}})
    text_b = task.parse_answer({"crowd-entity-annotation": {"entities": b}})
    _check_pair(task, text_a, text_b)
    assert Entities(span_match="overlap").similarity(text_a, text_b) >= Entities().similarity(
        text_a, text_b
    )


# ---- segmentation

masks = st.lists(st.integers(0, 2), min_size=16, max_size=16).map(
    lambda values: np.array(values, dtype=np.uint8).reshape(4, 4)
)


def _mask(codes: npt.NDArray[np.uint8]) -> str:
    png = png_from_codes(codes, [None, BIRD, NEST])
    return Segmentation().parse_answer(segmentation_answer(png, {"Bird": BIRD, "Nest": NEST}))


@settings(max_examples=60, deadline=None)
@given(masks, masks, st.booleans())
def test_segmentation(a: np.ndarray, b: npt.NDArray[np.uint8], background: bool) -> None:
    _check_pair(Segmentation(include_background=background), _mask(a), _mask(b))


# ---- custom

numbers = st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False)


@given(numbers, numbers)
def test_custom_number(a: float, b: float) -> None:
    task = Custom(answer_path="v", compare="number")
    _check_pair(task, task.parse_answer({"v": a}), task.parse_answer({"v": b}))


@given(label_lists, label_lists)
def test_custom_jaccard_equals_multilabel(a: list[str], b: list[str]) -> None:
    task = Custom(answer_path="v", compare="jaccard")
    text_a, text_b = task.parse_answer({"v": a}), task.parse_answer({"v": b})
    _check_pair(task, text_a, text_b)
    assert task.similarity(text_a, text_b) == MultiLabel().similarity(_multi(a), _multi(b))


@given(st.text(max_size=5), st.text(max_size=5))
def test_custom_exact(a: str, b: str) -> None:
    task = Custom(answer_path="v")
    text_a, text_b = task.parse_answer({"v": a}), task.parse_answer({"v": b})
    assert task.similarity(text_a, text_b) == (1.0 if text_a == text_b else 0.0)
