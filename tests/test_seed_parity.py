"""The seed notebook's four numbers, recomputed from its own definitions, equal ``--seed-json``.

The functions below follow the notebook's code path by path (golden manifest into a dict, the output
manifest indexed by line, every worker-response file, per-worker means), reading from disk instead
of S3. Two deliberate differences, both documented in the README: the answer key is the image
classifier's (the notebook's text job used ``crowd-classifier``), and the label attribute is the
job's own rather than "the last key" (the same key on the birds job).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import REPO
from typer.testing import CliRunner

from crowdaudit.cli import app

GOLDEN = REPO / "src" / "crowdaudit" / "demo" / "golden.manifest"


def notebook_metrics(job: Path, golden: Path) -> dict[str, dict[str, Any]]:
    gold: dict[str, str] = {}
    for line in golden.read_text().split("\n"):
        if line:
            gold.update(json.loads(line))
    consolidated: dict[str, str] = {}
    lines = (job / "manifests" / "output" / "output.manifest").read_text().split("\n")
    attribute = list(json.loads(lines[0]).keys())[-1]
    index = 0
    for line in lines:
        if line:
            consolidated[str(index)] = json.loads(line)[attribute]["class-name"]
            index += 1
    per_worker: dict[str, list[tuple[int, int]]] = {}
    for path in sorted((job / "annotations" / "worker-response").rglob("*.json")):
        manifest_index = path.parent.name
        for answer in json.loads(path.read_text())["answers"]:
            label = answer["answerContent"]["crowd-image-classifier"]["label"]
            truth = gold.get(manifest_index)
            gt_accuracy = -1 if truth is None else int(label == truth)
            consensus_accuracy = int(label == consolidated[manifest_index])
            per_worker.setdefault(answer["workerId"], []).append((gt_accuracy, consensus_accuracy))
    result = {}
    for worker, scores in per_worker.items():
        golden_scores = [gt for gt, _ in scores if gt != -1]
        result[worker] = {
            "Total Number Of Objects Annotated": len(scores),
            "Number Of Golden Standard Objects Annotated": len(golden_scores),
            "Average Accuracy Compared To Other Workers": sum(c for _, c in scores) / len(scores),
            "Average Golden Standard Accuracy": (
                sum(golden_scores) / len(golden_scores) if golden_scores else None
            ),
        }
    return result


def test_seed_json_equals_the_notebook_on_the_birds_job(
    birds_folder: Path, job_uri: Any, tmp_path: Path
) -> None:
    expected = notebook_metrics(birds_folder, GOLDEN)
    assert len(expected) == 97

    target = tmp_path / "seed.json"
    result = CliRunner().invoke(
        app,
        ["audit", job_uri(birds_folder), "--gold", str(GOLDEN), "--seed-json", str(target), "-q"],
    )
    assert result.exit_code == 0, result.output
    produced = json.loads(target.read_text())

    assert produced.keys() == expected.keys()
    for worker, values in expected.items():
        assert produced[worker] == values, worker
