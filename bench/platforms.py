"""How long reading each platform export takes, against a long table of the same answers.

Writes one synthetic labeling project (``--tasks`` tasks, 5 answers each, 200 workers, 5 classes)
as a ``task,worker,label,seconds,submitted_at`` CSV (the baseline), a Label Studio JSON export, a
Mechanical Turk batch results CSV and a Toloka results TSV, then times in the same run
``crowdaudit.read_jobs`` on each, best of three, and the whole ``crowdaudit.audit``.

Run: ``.venv/bin/python bench/platforms.py [--tasks N]``. Prints a table.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import crowdaudit

CLASSES = ["a", "b", "c", "d", "e"]
MTURK_HEADER = [
    "HITId",
    "AssignmentId",
    "WorkerId",
    "AssignmentStatus",
    "AcceptTime",
    "SubmitTime",
    "WorkTimeInSeconds",
    "LifetimeApprovalRate",
    "Input.text",
    "Answer.taskAnswers",
]


def answers(n_tasks: int) -> list[tuple[int, int, str, int]]:
    """``(task, worker, label, second of the day)`` for 5 answers a task."""
    rng = random.Random(11)
    rows = []
    for task in range(n_tasks):
        truth = rng.choice(CLASSES)
        for worker in rng.sample(range(200), 5):
            label = truth if rng.random() < 0.8 else rng.choice(CLASSES)
            rows.append((task, worker, label, rng.randrange(3600, 80_000)))
    return rows


def _clock(second: int) -> str:
    return f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"


def write_all(root: Path, rows: list[tuple[int, int, str, int]]) -> dict[str, Path]:
    paths = {name: root / name for name in ("long.csv", "ls.json", "mturk.csv", "toloka.tsv")}
    with paths["long.csv"].open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["task", "worker", "label", "seconds", "submitted_at"])
        for task, worker, label, second in rows:
            writer.writerow([task, f"w{worker}", label, 7, f"2024-03-01T{_clock(second)}Z"])
    tasks: dict[int, list[dict[str, object]]] = {}
    for task, worker, label, second in rows:
        result = [
            {"from_name": "c", "to_name": "t", "type": "choices", "value": {"choices": [label]}}
        ]
        tasks.setdefault(task, []).append(
            {
                "completed_by": worker,
                "result": result,
                "lead_time": 7,
                "was_cancelled": False,
                "ground_truth": False,
                "created_at": f"2024-03-01T{_clock(second)}.000000Z",
            }
        )
    export = [{"id": task, "data": {"text": "…"}, "annotations": a} for task, a in tasks.items()]
    paths["ls.json"].write_text(json.dumps(export))
    with paths["mturk.csv"].open("w", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL)
        writer.writerow(MTURK_HEADER)
        for task, worker, label, second in rows:
            at = f"Fri Mar 01 {_clock(second)} PST 2024"
            answer = json.dumps([{"c": {"label": label}}])
            writer.writerow(
                [
                    f"H{task}",
                    f"A{task}-{worker}",
                    f"W{worker}",
                    "Approved",
                    at,
                    at,
                    7,
                    "100% (1/1)",
                    "…",
                    answer,
                ]
            )
    with paths["toloka.tsv"].open("w") as out:
        out.write("INPUT:text\tOUTPUT:result\tASSIGNMENT:assignment_id\tASSIGNMENT:worker_id\t")
        out.write("ASSIGNMENT:started\tASSIGNMENT:submitted\n")
        for task, worker, label, second in rows:
            begin, end = f"2024-03-01T{_clock(second - 7)}", f"2024-03-01T{_clock(second)}"
            out.write(f"t{task}\t{label}\ta{task}-{worker}\tw{worker}\t{begin}\t{end}\n")
    return paths


def best_of(runs: int, call: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=20_000)
    args = parser.parse_args()
    rows = answers(args.tasks)
    mturk = crowdaudit.TaskOptions(answer_path="c.label")
    with tempfile.TemporaryDirectory() as folder:
        paths = write_all(Path(folder), rows)
        cases: list[tuple[str, Path, dict[str, object]]] = [
            ("long table CSV (baseline)", paths["long.csv"], {}),
            ("Label Studio JSON", paths["ls.json"], {}),
            ("Mechanical Turk CSV", paths["mturk.csv"], {"task_options": mturk}),
            ("Toloka TSV", paths["toloka.tsv"], {}),
        ]
        baseline = None
        print(f"{len(rows):,} answers, {args.tasks:,} tasks; seconds, best of 3")
        print(f"{'source':<28} {'MB':>6} {'read':>7} {'ratio':>6} {'audit':>7}")
        for name, path, options in cases:
            read = best_of(3, lambda p=path, o=options: crowdaudit.read_jobs([p], **o))  # type: ignore[arg-type]
            whole = best_of(1, lambda p=path, o=options: crowdaudit.audit(p, **o))  # type: ignore[arg-type]
            baseline = baseline or read
            size = path.stat().st_size / 1e6
            print(f"{name:<28} {size:>6.1f} {read:>7.2f} {read / baseline:>5.1f}x {whole:>7.2f}")


if __name__ == "__main__":
    main()
