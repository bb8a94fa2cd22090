"""Named entities: parsing, exact span F1 and overlap credit."""

from __future__ import annotations

import pytest

from crowdaudit.tasks.base import TaskShapeError
from crowdaudit.tasks.entities import Entities

EXACT = Entities()
OVERLAP = Entities(span_match="overlap")
NO_FETCH = {"fetch": lambda uri: b""}


def span(start: int, end: int, label: str) -> dict[str, object]:
    return {"startOffset": start, "endOffset": end, "label": label}


def spans(*items: dict[str, object]) -> str:
    return EXACT.parse_answer({"crowd-entity-annotation": {"entities": list(items)}})


def test_parse_answer_sorts_and_deduplicates() -> None:
    text = spans(span(14, 19, "Location"), span(0, 5, "Person"), span(0, 5, "Person"))
    assert text == '[[0,5,"Person"],[14,19,"Location"]]'
    assert spans() == "[]"
    assert EXACT.parse_answer({"crowd-entity-annotation": {"entities": None}}) == "[]"


@pytest.mark.parametrize(
    ("entity", "reason"),
    [
        ({"startOffset": 0, "endOffset": 4}, "'label'"),
        (span(4, 0, "verb"), "ends before it starts"),
        (span(-1, 3, "verb"), "negative"),
        (span(0, 2.5, "verb"), "not a whole number"),  # type: ignore[arg-type]
        ({"startOffset": "0", "endOffset": 4, "label": "verb"}, "not a whole number"),
        ([0, 4, "verb"], "not an object"),
    ],
)
def test_parse_answer_rejects_bad_entities(entity: object, reason: str) -> None:
    with pytest.raises(TaskShapeError, match=reason):
        EXACT.parse_answer({"crowd-entity-annotation": {"entities": [entity]}})


def test_parse_answer_rejects_unknown_shape() -> None:
    with pytest.raises(TaskShapeError, match="no element holds 'entities'"):
        EXACT.parse_answer({"crowd-classifier": {"label": "x"}})


def test_parse_consolidated_and_gold_shapes() -> None:
    value = {
        "annotations": {
            "labels": [{"label": "Date", "shortDisplayName": "dt"}],
            "entities": [span(75, 88, "Date"), span(22, 53, "Thing")],
        }
    }
    expected = '[[22,53,"Thing"],[75,88,"Date"]]'
    assert (
        EXACT.parse_consolidated(value, {"type": "groundtruth/text-span"}, **NO_FETCH) == expected
    )
    assert EXACT.parse_consolidated(None, {}, **NO_FETCH) is None
    assert EXACT.parse_gold(value) == expected
    assert EXACT.parse_gold({"entities": value["annotations"]["entities"]}) == expected
    assert EXACT.parse_gold([span(22, 53, "Thing"), span(75, 88, "Date")]) == expected
    with pytest.raises(TaskShapeError, match=r"annotations\.entities"):
        EXACT.parse_gold({"annotations": {"labels": []}})
    with pytest.raises(TaskShapeError):
        EXACT.parse_gold("Thing")


def test_exact_span_f1_by_hand() -> None:
    reference = spans(span(0, 5, "Person"), span(14, 19, "Location"), span(23, 26, "Date"))
    # 2 of 2 right, 1 missed: 2·2 / (2 + 3) = 0.8
    assert EXACT.similarity(spans(span(0, 5, "Person"), span(14, 19, "Location")), reference) == (
        pytest.approx(0.8)
    )
    # one offset off by one: 2·2 / (3 + 3) = 2/3
    off = spans(span(0, 5, "Person"), span(14, 18, "Location"), span(23, 26, "Date"))
    assert EXACT.similarity(off, reference) == pytest.approx(2 / 3)
    # same offsets, other label: no credit
    assert EXACT.similarity(spans(span(0, 5, "Location")), spans(span(0, 5, "Person"))) == 0.0
    assert EXACT.similarity(spans(), spans()) == 1.0
    assert EXACT.similarity(spans(), reference) == 0.0


def test_overlap_gives_partial_credit() -> None:
    reference = spans(span(0, 5, "Person"), span(14, 19, "Location"), span(23, 26, "Date"))
    off = spans(span(0, 5, "Person"), span(14, 18, "Location"), span(23, 26, "Date"))
    # credits 1 + 4/5 + 1 = 2.8; 2·2.8 / 6
    assert OVERLAP.similarity(off, reference) == pytest.approx(2 * 2.8 / 6)
    # [0, 4) against [2, 6): 2 shared of 6: credit 1/3, F1 = 2·(1/3) / 2
    assert OVERLAP.similarity(spans(span(0, 4, "X")), spans(span(2, 6, "X"))) == pytest.approx(
        1 / 3
    )
    # labels must still agree; disjoint spans earn nothing
    assert OVERLAP.similarity(spans(span(0, 4, "X")), spans(span(0, 4, "Y"))) == 0.0
    assert OVERLAP.similarity(spans(span(0, 4, "X")), spans(span(4, 8, "X"))) == 0.0
    # one-to-one: a long span cannot be credited twice
    long, short = spans(span(0, 10, "X")), spans(span(0, 5, "X"), span(5, 10, "X"))
    assert OVERLAP.similarity(long, short) == pytest.approx(2 * 0.5 / 3)


def test_span_match_is_checked() -> None:
    with pytest.raises(ValueError, match="span_match"):
        Entities(span_match="fuzzy")  # type: ignore[arg-type]
