"""Bad platform exports: one error line and exit 1 (no outputs), or the record skipped and counted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crowdaudit.cli import app

DATA = Path(__file__).parent / "data" / "platforms"
MTURK_HEADER = "HITId,WorkerId,AssignmentStatus,WorkTimeInSeconds,SubmitTime"


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["audit", *args, "-q"])


def _task(ident: int, result: list[dict[str, Any]], who: object = 1) -> dict[str, Any]:
    return {"id": ident, "data": {}, "annotations": [{"completed_by": who, "result": result}]}


def _choice(name: str, value: str) -> dict[str, Any]:
    return {"from_name": name, "to_name": "t", "type": "choices", "value": {"choices": [value]}}


def _one_error_line(result: Any, expected: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == f"error: {expected}"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "broken.json",
            '[{"id": 1, "annotations": [',
            "cannot parse Label Studio export: {path} (malformed JSON: unexpected end of data: "
            "line 1 column 28 (char 27))",
        ),
        (
            "polygons.json",
            json.dumps(
                [_task(1, [{"from_name": "p", "type": "polygonlabels", "value": {"points": []}}])]
            ),
            "unsupported Label Studio control type: {path} (control 'p' is polygonlabels; "
            "supported: choices, labels, rectanglelabels, taxonomy, rating, number, textarea)",
        ),
        (
            "two-controls.json",
            json.dumps([_task(1, [_choice("mood", "sad"), _choice("topic", "sport")])]),
            "several controls in the export: {path} (choose one with --control: mood (choices), "
            "topic (choices))",
        ),
        (
            "other.json",
            '{"rows": [1, 2]}',
            "unrecognised export: {path} (not a Label Studio JSON, JSON-MIN or CSV export, a "
            "Mechanical Turk batch results CSV, a Toloka results TSV nor a task,worker,label "
            "table; name the format with --format)",
        ),
        (
            "two-answers.csv",
            f"{MTURK_HEADER},Answer.a,Answer.b\nH1,W1,Approved,5,,x,y\n",
            "several answer columns: {path} (choose one with --answer-column: Answer.a, Answer.b)",
        ),
        (
            "no-output.tsv",
            "INPUT:image\tASSIGNMENT:worker_id\na.jpg\tw1\n",
            "no OUTPUT:* column: {path} (the file holds no answers)",
        ),
    ],
)
def test_bad_export_is_one_error_line_and_no_outputs(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    out = tmp_path / "out"
    result = _run(str(path), "--out", str(out))
    _one_error_line(result, expected.format(path=path))
    assert not out.exists()


def test_control_chooses_among_several(tmp_path: Path) -> None:
    path = tmp_path / "two-controls.json"
    path.write_text(json.dumps([_task(1, [_choice("mood", "sad"), _choice("topic", "sport")])]))
    assert _run(str(path), "--control", "topic").exit_code == 0
    _one_error_line(
        _run(str(path), "--control", "colour"),
        f"no such control: {path} (--control 'colour'; the export has: mood (choices), "
        "topic (choices))",
    )


def test_forced_mturk_names_the_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text("HITId,AssignmentStatus,Answer.a\nH1,Approved,x\n")
    _one_error_line(
        _run(str(path), "--format", "mturk"),
        f"cannot read Mechanical Turk results: {path} (missing column(s) WorkerId)",
    )


def test_answer_column_with_or_without_prefix(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(
        f"{MTURK_HEADER},Answer.a,Answer.b\nH1,W1,Approved,5,,x,y\nH1,W2,Approved,5,,x,z\n"
    )
    assert _run(str(path), "--answer-column", "b").exit_code == 0
    assert _run(str(path), "--answer-column", "Answer.b").exit_code == 0


def test_annotation_without_author_is_skipped_and_counted_or_fatal_with_strict(
    tmp_path: Path,
) -> None:
    path = tmp_path / "export.json"
    tasks = [_task(1, [_choice("c", "a")]), _task(2, [_choice("c", "b")], who=None)]
    path.write_text(json.dumps(tasks))
    out = tmp_path / "out"
    result = _run(str(path), "--out", str(out))
    assert result.exit_code == 0
    assert f"{path}: task 2 annotation 0 (no completed_by)" in result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_files_skipped"] == 1
    assert summary["skipped"][0]["where"] == f"{path}: task 2 annotation 0"
    _one_error_line(
        _run(str(path), "--strict"),
        f"cannot read annotation: {path}: task 2 annotation 0 (no completed_by)",
    )


def test_mturk_unreadable_answer_is_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(
        f"{MTURK_HEADER},Answer.taskAnswers\n"
        'H1,W1,Approved,5,,"[{""s"":{""label"":""x""}}]"\n'
        'H1,W2,Approved,5,,"[{""t"":1}]"\n'
    )
    result = _run(str(path), "--answer-path", "s.label", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [(s["where"], s["why"]) for s in summary["skipped"]] == [
        (f"{path}:3", "no 's' under answerContent (answer path 's.label')")
    ]


def test_unknown_format_is_a_usage_error() -> None:
    result = _run(str(DATA / "toloka-results.tsv"), "--format", "excel")
    assert result.exit_code == 2
