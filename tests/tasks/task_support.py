"""Helpers for the task-type tests: tiny PNG masks and reading the fixture jobs of tests/data/types."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from crowdaudit.tasks.base import TaskType

TYPES = Path(__file__).resolve().parent.parent / "data" / "types"

BIRD = "#2ca02c"
NEST = "#1f77b4"
WHITE = "#ffffff"


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def png_mask(rows: Sequence[str], palette: Mapping[str, str], *, rgba: bool = True) -> bytes:
    """A PNG from text rows, one character per pixel; ``.`` is transparent (RGBA) or white (RGB)."""
    keys = [".", *palette]
    codes = np.array([[keys.index(char) for char in row] for row in rows], dtype=np.uint8)
    return png_from_codes(codes, [None, *palette.values()], rgba=rgba)


def png_from_codes(
    codes: npt.NDArray[np.uint8], colours: Sequence[str | None], *, rgba: bool = True
) -> bytes:
    """A PNG whose pixel with code ``k`` has colour ``colours[k]`` (``None``: unpainted)."""
    array = np.zeros((*codes.shape, 4 if rgba else 3), dtype=np.uint8)
    if not rgba:
        array[...] = 255
    for code, colour in enumerate(colours):
        if colour is None:
            continue
        where = codes == code
        array[where, :3] = rgb(colour)
        if rgba:
            array[where, 3] = 255
    buffer = io.BytesIO()
    Image.fromarray(array, "RGBA" if rgba else "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def segmentation_answer(png: bytes, mappings: Mapping[str, str]) -> dict[str, object]:
    return {
        "crowd-semantic-segmentation": {
            "inputImageProperties": {"height": 4, "width": 4},
            "labelMappings": {name: {"color": colour} for name, colour in mappings.items()},
            "labeledImage": {"pngImageData": base64.b64encode(png).decode()},
        }
    }


@dataclass
class FixtureJob:
    """A fixture job parsed with a task type: answers, consolidated and gold labels by object."""

    answers: dict[str, dict[str, str]]  # task -> worker -> canonical answer
    consolidated: dict[str, str | None]
    gold: dict[str, str]


def read_fixture(folder: str, task_type: TaskType, *, attribute: str | None = None) -> FixtureJob:
    """Read ``tests/data/types/<folder>`` the simple way (the real reader lives in sources/)."""
    job = TYPES / folder
    answers: dict[str, dict[str, str]] = {}
    for path in sorted((job / "annotations" / "worker-response").glob("iteration-*/*/*.json")):
        task = path.parent.name
        for answer in json.loads(path.read_text(encoding="utf-8"))["answers"]:
            answers.setdefault(task, {})[answer["workerId"]] = task_type.parse_answer(
                answer["answerContent"]
            )
    attribute = attribute or folder
    root = f"s3://types-bucket/output/{folder}/"

    def fetch(uri: str) -> bytes:
        assert uri.startswith(root), uri
        return (job / uri.removeprefix(root)).read_bytes()

    consolidated: dict[str, str | None] = {}
    manifest = (job / "manifests" / "output" / "output.manifest").read_text(encoding="utf-8")
    for index, line in enumerate(manifest.splitlines()):
        record = json.loads(line)
        consolidated[str(index)] = task_type.parse_consolidated(
            record.get(attribute), record[f"{attribute}-metadata"], fetch=fetch
        )
    gold: dict[str, str] = {}
    for line in (TYPES / f"{folder}-gold.jsonl").read_text(encoding="utf-8").splitlines():
        ((task, value),) = json.loads(line).items()
        gold[task] = task_type.parse_gold(value)
    return FixtureJob(answers, consolidated, gold)


def worker_means(job: FixtureJob, task_type: TaskType) -> dict[str, tuple[float, float, float]]:
    """Per worker: mean similarity to gold, to the consolidated label, and to the other workers."""
    sums: dict[str, list[list[float]]] = {}
    for task, by_worker in job.answers.items():
        for worker, answer in by_worker.items():
            lists = sums.setdefault(worker, [[], [], []])
            if task in job.gold:
                lists[0].append(task_type.similarity(answer, job.gold[task]))
            if (consolidated := job.consolidated.get(task)) is not None:
                lists[1].append(task_type.similarity(answer, consolidated))
            others = [a for w, a in by_worker.items() if w != worker]
            if others:
                lists[2].append(sum(task_type.similarity(answer, o) for o in others) / len(others))
    return {
        worker: tuple(sum(values) / len(values) for values in lists)  # type: ignore[misc]
        for worker, lists in sums.items()
    }
