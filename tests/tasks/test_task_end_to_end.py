"""Every task type audited end to end by the real reader, from disk and from moto's S3 server,
with the numbers worked by hand in tests/data/types/README.md."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA
from test_task_fixtures import CUSTOM, EXPECTED, A, B, C
from typer.testing import CliRunner

from crowdaudit.audit import audit
from crowdaudit.cli import app
from crowdaudit.schema import COL
from crowdaudit.tasks.registry import TaskOptions

TYPES = DATA / "types"

# Single-label types keep the README's leave-one-out rule: agreement with the majority of the
# other workers, ties counting as disagreement (worked in the README; custom below by hand:
# object 0 splits R1, R1, R2 so every worker sees a tie or a majority against it, object 1 is
# unanimous, object 2 has one other answer that differs).
MAJORITY_LOO = {
    "verification": {A: F(0), B: F(0), C: F(0)},
    "custom": {A: F(1, 3), B: F(1, 3), C: F(1, 2)},
}


def numbers(result: Any) -> dict[str, tuple[float, float, float]]:
    columns = (COL.GOLD_ACCURACY, COL.CONSENSUS_AGREEMENT, COL.LOO_AGREEMENT)
    return {
        row[COL.WORKER]: tuple(row[column] for column in columns)
        for row in result.workers.iter_rows(named=True)
    }


def expected(table: dict[str, tuple[F, F, F]], loo: dict[str, F] | None = None) -> dict[str, Any]:
    return {
        worker: pytest.approx(
            [float(gold), float(consensus), float(loo[worker] if loo else peers)], abs=1e-12
        )
        for worker, (gold, consensus, peers) in table.items()
    }


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_type_from_disk_and_s3(kind: str, job_uri: Any) -> None:
    result = audit(job_uri(TYPES / kind), gold=TYPES / f"{kind}-gold.jsonl")
    (job,) = result.jobs
    assert job.skipped == ()
    assert job.task is not None
    assert job.task.name == kind
    assert numbers(result) == expected(EXPECTED[kind], MAJORITY_LOO.get(kind))
    assert result.summary["n_failed_objects"] == 0


def test_custom_template_with_an_answer_path(job_uri: Any) -> None:
    options = TaskOptions(answer_path="annotatedResult.label")
    result = audit(
        job_uri(TYPES / "custom"), gold=TYPES / "custom-gold.jsonl", task_options=options
    )
    assert numbers(result) == expected(CUSTOM["exact"], MAJORITY_LOO["custom"])
    options = TaskOptions(answer_path="annotatedResult.score", compare="number")
    result = audit(TYPES / "custom", gold=TYPES / "custom-gold.jsonl", task_options=options)
    assert numbers(result) == expected(CUSTOM["number"])


def test_type_columns_reach_the_worker_table() -> None:
    boxes = audit(TYPES / "bounding-box", gold=TYPES / "bounding-box-gold.jsonl").workers
    assert {"mean_iou", "n_boxes", "share_adjusted"} <= set(boxes.columns)
    labels = audit(TYPES / "multilabel", gold=TYPES / "multilabel-gold.jsonl").workers
    recall = dict(labels.select(COL.WORKER, "label_recall").rows())
    assert recall[C] == pytest.approx(2 / 3)
    # Dawid-Skene models single labels only: no skill columns for sets of labels.
    assert COL.DS_ACCURACY not in labels.columns


def test_cli_task_options(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "audit",
            str(TYPES / "custom"),
            "--answer-path",
            "annotatedResult.score",
            "--compare",
            "number",
            "--out",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "report.html").exists()
    bad = CliRunner().invoke(app, ["audit", str(TYPES / "custom"), "--compare", "fuzzy"])
    assert bad.exit_code == 2
    bad = CliRunner().invoke(app, ["audit", str(TYPES / "custom"), "--task-type", "video"])
    assert bad.exit_code == 2


def test_custom_without_an_answer_path_compares_whole_answers() -> None:
    result = audit(TYPES / "custom")
    consensus = dict(result.workers.select(COL.WORKER, COL.CONSENSUS_AGREEMENT).rows())
    # Whole answers (label and score) equal the consolidated one: A on 0, 1 and 2; B on 1; C on 1.
    assert consensus == pytest.approx({A: 1.0, B: 1 / 3, C: 1 / 2})
