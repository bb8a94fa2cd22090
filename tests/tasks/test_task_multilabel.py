"""Multi-label classification: parsing every shape, Jaccard, worker columns."""

from __future__ import annotations

import polars as pl
import pytest

from crowdaudit.tasks.base import TaskShapeError
from crowdaudit.tasks.multilabel import MultiLabel, jaccard

TASK = MultiLabel()
NO_FETCH = {"fetch": lambda uri: b""}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"crowd-image-classifier-multi-select": {"labels": ["dog", "cat"]}}, '["cat","dog"]'),
        ({"crowd-classifier-multi-select": {"labels": ["b", "a", "b"]}}, '["a","b"]'),
        ({"crowd-classifier-multi-select": {"labels": []}}, "[]"),
        ({"my-own-name": {"labels": ["ñandú", "Ωmega"]}}, '["ñandú","Ωmega"]'),
    ],
)
def test_parse_answer(content: object, expected: str) -> None:
    assert TASK.parse_answer(content) == expected


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("cat", "not an object"),
        ({"crowd-image-classifier": {"label": "cat"}}, "no element holds 'labels'"),
        ({"x": {"labels": ["a"]}, "y": {"labels": ["b"]}}, "several elements"),
        ({"crowd-classifier-multi-select": {"labels": "cat"}}, "not a list"),
        ({"crowd-classifier-multi-select": {"labels": [1]}}, "not a non-empty string"),
        ({"crowd-classifier-multi-select": {"labels": None}}, "not a list"),
    ],
)
def test_parse_answer_rejects_unknown_shapes(content: object, reason: str) -> None:
    with pytest.raises(TaskShapeError, match=reason):
        TASK.parse_answer(content)


@pytest.mark.parametrize("value", [[1, 0, 8], ["1", "0", "8"], [1, "0", 8]])
def test_parse_consolidated_names_int_and_string_indices(value: list[object]) -> None:
    metadata = {"class-map": {"1": "bicycle", "0": "person", "8": "clothing"}}
    assert TASK.parse_consolidated(value, metadata, **NO_FETCH) == '["bicycle","clothing","person"]'


def test_parse_consolidated_none_and_bad_values() -> None:
    assert TASK.parse_consolidated(None, {}, **NO_FETCH) is None
    with pytest.raises(TaskShapeError, match="not in the class-map"):
        TASK.parse_consolidated([3], {"class-map": {"0": "a"}}, **NO_FETCH)
    with pytest.raises(TaskShapeError, match="no 'class-map'"):
        TASK.parse_consolidated([0], {}, **NO_FETCH)
    with pytest.raises(TaskShapeError, match="not a list"):
        TASK.parse_consolidated("0", {"class-map": {"0": "a"}}, **NO_FETCH)
    with pytest.raises(TaskShapeError, match="class index is bool"):
        TASK.parse_consolidated([True], {"class-map": {"True": "a"}}, **NO_FETCH)


def test_parse_gold_names_or_indices_with_class_map() -> None:
    assert TASK.parse_gold(["dog", "cat"]) == '["cat","dog"]'
    assert TASK.parse_gold({"labels": [2, "0"], "class-map": {"0": "cat", "2": "bird"}}) == (
        '["bird","cat"]'
    )
    with pytest.raises(TaskShapeError):
        TASK.parse_gold([0, 1])
    with pytest.raises(TaskShapeError, match="no 'labels'"):
        TASK.parse_gold({"class-map": {}})


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ({"cat", "dog"}, {"cat"}, 1 / 2),
        ({"cat", "dog"}, {"dog", "bird"}, 1 / 3),
        ({"cat"}, {"dog"}, 0.0),
        (set(), set(), 1.0),
        (set(), {"cat"}, 0.0),
        ({"a", "b", "c", "d"}, {"a", "b", "c"}, 3 / 4),
    ],
)
def test_jaccard_by_hand(a: set[str], b: set[str], expected: float) -> None:
    assert jaccard(frozenset(a), frozenset(b)) == pytest.approx(expected)
    assert TASK.similarity(TASK.parse_gold(sorted(a)), TASK.parse_gold(sorted(b))) == (
        pytest.approx(expected)
    )


def test_worker_columns_skip_missing_references() -> None:
    pairs = pl.DataFrame(
        {
            "worker": ["w1", "w1", "w2"],
            "answer": ['["a","b"]', '["c"]', "[]"],
            "reference": ['["a"]', None, None],
        }
    )
    columns = TASK.worker_columns(pairs)
    rows = {row["worker"]: row for row in columns.iter_rows(named=True)}
    assert rows["w1"]["label_precision"] == 0.5
    assert rows["w1"]["label_recall"] == 1.0
    assert rows["w2"]["label_precision"] is None
    assert rows["w2"]["label_recall"] is None
