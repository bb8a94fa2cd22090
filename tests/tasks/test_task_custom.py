"""Custom templates: answer paths and the three comparisons."""

from __future__ import annotations

import pytest

from crowdaudit.tasks.base import TaskShapeError
from crowdaudit.tasks.custom import Custom, resolve_path

NO_FETCH = {"fetch": lambda uri: b""}
CONTENT = {"annotatedResult": {"label": "Response 2", "score": 4, "tags": ["b", "a", "b"]}}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("annotatedResult.label", "Response 2"),
        ("annotatedResult.tags.1", "a"),
        ("annotatedResult", {"label": "Response 2", "score": 4, "tags": ["b", "a", "b"]}),
    ],
)
def test_resolve_path(path: str, expected: object) -> None:
    assert resolve_path(CONTENT, path) == expected


def test_resolve_path_decodes_json_strings_on_the_way() -> None:
    value = {"annotationData": {"content": '{"response": {"label": "Response 2"}}'}}
    assert resolve_path(value, "annotationData.content.response.label") == "Response 2"


@pytest.mark.parametrize("path", ["annotatedResult.missing", "annotatedResult.tags.9", "x"])
def test_resolve_path_names_where_it_stopped(path: str) -> None:
    with pytest.raises(TaskShapeError, match="answer path"):
        resolve_path(CONTENT, path)


def test_exact() -> None:
    task = Custom(answer_path="annotatedResult.label")
    assert task.exact
    assert task.parse_answer(CONTENT) == "Response 2"
    assert task.similarity("Response 2", "Response 2") == 1.0
    assert task.similarity("Response 2", "Response 1") == 0.0
    whole = Custom()
    assert whole.parse_answer({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


def test_jaccard() -> None:
    task = Custom(answer_path="annotatedResult.tags", compare="jaccard")
    assert not task.exact
    assert task.parse_answer(CONTENT) == '["a","b"]'
    assert task.parse_gold("a") == '["a"]'
    assert task.similarity('["a","b"]', '["a"]') == 0.5
    assert task.similarity("[]", "[]") == 1.0


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(4, 5, 0.8), (2, 4, 0.5), (3, 3, 1.0), (0, 0, 1.0), (0, 5, 0.0), (-1, 1, 0.0), (2.5, 5, 0.5)],
)
def test_number(a: float, b: float, expected: float) -> None:
    task = Custom(answer_path="score", compare="number")
    left, right = task.parse_answer({"score": a}), task.parse_answer({"score": b})
    assert task.similarity(left, right) == pytest.approx(expected)
    assert task.similarity(right, left) == pytest.approx(expected)


def test_number_parsing() -> None:
    task = Custom(answer_path="score", compare="number")
    assert task.parse_answer({"score": "4.0"}) == "4"
    assert task.parse_answer({"score": 4.5}) == "4.5"
    for bad in ("four", True, None, [4]):
        with pytest.raises(TaskShapeError):
            task.parse_answer({"score": bad})


def test_consolidated_and_gold() -> None:
    task = Custom(answer_path="annotatedResult.label")
    assert task.parse_consolidated(CONTENT, {}, **NO_FETCH) == "Response 2"
    assert task.parse_consolidated({}, {}, **NO_FETCH) is None
    assert task.parse_consolidated(None, {}, **NO_FETCH) is None
    passthrough = {"annotationsFromAllWorkers": [{"workerId": "w", "annotationData": {}}]}
    assert task.parse_consolidated(passthrough, {}, **NO_FETCH) is None
    # A label without the answer path but with one scalar leaf is that leaf (a Lambda's shape).
    assert task.parse_consolidated({"result": "Response 2"}, {}, **NO_FETCH) == "Response 2"
    with pytest.raises(TaskShapeError):
        task.parse_consolidated({"other": 1, "more": 2}, {}, **NO_FETCH)
    assert task.parse_gold("Response 1") == "Response 1"
    assert task.parse_gold(CONTENT) == "Response 2"
    with pytest.raises(TaskShapeError):
        task.parse_gold({"other": 1})


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="compare"):
        Custom(compare="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty part"):
        Custom(answer_path="a..b")
    assert Custom(answer_path="a", compare="number").parser_id != Custom(answer_path="a").parser_id
