"""Speed of Dawid-Skene and of compute_skill, against crowd-kit's DawidSkene in the same run.

Run from the repository root::

    .venv/bin/python bench/skill.py [--datasets ../shared/datasets] [--no-crowdkit-synthetic]

1. D_Product (24,945 answers): our ``DawidSkene`` (encoding included) and crowd-kit's
   ``DawidSkene`` with the same ``n_iter=100, tol=1e-5``, accuracy on gold next to each; our
   Dawid-Skene again for exactly crowd-kit's number of iterations (equal work); our whole
   ``compute_skill``.
2. A synthetic job drawn from the Dawid-Skene model (seeded): 200,000 tasks, 5,000 workers, 5
   answers a task = 1,000,000 answers, 3 classes, with timings. ``compute_skill`` end to end and
   crowd-kit's ``DawidSkene`` alone on the same table, with the process's peak RSS.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from crowdaudit.metrics.estimators import DawidSkene
from crowdaudit.metrics.skill import compute_skill

DEFAULT_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _accuracy(labels: dict[str, str], gold: dict[str, str]) -> float:
    hits = [labels[task] == label for task, label in gold.items() if task in labels]
    return sum(hits) / len(hits) if hits else float("nan")


def _crowdkit_ds(answers: pl.DataFrame, **options: Any) -> tuple[Any, dict[str, str], float]:
    from crowdkit.aggregation import DawidSkene as CKDawidSkene

    frame = answers.select("task", "worker", "label").to_pandas()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3 deprecations inside crowd-kit
        estimator = CKDawidSkene(**options)
        labels = estimator.fit_predict(frame)
    seconds = time.perf_counter() - start
    return estimator, {str(k): str(v) for k, v in labels.items()}, seconds


def synthetic_job(
    *, n_tasks: int = 200_000, n_workers: int = 5_000, per_task: int = 5, seed: int = 2024
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Answers and true labels drawn from the Dawid-Skene model.

    3 classes with priors 0.5/0.3/0.2. Workers: 85% diligent (diagonal ~ Beta(8, 2), errors spread
    at random), 8% spammers answering one fixed class, 5% random clickers, 2% with two classes
    swapped. Each task gets ``per_task`` distinct workers; seconds are log-normal, shorter for
    spammers and clickers.
    """
    rng = np.random.default_rng(seed)
    k = 3
    priors = np.array([0.5, 0.3, 0.2])
    kind = rng.choice(4, size=n_workers, p=[0.85, 0.08, 0.05, 0.02])
    diagonal = rng.beta(8, 2, size=n_workers)
    off = rng.dirichlet(np.ones(k - 1), size=(n_workers, k))
    confusion = np.empty((n_workers, k, k))
    for true in range(k):
        others = [c for c in range(k) if c != true]
        confusion[:, true, true] = diagonal
        confusion[:, true, others] = (1 - diagonal)[:, None] * off[:, true, :]
    spammer_class = rng.integers(0, k, size=n_workers)
    confusion[kind == 1] = np.eye(k)[spammer_class[kind == 1]][:, None, :]
    confusion[kind == 2] = 1.0 / k
    confusion[kind == 3] = np.eye(k)[[1, 0, 2]] * 0.9 + 0.1 / k

    truth = rng.choice(k, size=n_tasks, p=priors)
    task = np.repeat(np.arange(n_tasks), per_task)
    # Distinct workers per task: a random start plus fixed, distinct strides.
    stride = n_workers // per_task
    worker = rng.integers(0, n_workers, size=n_tasks)[:, None] + np.arange(per_task) * stride
    worker = (worker % n_workers).ravel()
    cumulative = confusion[worker, truth[task]].cumsum(axis=1)
    label = (rng.random(task.size)[:, None] > cumulative).sum(axis=1).clip(0, k - 1)
    seconds = rng.lognormal(np.log(20), 0.5, size=task.size)
    seconds[np.isin(kind[worker], (1, 2))] /= 6

    answers = pl.DataFrame(
        {"task": task, "worker": worker, "label": label, "seconds": seconds}
    ).with_columns(
        pl.format("task-{}", "task").alias("task"),
        pl.format("worker-{}", "worker").alias("worker"),
        pl.format("class-{}", "label").alias("label"),
    )
    gold = pl.DataFrame({"task": np.arange(n_tasks), "label": truth}).with_columns(
        pl.format("task-{}", "task").alias("task"),
        pl.format("class-{}", "label").alias("label"),
    )
    return answers, gold


