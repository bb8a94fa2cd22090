"""Gold values are read once per distinct text, with the same result and the same error as
reading every row (``crowdaudit.sources.gold``)."""

from __future__ import annotations

import polars as pl
import pytest

from crowdaudit.errors import GoldFormatError
from crowdaudit.sources.gold import match_gold, parse_gold

_SOURCES = pl.DataFrame({"task": ["a", "b", "c", "d"], "source": ["s1", "s2", "s3", "s4"]})


def test_each_distinct_gold_text_is_read_once_and_every_row_gets_its_value() -> None:
    gold = parse_gold(b"task,label\na,cat\nb,dog\nc,cat\nd,\xc3\xa9t\xc3\xa9\n", where="g.csv")
    seen: list[object] = []

    def read(value: object) -> str:
        seen.append(value)
        return str(value).upper()

    matched = match_gold(gold, _SOURCES, read)
    assert matched.rows() == [("a", "CAT"), ("b", "DOG"), ("c", "CAT"), ("d", "ÉTÉ")]
    assert seen == ["cat", "dog", "été"]


def test_the_error_names_the_first_task_whose_value_cannot_be_read() -> None:
    gold = parse_gold(
        b'{"a": "cat"}\n{"b": "bad"}\n{"source-ref": "s3", "label": "bad"}\n{"d": "bad"}\n',
        where="g.manifest",
    )

    def read(value: object) -> str:
        if value == "bad":
            raise ValueError("not a class")
        return str(value)

    with pytest.raises(GoldFormatError, match=r"g\.manifest: task b \(not a class\)"):
        match_gold(gold, _SOURCES, read)


def test_no_gold_row_matches() -> None:
    gold = parse_gold(b'{"source-ref": "elsewhere", "label": "cat"}\n', where="g.manifest")
    matched = match_gold(gold, _SOURCES, str)
    assert matched.height == 0
    assert matched.schema == pl.Schema({"task": pl.String(), "gold": pl.String()})
