"""The golden comparison itself: what it lets through and what it catches."""

from __future__ import annotations

import pytest
from golden import csv_differences, json_differences

HEADER = "job,worker,n_objects,spam_score,flag\n"


@pytest.mark.parametrize(
    ("produced", "expected", "n_differences"),
    [
        # The last digit of a float, as another numpy build gives it: the same result.
        ("j,w,4,0.2606738807602198,false\n", "j,w,4,0.2606738807602197,false\n", 0),
        # 1e-6 relative is a real change.
        ("j,w,4,0.2606741,false\n", "j,w,4,0.2606738807602197,false\n", 1),
        # Integers and text are exact.
        ("j,w,5,0.26,false\n", "j,w,4,0.26,false\n", 1),
        ("j,w,4,0.26,true\n", "j,w,4,0.26,false\n", 1),
        ("j,w,4,,false\n", "j,w,4,0.26,false\n", 1),
        # An integer is not a float that happens to be equal.
        ("j,w,4.0,0.26,false\n", "j,w,4,0.26,false\n", 1),
    ],
)
def test_csv_cells(produced: str, expected: str, n_differences: int) -> None:
    assert len(csv_differences(HEADER + produced, HEADER + expected, key=("job", "worker"))) == (
        n_differences
    )


def test_csv_rows_are_matched_by_key_not_order() -> None:
    expected = HEADER + "j,a,1,0.5,false\nj,b,2,0.25,false\n"
    produced = HEADER + "j,b,2,0.25,false\nj,a,1,0.5,false\n"
    assert csv_differences(produced, expected, key=("job", "worker")) == []
    assert csv_differences(HEADER + "j,a,1,0.5,false\n", expected, key=("job", "worker")) == [
        "row ('j', 'b') missing"
    ]


def test_csv_columns_must_match() -> None:
    other = "job,worker,n_objects,spam_score,flags\nj,w,4,0.26,false\n"
    assert len(csv_differences(other, HEADER + "j,w,4,0.26,false\n", key=("job", "worker"))) == 1


@pytest.mark.parametrize(
    ("produced", "expected", "n_differences"),
    [
        ({"a": 0.9015990703426576}, {"a": 0.9015990703426577}, 0),
        ({"a": 0.9016}, {"a": 0.9015990703426576}, 1),
        ({"a": 0.0}, {"a": 1e-17}, 0),
        ({"a": 3}, {"a": 4}, 1),
        ({"a": True}, {"a": 1}, 1),
        ({"a": None}, {"a": 0.0}, 1),
        ({"a": "x"}, {"a": "y"}, 1),
        ({"a": [1.0, 2.0]}, {"a": [1.0, 2.0, 3.0]}, 1),
        ({"a": {"b": 1.0}}, {"a": {"b": 1.0}, "c": 2}, 1),
        ({"a": {"b": 1.0}, "c": 2}, {"a": {"b": 1.0}}, 1),
        ({"a": [{"b": "x"}]}, {"a": [{"b": "x"}]}, 0),
    ],
)
def test_json_values(produced: object, expected: object, n_differences: int) -> None:
    assert len(json_differences(produced, expected)) == n_differences