def bench_d_product(folder: Path) -> None:
    answers = pl.read_csv(folder / "answers.csv", infer_schema=False)
    gold_table = pl.read_csv(folder / "gold.csv", infer_schema=False)
    gold = dict(gold_table.iter_rows())

    ck, ck_labels, ck_seconds = _crowdkit_ds(answers, n_iter=100, tol=1e-5)
    ck_iterations = len(ck.loss_history_)
    rows = [("crowd-kit DawidSkene(n_iter=100, tol=1e-5)", ck_seconds, ck_iterations, ck_labels)]
    for name, estimator in [
        ("ours DawidSkene(max_iter=100, tol=1e-5)", DawidSkene()),
        (
            f"ours DawidSkene, exactly {ck_iterations} iterations",
            DawidSkene(max_iter=ck_iterations, tol=0.0),
        ),
    ]:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            estimator.fit(answers)
            best = min(best, time.perf_counter() - start)
        rows.append((name, best, estimator.n_iter_, dict(estimator.labels_.iter_rows())))
    start = time.perf_counter()
    report = compute_skill(answers, gold=gold_table)
    whole = time.perf_counter() - start

    print(f"D_Product: {answers.height:,} answers, {len(gold):,} gold tasks")
    print(f"{'estimator':<48} {'seconds':>8} {'iter':>5} {'accuracy':>9} {'speed-up':>9}")
    for name, seconds, iterations, labels in rows:
        print(
            f"{name:<48} {seconds:>8.3f} {iterations:>5} {_accuracy(labels, gold):>9.4f} "
            f"{ck_seconds / seconds:>8.1f}x"
        )
    label_accuracy = report.summary["label_accuracy"]
    print(f"{'ours compute_skill (MV + DS + one-coin + all)':<48} {whole:>8.3f}")
    print(f"  label_accuracy: {label_accuracy}\n")


def bench_synthetic(*, with_crowdkit: bool) -> None:
    start = time.perf_counter()
    answers, gold = synthetic_job()
    generated = time.perf_counter() - start
    gc.collect()
    rss_before = _peak_rss_mb()
    start = time.perf_counter()
    report = compute_skill(answers, gold=gold)
    whole = time.perf_counter() - start
    rss_after = _peak_rss_mb()
    start = time.perf_counter()
    ds = DawidSkene().fit(answers)
    ds_seconds = time.perf_counter() - start
    truth = dict(gold.iter_rows())
    ds_accuracy = _accuracy(dict(ds.labels_.iter_rows()), truth)

    summary = report.summary
    print(
        f"synthetic Dawid-Skene job: {answers.height:,} answers, {summary['n_tasks']:,} tasks, "
        f"{summary['n_workers']:,} workers, {summary['n_classes']} classes "
        f"(generated in {generated:.1f} s)"
    )
    print(f"{'step':<48} {'seconds':>8} {'iter':>5} {'accuracy':>9}")
    print(f"{'ours compute_skill (everything, gold given)':<48} {whole:>8.2f}")
    print(f"{'ours DawidSkene alone':<48} {ds_seconds:>8.2f} {ds.n_iter_:>5} {ds_accuracy:>9.4f}")
    if with_crowdkit:
        ck, ck_labels, ck_seconds = _crowdkit_ds(answers, n_iter=100, tol=1e-5)
        print(
            f"{'crowd-kit DawidSkene(n_iter=100, tol=1e-5)':<48} {ck_seconds:>8.2f} "
            f"{len(ck.loss_history_):>5} {_accuracy(ck_labels, truth):>9.4f}"
        )
        print(f"{'speed-up of our DawidSkene':<48} {ck_seconds / ds_seconds:>7.1f}x")
    print(f"  label_accuracy: {summary['label_accuracy']}")
    print(
        f"  flags: same answer {summary['n_flag_same_answer']}, inverted "
        f"{summary['n_flag_inverted']}, fast and disagreeing {summary['n_flag_fast_and_disagreeing']}"
    )
    print(
        f"  peak RSS of the process: {rss_before:,.0f} MB after generating the job, "
        f"{rss_after:,.0f} MB after compute_skill"
    )
    bench_whole_audit(answers, gold)


def bench_whole_audit(answers: pl.DataFrame, gold: pl.DataFrame) -> None:
    """The whole ``crowdaudit audit`` command on the job as a Parquet long table, in a child
    process: reading, worker table, skill, items, report and every output file."""
    with tempfile.TemporaryDirectory() as tmp:
        table, truth = Path(tmp) / "answers.parquet", Path(tmp) / "gold.csv"
        answers.write_parquet(table)
        gold.write_csv(truth)
        command = [
            sys.executable,
            "-m",
            "crowdaudit.cli",
            "audit",
            str(table),
            "--gold",
            str(truth),
        ]
        command += ["--out", str(Path(tmp) / "out"), "--no-cache", "-q", "--limit", "1"]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{'whole crowdaudit audit command, all outputs':<48} {seconds:>8.2f}")
    print(f"  peak RSS of the command: {peak:,.0f} MB (goals: under 30 s and 4 GB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument(
        "--no-crowdkit-synthetic",
        action="store_true",
        help="skip crowd-kit on the 1M-answer job (it takes minutes)",
    )
    args = parser.parse_args()
    folder = args.datasets / "d-product"
    if (folder / "answers.csv").is_file():
        bench_d_product(folder)
    else:
        print(f"D_Product not found in {args.datasets}: skipped\n")
    bench_synthetic(with_crowdkit=not args.no_crowdkit_synthetic)


if __name__ == "__main__":
    main()
