"""Verdicts on the planted-spammer job, through the command line: an accusation must be earned.

Every honest worker is right on exactly 9 of 10 answers (as on gold), so none is worse than the
job's median; the two spammers answer "cat" to everything. A ``check`` verdict is an accusation:
the spammers get it, no honest worker does, with gold and without it.

When honest workers' errors meet on the same objects (``errors_meet``), the majority of the
others is sometimes wrong, and agreement alone accused two honest workers (HONEST04 and
HONEST07, before the verdicts asked gold to confirm); gold, equal for all, clears them. Without
gold that job cannot tell them apart from slightly worse workers: not asserted.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from planted_job import HONEST, SPAMMERS, planted_job
from typer.testing import CliRunner

from crowdaudit.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("errors_meet", "with_gold"), [(False, True), (False, False), (True, True)]
)
def test_planted_job_accuses_the_spammers_only(
    tmp_path: Path, errors_meet: bool, with_gold: bool
) -> None:
    folder, gold = planted_job(tmp_path, errors_meet=errors_meet)
    # The fixture's claim, checked on its own data: every honest worker 90 % right on gold.
    out = tmp_path / "out"
    args = ["audit", str(folder), "-q", "--no-cache", "--out", str(out)]
    result = runner.invoke(app, [*args, "--gold", str(gold)] if with_gold else args)
    assert result.exit_code == 0, result.output
    workers = pl.read_csv(out / "workers.csv")
    if with_gold:
        honest_gold = workers.filter(pl.col("worker").is_in(HONEST))["gold_accuracy"].to_list()
        assert honest_gold == pytest.approx([0.9] * len(HONEST))
    verdicts = dict(workers.select("worker", "verdict").iter_rows())
    assert {w: verdicts[w] for w in SPAMMERS} == dict.fromkeys(SPAMMERS, "check")
    assert [w for w in HONEST if verdicts[w] == "check"] == []
