"""Classification and verification as task types: exact 0/1 similarity, gold shapes."""

from __future__ import annotations

import polars as pl
import pytest

from crowdaudit.tasks.base import TaskShapeError
from crowdaudit.tasks.classification import AnswerShapeError
from crowdaudit.tasks.single_label import Classification, Verification

NO_FETCH = {"fetch": lambda uri: b""}


@pytest.mark.parametrize("task", [Classification(), Verification()])
def test_exact_types(task: Classification | Verification) -> None:
    assert task.exact
    assert task.parse_answer({"crowd-classifier": {"label": "bad"}}) == "bad"
    assert task.parse_consolidated("1", {"class-name": "bad"}, **NO_FETCH) == "bad"
    assert task.parse_consolidated(None, {}, **NO_FETCH) is None
    assert task.similarity("bad", "bad") == 1.0
    assert task.similarity("bad", "good") == 0.0
    pairs = pl.DataFrame({"worker": ["w"], "answer": ["bad"], "reference": ["good"]})
    assert task.worker_columns(pairs) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Owl", "Owl"), (3, "3"), ({"class-name": "猫"}, "猫")],
)
def test_gold(value: object, expected: str) -> None:
    assert Classification().parse_gold(value) == expected


@pytest.mark.parametrize("value", [None, "", ["Owl"], True])
def test_bad_gold(value: object) -> None:
    with pytest.raises(TaskShapeError):
        Verification().parse_gold(value)


def test_unknown_answer_shape_is_classifications_error() -> None:
    with pytest.raises(AnswerShapeError):
        Classification().parse_answer({"boundingBox": {"boundingBoxes": []}})
    assert issubclass(TaskShapeError, AnswerShapeError)
    assert issubclass(TaskShapeError, ValueError)
