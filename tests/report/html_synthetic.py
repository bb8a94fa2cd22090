"""A synthetic but realistic labeling job for the HTML report tests.

Workers of varying skill label images into classes over a few days; a fifth of the tasks have a
gold label; the consolidated label is the majority vote. Some workers are special:

* ``spammer`` always answers the same class, quickly (``flag_same_answer``);
* ``rusher`` answers at random in a second or two (``flag_fast_and_disagreeing``);
* ``MALICIOUS_WORKER`` (an id with HTML in it) answers ``MALICIOUS_LABELS`` now and then.

The worker table is computed from the responses here, with the formulas of the README's worker table, so the
test does not depend on the metrics package.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl

from crowdaudit.schema import COL, WORKERS

MALICIOUS_LABELS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
MALICIOUS_WORKER = 'private.us-east-1.<img src=x onerror=alert("id")>'
MALICIOUS_TITLE = "birds </title><script>alert('title')</script>"


def build_job(
    n_workers: int = 30,
    n_tasks: int = 300,
    n_classes: int = 10,
    *,
    answers_per_task: int = 3,
    seed: int = 7,
) -> tuple[pl.DataFrame, dict[str, object], pl.DataFrame]:
    """Return ``(workers, summary, responses)`` for a job of the given size."""
    rng = np.random.default_rng(seed)
    classes = [f"class {i:02d}" for i in range(n_classes)]
    names = [f"private.us-east-1.{rng.integers(16**10):010x}" for _ in range(n_workers)]
    special = {"spammer": 0, "rusher": 1 % n_workers, "malicious": 2 % n_workers}
    names[special["malicious"]] = MALICIOUS_WORKER
    skill = rng.uniform(0.45, 0.97, n_workers)
    speed = rng.uniform(4.0, 40.0, n_workers)
    speed[special["spammer"]] = 2.0
    speed[special["rusher"]] = 1.2
    # Busy workers do most of the work, as in real jobs.
    weight = rng.pareto(2.0, n_workers) + 0.3
    for w in special.values():
        weight[w] = 3 * np.median(weight)
    weight = weight / weight.sum()

    start = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
    truth = rng.integers(n_classes, size=n_tasks)
    k = min(answers_per_task, n_workers)
    # Weighted sampling without replacement (Efraimidis and Spirakis 2006), by chunks of tasks.
    chosen = np.concatenate(
        [
            np.argsort(rng.exponential(size=(min(2000, n_tasks - i), n_workers)) / weight, axis=1)[
                :, :k
            ]
            for i in range(0, n_tasks, 2000)
        ]
    )
    task = np.repeat(np.arange(n_tasks), k)
    worker = chosen.ravel()
    right = rng.random(task.size) < skill[worker]
    right &= worker != special["rusher"]
    answer = np.where(right, truth[task], rng.integers(n_classes, size=task.size))
    answer = np.where(worker == special["spammer"], 0, answer)
    labels = np.array(classes, dtype=object)[answer]
    malicious = (worker == special["malicious"]) & (rng.random(task.size) < 0.3)
    labels[malicious] = np.array(MALICIOUS_LABELS, dtype=object)[rng.integers(2, size=task.size)][
        malicious
    ]
    seconds = np.round(rng.lognormal(np.log(speed[worker]), 0.5), 2)
    accepted_us = rng.uniform(0, 72 * 3600e6, task.size).astype(np.int64)
    epoch_us = int(start.timestamp() * 1e6)
    utc = pl.Datetime("us", "UTC")
    responses = pl.DataFrame(
        {
            COL.JOB: ["birds"] * task.size,
            COL.TASK: task.astype(str),
            COL.ITERATION: np.ones(task.size, dtype=np.int32),
            COL.WORKER: np.array(names, dtype=object)[worker].tolist(),
            COL.LABEL: labels.tolist(),
            COL.ACCEPTED_AT: pl.Series(epoch_us + accepted_us).cast(utc),
            COL.SUBMITTED_AT: pl.Series(
                epoch_us + accepted_us + (seconds * 1e6).astype(np.int64)
            ).cast(utc),
            COL.SECONDS: seconds,
            "__truth": np.array(classes, dtype=object)[truth[task]].tolist(),
        }
    )
    majority = (
        responses.group_by(COL.TASK, COL.LABEL)
        .len()
        .sort(COL.TASK, "len", COL.LABEL, descending=[False, True, False])
        .group_by(COL.TASK, maintain_order=True)
        .first()
        .select(COL.TASK, pl.col(COL.LABEL).alias(COL.CONSOLIDATED))
    )
    gold_tasks = set(rng.choice(n_tasks, size=n_tasks // 5, replace=False).astype(str).tolist())
    # The malicious answers land on gold objects, so they show in the confusion matrix too.
    gold_tasks |= set(task[malicious].astype(str).tolist())
    responses = (
        responses.join(majority, on=COL.TASK, how="left")
        .with_columns(
            pl.when(pl.col(COL.TASK).is_in(sorted(gold_tasks)))
            .then(pl.col("__truth"))
            .otherwise(None)
            .alias(COL.GOLD)
        )
        .drop("__truth")
    )
    workers = _worker_table(responses)
    workers = workers.with_columns(
        (pl.col(COL.WORKER) == names[special["spammer"]]).alias("flag_same_answer"),
        pl.lit(False).alias("flag_inverted"),
        (pl.col(COL.WORKER) == names[special["rusher"]]).alias("flag_fast_and_disagreeing"),
        pl.col(COL.CONSENSUS_AGREEMENT).alias("ds_accuracy"),
        (pl.col(COL.CONSENSUS_AGREEMENT) * 1.1 - 0.1).alias("kappa"),
    )
    summary: dict[str, object] = {
        "n_objects": n_tasks,
        "n_answers": responses.height,
        "n_workers": workers.height,
        "n_failed_objects": 2,
        "n_gold_objects": len(gold_tasks),
        "n_files_skipped": 0,
        "krippendorff_alpha": 0.61234,
        "fleiss_kappa": 0.6011,
        "estimated_label_accuracy": 0.912,
        "estimated_label_accuracy_low": 0.85,
        "estimated_label_accuracy_high": 0.95,
        "label_accuracy": {"majority vote": 0.9, "dawid_skene": 0.93},
        "jobs": [{"job": "birds", "n_objects": n_tasks, "n_workers": workers.height}],
        "task_type": "image classification",
        "note": "<b>not bold</b>",
    }
    return workers, summary, responses


def _wilson(k: pl.Expr, n: pl.Expr, z: float = 1.959964) -> tuple[pl.Expr, pl.Expr]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)).sqrt()) / (1 + z * z / n)
    return centre - half, centre + half


def _worker_table(responses: pl.DataFrame) -> pl.DataFrame:
    shared = responses.group_by(COL.TASK).agg(pl.len().alias("__k"))
    r = responses.join(shared, on=COL.TASK)
    label = pl.col(COL.LABEL)
    table = r.group_by(COL.JOB, COL.WORKER).agg(
        pl.col(COL.TASK).n_unique().alias(COL.N_OBJECTS),
        pl.col(COL.GOLD).is_not_null().sum().alias(COL.N_GOLD),
        (label == pl.col(COL.GOLD)).fill_null(False).sum().alias(COL.GOLD_CORRECT),
        pl.col(COL.CONSOLIDATED).is_not_null().sum().alias(COL.N_CONSENSUS),
        (label == pl.col(COL.CONSOLIDATED)).mean().alias(COL.CONSENSUS_AGREEMENT),
        (pl.col("__k") > 1).sum().alias(COL.N_LOO),
        (label == pl.col(COL.CONSOLIDATED))
        .filter(pl.col("__k") > 1)
        .mean()
        .alias(COL.LOO_AGREEMENT),
        pl.col(COL.SECONDS).median().alias(COL.MEDIAN_SECONDS),
        pl.col(COL.SECONDS).sum().alias(COL.TOTAL_SECONDS),
        pl.col(COL.SUBMITTED_AT).min().alias(COL.FIRST_SUBMITTED_AT),
        pl.col(COL.SUBMITTED_AT).max().alias(COL.LAST_SUBMITTED_AT),
    )
    n, k = pl.col(COL.N_GOLD), pl.col(COL.GOLD_CORRECT)
    low, high = _wilson(k, n)
    nullable = pl.when(n > 0)
    table = table.with_columns(
        nullable.then(k / n).otherwise(None).alias(COL.GOLD_ACCURACY),
        nullable.then(low).otherwise(None).alias(COL.GOLD_ACCURACY_LOW),
        nullable.then(high).otherwise(None).alias(COL.GOLD_ACCURACY_HIGH),
    )
    return table.select([pl.col(c).cast(t) for c, t in WORKERS.items()]).sort(
        COL.N_OBJECTS, COL.WORKER, descending=[True, False]
    )
