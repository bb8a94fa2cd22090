"""Data and reference helpers shared by the skill, agreement and spam tests.

gal-toy is the toy example of ipeirotis/Get-Another-Label (Apache-2.0), data/AdultContent/: worker1
always answers "porn", worker5 answers the opposite of workers 3 and 4.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import strategies as st

SHARED_DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"

_GAL_TOY = {
    "worker1": "porn porn porn porn porn",
    "worker2": "notporn porn notporn porn porn",
    "worker3": "notporn porn notporn porn notporn",
    "worker4": "notporn porn notporn porn notporn",
    "worker5": "porn notporn porn notporn porn",
}

GAL_TOY = pl.DataFrame(
    [
        {"task": f"url{i + 1}", "worker": worker, "label": label}
        for worker, labels in _GAL_TOY.items()
        for i, label in enumerate(labels.split())
    ]
)
"""The 25 answers of gal-toy."""

GAL_TOY_GOLD = pl.DataFrame(
    {
        "task": ["url1", "url2", "url3", "url4", "url5"],
        "label": ["notporn", "porn", "porn", "notporn", "notporn"],
    }
)


def load_dataset(name: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """answers.csv and gold.csv of a shared data set, as strings; skip the test when absent."""
    folder = SHARED_DATASETS / name
    if not (folder / "answers.csv").is_file():
        pytest.skip(f"data set {name} not found in {SHARED_DATASETS}")
    answers = pl.read_csv(folder / "answers.csv", infer_schema=False)
    answers = answers.unique(["task", "worker"], keep="first", maintain_order=True)
    gold = pl.read_csv(folder / "gold.csv", infer_schema=False)
    return answers.select("task", "worker", "label"), gold


def run_crowdkit(estimator: Any, answers: pl.DataFrame, *args: Any) -> Any:
    """Fit a crowd-kit estimator; its pandas deprecation warnings are not ours to fix."""
    frame = answers.select("task", "worker", "label").to_pandas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(frame, *args)
    return estimator


def crowdkit_labels(estimator: Any) -> dict[str, str]:
    return {str(task): str(label) for task, label in estimator.labels_.items()}


def gold_series(gold: pl.DataFrame) -> pd.Series:
    return pd.Series(gold["label"].to_list(), index=gold["task"].to_list(), name="label")


def accuracy(labels: dict[str, str], gold: pl.DataFrame) -> float:
    truth = dict(zip(gold["task"].to_list(), gold["label"].to_list(), strict=True))
    hits = [labels[task] == label for task, label in truth.items() if task in labels]
    return float(np.mean(hits))


@st.composite
def small_jobs(draw: st.DrawFn) -> pl.DataFrame:
    """3 to 12 tasks, each answered by some of 5 workers with labels a, b or c (hypothesis)."""
    n_tasks = draw(st.integers(3, 12))
    rows = []
    for t in range(n_tasks):
        for w in sorted(draw(st.sets(st.integers(0, 4), min_size=1))):
            rows.append((f"t{t}", f"w{w}", draw(st.sampled_from(["a", "b", "c"]))))
    return pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row")


def accurate_workers_job(
    *, n_tasks: int, per_task: int, n_workers: int, k: int, seed: int
) -> pl.DataFrame:
    """Each task answered by ``per_task`` of ``n_workers`` workers, each right 80 % of the time."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_tasks)
    task = np.repeat(np.arange(n_tasks), per_task)
    worker = np.concatenate(
        [rng.choice(n_workers, per_task, replace=False) for _ in range(n_tasks)]
    )
    right = rng.random(task.size) < 0.8
    label = np.where(right, truth[task], rng.integers(0, k, task.size))
    return pl.DataFrame(
        {
            "task": [f"t{t}" for t in task],
            "worker": [f"w{w}" for w in worker],
            "label": [f"c{c}" for c in label],
        }
    )
