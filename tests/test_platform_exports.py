"""Platform exports (Label Studio JSON, JSON-MIN, CSV; Mechanical Turk; Toloka) audited end to end.

Every expected number is worked out by hand in tests/data/platforms/README.md; every fixture is read
from disk and from moto's S3 server, with equal results.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import make_client
from typer.testing import CliRunner

from crowdaudit.audit import Audit, audit
from crowdaudit.cli import app
from crowdaudit.ledger import contributions
from crowdaudit.schema import COL
from crowdaudit.sources.exports import ExportOptions
from crowdaudit.tasks.registry import TaskOptions

DATA = Path(__file__).parent / "data" / "platforms"
MTURK = TaskOptions(answer_path="sentiment.label")

# worker: (n_objects, n_gold, gold_correct, loo_agreement, median_seconds, total_seconds,
#          first_submitted_at, last_submitted_at) — see the README for the working.
Row = tuple[int, int, float, float | None, float, float, str, str]

LS_JSON: dict[str, Row] = {
    "1": (4, 2, 2, 2 / 4, 8.5, 34, "2024-03-01T10:00", "2024-03-01T10:15"),
    "bo@example.com": (3, 1, 1, 1 / 3, 15, 44, "2024-03-01T11:10", "2024-03-01T11:20"),
    "cy@example.com": (3, 2, 1, 1 / 3, 11, 49, "2024-03-01T12:00", "2024-03-01T12:15"),
}
LS_MIN: dict[str, Row] = {
    "1": (4, 0, 0, 2 / 4, 8.5, 34, "2024-03-01T10:00", "2024-03-01T10:15"),
    "bo@example.com": (4, 0, 0, 2 / 4, 17.5, 69, "2024-03-01T11:05", "2024-03-01T11:20"),
    "cy@example.com": (3, 0, 0, 1 / 3, 11, 49, "2024-03-01T12:00", "2024-03-01T12:15"),
}
MTURK_ROWS: dict[str, Row] = {
    "A1WORKERONE0001": (3, 2, 2, 1 / 3, 50, 140, "2019-11-02T17:00", "2019-11-05T05:32:54"),
    "A2WORKERTWO0002": (3, 2, 2, 1 / 3, 40, 120, "2019-11-02T18:01", "2019-11-05T05:41"),
    "A3WORKERTHREE03": (2, 1, 0, 0, 17.5, 35, "2019-11-02T19:00:20", "2019-11-05T05:51"),
}
TOLOKA: dict[str, Row] = {
    "w1": (3, 1, 1, 1 / 3, 30, 90, "2021-06-07T10:01:30", "2021-06-07T10:01:30"),
    "w2": (3, 1, 0, 1 / 3, 40, 120, "2021-06-07T11:02", "2021-06-07T11:02"),
    "w3": (3, 1, 1, 1 / 3, 10, 30, "2021-06-07T12:00:30", "2021-06-07T12:00:30"),
}
PREVIOUS_EXPORT: dict[str, Row] = {
    "annotator_from_past@project.com": (
        1,
        0,
        0,
        None,
        None,  # a lead_time of four days is over 24 h: implausible-seconds, left out
        None,
        "2021-07-06T06:06:25.927570",
        "2021-07-06T06:06:25.927570",
    )
}

CASES: dict[str, tuple[str, dict[str, Any], dict[str, Row]]] = {
    "label-studio-json": ("label-studio-reviews.json", {}, LS_JSON),
    "label-studio-min": ("label-studio-reviews-min.json", {}, LS_MIN),
    "label-studio-csv": ("label-studio-reviews.csv", {}, LS_MIN),
    "label-studio-real": ("label-studio-previous-export.json", {}, PREVIOUS_EXPORT),
    "mturk": (
        "mturk-batch-results.csv",
        {"gold": DATA / "mturk-gold.csv", "task_options": MTURK},
        MTURK_ROWS,
    ),
    "toloka": ("toloka-results.tsv", {}, TOLOKA),
}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _check(result: Audit, expected: dict[str, Row]) -> None:
    rows = {row[COL.WORKER]: row for row in result.workers.iter_rows(named=True)}
    assert set(rows) == set(expected)
    for worker, (n, n_gold, correct, loo, median, total, first, last) in expected.items():
        row = rows[worker]
        assert (row[COL.N_OBJECTS], row[COL.N_GOLD]) == (n, n_gold), worker
        assert row[COL.GOLD_CORRECT] == pytest.approx(correct, abs=1e-12), worker
        if n_gold:
            assert row[COL.GOLD_ACCURACY] == pytest.approx(correct / n_gold, abs=1e-12)
        else:
            assert row[COL.GOLD_ACCURACY] is None
        if loo is None:
            assert row[COL.LOO_AGREEMENT] is None
        else:
            assert row[COL.LOO_AGREEMENT] == pytest.approx(loo, abs=1e-12), worker
        assert row[COL.MEDIAN_SECONDS] == pytest.approx(median, abs=1e-9), worker
        assert row[COL.TOTAL_SECONDS] == pytest.approx(total, abs=1e-9), worker
        assert row[COL.FIRST_SUBMITTED_AT] == _at(first), worker
        assert row[COL.LAST_SUBMITTED_AT] == _at(last), worker


@pytest.fixture(params=["disk", "s3"])
def locate(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fixture file's location: its path, or an s3:// URI on moto's server."""

    def where(path: Path) -> str:
        if request.param == "disk":
            return str(path)
        endpoint = request.getfixturevalue("moto_reset")
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        client = make_client("s3", endpoint)
        if "exports" not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            client.create_bucket(Bucket="exports")
        client.put_object(Bucket="exports", Key=f"in/{path.name}", Body=path.read_bytes())
        return f"s3://exports/in/{path.name}"

    return where


