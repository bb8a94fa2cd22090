"""Accuracy on gold of crowdaudit's estimators next to crowd-kit's, on every shared data set.

Run from the repository root::

    .venv/bin/python bench/validate.py [--datasets ../shared/datasets] [--only rte,web]

For each folder with ``answers.csv`` and ``gold.csv`` it prints the accuracy on gold of our majority
vote, Dawid-Skene and one-coin Dawid-Skene (default options of :func:`compute_skill`) and of
crowd-kit's ``MajorityVote``, ``DawidSkene`` and ``OneCoinDawidSkene`` (``n_iter=100, tol=1e-5``),
all on the same table in the same run. ``ck DS@100`` is crowd-kit's Dawid-Skene run for exactly 100
iterations: crowd-kit stops as soon as its loss *decreases*, which on some data sets happens after
two iterations, long before EM has converged. Repeated (task, worker) pairs are dropped (first kept)
before both libraries see the table. Not part of the test suite; validation-only data sets are read
from ``../shared/datasets`` and never copied.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path
from typing import Any

import polars as pl

from crowdaudit.metrics.estimators import DawidSkene, MajorityVote, OneCoinDawidSkene
from crowdaudit.metrics.skill import compute_skill

DEFAULT_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
ANCHORS = {"d-product": {"majority_vote": 0.897, "dawid_skene": 0.940}}
"""Published results: Crowd-Kit paper (JOSS 2024), D_Product."""


def _accuracy(labels: dict[str, str], gold: dict[str, str]) -> float:
    hits = [labels[task] == label for task, label in gold.items() if task in labels]
    return sum(hits) / len(hits) if hits else float("nan")


def _ours(estimator: Any, answers: pl.DataFrame) -> tuple[dict[str, str], float, int | None]:
    start = time.perf_counter()
    estimator.fit(answers)
    seconds = time.perf_counter() - start
    return dict(estimator.labels_.iter_rows()), seconds, getattr(estimator, "n_iter_", None)


def _crowdkit(estimator: Any, frame: Any) -> tuple[dict[str, str], float, int | None]:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3 deprecations inside crowd-kit
        labels = estimator.fit_predict(frame)
    seconds = time.perf_counter() - start
    iterations = len(getattr(estimator, "loss_history_", [])) or None
    return {str(k): str(v) for k, v in labels.items()}, seconds, iterations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--only", default="", help="comma-separated folder names")
    args = parser.parse_args()

    from crowdkit.aggregation import DawidSkene as CKDawidSkene
    from crowdkit.aggregation import MajorityVote as CKMajorityVote
    from crowdkit.aggregation import OneCoinDawidSkene as CKOneCoin

    only = {name for name in args.only.split(",") if name}
    folders = sorted(
        p
        for p in args.datasets.iterdir()
        if (p / "answers.csv").is_file()
        and (p / "gold.csv").is_file()
        and (not only or p.name in only)
    )
    header = (
        f"{'data set':<12} {'answers':>8} {'dup':>4} | {'MV':>6} {'DS':>6} {'1coin':>6} | "
        f"{'ck MV':>6} {'ck DS':>6} {'ck 1c':>6} {'DS@100':>6} | {'DS-ckDS':>7} "
        f"{'it':>7} {'t ours':>7} {'t ck':>7}"
    )
    print(header)
    print("-" * len(header))
    worst = worst_full = 0.0
    for folder in folders:
        raw = pl.read_csv(folder / "answers.csv", infer_schema=False)
        answers = raw.unique(["task", "worker"], keep="first", maintain_order=True)
        answers = answers.select("task", "worker", "label")
        gold_table = pl.read_csv(folder / "gold.csv", infer_schema=False)
        gold = dict(gold_table.select("task", "label").iter_rows())
        frame = answers.to_pandas()

        mv, _, _ = _ours(MajorityVote(), answers)
        ds, t_ds, it_ds = _ours(DawidSkene(), answers)
        one_coin, _, _ = _ours(OneCoinDawidSkene(), answers)
        ck_mv, _, _ = _crowdkit(CKMajorityVote(), frame)
        ck_ds, t_ck, it_ck = _crowdkit(CKDawidSkene(n_iter=100, tol=1e-5), frame)
        ck_one_coin, _, _ = _crowdkit(CKOneCoin(n_iter=100, tol=1e-5), frame)
        ck_full, _, _ = _crowdkit(CKDawidSkene(n_iter=100, tol=float("-inf")), frame)

        acc = {
            name: _accuracy(labels, gold)
            for name, labels in {
                "mv": mv,
                "ds": ds,
                "oc": one_coin,
                "ck_mv": ck_mv,
                "ck_ds": ck_ds,
                "ck_oc": ck_one_coin,
                "ck_full": ck_full,
            }.items()
        }
        diff = acc["ds"] - acc["ck_ds"]
        worst = max(worst, abs(diff))
        worst_full = max(worst_full, abs(acc["ds"] - acc["ck_full"]))
        print(
            f"{folder.name:<12} {answers.height:>8} {raw.height - answers.height:>4} | "
            f"{acc['mv']:>6.4f} {acc['ds']:>6.4f} {acc['oc']:>6.4f} | "
            f"{acc['ck_mv']:>6.4f} {acc['ck_ds']:>6.4f} {acc['ck_oc']:>6.4f} "
            f"{acc['ck_full']:>6.4f} | {diff * 100:>+6.2f}p {it_ds:>3}/{it_ck or 0:<3} "
            f"{t_ds:>6.2f}s {t_ck:>6.2f}s"
        )
        anchor = ANCHORS.get(folder.name)
        if anchor:
            print(
                f"{'':<12} published (Crowd-Kit paper): MV {anchor['majority_vote']:.3f}, "
                f"DS {anchor['dawid_skene']:.3f}"
            )
    print(f"\nlargest |DS - crowd-kit DS| on gold: {worst * 100:.2f} percentage points")
    print(f"largest |DS - crowd-kit DS@100| on gold: {worst_full * 100:.2f} percentage points")
    print("it = EM iterations ours/crowd-kit; t = Dawid-Skene fit time (ours includes encoding)")

    gal_toy = args.datasets / "gal-toy"
    if (gal_toy / "answers.csv").is_file():
        report = compute_skill(
            pl.read_csv(gal_toy / "answers.csv", infer_schema=False),
            gold=pl.read_csv(gal_toy / "gold.csv", infer_schema=False),
        )
        print("\ngal-toy workers:")
        with pl.Config(tbl_cols=-1, tbl_width_chars=200, float_precision=3):
            print(report.workers.drop("flag_fast_and_disagreeing"))
        flagged = dict(report.workers.select("worker", "flag_same_answer").iter_rows())
        inverted = dict(report.workers.select("worker", "flag_inverted").iter_rows())
        print(
            f"worker1 flag_same_answer: {flagged['worker1']}; "
            f"worker5 flag_inverted: {inverted['worker5']}"
        )


if __name__ == "__main__":
    main()
