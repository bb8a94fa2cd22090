"""Each Label Studio control type compared as the task type it maps to, against a ground-truth
annotation, with similarities worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crowdaudit.audit import audit
from crowdaudit.schema import COL


def _export(kind: str, gold: list[Any], a: list[Any], b: list[Any]) -> str:
    """One task: a ground-truth annotation by user 9, then users 1 and 2; one result per value."""

    def annotation(ident: int, who: int, values: list[Any], gt: bool = False) -> dict[str, Any]:
        result = [{"from_name": "x", "to_name": "y", "type": kind, "value": v} for v in values]
        return {
            "id": ident,
            "completed_by": who,
            "result": result,
            "ground_truth": gt,
            "was_cancelled": False,
            "lead_time": 1.0,
            "created_at": f"2024-01-01T00:00:0{ident}Z",
        }

    annotations = [annotation(1, 9, gold, gt=True), annotation(2, 1, a), annotation(3, 2, b)]
    return json.dumps([{"id": 7, "data": {}, "annotations": annotations}])


BOX = {"x": 10, "y": 10, "width": 20, "height": 20, "rotation": 0, "rectanglelabels": ["Car"]}
PER = {"start": 0, "end": 4, "labels": ["PER"]}

# kind, gold values, A's values (the same answer as gold), B's values, B's similarity to gold
CASES = [
    # IoU of [10,30]² and [20,40]x[10,30]: 200 / 600 = 1/3 < 0.5, so no match: F1 0.
    ("rectanglelabels", [BOX], [BOX], [{**BOX, "x": 20}], 0.0),
    # B's 2 spans, 1 of them the gold span: F1 = 2·1 / (1 + 2).
    ("labels", [PER], [PER], [PER, {"start": 5, "end": 9, "labels": ["LOC"]}], 2 / 3),
    # Jaccard of {Animal/Cat} and {Animal/Cat, Animal/Dog}.
    (
        "taxonomy",
        [{"taxonomy": [["Animal", "Cat"]]}],
        [{"taxonomy": [["Animal", "Cat"]]}],
        [{"taxonomy": [["Animal", "Cat"], ["Animal", "Dog"]]}],
        0.5,
    ),
    # 1 − |4 − 5| / 5 and 1 − |10 − 8| / 10.
    ("rating", [{"rating": 4}], [{"rating": 4}], [{"rating": 5}], 0.8),
    ("number", [{"number": 10}], [{"number": 10}], [{"number": 8}], 0.8),
    # Whitespace runs are one space; case is kept.
    (
        "textarea",
        [{"text": ["hello  world"]}],
        [{"text": [" hello world"]}],
        [{"text": ["Hello world"]}],
        0.0,
    ),
    # Several choices make the control multi-label: Jaccard of {a, b} and {a}.
    ("choices", [{"choices": ["a", "b"]}], [{"choices": ["b", "a"]}], [{"choices": ["a"]}], 0.5),
]


@pytest.mark.parametrize(("kind", "gold", "a", "b", "b_similarity"), CASES)
def test_control_type_compared_against_ground_truth(
    tmp_path: Path, kind: str, gold: list[Any], a: list[Any], b: list[Any], b_similarity: float
) -> None:
    path = tmp_path / "export.json"
    path.write_text(_export(kind, gold, a, b))
    result = audit(path)
    accuracy = {
        row[COL.WORKER]: row[COL.GOLD_ACCURACY] for row in result.workers.iter_rows(named=True)
    }
    assert set(accuracy) == {"1", "2"}  # the ground-truth author answered nothing else
    assert accuracy["1"] == pytest.approx(1.0, abs=1e-12)
    assert accuracy["2"] == pytest.approx(b_similarity, abs=1e-12)


def test_single_choices_are_classification(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(
        _export("choices", [{"choices": ["a"]}], [{"choices": ["a"]}], [{"choices": ["b"]}])
    )
    result = audit(path)
    assert result.jobs[0].task is not None
    assert result.jobs[0].task.name == "classification"
    assert result.summary["jobs"][0]["task_type"] == "label-studio/choices"
