"""Long tables of answers (CSV or Parquet) from any platform: gal-toy (Apache-2.0, from
Get-Another-Label) checked by hand, plus bad rows, and the same table from S3."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import make_client
from typer.testing import CliRunner

from crowdaudit.audit import audit
from crowdaudit.cli import app
from crowdaudit.errors import InputFormatError
from crowdaudit.schema import COL, RESPONSES

# Five workers label five URLs; worker1 always answers "porn", worker5 always the wrong class.
GAL_TOY = """task,worker,label
url1,worker1,porn
url2,worker1,porn
url3,worker1,porn
url4,worker1,porn
url5,worker1,porn
url1,worker2,notporn
url2,worker2,porn
url3,worker2,notporn
url4,worker2,porn
url5,worker2,porn
url1,worker3,notporn
url2,worker3,porn
url3,worker3,notporn
url4,worker3,porn
url5,worker3,notporn
url1,worker4,notporn
url2,worker4,porn
url3,worker4,notporn
url4,worker4,porn
url5,worker4,notporn
url1,worker5,porn
url2,worker5,notporn
url3,worker5,porn
url4,worker5,notporn
url5,worker5,porn
"""
GAL_GOLD = "task,label\nurl1,notporn\nurl2,porn\nurl3,porn\nurl4,notporn\nurl5,notporn\n"


@pytest.fixture
def gal_toy(tmp_path: Path) -> tuple[Path, Path]:
    answers, gold = tmp_path / "gal-toy.csv", tmp_path / "gold.csv"
    answers.write_text(GAL_TOY)
    gold.write_text(GAL_GOLD)
    return answers, gold


def test_gal_toy_gold_accuracy_by_hand(gal_toy: tuple[Path, Path]) -> None:
    answers, gold = gal_toy
    result = audit(answers, gold=gold)
    correct = dict(result.workers.select(COL.WORKER, COL.GOLD_CORRECT).rows())
    # worker1: url2, url3; worker2: url1, url2; worker3 and worker4: url1, url2, url5;
    # worker5: url3, url4.
    assert correct == {"worker1": 2, "worker2": 2, "worker3": 3, "worker4": 3, "worker5": 2}
    assert set(result.workers[COL.N_GOLD]) == {5}
    assert result.jobs[0].name == "gal-toy"
    assert result.jobs[0].responses.schema == pl.Schema(RESPONSES)
    # Without consolidated labels there is no consensus and no failed object.
    assert result.workers[COL.CONSENSUS_AGREEMENT].null_count() == 5
    assert result.summary["n_failed_objects"] is None


def test_parquet_from_s3_equals_csv_from_disk(
    gal_toy: tuple[Path, Path], moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers, gold = gal_toy
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_reset)
    s3 = make_client("s3", moto_reset)
    s3.create_bucket(Bucket="tables")
    buffer = io.BytesIO()
    pl.read_csv(answers).write_parquet(buffer)
    s3.put_object(Bucket="tables", Key="toy/gal-toy.parquet", Body=buffer.getvalue())
    s3.put_object(Bucket="tables", Key="toy/gold.csv", Body=gold.read_bytes())

    from_s3 = audit("s3://tables/toy/gal-toy.parquet", gold="s3://tables/toy/gold.csv")
    assert from_s3.workers.equals(audit(answers, gold=gold).workers)


def test_optional_columns_and_bad_rows(tmp_path: Path) -> None:
    table = tmp_path / "answers.csv"
    table.write_text(
        "task,worker,label,seconds,submitted_at,extra\n"
        "t1,w1,a,12.5,2024-01-02T03:04:05Z,x\n"
        "t1,w2,b,oops,2024-01-02 03:04:06,x\n"
        "t2,w1,,3,2024-01-02T03:04:07+01:00,x\n"
        "t2,w2,a,4,,x\n"
    )
    result = audit(table)
    (job,) = result.jobs
    assert job.responses.height == 3
    assert [(r.code, r.where) for r in job.skipped] == [
        ("incomplete-row", f"{table}:4"),
        ("bad-seconds", f"{table}:3"),
    ]
    rows = {(r[COL.TASK], r[COL.WORKER]): r for r in job.responses.iter_rows(named=True)}
    assert rows["t1", "w1"][COL.SECONDS] == 12.5
    assert rows["t1", "w1"][COL.SUBMITTED_AT] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert rows["t1", "w2"][COL.SECONDS] is None
    assert rows["t1", "w2"][COL.SUBMITTED_AT] == datetime(2024, 1, 2, 3, 4, 6, tzinfo=UTC)
    with pytest.raises(InputFormatError, match=r"cannot use answer: .*answers.csv:4"):
        audit(table, strict=True)


def test_missing_column_is_one_error_line(tmp_path: Path) -> None:
    table = tmp_path / "answers.csv"
    table.write_text("item,annotator,label\n1,a,x\n")
    result: Any = CliRunner().invoke(app, ["audit", str(table)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: cannot read answers table: {table} "
        "(missing column(s) task, worker; need task, worker, label)"
    )


def test_gal_toy_skill_flags_and_items(gal_toy: tuple[Path, Path]) -> None:
    answers, gold = gal_toy
    result = audit(answers, gold=gold)
    verdicts = dict(result.workers.select(COL.WORKER, COL.VERDICT).iter_rows())
    # SOURCE.md: worker1 is uninformative (always the same answer), worker5 inverted. On five
    # answers each that is a reason to check them, not yet the evidence a flag needs.
    assert verdicts == {
        "worker1": "check",
        "worker2": "ok",
        "worker3": "ok",
        "worker4": "ok",
        "worker5": "check",
    }
    assert not result.workers[COL.FLAG_SAME_ANSWER].any()
    assert set(result.summary["label_accuracy"]) == {
        "consolidated",
        "majority_vote",
        "dawid_skene",
        "one_coin",
        "pooled",
        "recommended",
    }
    assert result.summary["label_accuracy"]["consolidated"] is None  # a long table has none
    assert result.items.height == 5
    assert result.items[COL.LABEL_PROBABILITY].is_sorted()


def test_one_worker_two_answers_print_no_skill_numbers(tmp_path: Path) -> None:
    table = tmp_path / "answers.csv"
    table.write_text("task,worker,label\n1,alice,cat\n2,alice,dog\n")
    out = tmp_path / "out"
    result: Any = CliRunner().invoke(app, ["audit", str(table), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "estimated without gold" not in result.stdout
    assert "no skill estimates: the job has 1 worker" in " ".join(result.stdout.split())
    workers = pl.read_csv(out / "workers.csv")
    row = workers.row(0, named=True)
    assert (row[COL.SKILL], row[COL.DS_ACCURACY], row[COL.ONE_COIN_ACCURACY]) == (None,) * 3
    assert row[COL.VERDICT] == "not enough data"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["estimated_label_accuracy"] is None
    assert summary["skill_reason"].startswith("the job has 1 worker")
