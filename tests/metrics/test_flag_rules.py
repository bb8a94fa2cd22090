"""The flags on whole jobs through ``compute_skill``: what ``inverted`` catches when K >= 3 and what
it does not (a worker who swaps two classes of many)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import polars as pl
import pytest

from crowdaudit.metrics.skill import compute_skill


def _honest_job(k: int, *, seed: int, n_tasks: int) -> tuple[list[tuple[str, str, str]], list[int]]:
    """Each object answered by 3 of 8 honest workers, each right 85 % of the time and otherwise
    any other class; the true classes are returned too."""
    rng = np.random.default_rng(seed)
    truth = [int(c) for c in rng.integers(0, k, n_tasks)]
    rows = []
    for t, true in enumerate(truth):
        for w in rng.choice(8, 3, replace=False):
            wrong = (true + int(rng.integers(1, k))) % k
            rows.append((f"o{t}", f"honest{w}", f"c{true if rng.random() < 0.85 else wrong}"))
    return rows, truth


def _row(rows: list[tuple[str, str, str]], worker: str) -> tuple[dict[str, Any], float]:
    report = compute_skill(pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row"))
    median = report.summary["median_skill"]
    assert isinstance(median, float)
    return report.workers.filter(pl.col("worker") == worker).row(0, named=True), median


@pytest.mark.parametrize("seed", [1, 2])
def test_a_worker_wrong_in_a_consistent_way_is_inverted(seed: int) -> None:
    # K = 4: on 40 objects the worker answers the next class, (true + 1) mod 4. Every answer is
    # wrong, so the skill is near 0; each true class maps to one answer, so the confusion rows are
    # four distinct one-hot rows and the spam score is near 0.
    rows, truth = _honest_job(4, seed=seed, n_tasks=120)
    rows += [(f"o{t}", "shifter", f"c{(truth[t] + 1) % 4}") for t in range(40)]
    row, _ = _row(rows, "shifter")
    assert row["flag_inverted"] is True
    assert row["verdict"] == "check"
    assert row["skill_high"] < 0.25  # below chance, let alone one half
    assert row["spam_score"] < 0.1
    reason = str(row["flag_reason"])
    inverted = re.match(
        r"skill (0\.\d\d) \(90 % interval (0\.\d\d)-(0\.\d\d)\) on 40 answers, all below 0\.50: "
        r"most answers wrong, and wrong consistently \(spam score (0\.\d\d), at most 0\.50; "
        r"random answers score near 1\)",
        reason,
    )
    assert inverted is not None, reason
    shown = [float(x) for x in inverted.groups()]
    table = [row["skill"], row["skill_low"], row["skill_high"], row["spam_score"]]
    assert shown == pytest.approx(table, abs=0.005)  # the reason's numbers are the table's


def test_a_two_class_swap_among_ten_is_not_inverted() -> None:
    # K = 10: the worker swaps c0 and c1 and is right on the eight other classes, about 80 % of
    # its 60 answers. Most answers are right, so the skill interval is far above one half: no
    # `inverted`, and no other flag or check either, as the README says.
    rows, truth = _honest_job(10, seed=1, n_tasks=200)
    swap = {0: 1, 1: 0}
    rows += [(f"o{t}", "swap2", f"c{swap.get(truth[t], truth[t])}") for t in range(60)]
    row, median = _row(rows, "swap2")
    assert sum(truth[t] in swap for t in range(60)) == 12  # 48 of 60 right
    assert row["flag_inverted"] is False
    assert row["skill_low"] > 0.5
    assert row["verdict"] == "ok"
    assert row["skill"] == pytest.approx(median, abs=0.05)


def test_a_two_class_swap_among_three_is_weak_not_inverted() -> None:
    # K = 3: swapping c0 and c1 makes about two answers in three wrong, so the skill interval is
    # below the low-skill threshold, but it reaches one half: `low_skill` and `check`, not
    # `inverted`.
    rows, truth = _honest_job(3, seed=1, n_tasks=200)
    swap = {0: 1, 1: 0}
    rows += [(f"o{t}", "swap2", f"c{swap.get(truth[t], truth[t])}") for t in range(60)]
    row, _ = _row(rows, "swap2")
    assert row["flag_inverted"] is False
    assert row["skill_high"] >= 0.5
    assert row["flag_low_skill"] is True
    assert row["verdict"] == "check"
