"""One node, 10,000,000 answers: the whole ``crowdaudit audit`` command on a synthetic Parquet table.

Run from the repository root::

    .venv/bin/python bench/one_node.py [--answers 10000000]

The table is drawn from the Dawid-Skene model by ``bench/skill.py``'s generator (seeded): 2,000,000
tasks, 5 answers each, 20,000 workers, 3 classes, with seconds. The command runs in a child
process, with outputs to a temporary folder; its wall time and peak resident memory (the child's
``ru_maxrss``) are printed beside the 60 s and 4 GB targets. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from skill import synthetic_job

CROWDAUDIT = Path(sys.executable).with_name("crowdaudit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000_000)
    args = parser.parse_args()
    per_task = 5
    n_tasks = args.answers // per_task
    with tempfile.TemporaryDirectory(prefix="crowdaudit-one-node-") as folder:
        table = Path(folder) / "answers.parquet"
        start = time.perf_counter()
        answers, _ = synthetic_job(
            n_tasks=n_tasks, n_workers=max(n_tasks // 100, 50), per_task=per_task, seed=17
        )
        answers.write_parquet(table)
        made = time.perf_counter() - start
        del answers
        out = Path(folder) / "audit"
        command = [str(CROWDAUDIT), "audit", str(table), "--out", str(out), "-q", "--limit", "5"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            raise SystemExit(done.returncode)
        written = sorted(path.name for path in out.iterdir())
    print(f"synthetic table: {args.answers:,} answers, {n_tasks:,} tasks, made in {made:.1f} s")
    print()
    print("| what | measured | target |")
    print("|---|---:|---:|")
    print(f"| `crowdaudit audit answers.parquet --out …`, wall | {seconds:.1f} s | < 60 s |")
    print(f"| peak resident memory of the command | {peak_gb:.2f} GB | < 4 GB |")
    print(f"| answers per second | {args.answers / seconds:,.0f} | |")
    print()
    print("wrote:", ", ".join(written))


if __name__ == "__main__":
    main()
