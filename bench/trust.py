"""Do the gold-free judgments earn their place? One table over the bundled job and the shared sets.

Run from the repository root::

    .venv/bin/python bench/trust.py [--datasets ../shared/datasets] [--only rte,web]

For each data set (the bundled Ground Truth job first, then every folder of ``--datasets`` with
``answers.csv`` and ``gold.csv``; absent ones are skipped) it prints, with crowd-kit computed in the
same run on the same table:

* ``rank``: Spearman correlation of ``skill`` with ``gold_accuracy`` over workers with at least 10
  gold answers, and ``best``: the best of crowd-kit's ``Wawa.skills_``, ``GLAD.alphas_``, MACE's
  probability of knowing, ``OneCoinDawidSkene.skills_``, ``DawidSkene`` per-worker accuracy and
  plain agreement with the majority vote, on the same workers (``which`` names it);
* ``flag``: flagged workers, and of them those whose gold accuracy is at least the set's median
  (workers with at least 5 gold answers);
* ``chk``: workers whose verdict is ``check``, and of them those at or above the same median (the
  goals also count them when the set is audited without gold);
* ``est [low, high]`` against ``acc``, the measured accuracy of the recommended labels;
* ``MV`` and ``ckDS``: accuracy of majority vote and of crowd-kit's Dawid-Skene run to 100
  iterations;
* ``rev``: the share of wrong recommended labels found in the first 10 % of ``items.csv``.

A second table, ``shared mistakes``, tests the assumption behind every estimate of label accuracy
made without gold: the workers are split into two halves (by the parity of their code) and each
half's labels are computed alone under the pooled model fitted on the whole job. ``agree`` is how
often the two halves' labels agree, against ``model``, the agreement the model predicts from its
posteriors; ``believed`` is the model's mean certainty of the half labels, against ``measured``,
their accuracy on gold. Halves that agree as often as (or more than) predicted while being less
accurate than believed make the same mistakes: no estimate from answers alone can see that.

A third, ``review order``, says what any order could reach: ``ceiling`` is the share of the wrong
labels a perfect order would put in the first 10 %, and ``agreed`` the share of the wrong labels
that all four models give, where no disagreement among the models can mark them. A fourth puts
every set's objects together by their ``label_probability`` and says how often their labels are
right on gold.

Then the planted workers of a synthetic job, gal-toy's verdicts, and the speed row: the whole
audit of D_Product against crowd-kit's ``DawidSkene`` alone. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy.stats import spearmanr

from crowdaudit.metrics.skill import MODEL_AGREEMENT_CAUTION, compute_skill

DEFAULT_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@dataclass
class Row:
    name: str
    rank: float
    best: float
    which: str
    n_ranked: int
    flagged: int
    bad_flags: int
    estimate: float
    low: float
    high: float
    accuracy: float
    mv: float
    ck_ds: float
    review: float
    model: str
    split: tuple[float, float, float, float]
    reach: tuple[int, float, float]
    scored: tuple[np.ndarray, np.ndarray]
    model_agreement: float | None
    checks_without_gold: tuple[int, int]
    checked: int = 0
    bad_checks: int = 0


def _load(folder: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    raw = pl.read_csv(folder / "answers.csv", infer_schema=False)
    answers = raw.unique(["task", "worker"], keep="first", maintain_order=True)
    gold = pl.read_csv(folder / "gold.csv", infer_schema=False).select("task", "label")
    return answers.select("task", "worker", "label"), gold


def _load_bundled() -> tuple[pl.DataFrame, pl.DataFrame]:
    from crowdaudit.audit import build_audit
    from crowdaudit.demo import DEMO_JOB, load_demo_gold, load_demo_store
    from crowdaudit.sources.groundtruth import read_job_folder

    audit = build_audit([read_job_folder(load_demo_store(), f"{DEMO_JOB}/")], load_demo_gold())
    answers = audit.answers.filter(pl.col("label").is_not_null())
    latest = answers.select("task", "worker", "label").unique(["task", "worker"], keep="last")
    gold = answers.select("task", pl.col("gold").alias("label")).drop_nulls().unique()
    return latest.sort("task", "worker"), gold


def _gold_per_worker(answers: pl.DataFrame, gold: pl.DataFrame) -> pl.DataFrame:
    joined = answers.join(gold.rename({"label": "gold"}), on="task", how="inner")
    return joined.group_by("worker").agg(
        pl.len().alias("n_gold"), (pl.col("label") == pl.col("gold")).mean().alias("gold_acc")
    )


def _crowdkit_signals(answers: pl.DataFrame) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    from crowdkit.aggregation import GLAD, MACE, DawidSkene, OneCoinDawidSkene, Wawa

    frame = answers.to_pandas()
    signals: dict[str, dict[str, float]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signals["Wawa"] = Wawa().fit(frame).skills_.to_dict()
        signals["GLAD"] = GLAD().fit(frame).alphas_.to_dict()
        mace = MACE(n_restarts=1).fit(frame)
        names = frame["worker"].drop_duplicates().tolist()  # pd.factorize order
        signals["MACE"] = dict(zip(names, mace.spamming_[:, 1].tolist(), strict=True))
        signals["ck 1coin"] = OneCoinDawidSkene(n_iter=100, tol=1e-5).fit(frame).skills_.to_dict()
        ds = DawidSkene(n_iter=100, tol=float("-inf")).fit(frame)
    errors = ds.errors_
    priors = ds.priors_
    accuracy: dict[str, float] = {}
    for worker in errors.index.get_level_values(0).unique():
        block = errors.loc[worker]
        # rows: the answered label, columns: the true label; a label never answered has no row.
        accuracy[str(worker)] = float(
            sum(
                priors[label] * block.loc[label, label]
                for label in priors.index
                if label in block.index and label in block.columns
            )
        )
    signals["ck DS"] = accuracy
    ds_labels = {str(k): str(v) for k, v in ds.labels_.items()}
    return signals, ds_labels


def _mv_agreement(answers: pl.DataFrame, mv: dict[str, str]) -> dict[str, float]:
    table = answers.with_columns(
        pl.col("task").replace_strict(mv, default=None).alias("_mv")
    ).group_by("worker")
    return dict(table.agg((pl.col("label") == pl.col("_mv")).mean()).iter_rows())


def _spearman(x: dict[str, float], gold: dict[str, float]) -> float:
    keys = sorted(gold)
    a = [x.get(k, np.nan) for k in keys]
    b = [gold[k] for k in keys]
    return float(spearmanr(a, b, nan_policy="omit").statistic)


def _accuracy(labels: dict[str, str], gold: dict[str, str]) -> float:
    hits = [labels.get(task) == label for task, label in gold.items() if task in labels]
    return sum(hits) / len(hits) if hits else float("nan")


def _cached_signals(
    name: str, answers: pl.DataFrame, cache: Path | None
) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """crowd-kit's results, kept in ``cache`` (a folder) between runs when given."""
    if cache is None:
        return _crowdkit_signals(answers)
    path = cache / f"{name}.json"
    if path.is_file():
        signals, labels = json.loads(path.read_text())
        return signals, labels
    cache.mkdir(parents=True, exist_ok=True)
    signals, labels = _crowdkit_signals(answers)
    path.write_text(json.dumps([signals, labels]))
    return signals, labels


