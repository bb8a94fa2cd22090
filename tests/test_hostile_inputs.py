"""Stray values found by hostile testing: each is one ``error:`` line or a counted skip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import PETS
from typer.testing import CliRunner

from crowdaudit.cli import app

LONG = "a" * 300


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def one_error_line(result: Any) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    return str(line)


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["{tmp}/" + LONG], "cannot read folder"),
        (["{tmp}/" + LONG + ".csv"], "cannot read file"),
        (["{pets}", "--gold", "{tmp}/" + LONG], "cannot read file"),
        (["{pets}", "--out", "{tmp}/" + LONG], "cannot write file"),
        (["{pets}", "--out", "{tmp}/" + LONG + "/x"], "cannot write file"),
        (["{pets}", "--seed-json", "{tmp}/" + LONG], "cannot write file"),
    ],
    ids=["job", "table", "gold", "out", "out-parent", "seed-json"],
)
def test_a_name_too_long_is_one_error_line(
    tmp_path: Path, arguments: list[str], fragment: str
) -> None:
    values = {"tmp": tmp_path, "pets": PETS}
    result = run("audit", *(a.format(**values) for a in arguments), "--no-cache", "-q")
    assert fragment in one_error_line(result)
    assert sorted(tmp_path.iterdir()) == []


def test_an_iteration_number_beyond_int32_is_a_counted_skip(tmp_path: Path) -> None:
    job = tmp_path / "pets-private"
    shutil.copytree(PETS, job)
    stray = job / "annotations/worker-response/iteration-99999999999999999999/0"
    stray.mkdir(parents=True)
    (stray / "2022-08-05_10:00:00.json").write_text('{"answers": []}')
    out = tmp_path / "out"
    result = run("audit", str(job), "--out", str(out), "--no-cache", "-q")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert [record["code"] for record in summary["skipped"]] == ["unexpected-key"]


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("task", [[1, 2], [3]]),
        ("worker", [{"a": 1}, {"a": 2}]),
        ("label", [b"\xff", b"x"]),
        ("seconds", [[1.0], [2.0]]),
    ],
)
def test_a_parquet_column_of_an_unexpected_type_is_one_error_line(
    tmp_path: Path, column: str, values: list[Any]
) -> None:
    columns: dict[str, list[Any]] = {"task": ["1", "2"], "worker": ["a", "b"], "label": ["x", "y"]}
    columns[column] = values
    path = tmp_path / "answers.parquet"
    pl.DataFrame(columns).write_parquet(path)
    result = run("audit", str(path), "--out", str(tmp_path / "out"), "--no-cache", "-q")
    line = one_error_line(result)
    assert f"cannot read answers table: {path} (column '{column}' holds" in line
    assert not (tmp_path / "out").exists()
