"""The terminal's worker table and the command's rough edges: which workers are listed, in what
order, a layout that fits 80 and 160 columns, a bare ``audit``, ``--help`` in words, Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from crowdaudit.cli import app
from crowdaudit.report.worker_table import render_worker_table, select_workers, short_id
from crowdaudit.schema import COL
from tests.account_support import write_job
from tests.conftest import upload_folder
from tests.faultproxy import FaultProxy

runner = CliRunner()
PREFIX = "public.us-east-1."


def _workers(n: int = 30, flagged: tuple[int, ...] = (27, 29)) -> pl.DataFrame:
    """``n`` workers, best first (gold falling with the row), worker 7 the busiest; the rows in
    ``flagged`` answer the same label every time."""
    return pl.DataFrame(
        {
            COL.JOB: ["job"] * n,
            COL.WORKER: [
                f"{PREFIX}{'ABCDEFGHJKMNPQRSTUVWXYZ2345'[i % 27]}{i:02d}XQ7R" for i in range(n)
            ],
            COL.N_OBJECTS: [100 if i == 7 else 10 + i for i in range(n)],
            COL.GOLD_ACCURACY: [1.0 - i / 100 for i in range(n)],
            COL.GOLD_ACCURACY_LOW: [0.9 - i / 100 for i in range(n)],
            COL.GOLD_ACCURACY_HIGH: [1.0] * n,
            COL.CONSENSUS_AGREEMENT: [0.95] * n,
            COL.LOO_AGREEMENT: [0.9] * n,
            COL.DS_ACCURACY: [0.88] * n,
            COL.SPAM_SCORE: [0.05] * n,
            COL.MEDIAN_SECONDS: [12.5] * n,
            COL.FLAG_SAME_ANSWER: [i in flagged for i in range(n)],
            COL.FLAG_INVERTED: [False] * n,
        }
    )


def _rows(table: pl.DataFrame) -> list[int]:
    return [int(w[-6:-4]) for w in table.get_column(COL.WORKER)]


def test_limit_keeps_every_worker_to_check() -> None:
    shown, passed = select_workers(_workers(), limit=5)
    assert _rows(shown) == [0, 1, 2, 3, 4, 27, 29]
    assert passed == 30


def test_sorts_and_filters() -> None:
    workers = _workers()
    worst, _ = select_workers(workers, sort="worst", limit=4)
    assert _rows(worst) == [29, 27, 28, 26]
    busiest, _ = select_workers(workers, sort="objects", limit=2)
    assert _rows(busiest) == [7, 29, 27]  # 7 has 100 answers, then 29 (39) is busiest; 27 to check
    only, passed = select_workers(workers, only="flagged", limit=None)
    assert (_rows(only), passed) == ([27, 29], 2)
    many, passed = select_workers(workers, min_objects=35, limit=None)
    assert _rows(many) == [7, 25, 26, 27, 28, 29]
    assert passed == 6


def test_verdicts_decide_who_to_check_when_present() -> None:
    workers = _workers().with_columns(
        verdict=pl.Series(["check" if i == 3 else "ok" for i in range(30)])
    )
    shown, _ = select_workers(workers, only="check", limit=None)
    assert _rows(shown) == [3]


def test_short_id_keeps_the_distinct_end() -> None:
    assert short_id("public.us-east-1.7VRIL4WUVIYC", 10) == "…IL4WUVIYC"
    assert short_id("abc", 10) == "abc"


def _render(workers: pl.DataFrame, width: int, **kwargs: Any) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(render_worker_table(workers, width=width, **kwargs))
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [80, 160])
def test_table_fits_and_ids_stay_distinct(width: int) -> None:
    workers = _workers()
    lines = _render(workers, width, limit=5)
    assert max(len(line) for line in lines) <= width
    header = next(line for line in lines if "worker" in line)
    for name in ("worker", "objects", "gold", "flags"):
        assert name in header
    body = [line for line in lines if "XQ7R" in line]
    assert len(body) == 7
    # Each shown worker's distinct end is on its own line, and the flagged rows say why.
    for line, row in zip(body, [0, 1, 2, 3, 4, 27, 29], strict=True):
        assert f"{row:02d}XQ7R" in line
    assert all("same answer" in line for line in body[-2:])
    if width == 160:
        assert all(PREFIX in line for line in body)
        assert "LOO" in header
        assert "95% CI" in header
    else:
        assert "LOO" not in header
        assert "95% CI" not in header


def test_bare_audit_names_what_is_missing() -> None:
    result = runner.invoke(app, ["audit"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "give a SOURCE or --job" in lines[0]


@pytest.mark.parametrize("command", ["audit", "demo", "contributions"])
def test_help_names_values_in_words(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    assert "list[str]" not in result.output
    assert "--quiet" in result.output


def test_audit_help_has_a_local_example() -> None:
    result = runner.invoke(app, ["audit", "--help"], env={"COLUMNS": "200"})
    assert "crowdaudit audit ./" in result.output


def test_demo_lists_workers_to_check_with_reasons(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["demo", "-q", "--out", str(tmp_path), "--only", "check", "--sort", "worst"]
    )
    assert result.exit_code == 0, result.output
    to_check = pl.read_csv(tmp_path / "workers.csv").filter(pl.col("verdict") == "check")
    assert to_check.height > 0
    assert f"Workers (97), {to_check.height} match the filters" in result.output
    assert f"To check ({to_check.height}), and why:" in result.output
    for worker, reason in to_check.select("worker", "verdict_reason").iter_rows():
        assert f"check {worker}  {reason}" in result.output


def test_unknown_sort_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--sort", "random"])
    assert result.exit_code == 2


N_FILES = 120


def test_ctrl_c_says_how_far_reading_got_and_resumes(
    tmp_path: Path, s3: Any, moto_endpoint: str
) -> None:
    answers = [
        (str(task), f"{PREFIX}W{(task + k) % 7}", "cat" if k else "dog", task)
        for task in range(N_FILES)
        for k in range(3)
    ]
    folder = write_job(
        tmp_path / "jobs", "slow-job", answers, start=datetime(2026, 5, 1, tzinfo=UTC)
    )
    uri = upload_folder(s3, folder, "labels", "output/slow-job")
    cache = tmp_path / "cache"
    with FaultProxy(moto_endpoint, latency=0.1) as proxy:
        command = [
            sys.executable, "-m", "crowdaudit.cli", "audit", uri, "--endpoint-url", proxy.url,
            "--concurrency", "1", "--cache", str(cache), "-q",
        ]  # fmt: skip
        env = {**os.environ, "COLUMNS": "200"}
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while proxy.object_gets < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130, err.decode()
        message = err.decode().strip().splitlines()
        assert len(message) == 1, message
        found = re.fullmatch(
            r"interrupted: (\d+) of (\d+) files read and cached; run the same command to resume",
            message[0],
        )
        assert found, message
        done, total = int(found[1]), int(found[2])
        assert total == N_FILES
        assert 0 < done < N_FILES
        # The same command resumes: what was read comes from the cache.
        again = subprocess.run(command[:-1], env=env, capture_output=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr.decode()
    assert f"slow-job: {done:,} of {N_FILES:,} files from the cache" in again.stderr.decode()


def test_items_csv_is_ready_for_review(tmp_path: Path) -> None:
    # Object ids are manifest line numbers: object 0 is the first line, s3://images/0.jpg.
    answers = [
        ("0", f"{PREFIX}B", "cat", 1),
        ("0", f"{PREFIX}A", "cat", 2),
        ("0", f"{PREFIX}C", "dog", 3),
        ("1", f"{PREFIX}A", "dog", 4),
        ("1", f"{PREFIX}B", "dog", 5),
        ("1", f"{PREFIX}C", "dog", 6),
    ]
    folder = write_job(tmp_path, "pets", answers, start=datetime(2026, 5, 1, tzinfo=UTC))
    out = tmp_path / "out"
    result = runner.invoke(app, ["audit", str(folder), "--out", str(out), "-q", "--no-cache"])
    assert result.exit_code == 0, result.output
    items = pl.read_csv(out / "items.csv", schema_overrides={"task": pl.String})
    by_task = {row["task"]: row for row in items.iter_rows(named=True)}
    assert by_task["0"]["votes"] == "cat=2; dog=1"
    assert by_task["1"]["votes"] == "dog=3"
    assert by_task["0"]["workers"] == f"{PREFIX}A;{PREFIX}B;{PREFIX}C"
    assert by_task["0"]["source_ref"] == "s3://images/0.jpg"
    assert by_task["0"]["label_votes"] == 2
    assert by_task["0"]["label_share"] == pytest.approx(2 / 3)
    # Most likely wrong first: the recommended label's probability never falls down the file.
    probabilities = items.get_column("label_probability").to_list()
    assert probabilities == sorted(probabilities)


def test_progress_bars_skip_empty_steps_and_show_rate_and_eta() -> None:
    from crowdaudit._cli_terminal import ProgressBars

    console = Console(force_terminal=True, width=120, record=True, color_system=None)
    with ProgressBars(console, enabled=True) as bars:
        bars("reading consolidation", 0, 0)
        bars("reading answers", 0, 10)
        for done in (2, 4):
            time.sleep(0.2)
            bars("reading answers", done, 10)
        assert list(bars.tasks) == ["reading answers"]
        task = bars.bars.tasks[0]
        assert task.speed is not None
        assert task.time_remaining is not None
        shown = Console(width=120, record=True, color_system=None)
        shown.print(bars.bars.make_tasks_table(bars.bars.tasks))
    line = shown.export_text()
    assert "reading answers" in line
    assert "4/10" in line
    assert re.search(r"\d+/s", line)
    assert "eta" in line
    assert bars.read == (4, 10)


def test_no_flags_column_when_no_flag_is_raised() -> None:
    lines = _render(_workers(flagged=()), 80, limit=5)
    header = next(line for line in lines if "worker" in line)
    assert "flags" not in header
    assert "median s" in header  # the room goes to figures instead
