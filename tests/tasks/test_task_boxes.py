"""Bounding boxes: IoU, one-to-one matching, F1, every answer shape, worker columns."""

from __future__ import annotations

import polars as pl
import pytest

from crowdaudit.tasks.base import TaskShapeError
from crowdaudit.tasks.boxes import BoundingBoxes, iou_matrix

TASK = BoundingBoxes()
NO_FETCH = {"fetch": lambda uri: b""}


def box(label: str, left: object, top: object, width: object, height: object) -> dict[str, object]:
    return {"label": label, "left": left, "top": top, "width": width, "height": height}


def answer(*boxes: dict[str, object], **element: object) -> str:
    return TASK.parse_answer({"boundingBox": {"boundingBoxes": list(boxes), **element}})


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),
        ((0, 0, 10, 10), (0, 0, 10, 8), 0.8),  # 80 / 100
        ((0, 0, 10, 10), (2, 0, 10, 10), 2 / 3),  # 80 / 120
        ((0, 0, 10, 10), (5, 0, 10, 10), 1 / 3),  # 50 / 150
        ((0, 0, 10, 10), (10, 0, 10, 10), 0.0),  # touching edges
        ((0, 0, 10, 8), (2, 0, 10, 10), 64 / 116),
        ((3, 3, 0, 0), (3, 3, 0, 0), 1.0),  # two identical empty boxes
        ((3, 3, 0, 0), (4, 4, 0, 0), 0.0),
    ],
)
def test_iou_by_hand(a: tuple[int, ...], b: tuple[int, ...], expected: float) -> None:
    assert iou_matrix([a], [b])[0, 0] == pytest.approx(expected)
    assert iou_matrix([b], [a])[0, 0] == pytest.approx(expected)


def test_parse_answer_null_empty_and_missing_boxes() -> None:
    assert TASK.parse_answer({"boundingBox": {"boundingBoxes": None}}) == '{"boxes":[]}'
    assert TASK.parse_answer({"boundingBox": {"boundingBoxes": []}}) == '{"boxes":[]}'
    with pytest.raises(TaskShapeError, match="no element holds 'boundingBoxes'"):
        TASK.parse_answer({"boundingBox": {"inputImageProperties": {}}})


def test_parse_answer_is_canonical() -> None:
    one = answer(box("Nest", 5.0, 6, 7, 8), box("Bird", 1, 2, 3, 4))
    other = TASK.parse_answer(
        {"custom-name": {"boundingBoxes": [box("Bird", 1.0, 2, 3, 4), box("Nest", 5, 6, 7.0, 8)]}}
    )
    assert one == other == '{"boxes":[["Bird",1,2,3,4],["Nest",5,6,7,8]]}'


def test_parse_answer_keeps_the_adjustment_flag_out_of_similarity() -> None:
    flagged = answer(box("Bird", 1, 2, 3, 4), initialValueModified=True)
    plain = answer(box("Bird", 1, 2, 3, 4))
    assert flagged == '{"boxes":[["Bird",1,2,3,4]],"modified":true}'
    assert TASK.similarity(flagged, plain) == 1.0


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"left": 1, "top": 2, "width": 3, "height": 4}, "'label'"),
        (box("Bird", 1, 2, "3", 4), "'width' is str"),
        (box("Bird", 1, 2, 3, None), "'height' is null"),
        (box("Bird", 1, 2, -3, 4), "negative"),
        (box("Bird", True, 2, 3, 4), "'left' is bool"),
        (box("Bird", float("nan"), 2, 3, 4), "not finite"),
        ("Bird", "not an object"),
    ],
)
def test_parse_answer_rejects_bad_boxes(item: object, reason: str) -> None:
    with pytest.raises(TaskShapeError, match=reason):
        TASK.parse_answer({"boundingBox": {"boundingBoxes": [item]}})


def test_parse_answer_rejects_non_list_boxes() -> None:
    with pytest.raises(TaskShapeError, match="not a list"):
        TASK.parse_answer({"boundingBox": {"boundingBoxes": {"label": "Bird"}}})


@pytest.mark.parametrize("class_id", [0, "0"])
def test_parse_consolidated_names_class_ids(class_id: object) -> None:
    value = {
        "annotations": [
            {"class_id": class_id, "left": 111, "top": 134, "width": 61, "height": 128}
        ],
        "image_size": [{"width": 500, "height": 400, "depth": 3}],
    }
    metadata = {"class-map": {"0": "dog"}, "type": "groundtruth/object-detection"}
    assert TASK.parse_consolidated(value, metadata, **NO_FETCH) == (
        '{"boxes":[["dog",111,134,61,128]]}'
    )


