"""CSV cells a spreadsheet would evaluate get a leading quote; Parquet and JSON keep the raw value."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from crowdaudit.cli import app
from crowdaudit.report.writers import render_table

FORMULAS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tlead", "\rcr", '=HYPERLINK("http://x")']


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def read_csv(data: bytes | str) -> list[dict[str, str]]:
    text = data.decode() if isinstance(data, bytes) else data
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_cell_gets_a_leading_quote(value: str) -> None:
    table = pl.DataFrame({"username": [value, "ana"], "n": [-1, 2]})
    rows = read_csv(render_table(table, "csv"))
    assert rows[0]["username"] == "'" + value
    assert rows[1]["username"] == "ana"
    assert rows[0]["n"] == "-1"  # numbers are not text: a negative number stays a number


@pytest.mark.parametrize("value", ["a=b", "x-1", "", "'quoted", "猫"])
def test_other_cells_are_left_alone(value: str) -> None:
    table = pl.DataFrame({"label": [value]})
    assert read_csv(render_table(table, "csv"))[0]["label"] == value


def test_parquet_and_json_keep_the_raw_value() -> None:
    table = pl.DataFrame({"email": FORMULAS})
    assert (
        pl.read_parquet(io.BytesIO(render_table(table, "parquet")))["email"].to_list() == FORMULAS
    )
    assert [row["email"] for row in json.loads(render_table(table, "json"))] == FORMULAS


def write_table(path: Path) -> Path:
    rows = ["task,worker,label"]
    for number, worker in enumerate(["=evil()", "+worker", "@ana", "plain"]):
        for task in range(3):
            label = "=cmd|'/c calc'!A0" if (task + number) % 2 else "-dog"
            rows.append(f'{task},"{worker}","{label}"')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_workers_and_items_csv_are_neutralised(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("audit", str(write_table(tmp_path / "a.csv")), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    workers = read_csv((out / "workers.csv").read_text("utf-8"))
    assert sorted(row["worker"] for row in workers) == ["'+worker", "'=evil()", "'@ana", "plain"]
    items = read_csv((out / "items.csv").read_text("utf-8"))
    cells = [str(value) for row in items for value in row.values() if value]
    # A spreadsheet reads a formula only at a cell's start: no cell may start with one.
    assert not [cell for cell in cells if cell[0] in "=+-@"]
    assert "'-dog" in cells
    records = json.loads((out / "workers.json").read_text("utf-8"))
    assert sorted(r["worker"] for r in records) == ["+worker", "=evil()", "@ana", "plain"]
    parquet = pl.read_parquet(out / "workers.parquet")
    assert "=evil()" in parquet["worker"].to_list()


def test_the_ledger_csv_is_neutralised(tmp_path: Path) -> None:
    out = tmp_path / "ledger.csv"
    table = write_table(tmp_path / "a.csv")
    result = run("contributions", str(table), "--no-identities", "-q", "--out", str(out))
    assert result.exit_code == 0, result.output
    workers = sorted(row["worker"] for row in read_csv(out.read_text("utf-8")))
    assert workers == ["'+worker", "'=evil()", "'@ana", "plain"]
