"""The fixture jobs of tests/data/types give the hand-worked numbers of tests/data/types/README.md."""

from __future__ import annotations

from fractions import Fraction as F

import polars as pl
import pytest
from task_support import read_fixture, worker_means

from crowdaudit.tasks.base import TaskType, compute_peer_similarity
from crowdaudit.tasks.registry import task_type_for

A = "private.us-east-1.aaaaaaaaaaaaaaaa"
B = "private.us-east-1.bbbbbbbbbbbbbbbb"
C = "private.us-east-1.cccccccccccccccc"

# (gold_accuracy, consensus_agreement, loo_agreement) per worker, worked by hand in the README.
EXPECTED: dict[str, dict[str, tuple[F, F, F]]] = {
    "multilabel": {
        A: (F(1), F(5, 6), F(2, 3)),
        B: (F(1, 2), F(5, 6), F(7, 12)),
        C: (F(1, 2), F(1, 2), F(3, 8)),
    },
    "bounding-box": {
        A: (F(8, 9), F(1), F(7, 12)),
        B: (F(8, 9), F(7, 9), F(11, 18)),
        C: (F(1, 4), F(1, 4), F(7, 24)),
    },
    "entities": {
        A: (F(5, 6), F(8, 9), F(16, 45)),
        B: (F(13, 20), F(13, 30), F(14, 45)),
        C: (F(1, 3), F(1, 3), F(4, 15)),
    },
    "segmentation": {
        A: (F(1), F(7, 9), (F(103, 120) + F(11, 21)) / 4 + F(5, 9) / 2),
        B: (F(103, 120), F(223, 240), (F(103, 120) + F(33, 52)) / 4 + F(5, 9) / 2),
        C: (F(11, 21), F(11, 21), (F(11, 21) + F(33, 52)) / 2),
    },
    "verification": {
        A: (F(1), F(1), F(1, 3)),
        B: (F(1, 2), F(1, 3), F(1, 6)),
        C: (F(1, 2), F(1, 2), F(1, 4)),
    },
}

CUSTOM: dict[str, dict[str, tuple[F, F, F]]] = {
    "exact": {
        A: (F(1, 2), F(1), F(1, 2)),
        B: (F(1, 2), F(2, 3), F(1, 2)),
        C: (F(0), F(1, 2), F(1, 2)),
    },
    "number": {
        A: (F(5, 6), F(1), F(37, 60)),
        B: (F(11, 15), F(2, 3), F(3, 5)),
        C: (F(7, 12), F(3, 4), F(29, 40)),
    },
}

METADATA_TYPE = {
    "multilabel": "groundtruth/image-classification-multilabel",
    "bounding-box": "groundtruth/object-detection",
    "entities": "groundtruth/text-span",
    "segmentation": "groundtruth/semantic-segmentation",
    "verification": "groundtruth/label-verification",
}


def _check(
    folder: str, task_type: TaskType, expected: dict[str, tuple[F, F, F]], **kw: str
) -> None:
    job = read_fixture(folder, task_type, **kw)
    got = worker_means(job, task_type)
    assert set(got) == set(expected)
    for worker, numbers in expected.items():
        assert got[worker] == pytest.approx([float(n) for n in numbers], abs=1e-12), worker


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_hand_worked_numbers(folder: str) -> None:
    task_type = task_type_for(METADATA_TYPE[folder])
    attribute = "segmentation-ref" if folder == "segmentation" else None
    _check(folder, task_type, EXPECTED[folder], **({"attribute": attribute} if attribute else {}))


@pytest.mark.parametrize("compare", ["exact", "number"])
def test_custom_hand_worked_numbers(compare: str) -> None:
    path = "annotatedResult.label" if compare == "exact" else "annotatedResult.score"
    task_type = task_type_for("groundTruth/custom", answer_path=path, compare=compare)
    _check("custom", task_type, CUSTOM[compare])


def test_peer_similarity_gives_the_loo_column() -> None:
    task_type = task_type_for("groundtruth/text-span")
    job = read_fixture("entities", task_type)
    answers = pl.DataFrame(
        [
            {"task": task, "worker": worker, "label": label}
            for task, by_worker in job.answers.items()
            for worker, label in by_worker.items()
        ]
    )
    loo = answers.with_columns(compute_peer_similarity(task_type, answers).alias("peer"))
    per_worker = dict(loo.group_by("worker").agg(pl.col("peer").mean()).iter_rows())
    assert per_worker == pytest.approx({w: float(n[2]) for w, n in EXPECTED["entities"].items()})


def _pairs(folder: str, task_type: TaskType) -> pl.DataFrame:
    job = read_fixture(folder, task_type)
    return pl.DataFrame(
        [
            {
                "worker": worker,
                "answer": answer,
                "reference": job.gold.get(task, job.consolidated.get(task)),
            }
            for task, by_worker in job.answers.items()
            for worker, answer in by_worker.items()
        ],
        schema={"worker": pl.String, "answer": pl.String, "reference": pl.String},
    )


def test_multilabel_worker_columns() -> None:
    task_type = task_type_for("groundtruth/image-classification-multilabel")
    columns = task_type.worker_columns(_pairs("multilabel", task_type))
    assert columns is not None
    got = {row["worker"]: row for row in columns.iter_rows(named=True)}
    assert (got[A]["label_precision"], got[A]["label_recall"]) == (1.0, 1.0)
    assert (got[B]["label_precision"], got[B]["label_recall"]) == (0.75, 0.75)
    assert got[C]["label_precision"] == 1.0
    assert got[C]["label_recall"] == pytest.approx(2 / 3)


def test_bounding_box_worker_columns() -> None:
    task_type = task_type_for("groundtruth/object-detection")
    columns = task_type.worker_columns(_pairs("bounding-box", task_type))
    assert columns is not None
    got = {row.pop("worker"): row for row in columns.iter_rows(named=True)}
    assert got[A] == pytest.approx({"mean_iou": 14 / 15, "n_boxes": 1.0, "share_adjusted": 1 / 3})
    assert got[B] == pytest.approx({"mean_iou": 37 / 45, "n_boxes": 1.0, "share_adjusted": 1.0})
    assert got[C] == pytest.approx({"mean_iou": 1.0, "n_boxes": 1.5, "share_adjusted": 1.0})


def test_segmentation_fixture_consolidated_mask_is_read_through_fetch() -> None:
    task_type = task_type_for("groundtruth/semantic-segmentation")
    job = read_fixture("segmentation", task_type, attribute="segmentation-ref")
    assert job.consolidated["0"] is not None
    assert task_type.similarity(job.consolidated["0"], job.gold["0"]) == 1.0