@pytest.mark.parametrize("case", sorted(CASES))
def test_fixture_audits_as_worked_out_by_hand(case: str, locate: Any) -> None:
    file, options, expected = CASES[case]
    _check(audit(locate(DATA / file), **options), expected)


@pytest.mark.parametrize("case", sorted(CASES))
def test_disk_and_s3_give_equal_results(
    case: str, monkeypatch: pytest.MonkeyPatch, moto_reset: str
) -> None:
    file, options, _ = CASES[case]
    on_disk = audit(DATA / file, **options)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_reset)
    client = make_client("s3", moto_reset)
    client.create_bucket(Bucket="exports")
    client.put_object(Bucket="exports", Key=file, Body=(DATA / file).read_bytes())
    in_s3 = audit(f"s3://exports/{file}", **options)
    assert on_disk.workers.equals(in_s3.workers)
    assert on_disk.items.equals(in_s3.items)
    assert on_disk.answers.drop(COL.SOURCE_KEY).equals(in_s3.answers.drop(COL.SOURCE_KEY))


def test_label_studio_counts_cancelled_and_ground_truth() -> None:
    result = audit(DATA / "label-studio-reviews.json")
    job = result.summary["jobs"][0]
    assert (job["n_tasks"], job["n_annotations"], job["n_cancelled"]) == (4, 13, 1)
    assert (job["n_ground_truth"], job["n_gold_in_export"]) == (2, 2)
    assert result.summary["warnings"] == ["1 cancelled (skipped) annotation(s) left out"]
    # Bo's ground-truth answer to task 1 is gold, not scored; his second answer to it is.
    bo = result.answers.filter(pl.col(COL.WORKER) == "bo@example.com")
    assert sorted(bo.get_column(COL.TASK).to_list()) == ["1", "3", "4"]


def test_json_min_says_gold_and_cancellations_are_lost() -> None:
    result = audit(DATA / "label-studio-reviews-min.json")
    assert result.summary["warnings"][0].startswith("JSON-MIN export: no gold")
    assert [record["code"] for record in result.summary["skipped"]] == ["repeated-answer"]


def test_mturk_rejected_left_out_then_included() -> None:
    kept = audit(DATA / "mturk-batch-results.csv", task_options=MTURK)
    assert kept.summary["jobs"][0]["n_rejected"] == 1
    assert kept.summary["warnings"] == ["1 rejected assignment(s) left out"]
    with_rejected = audit(
        DATA / "mturk-batch-results.csv",
        gold=DATA / "mturk-gold.csv",
        task_options=MTURK,
        export=ExportOptions(include_rejected=True),
    )
    row = with_rejected.workers.filter(pl.col(COL.WORKER) == "A3WORKERTHREE03").row(0, named=True)
    # H2 (Negative, gold Negative, 10 s) is back: 3 objects, 45 s, gold 1 of 2.
    assert (row[COL.N_OBJECTS], row[COL.TOTAL_SECONDS], row[COL.GOLD_CORRECT]) == (3, 45, 1)


def test_toloka_training_left_out_and_seconds_divided() -> None:
    result = audit(DATA / "toloka-results.tsv")
    assert result.summary["jobs"][0]["n_training"] == 1
    assert "divided over its tasks" in result.summary["warnings"][0]
    tasks = result.answers.get_column(COL.TASK).unique().to_list()
    assert len(tasks) == 3
    assert all(task.startswith("input-") for task in tasks)


def test_forced_format_reads_a_file_without_its_suffix(tmp_path: Path) -> None:
    renamed = tmp_path / "results"
    renamed.write_bytes((DATA / "toloka-results.tsv").read_bytes())
    result = audit(renamed, export=ExportOptions(format="toloka"))
    _check(result, TOLOKA)


def test_contributions_name_label_studio_people() -> None:
    ledger = contributions(DATA / "label-studio-reviews.json", identities=False)
    rows = {row[COL.WORKER]: row for row in ledger.table.iter_rows(named=True)}
    assert (rows["bo@example.com"][COL.USERNAME], rows["bo@example.com"][COL.EMAIL]) == (
        "Bo Lind",
        "bo@example.com",
    )
    assert rows["cy@example.com"][COL.EMAIL] == "cy@example.com"
    assert rows["1"][COL.EMAIL] is None
    assert {worker: row[COL.N_OBJECTS] for worker, row in rows.items()} == {
        "1": 4,
        "bo@example.com": 3,
        "cy@example.com": 3,
    }