def _evaluate(name: str, answers: pl.DataFrame, gold: pl.DataFrame, cache: Path | None) -> Row:
    report = compute_skill(answers, gold=gold)
    per_worker = _gold_per_worker(answers, gold)
    ranked = per_worker.filter(pl.col("n_gold") >= 10)
    gold_acc = dict(ranked.select("worker", "gold_acc").iter_rows())
    skill = dict(report.workers.select("worker", "skill").drop_nulls().iter_rows())
    signals, ck_labels = _cached_signals(name, answers, cache)
    mv = dict(report.items.select("task", "majority_vote").iter_rows())
    signals["MV agree"] = _mv_agreement(answers, mv)
    scores = {key: _spearman(values, gold_acc) for key, values in signals.items()}
    which = max(scores, key=lambda key: np.nan_to_num(scores[key], nan=-2))

    judged = per_worker.filter(pl.col("n_gold") >= 5)
    median = float(judged["gold_acc"].median() or 0.0)
    flag_cols = [c for c in report.workers.columns if c.startswith("flag_") and c != "flag_reason"]
    flagged = report.workers.filter(pl.any_horizontal(pl.col(flag_cols).fill_null(False)))
    above = flagged.join(judged, on="worker").filter(pl.col("gold_acc") >= median)
    checked = report.workers.filter(pl.col("verdict") == "check")
    checked_above = checked.join(judged, on="worker").filter(pl.col("gold_acc") >= median)
    blind = compute_skill(answers).workers.filter(pl.col("verdict") == "check")
    blind_above = blind.join(judged, on="worker").filter(pl.col("gold_acc") >= median)

    gold_map = dict(gold.iter_rows())
    labels = dict(report.items.select("task", "label").iter_rows())
    wrong = [
        t for t in report.items["task"].to_list() if t in gold_map and labels[t] != gold_map[t]
    ]
    n_head = max(1, report.items.height // 10)
    head = set(report.items["task"].head(n_head).to_list())
    summary: dict[str, Any] = report.summary
    return Row(
        name=name,
        rank=_spearman(skill, gold_acc),
        best=scores[which],
        which=which,
        n_ranked=len(gold_acc),
        flagged=flagged.height,
        bad_flags=above.height,
        estimate=summary["estimated_label_accuracy"] or float("nan"),
        low=summary["estimated_label_accuracy_low"] or float("nan"),
        high=summary["estimated_label_accuracy_high"] or float("nan"),
        accuracy=_accuracy(labels, gold_map),
        mv=_accuracy(mv, gold_map),
        ck_ds=_accuracy(ck_labels, gold_map),
        review=(sum(t in head for t in wrong) / len(wrong)) if wrong else float("nan"),
        model=summary["recommended_model"],
        split=_split_halves(answers, gold, report),
        scored=_scored(report.items, gold),
        model_agreement=summary["skill_model_agreement"],
        checks_without_gold=(blind.height, blind_above.height),
        reach=(len(wrong), min(1.0, n_head / len(wrong)) if wrong else 1.0, _agreed(report, wrong)),
        checked=checked.height,
        bad_checks=checked_above.height,
    )


def _scored(items: pl.DataFrame, gold: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``label_probability`` of each object with gold, and whether its label is right."""
    joined = items.join(gold.rename({"label": "_gold"}), on="task", how="inner")
    right = (joined["label"] == joined["_gold"]).to_numpy()
    return joined["label_probability"].to_numpy(), right


RELIABILITY_BINS = (0.0, 0.7, 0.9, 0.99, 0.999, 1.0)


def _print_reliability(rows: list[Row]) -> None:
    """How often labels are right, by their ``label_probability``, over all the sets' objects."""
    probability = np.concatenate([r.scored[0] for r in rows])
    right = np.concatenate([r.scored[1] for r in rows])
    print("\nlabel_probability against gold, all sets' objects together")
    print(f"{'probability':<16} {'objects':>8} {'mean':>6} {'right':>6}")
    for low, high in itertools.pairwise(RELIABILITY_BINS):
        chosen = (probability >= low) & ((probability < high) | (high == 1.0))
        if chosen.any():
            span = f"[{low:g}, {high:g}{']' if high == 1.0 else ')'}"
            print(
                f"{span:<16} {int(chosen.sum()):>8,} {probability[chosen].mean():>6.3f} "
                f"{right[chosen].mean():>6.3f}"
            )


def _agreed(report: Any, wrong: list[str]) -> float:
    """Share of the wrong recommended labels that all four models give."""
    if not wrong:
        return float("nan")
    models = ("majority_vote", "one_coin_label", "ds_label", "pooled_label")
    items = report.items.filter(pl.col("task").is_in(wrong))
    same = items.filter(pl.all_horizontal([pl.col(m) == pl.col("label") for m in models]))
    return same.height / items.height


def _split_halves(
    answers: pl.DataFrame, gold: pl.DataFrame, report: Any
) -> tuple[float, float, float, float]:
    """``(agree, model, believed, measured)`` of two disjoint halves of workers (module doc)."""
    from crowdaudit.metrics._encoding import encode_answers

    enc = encode_answers(answers)
    pooled = report.pooled
    columns = pooled.confusion_columns_.probabilities(enc.worker, enc.label)
    log_rows = np.log(np.clip(columns, 1e-12, None))
    log_priors = np.log(np.clip(pooled.priors_, 1e-12, None))
    halves = []
    for side in (0, 1):
        keep = (enc.worker % 2 == side).astype(np.float64)
        sums = np.stack(
            [
                np.bincount(enc.task, weights=log_rows[:, c] * keep, minlength=enc.n_tasks)
                for c in range(enc.n_classes)
            ],
            axis=1,
        )
        joint = sums + log_priors
        q = np.exp(joint - joint.max(axis=1, keepdims=True))
        halves.append((q / q.sum(axis=1, keepdims=True), np.bincount(enc.task, weights=keep)))
    (q1, n1), (q2, n2) = halves
    both = (n1 > 0) & (n2 > 0)
    l1, l2 = q1.argmax(axis=1), q2.argmax(axis=1)
    codes = enc.encode_gold(gold)
    judged = both & (codes >= 0)
    return (
        float((l1 == l2)[both].mean()),
        float((q1 * q2).sum(axis=1)[both].mean()),
        float((q1.max(axis=1)[judged].mean() + q2.max(axis=1)[judged].mean()) / 2),
        float(((l1 == codes)[judged].mean() + (l2 == codes)[judged].mean()) / 2),
    )


def _print_table(rows: list[Row]) -> None:
    header = (
        f"{'data set':<12} {'rank':>6} {'best':>6} {'which':<9} {'n':>4} | {'flag':>4} "
        f"{'>=med':>5} | {'est':>6} {'[low,':>7} {'high]':>6} {'acc':>6} {'in':>3} | "
        f"{'MV':>6} {'ckDS':>6} {'model':<13} | {'rev':>5} | {'chk':>4} {'>=med':>5}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        inside = "yes" if r.low <= r.accuracy <= r.high else "no"
        print(
            f"{r.name:<12} {r.rank:>6.3f} {r.best:>6.3f} {r.which:<9} {r.n_ranked:>4} | "
            f"{r.flagged:>4} {r.bad_flags:>5} | {r.estimate:>6.3f} {r.low:>7.3f} {r.high:>6.3f} "
            f"{r.accuracy:>6.3f} {inside:>3} | {r.mv:>6.3f} {r.ck_ds:>6.3f} {r.model:<13} | "
            f"{r.review:>5.2f} | {r.checked:>4} {r.bad_checks:>5}"
        )


def _print_split(rows: list[Row]) -> None:
    print("\nshared mistakes: labels from two disjoint halves of the workers (pooled model)")
    print(f"{'data set':<12} {'agree':>6} {'model':>6} | {'believed':>8} {'measured':>8}")
    for r in rows:
        agree, model, believed, measured = r.split
        print(f"{r.name:<12} {agree:>6.3f} {model:>6.3f} | {believed:>8.3f} {measured:>8.3f}")
    more = sum(r.split[0] >= r.split[1] for r in rows)
    worse = sum(r.split[3] < r.split[2] for r in rows)
    print(
        f"  halves agree at least as often as the model predicts on {more} of {len(rows)} sets; "
        f"they are less accurate than it believes on {worse}"
    )


def _print_reach(rows: list[Row]) -> None:
    print("\nreview order: what an order could reach")
    print(f"{'data set':<12} {'wrong':>6} {'ceiling':>8} {'agreed':>7} | {'rev':>5}")
    for r in rows:
        wrong, ceiling, agreed = r.reach
        print(f"{r.name:<12} {wrong:>6} {ceiling:>8.2f} {agreed:>7.2f} | {r.review:>5.2f}")
    print(
        "  ceiling: the share a perfect order would put in the first 10 %; agreed: the share of "
        "the wrong labels that all four models give (no disagreement among them marks it)"
    )


def _print_goals(rows: list[Row]) -> None:
    ranked = [r for r in rows if r.n_ranked >= 3]
    rank_ok = sum(r.rank >= r.best - 0.02 for r in ranked)
    flagged = sum(r.flagged for r in rows)
    bad = sum(r.bad_flags for r in rows)
    close = sum(abs(r.estimate - r.accuracy) <= 0.03 for r in rows)
    inside = sum(r.low <= r.accuracy <= r.high for r in rows)
    labels_ok = sum(r.accuracy >= max(r.mv, r.ck_ds) - 0.01 for r in rows)
    review_ok = sum(not r.review < 0.40 for r in rows)
    print("\ngoals")
    print(f"  ranking: skill >= best - 0.02 on {rank_ok} of {len(ranked)} sets")
    print(f"  flags: {bad} of {flagged} flagged workers at or above the median on gold")
    checked, bad_checks = sum(r.checked for r in rows), sum(r.bad_checks for r in rows)
    print(f"  checks: {bad_checks} of {checked} 'check' workers at or above the median on gold")
    blind, blind_bad = (sum(r.checks_without_gold[i] for r in rows) for i in (0, 1))
    print(f"  checks, audited without gold: {blind_bad} of {blind} at or above the median on gold")
    print(f"  calibration: within 3 points on {close} of {len(rows)}; inside on {inside}")
    print(f"  labels: >= max(MV, ckDS) - 1 point on {labels_ok} of {len(rows)}")
    print(f"  review: first 10 % holds >= 40 % of wrong labels on {review_ok} of {len(rows)}")
    agreement = [(r.name, r.model_agreement) for r in rows]
    print(
        "  skill_model_agreement (the front ends warn below "
        f"{MODEL_AGREEMENT_CAUTION}): "
        + ", ".join(f"{name} {'-' if a is None else f'{a:.2f}'}" for name, a in agreement)
    )


def _synthetic(seed: int = 7) -> pl.DataFrame:
    """1,000 tasks, 4 classes, 60 honest workers (accuracy 0.6-0.95), 5 answers per task, plus
    3 same-answer, 3 random and 3 class-swapping workers with 40 answers each."""
    rng = np.random.default_rng(seed)
    n_tasks, k = 1000, 4
    truth = rng.integers(0, k, n_tasks)
    rows: list[tuple[str, str, str]] = []
    accuracy = rng.uniform(0.6, 0.95, 60)
    for t in range(n_tasks):
        for w in rng.choice(60, 5, replace=False):
            right = rng.random() < accuracy[w]
            label = truth[t] if right else (truth[t] + rng.integers(1, k)) % k
            rows.append((f"t{t}", f"honest{w}", f"c{label}"))
    for kind in ("same", "random", "swap"):
        for i in range(3):
            for t in rng.choice(n_tasks, 40, replace=False):
                label = {"same": 0, "random": rng.integers(0, k), "swap": (truth[t] + 1) % k}[kind]
                rows.append((f"t{t}", f"{kind}{i}", f"c{label}"))
    return pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row")


def _print_planted(datasets: Path) -> None:
    report = compute_skill(_synthetic())
    flag_cols = [c for c in report.workers.columns if c.startswith("flag_") and c != "flag_reason"]
    workers = report.workers.with_columns(
        pl.any_horizontal(pl.col(flag_cols).fill_null(False)).alias("flagged")
    )
    planted = workers.filter(~pl.col("worker").str.starts_with("honest"))
    honest = workers.filter(pl.col("worker").str.starts_with("honest"))
    print(
        f"\nsynthetic job: {int(planted['flagged'].sum())} of {planted.height} planted workers "
        f"flagged; {int(honest['flagged'].sum())} of {honest.height} honest workers flagged"
    )
    checked = pl.col("verdict") == "check"
    print(
        f"synthetic job: {planted.filter(checked).height} of {planted.height} planted workers "
        f"'check'; {honest.filter(checked).height} of {honest.height} honest workers 'check'"
    )
    gal = datasets / "gal-toy"
    if (gal / "answers.csv").is_file():
        answers, gold = _load(gal)
        verdicts = compute_skill(answers, gold=gold).workers.select("worker", "verdict")
        print("gal-toy verdicts: " + ", ".join(f"{w} {v}" for w, v in verdicts.iter_rows()))


def _best_of(runs: int, work: Any) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _print_speed(datasets: Path) -> None:
    """The whole audit of D_Product (read the table and the gold, judge, write every output)
    and its skill step alone, each the best of 3, against crowd-kit's ``DawidSkene`` alone."""
    folder = datasets / "d-product"
    if not (folder / "answers.csv").is_file():
        return
    import tempfile

    from crowdkit.aggregation import DawidSkene

    import crowdaudit

    def whole() -> None:
        audit = crowdaudit.audit(folder / "answers.csv", gold=folder / "gold.csv")
        with tempfile.TemporaryDirectory() as tmp:
            audit.write(Path(tmp) / "out")

    answers, gold = _load(folder)
    whole()  # the first run pays for imports
    ours = _best_of(3, whole)
    skill = _best_of(3, lambda: compute_skill(answers, gold=gold))
    frame = answers.to_pandas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _best_of(2, lambda: DawidSkene(n_iter=100, tol=1e-5).fit(frame))
    print(
        f"\nspeed, D_Product: our whole audit {ours:.2f} s (its skill step {skill:.2f} s), "
        f"crowd-kit DawidSkene alone {theirs:.2f} s: {theirs / ours:.1f}x "
        f"({theirs / skill:.1f}x the skill step); goal: the whole audit at least 10x"
    )


def _wide_job(seed: int = 11) -> pl.DataFrame:
    """200 workers, 500 classes, 50,000 answers (10 per task on 5,000 tasks), 80 % accurate."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "metrics"))
    from skill_fixtures import accurate_workers_job

    return accurate_workers_job(n_tasks=5000, per_task=10, n_workers=200, k=500, seed=seed)


MEMORY_GOAL_MB = 1024
"""Issue 13's goal for the many-class row: peak resident memory under 1 GB."""


def _memory_child() -> None:
    import resource

    answers = _wide_job()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    compute_skill(answers)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_mb": before / 1024, "peak_mb": peak / 1024, "seconds": seconds}))


def _print_memory() -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, __file__, "--memory-child"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"\nmemory, 200 workers x 500 classes x 50,000 answers: failed ({done.returncode})")
        return
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    ratio = figures["peak_mb"] / MEMORY_GOAL_MB
    print(
        f"\nmemory, 200 workers x 500 classes x 50,000 answers: peak RSS "
        f"{figures['peak_mb']:,.0f} MB (process before the audit {figures['before_mb']:,.0f} MB), "
        f"{figures['seconds']:.1f} s; {ratio:.2f}x the goal of under {MEMORY_GOAL_MB:,} MB "
        f"({'met' if ratio < 1.0 else 'missed'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--only", default="", help="comma-separated folder names")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--crowdkit-cache",
        type=Path,
        default=None,
        help="folder keeping crowd-kit's results between runs (while tuning; omit for the table)",
    )
    args = parser.parse_args()
    if args.memory_child:
        _memory_child()
        return
    only = {name for name in args.only.split(",") if name}
    rows = []
    if not only or "bundled" in only:
        rows.append(_evaluate("bundled", *_load_bundled(), args.crowdkit_cache))
    if args.datasets.is_dir():
        for folder in sorted(args.datasets.iterdir()):
            if folder.name == "gal-toy" or (only and folder.name not in only):
                continue
            if (folder / "answers.csv").is_file() and (folder / "gold.csv").is_file():
                rows.append(_evaluate(folder.name, *_load(folder), args.crowdkit_cache))
    _print_table(rows)
    _print_goals(rows)
    _print_split(rows)
    _print_reach(rows)
    _print_reliability(rows)
    _print_planted(args.datasets)
    _print_speed(args.datasets)
    _print_memory()


if __name__ == "__main__":
    main()
