"""``crowdaudit contributions`` beside quality: ``--with-audit`` puts each person's verdict and
skill next to their work, ``--seed-csv`` writes the contribution notebook's CSV, and the
personal-data notice appears only when names or e-mails are in the file."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from crowdaudit.cli import app
from tests.account_support import write_job

runner = CliRunner()
SPAMMER = "public.us-east-1.SPAMMER01"
HONEST = tuple(f"public.us-east-1.HONEST{i:02d}" for i in range(8))
LABELS = ("cat", "dog", "bird")


def _answers() -> list[tuple[str, str, str, int]]:
    answers = []
    for t in range(240):
        truth = LABELS[t % 3]
        workers = [HONEST[(t + k) % len(HONEST)] for k in range(2)]
        for k, worker in enumerate(workers):
            label = truth if (t + k) % 12 else LABELS[(t + 1) % 3]
            answers.append((str(t), worker, label, t))
        third = SPAMMER if t % 2 else HONEST[(t + 2) % len(HONEST)]
        answers.append((str(t), third, "cat" if third == SPAMMER else truth, t))
    return answers


def test_with_audit_and_seed_csv(tmp_path: Path) -> None:
    answers = _answers()
    folder = write_job(tmp_path, "public-job", answers, start=datetime(2026, 4, 1, tzinfo=UTC))
    audit_out = tmp_path / "audit"
    audited = runner.invoke(
        app, ["audit", str(folder), "--out", str(audit_out), "-q", "--no-cache"]
    )
    assert audited.exit_code == 0, audited.output
    ledger_file, seed_file = tmp_path / "pay.csv", tmp_path / "seed.csv"
    result = runner.invoke(
        app,
        [
            "contributions", str(folder), "--no-identities", "--with-audit", "--no-cache", "-q",
            "--rate-per-object", "0.05", "--out", str(ledger_file), "--seed-csv", str(seed_file),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "personal data" not in result.output  # a public workforce has no names or e-mails
    ledger = pl.read_csv(ledger_file)
    workers = pl.read_csv(audit_out / "workers.csv")
    expected = dict(workers.select("worker", "verdict").iter_rows())
    assert dict(ledger.select("worker", "verdict").iter_rows()) == expected
    assert expected[SPAMMER] == "check"
    skills = dict(workers.select("worker", "skill").iter_rows())
    for worker, skill in ledger.select("worker", "skill").iter_rows():
        assert skill == skills[worker]
    # The spammer's row says so beside the payout, in the terminal too.
    spam_row = next(line for line in result.output.splitlines() if SPAMMER in line)
    assert "check" in spam_row

    seed = pl.read_csv(seed_file)
    assert seed.columns == ["username", "user_sub", "label_count"]
    counted = Counter(worker for _, worker, _, _ in answers)
    assert dict(seed.select("user_sub", "label_count").iter_rows()) == dict(counted)
    assert seed.get_column("username").null_count() == seed.height


def test_seed_csv_needs_one_row_per_person(tmp_path: Path) -> None:
    folder = write_job(tmp_path, "j", _answers()[:30], start=datetime(2026, 4, 1, tzinfo=UTC))
    result = runner.invoke(
        app, ["contributions", str(folder), "--by-job", "--seed-csv", str(tmp_path / "s.csv")]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "s.csv").exists()