def test_parse_consolidated_edge_cases() -> None:
    assert TASK.parse_consolidated(None, {}, **NO_FETCH) is None
    assert TASK.parse_consolidated({"annotations": []}, {}, **NO_FETCH) == '{"boxes":[]}'
    with pytest.raises(TaskShapeError, match="not in the class-map"):
        TASK.parse_consolidated(
            {"annotations": [{"class_id": 5, "left": 0, "top": 0, "width": 1, "height": 1}]},
            {"class-map": {"0": "dog"}},
            **NO_FETCH,
        )
    with pytest.raises(TaskShapeError, match="not an object"):
        TASK.parse_consolidated([1, 2], {}, **NO_FETCH)


def test_parse_gold_with_class_map_or_labels() -> None:
    with_map = TASK.parse_gold(
        {
            "annotations": [{"class_id": 1, "left": 0, "top": 0, "width": 5, "height": 5}],
            "class-map": {"1": "cat"},
        }
    )
    with_label = TASK.parse_gold({"annotations": [box("cat", 0, 0, 5, 5)]})
    assert with_map == with_label == '{"boxes":[["cat",0,0,5,5]]}'
    with pytest.raises(TaskShapeError):
        TASK.parse_gold([box("cat", 0, 0, 5, 5)])


def test_f1_by_hand() -> None:
    reference = answer(box("Bird", 10, 10, 20, 20), box("Nest", 50, 50, 10, 10))
    assert TASK.similarity(reference, reference) == 1.0
    # one Bird match (IoU 0.8) out of 1 + 2 boxes: F1 = 2/3
    assert TASK.similarity(answer(box("Bird", 10, 10, 20, 16)), reference) == pytest.approx(2 / 3)
    # the right place with the wrong label does not match: 1 match of 2 + 2: F1 = 1/2
    wrong = answer(box("Bird", 10, 10, 20, 20), box("Bird", 50, 50, 10, 10))
    assert TASK.similarity(wrong, reference) == pytest.approx(1 / 2)
    # an IoU below the threshold does not match
    assert (
        TASK.similarity(answer(box("Bird", 15, 10, 20, 20)), answer(box("Bird", 0, 10, 20, 20)))
        == 0
    )
    empty = answer()
    assert TASK.similarity(empty, empty) == 1.0
    assert TASK.similarity(empty, reference) == 0.0


def test_threshold_is_an_option() -> None:
    a, b = answer(box("Bird", 0, 0, 10, 10)), answer(box("Bird", 5, 0, 10, 10))  # IoU 1/3
    assert BoundingBoxes(iou_threshold=0.5).similarity(a, b) == 0.0
    assert BoundingBoxes(iou_threshold=0.3).similarity(a, b) == 1.0
    with pytest.raises(ValueError, match="iou_threshold"):
        BoundingBoxes(iou_threshold=1.5)


def test_matching_is_optimal_not_greedy() -> None:
    # IoUs: x1-y1 7/13, x1-y2 9/11, x2-y1 1/4, x2-y2 2/3. Taking the best pair first (x1-y2)
    # leaves x2 with only y1, below 0.5: one match. The optimal assignment finds two.
    x = answer(box("Bird", 10, 0, 10, 10), box("Bird", 13, 0, 10, 10))
    y = answer(box("Bird", 7, 0, 10, 10), box("Bird", 11, 0, 10, 10))
    match = TASK.match(x, y)
    assert sorted(match.ious) == pytest.approx([7 / 13, 2 / 3])
    assert TASK.similarity(x, y) == 1.0


def test_worker_columns_without_adjustment_flags() -> None:
    reference = answer(box("Bird", 0, 0, 10, 10))
    pairs = pl.DataFrame(
        {
            "worker": ["w1", "w1", "w2"],
            "answer": [answer(box("Bird", 0, 0, 10, 8)), answer(), answer(box("Nest", 0, 0, 1, 1))],
            "reference": [reference, None, reference],
        }
    )
    columns = TASK.worker_columns(pairs)
    assert columns.columns == ["worker", "mean_iou", "n_boxes"]
    rows = {row["worker"]: row for row in columns.iter_rows(named=True)}
    assert rows["w1"] == pytest.approx({"worker": "w1", "mean_iou": 0.8, "n_boxes": 0.5})
    assert rows["w2"]["mean_iou"] is None
