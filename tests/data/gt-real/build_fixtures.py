"""Writes the fixture jobs of this folder (run once; the files are committed).

Each job follows a documented contract (see README.md); the expected numbers in the README are
worked by hand from the answers written here, not computed by crowdaudit.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
A = "private.us-east-1.aaaaaaaaaaaaaaaa"
B = "private.us-east-1.bbbbbbbbbbbbbbbb"
C = "private.us-east-1.cccccccccccccccc"
WORKERS = {A: "sub-a", B: "sub-b", C: "sub-c"}
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_REAL"


def write(path: Path, value: Any, *, lines: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if lines:
        path.write_text("".join(json.dumps(v) + "\n" for v in value), "utf-8")
    else:
        path.write_text(json.dumps(value, indent=2) + "\n", "utf-8")


def answer(worker: str, content: Any, task: int, position: int) -> dict[str, Any]:
    minute = 10 * task + position
    seconds = 5 + 3 * position + task
    return {
        "acceptanceTime": f"2022-08-05T10:{minute:02d}:00.000Z",
        "answerContent": content,
        "submissionTime": f"2022-08-05T10:{minute:02d}:{seconds:02d}.000Z",
        "timeSpentInSeconds": float(seconds),
        "workerId": worker,
        "workerMetadata": {
            "identityData": {
                "identityProviderType": "Cognito",
                "issuer": ISSUER,
                "sub": WORKERS[worker],
            }
        },
    }


def worker_responses(job: Path, answers: dict[int, list[tuple[str, Any]]]) -> None:
    for task, given in answers.items():
        write(
            job
            / f"annotations/worker-response/iteration-1/{task}/2022-08-05_10:{10 * task:02d}:30.json",
            {"answers": [answer(w, c, task, i) for i, (w, c) in enumerate(given)]},
        )


def entries(given: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [{"workerId": w, "annotationData": {"content": json.dumps(c)}} for w, c in given]


def metadata(job: str, kind: str = "groundtruth/custom", **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "job-name": f"labeling-job/{job}",
        "human-annotated": "yes",
        "creation-date": "2022-08-05T11:00:00.000000",
        **extra,
    }


def custom_lambda() -> None:
    """A custom template on crowd-classifier; the Lambda returns {"result": ...} only."""
    name = "custom-lambda"
    job = HERE / name
    cat = lambda label: {"category": {"label": label}}  # noqa: E731
    answers = {
        0: [(A, cat("Correct")), (B, cat("Correct")), (C, cat("Incorrect"))],
        1: [(A, cat("Incorrect")), (B, cat("Correct")), (C, cat("Incorrect"))],
        2: [
            (A, cat("Correct")),
            (B, {"category": {"label": "Correct"}, "workerComment": "blurry"}),
        ],
        3: [(A, cat("Correct")), (C, cat("Incorrect"))],
    }
    worker_responses(job, answers)
    results = {0: "Correct", 1: "Incorrect", 2: "Correct"}
    write(
        job
        / "annotations/consolidated-annotation/consolidation-response/iteration-1/2022-08-05_11:00:00.json",
        [
            {
                "datasetObjectId": str(t),
                "consolidatedAnnotation": {"content": {name: {"result": r}}},
            }
            for t, r in results.items()
        ],
    )
    lines = [
        {"source": f"text {t}", name: {"result": r}, f"{name}-metadata": metadata(name)}
        for t, r in results.items()
    ]
    lines.append(
        {
            "source": "text 3",
            f"{name}-metadata": {
                **metadata(name),
                "failure-reason": "ClientError: the task expired before enough workers answered",
            },
        }
    )
    write(job / "manifests/output/output.manifest", lines, lines=True)


def pass_through() -> None:
    """AWS's recipe Lambda: every worker's answer passed through, no consolidation."""
    name = "pass-through"
    job = HERE / name
    res = lambda label: {"annotatedResult": {"label": label}}  # noqa: E731
    all_answers = {
        0: [(A, res("Response 1")), (B, res("Response 1")), (C, res("Response 2"))],
        1: [(A, res("Response 2")), (B, res("Response 2")), (C, res("Response 2"))],
        2: [(A, res("Response 1")), (B, res("Response 2"))],
        3: [(B, res("Response 1")), (C, res("Response 1"))],
    }
    worker_responses(job, {t: all_answers[t] for t in (0, 1)})
    write(
        job
        / "annotations/consolidated-annotation/consolidation-request/iteration-1/2022-08-05_11:00:00.json",
        [
            {
                "datasetObjectId": str(t),
                "dataObject": {"content": f"dialog {t}"},
                "annotations": entries(all_answers[t]),
            }
            for t in (0, 1, 2)
        ],
    )
    write(
        job
        / "annotations/consolidated-annotation/consolidation-response/iteration-1/2022-08-05_11:00:00.json",
        [
            {
                "datasetObjectId": str(t),
                "consolidatedAnnotation": {
                    "content": {name: {"annotationsFromAllWorkers": entries(given)}}
                },
            }
            for t, given in all_answers.items()
        ],
    )
    write(
        job / "manifests/output/output.manifest",
        [
            {
                "source": f"dialog {t}",
                name: {"annotationsFromAllWorkers": entries(given)},
                f"{name}-metadata": metadata(name),
            }
            for t, given in all_answers.items()
        ],
        lines=True,
    )


def box(left: int, top: int, size: int = 40) -> dict[str, Any]:
    return {"label": "Bird", "left": left, "top": top, "width": size, "height": size}


def boxes_custom() -> None:
    """A custom template on crowd-bounding-box; the Lambda keeps one answer as JSON in boxesInfo."""
    name = "boxes-custom"
    job = HERE / name
    image = {"inputImageProperties": {"height": 100, "width": 100}}
    drawn = lambda *boxes: {"annotatedResult": {"boundingBoxes": list(boxes), **image}}  # noqa: E731
    answers = {
        0: [(A, drawn(box(10, 10))), (B, drawn(box(11, 10)))],
        1: [(A, drawn(box(0, 0, 20), box(50, 50, 20))), (B, drawn(box(0, 0, 20)))],
    }
    worker_responses(job, answers)
    kept = {0: [box(10, 10)], 1: [box(0, 0, 20), box(50, 50, 20)]}
    labels = {t: {"boxesInfo": json.dumps({"boundingBoxes": b, **image})} for t, b in kept.items()}
    write(
        job
        / "annotations/consolidated-annotation/consolidation-response/iteration-1/2022-08-05_11:00:00.json",
        [
            {"datasetObjectId": str(t), "consolidatedAnnotation": {"content": {name: v}}}
            for t, v in labels.items()
        ],
    )
    write(
        job / "manifests/output/output.manifest",
        [
            {
                "source-ref": f"s3://real-bucket/images/bird-{t}.jpg",
                name: v,
                f"{name}-metadata": metadata(name),
            }
            for t, v in labels.items()
        ],
        lines=True,
    )


def ner_requests() -> None:
    """A built-in NER job whose worker answers survive only in the consolidation requests."""
    name = "ner-requests"
    job = HERE / name
    span = lambda label, start, end: {"label": label, "startOffset": start, "endOffset": end}  # noqa: E731
    ner = lambda *spans: {"crowd-entity-annotation": {"entities": list(spans)}}  # noqa: E731
    texts = {0: "Sift 3 cups of flour into the bowl.", 1: "Bake for 20 minutes."}
    quantity, flour, duration = (
        span("quantity", 5, 11),
        span("ingredient", 15, 20),
        span("duration", 9, 19),
    )
    answers = {
        0: [
            (A, ner(quantity, flour)),
            (B, ner(quantity)),
            (C, ner(quantity, span("ingredient", 15, 19))),
        ],
        1: [(A, ner(duration)), (B, ner(duration))],
    }
    write(
        job
        / "annotations/consolidated-annotation/consolidation-request/iteration-1/2022-08-05_11:00:00.json",
        [
            {
                "datasetObjectId": str(t),
                "dataObject": {"content": texts[t]},
                "annotations": entries(given),
            }
            for t, given in answers.items()
        ],
    )
    labels = {0: [quantity, flour], 1: [duration]}
    confidences = {0: [0.67, 0.33], 1: [1.0]}
    write(
        job / "manifests/output/output.manifest",
        [
            {
                "source": texts[t],
                name: {"annotations": {"entities": labels[t], "labels": [{"label": "quantity"}]}},
                f"{name}-metadata": metadata(
                    name,
                    "groundtruth/text-span",
                    entities=[{"confidence": c} for c in confidences[t]],
                ),
            }
            for t in texts
        ],
        lines=True,
    )


def annotation_ref() -> None:
    """A custom job (Comprehend-style) whose labels are files named by annotation-ref."""
    name = "annotation-ref"
    job = HERE / name
    doc = lambda *labels: {"document": {"labels": list(labels)}}  # noqa: E731
    answers = {
        0: [(A, doc("invoice")), (B, doc("invoice", "receipt"))],
        1: [(A, doc("receipt")), (B, doc("invoice"))],
    }
    worker_responses(job, answers)
    out = "annotations/consolidated-annotation/output"
    write(job / f"{out}/0-annotation.json", {"labels": ["invoice"]})
    write(job / f"{out}/1-annotation.json", {"labels": ["receipt"]})
    refs = {
        0: f"s3://comprehend-bucket/output/{name}/{out}/0-annotation.json",
        1: f"{out}/1-annotation.json",
    }
    write(
        job / "manifests/output/output.manifest",
        [
            {
                "source-ref": f"s3://comprehend-bucket/docs/{t}.pdf",
                name: {"annotation-ref": r},
                f"{name}-metadata": metadata(name),
            }
            for t, r in refs.items()
        ],
        lines=True,
    )


def video_frames() -> None:
    """A video-frame job: per-frame worker files, no answers envelope."""
    job = HERE / "video-frames"
    frame = {"detectionAnnotations": {"frame": "frame_0000.jpeg", "boundingBoxes": [box(1, 2, 3)]}}
    folder = "annotations/worker-response/iteration-1/0/" + "0123456789abcdef" * 2 + "01234567"
    write(job / folder / "frame_0000.jpeg.json", frame)


def point_cloud() -> None:
    """A 3D point-cloud job: its labels are SeqLabel.json files; no per-object answer files."""
    job = HERE / "point-cloud"
    write(
        job / "annotations/consolidated-annotation/output/0/SeqLabel.json",
        {"tracking-annotations": [{"frame-number": 0, "annotations": []}]},
    )


if __name__ == "__main__":
    for folder in (
        "custom-lambda",
        "pass-through",
        "boxes-custom",
        "ner-requests",
        "annotation-ref",
        "video-frames",
        "point-cloud",
    ):
        shutil.rmtree(HERE / folder, ignore_errors=True)
    custom_lambda()
    pass_through()
    boxes_custom()
    ner_requests()
    annotation_ref()
    video_frames()
    point_cloud()
