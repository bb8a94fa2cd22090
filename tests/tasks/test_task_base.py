"""Shared helpers: canonical JSON, element lookup and the vectorised similarity columns."""

from __future__ import annotations

import polars as pl
import pytest

from crowdaudit.tasks.base import (
    TaskShapeError,
    canonical_json,
    compute_peer_similarity,
    compute_similarity,
    f1_score,
    find_element,
)
from crowdaudit.tasks.multilabel import MultiLabel
from crowdaudit.tasks.single_label import Classification


def test_canonical_json_sorts_keys_and_keeps_unicode() -> None:
    assert canonical_json({"b": 1, "a": ["ß", 2.5]}) == '{"a":["ß",2.5],"b":1}'


def test_find_element_prefers_builtin_names() -> None:
    content = {"other": {"labels": [1]}, "crowd-x": {"labels": [2]}}
    assert find_element(content, ("crowd-x",), "labels") == {"labels": [2]}
    with pytest.raises(TaskShapeError, match=r"keys: crowd-x, other"):
        find_element(content, (), "labels")
    with pytest.raises(TaskShapeError, match="keys: none"):
        find_element({}, (), "labels")


def test_f1_score() -> None:
    assert f1_score(0, 0, 0) == 1.0
    assert f1_score(1, 1, 2) == pytest.approx(2 / 3)
    assert f1_score(0, 3, 0) == 0.0


def test_compute_similarity_exact_and_general() -> None:
    left = pl.Series(["a", "b", None])
    right = pl.Series(["a", "c", "a"])
    assert compute_similarity(Classification(), left, right).to_list() == [1.0, 0.0, None]
    multi = MultiLabel()
    sets = pl.Series(['["a","b"]', '["a","b"]', None])
    ref = pl.Series(['["a"]', '["a"]', '["a"]'])
    assert compute_similarity(multi, sets, ref).to_list() == [0.5, 0.5, None]


def test_compute_peer_similarity() -> None:
    answers = pl.DataFrame(
        {
            "task": ["0", "0", "0", "1"],
            "worker": ["A", "B", "C", "A"],
            "label": ['["x","y"]', '["x"]', '["y"]', '["x"]'],
        }
    )
    peer = compute_peer_similarity(MultiLabel(), answers).to_list()
    # A: (1/2 + 1/2)/2; B: (1/2 + 0)/2; C: (1/2 + 0)/2; alone on task 1: null
    assert peer == [0.5, 0.25, 0.25, None]
