"""Implausible times are counted under a named reason and left out of time and payout figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import PETS
from typer.testing import CliRunner

from crowdaudit.cli import app
from crowdaudit.sources.times import screen_times

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def table(**columns: list[Any]) -> pl.DataFrame:
    stamp = pl.Datetime("us", "UTC")
    return pl.DataFrame(
        {
            "accepted_at": columns.get("accepted", [None] * len(columns["seconds"])),
            "submitted_at": columns.get("submitted", [None] * len(columns["seconds"])),
            "seconds": columns["seconds"],
        },
        schema={"accepted_at": stamp, "submitted_at": stamp, "seconds": pl.Float64},
    )


@pytest.mark.parametrize(
    ("seconds", "kept"),
    [
        (0.0, True),
        (86_400.0, True),
        (12.5, True),
        (-0.5, False),
        (86_400.5, False),
        (1e300, False),
        (float("inf"), False),
        (float("nan"), False),
    ],
)
def test_seconds_outside_a_day_are_left_out(seconds: float, kept: bool) -> None:
    screened, counts = screen_times(table(seconds=[seconds]), now=NOW)
    assert counts == {"n_future_timestamps": 0, "n_implausible_seconds": 0 if kept else 1}
    assert screened.get_column("seconds").is_null().item() is not kept


def test_a_timestamp_more_than_a_day_ahead_is_left_out_with_its_seconds() -> None:
    later = datetime(2026, 12, 2, 11, tzinfo=UTC)  # 23 h ahead: a clock in another zone
    far = datetime(2999, 1, 1, tzinfo=UTC)
    screened, counts = screen_times(
        table(seconds=[5.0, 6.0], accepted=[later, NOW], submitted=[later, far]), now=NOW
    )
    assert counts == {"n_future_timestamps": 1, "n_implausible_seconds": 0}
    assert screened.row(0) == (later, later, 5.0)
    assert screened.row(1) == (None, None, None)


def edit_first_answer(job: Path, **fields: Any) -> None:
    path = job / "annotations/worker-response/iteration-1/0/2022-08-05_10:02:31.json"
    document = json.loads(path.read_text("utf-8"))
    document["answers"][0].update(fields)
    path.write_text(json.dumps(document), encoding="utf-8")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"submissionTime": "2999-01-01T00:00:00.000Z"}, "n_future_timestamps"),
        ({"timeSpentInSeconds": 1e300}, "n_implausible_seconds"),
        ({"timeSpentInSeconds": -7}, "n_implausible_seconds"),
    ],
    ids=["year-2999", "1e300", "negative"],
)
def test_implausible_times_stay_out_of_the_ledger_and_payout(
    copy_of: Any, tmp_path: Path, fields: dict[str, Any], reason: str
) -> None:
    job = copy_of(PETS)
    edit_first_answer(job, **fields)
    out = tmp_path / "ledger.csv"
    result = run(
        "contributions", str(job), "--no-identities", "--no-cache", "-q",
        "--rate-per-hour", "18", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "left out of times and payouts" in result.stderr
    rows = {row["worker"]: row for row in csv.DictReader(io.StringIO(out.read_text("utf-8")))}
    first = rows["private.us-east-1.1111111111111111"]
    # tests/data/README.md: worker 1111's times are 10.5, 5, 12, 3 and 2 s; the 10.5 s of object
    # 0 is left out, and an hourly pay on part of the time is refused (left empty), never inflated.
    assert float(first["total_seconds"]) == pytest.approx(22.0, abs=1e-9)
    assert first["payout_usd"] == ""
    assert first["last_submitted_at"] < "2023"

    audit_out = tmp_path / "audit"
    result = run("audit", str(job), "--no-cache", "-q", "--out", str(audit_out))
    assert result.exit_code == 0, result.output
    summary = json.loads((audit_out / "summary.json").read_text("utf-8"))
    assert summary["jobs"][0][reason] == 1
    assert any("left out of times and payouts" in w for w in summary["warnings"])
