"""Workers with too few answers get no estimated number, in compute_skill and in workers.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from skill_fixtures import accurate_workers_job
from typer.testing import CliRunner

from crowdaudit.cli import app
from crowdaudit.metrics.skill import compute_skill
from crowdaudit.schema import COL

ESTIMATED = (
    COL.SKILL,
    COL.SKILL_LOW,
    COL.SKILL_HIGH,
    COL.DS_ACCURACY,
    COL.ONE_COIN_ACCURACY,
    COL.SPAM_SCORE,
)
"""Every per-worker number a model estimates (skill.py hides them below ``min_skill_answers``)."""


def _with_a_two_answer_worker(job: pl.DataFrame) -> pl.DataFrame:
    tasks = job["task"].unique().sort().to_list()[:2]
    labels = [job.filter(pl.col("task") == t)["label"].mode().sort()[0] for t in tasks]
    brief = pl.DataFrame({"task": tasks, "worker": ["brief"] * 2, "label": labels})
    return pl.concat([job, brief])


def test_a_two_answer_worker_has_no_estimated_number() -> None:
    # A job big enough to judge: 60 tasks, 3 of 8 workers each, so every other worker has skill.
    job = accurate_workers_job(n_tasks=60, per_task=3, n_workers=8, k=3, seed=11)
    report = compute_skill(_with_a_two_answer_worker(job))
    assert report.summary["skill_reason"] is None
    workers = report.workers
    brief = workers.filter(pl.col("worker") == "brief").row(0, named=True)
    assert {c: brief[c] for c in ESTIMATED} == dict.fromkeys(ESTIMATED)
    assert brief[COL.VERDICT] == "not enough data"
    assert brief[COL.VERDICT_REASON] == "2 answers; at least 5 are needed"
    others = workers.filter(pl.col("worker") != "brief")
    for column in ESTIMATED:
        assert others[column].null_count() == 0, column


def _kappa_job(n_compared: int) -> pl.DataFrame:
    """Three helpers agree on every object; "probe" answers the first ``n_compared`` of them."""
    truth = ["x", "x", "y", "y", "y", "x", "y", "x"]
    probe = ["x", "x", "y", "y", "x"]  # wrong on the fifth object only
    rows = [(f"t{t}", f"h{h}", label) for t, label in enumerate(truth) for h in range(3)]
    rows += [(f"t{t}", "probe", probe[t]) for t in range(n_compared)]
    return pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row")


def test_kappa_needs_five_compared_answers() -> None:
    # By hand, 5 compared answers: observed agreement 4/5; probe says x 3 times and y twice, the
    # others' majority x twice and y 3 times, so chance agreement is (3*2 + 2*3)/25 = 0.48 and
    # kappa = (0.8 - 0.48) / (1 - 0.48) = 0.6154.
    five = compute_skill(_kappa_job(5)).workers.filter(pl.col("worker") == "probe")
    assert five[COL.N_KAPPA].item() == 5
    assert five[COL.KAPPA].item() == pytest.approx(0.32 / 0.52, abs=1e-9)
    # 4 compared answers (kappa would be 1) and 1 (kappa would be undefined or 0 whatever the
    # answer): no number.
    for n in (4, 1):
        fewer = compute_skill(_kappa_job(n)).workers.filter(pl.col("worker") == "probe")
        assert fewer[COL.N_KAPPA].item() == n
        assert fewer[COL.KAPPA].item() is None


def _write_tiny_job(folder: Path) -> Path:
    """Four workers answer the same 8 objects (x or y); "brief" answers two of them."""
    rows = ["task,worker,label"]
    for t in range(8):
        truth = "x" if t % 2 else "y"
        for w in range(4):
            wrong = (t + w) % 4 == 0  # each worker is wrong on 2 of 8
            rows.append(f"{t},w{w},{('y' if truth == 'x' else 'x') if wrong else truth}")
    rows += ["0,brief,y", "1,brief,x"]
    table = folder / "answers.csv"
    table.write_text("\n".join(rows) + "\n")
    return table


def test_workers_csv_prints_no_estimated_number_for_two_answers(tmp_path: Path) -> None:
    table = _write_tiny_job(tmp_path)
    out = tmp_path / "out"
    result: Any = CliRunner().invoke(app, ["audit", str(table), "--out", str(out)])
    assert result.exit_code == 0, result.output
    workers = pl.read_csv(out / "workers.csv", infer_schema_length=None)
    brief = workers.filter(pl.col(COL.WORKER) == "brief").row(0, named=True)
    assert {c: brief[c] for c in ESTIMATED} == dict.fromkeys(ESTIMATED)
    assert brief[COL.VERDICT] == "not enough data"
    assert brief[COL.KAPPA] is None
    assert brief["n_objects"] == 2
    # The job itself is judged: the four 8-answer workers do get numbers.
    regular = workers.filter(pl.col(COL.WORKER) != "brief")
    assert regular.height == 4
    assert regular[COL.SKILL].null_count() == 0