@pytest.mark.parametrize(
    ("file", "n_objects"),
    [
        (
            "mturk-batch-results.csv",
            {"A1WORKERONE0001": 3, "A2WORKERTWO0002": 3, "A3WORKERTHREE03": 2},
        ),
        ("toloka-results.tsv", {"w1": 3, "w2": 3, "w3": 3}),
        ("label-studio-reviews.csv", {"1": 4, "bo@example.com": 4, "cy@example.com": 3}),
    ],
)
def test_contributions_on_every_platform(file: str, n_objects: dict[str, int]) -> None:
    """No answer column is needed to count who did what."""
    ledger = contributions(DATA / file, identities=False)
    counted = {row[COL.WORKER]: row[COL.N_OBJECTS] for row in ledger.table.iter_rows(named=True)}
    assert counted == n_objects


def test_cli_audit_of_label_studio_writes_outputs(tmp_path: Path) -> None:
    result: Any = CliRunner().invoke(
        app, ["audit", str(DATA / "label-studio-reviews.json"), "--out", str(tmp_path), "-q"]
    )
    assert result.exit_code == 0, result.stderr
    workers = pl.read_csv(tmp_path / "workers.csv")
    assert dict(zip(workers["worker"], workers["n_objects"], strict=True)) == {
        "1": 4,
        "bo@example.com": 3,
        "cy@example.com": 3,
    }
    accuracy = dict(zip(workers["worker"], workers["gold_accuracy"], strict=True))
    assert math.isclose(accuracy["cy@example.com"], 0.5)


MTURK_HEADER = "HITId,WorkerId,AssignmentStatus,WorkTimeInSeconds,SubmitTime,Answer.taskAnswers"


def test_mturk_hit_of_several_items_and_radio_groups(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    two_items = '[{""q"":{""no"":false,""yes"":true}},{""q"":{""no"":true,""yes"":false}}]'
    other = '[{""q"":{""no"":false,""yes"":true}},{""q"":{""no"":false,""yes"":true}}]'
    path.write_text(
        f'{MTURK_HEADER}\nH1,W1,Approved,30,,"{two_items}"\nH1,W2,Approved,20,,"{other}"\n'
    )
    result = audit(path, task_options=TaskOptions(answer_path="q"))
    labels = {
        (row[COL.TASK], row[COL.WORKER]): row[COL.LABEL]
        for row in result.answers.iter_rows(named=True)
    }
    assert labels == {
        ("H1#0", "W1"): "yes",
        ("H1#1", "W1"): "no",
        ("H1#0", "W2"): "yes",
        ("H1#1", "W2"): "yes",
    }


def test_toloka_task_id_and_rejected(tmp_path: Path) -> None:
    path = tmp_path / "results.tsv"
    path.write_text(
        "INPUT:text\tOUTPUT:result\tASSIGNMENT:task_id\tASSIGNMENT:worker_id\tASSIGNMENT:status\n"
        "x\tyes\tt-1\tw1\tAPPROVED\n"
        "x\tno\tt-1\tw2\tREJECTED\n"
        "y\tno\tt-2\tw1\tAPPROVED\n"
    )
    left_out = audit(path)
    assert sorted(left_out.answers.get_column(COL.TASK).to_list()) == ["t-1", "t-2"]
    assert left_out.summary["warnings"] == ["1 rejected answer(s) left out"]
    kept = audit(path, export=ExportOptions(include_rejected=True))
    assert kept.answers.height == 3
    assert kept.summary["warnings"] == ["1 rejected answer(s) kept"]


def test_json_min_several_choices_are_multilabel(tmp_path: Path) -> None:
    records = [
        {
            "text": "t",
            "id": 1,
            "tags": [{"choices": ["a", "b"]}],
            "annotator": 1,
            "annotation_id": 1,
        },
        {"text": "t", "id": 1, "tags": "a", "annotator": 2, "annotation_id": 2},
    ]
    path = tmp_path / "min.json"
    path.write_text(json.dumps(records))
    result = audit(path)
    assert result.jobs[0].task is not None
    assert result.jobs[0].task.name == "multilabel"
    # Each is the other's only peer: Jaccard of {a, b} and {a} is 1/2.
    loo = {row[COL.WORKER]: row[COL.LOO_AGREEMENT] for row in result.workers.iter_rows(named=True)}
    assert loo == {"1": pytest.approx(0.5), "2": pytest.approx(0.5)}


def test_integer_author_gets_the_e_mail_of_created_username(tmp_path: Path) -> None:
    result = [{"from_name": "c", "type": "choices", "value": {"choices": ["a"]}}]
    annotation = {"completed_by": 3, "created_username": " ann@example.com, 3", "result": result}
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"id": 1, "data": {}, "annotations": [annotation]}]))
    ledger = contributions(path, identities=False)
    assert ledger.table.select(COL.WORKER, COL.EMAIL).rows() == [("3", "ann@example.com")]
