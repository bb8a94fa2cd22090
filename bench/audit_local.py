"""How long a whole audit of a 100,000-answer Ground Truth job on disk takes.

Writes a synthetic job in the current answer format (20,000 objects, 5 answers each, 400 workers,
10 classes, with an output manifest and a golden manifest), then times in the same run:

* the seed notebook's method, read from disk instead of S3: one file at a time through ``json``,
  Python loops, per-worker means (the baseline);
* ``crowdaudit.audit`` (reading, consolidated and gold labels, the worker table);
* the ``crowdaudit audit`` command end to end, writing every output.

Run: ``.venv/bin/python bench/audit_local.py [--objects N]``. Prints a table.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import crowdaudit

CLASSES = [f"class-{i}" for i in range(10)]


def write_job(root: Path, n_objects: int, n_workers: int, answers_per_object: int) -> Path:
    rng = random.Random(7)
    job = root / "bench-job"
    workers = [f"private.us-east-1.{i:016x}" for i in range(n_workers)]
    skill = {worker: rng.uniform(0.5, 0.95) for worker in workers}
    manifest, golden = [], []
    for task in range(n_objects):
        truth = rng.choice(CLASSES)
        answers = []
        for worker in rng.sample(workers, answers_per_object):
            label = truth if rng.random() < skill[worker] else rng.choice(CLASSES)
            second = rng.randrange(0, 86_400)
            answers.append(
                {
                    "acceptanceTime": f"2022-08-05T{second // 3600:02d}:{second // 60 % 60:02d}:00.000Z",
                    "answerContent": {"crowd-image-classifier": {"label": label}},
                    "submissionTime": f"2022-08-05T{second // 3600:02d}:{second // 60 % 60:02d}:"
                    f"{second % 60:02d}.{rng.randrange(1000):03d}Z",
                    "timeSpentInSeconds": round(rng.uniform(2, 60), 3),
                    "workerId": worker,
                    "workerMetadata": {
                        "identityData": {
                            "identityProviderType": "Cognito",
                            "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BENCH",
                            "sub": f"sub-{worker[-6:]}",
                        }
                    },
                }
            )
        path = job / "annotations" / "worker-response" / f"iteration-{1 + task // 5000}" / str(task)
        path.mkdir(parents=True)
        (path / "2022-08-05_12:00:00.json").write_text(json.dumps({"answers": answers}))
        metadata = {
            "class-name": truth,
            "job-name": "labeling-job/bench-job",
            "type": "groundtruth/image-classification",
            "human-annotated": "yes",
        }
        manifest.append(
            json.dumps(
                {
                    "source-ref": f"s3://b/{task}.jpg",
                    "bench-job": CLASSES.index(truth),
                    "bench-job-metadata": metadata,
                }
            )
        )
        if task % 4 == 0:
            golden.append(json.dumps({str(task): truth}))
    (job / "manifests" / "output").mkdir(parents=True)
    (job / "manifests" / "output" / "output.manifest").write_text("\n".join(manifest) + "\n")
    (root / "golden.manifest").write_text("\n".join(golden) + "\n")
    return job


def seed_notebook(job: Path, golden_path: Path) -> dict[str, dict[str, float]]:
    """The notebook's loops, on disk."""
    gold: dict[str, str] = {}
    for line in golden_path.read_text().split("\n"):
        if line:
            gold.update(json.loads(line))
    consolidated = {}
    lines = (job / "manifests" / "output" / "output.manifest").read_text().split("\n")
    attribute = list(json.loads(lines[0]).keys())[-1]
    for index, line in enumerate(line for line in lines if line):
        consolidated[str(index)] = json.loads(line)[attribute]["class-name"]
    per_worker: dict[str, list[tuple[int, int]]] = {}
    for path in (job / "annotations" / "worker-response").rglob("*.json"):
        task = path.parent.name
        for answer in json.loads(path.read_text())["answers"]:
            label = answer["answerContent"]["crowd-image-classifier"]["label"]
            truth = gold.get(task)
            per_worker.setdefault(answer["workerId"], []).append(
                (-1 if truth is None else int(label == truth), int(label == consolidated[task]))
            )
    result = {}
    for worker, scores in per_worker.items():
        golden_scores = [g for g, _ in scores if g != -1]
        result[worker] = {
            "golden": sum(golden_scores) / len(golden_scores) if golden_scores else 0.0,
            "consensus": sum(c for _, c in scores) / len(scores),
        }
    return result


def timed(function, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=400)
    parser.add_argument("--answers-per-object", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(
            f"writing a job of {options.objects:,} objects × {options.answers_per_object} answers …"
        )
        job = write_job(root, options.objects, options.workers, options.answers_per_object)
        golden = root / "golden.manifest"
        seed_seconds, seed = timed(seed_notebook, job, golden)
        library_seconds, result = timed(lambda: crowdaudit.audit(job, gold=golden))
        command = [sys.executable, "-m", "crowdaudit.cli", "audit", str(job), "--gold", str(golden)]
        command += ["--out", str(root / "out"), "--seed-json", str(root / "seed.json"), "-q"]
        cli_seconds, _ = timed(lambda: subprocess.run(command, check=True, capture_output=True))

    n = result.summary["n_answers"]
    worst = max(
        abs(seed[row["worker"]]["consensus"] - row["consensus_agreement"])
        for row in result.workers.iter_rows(named=True)
    )
    print(
        f"\n{n:,} answers, {result.summary['n_workers']} workers; largest difference in consensus"
    )
    print(f"agreement between the two methods: {worst:.2e}\n")
    print(f"{'method':<44}{'seconds':>10}{'answers/s':>14}{'× seed':>9}")
    for name, seconds in [
        ("seed notebook's loops (baseline)", seed_seconds),
        ("crowdaudit.audit()", library_seconds),
        ("crowdaudit audit … --out (all outputs)", cli_seconds),
    ]:
        print(f"{name:<44}{seconds:>10.2f}{n / seconds:>14,.0f}{seed_seconds / seconds:>9.2f}")


if __name__ == "__main__":
    main()
