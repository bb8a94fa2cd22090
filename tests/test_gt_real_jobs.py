"""The fixture jobs of tests/data/gt-real — custom Lambdas, pass-through consolidation, answers
kept only in consolidation requests, built-in elements in custom templates, annotation-ref labels,
video-frame and 3D layouts — read from disk and from moto's S3 server, with the numbers worked by
hand in tests/data/gt-real/README.md."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import boto3
import polars as pl
import pytest
from botocore.stub import Stubber
from conftest import DATA, make_client, upload_folder
from test_sagemaker_jobs import description
from typer.testing import CliRunner

from crowdaudit.audit import audit
from crowdaudit.cli import app
from crowdaudit.ledger import contributions
from crowdaudit.schema import COL
from crowdaudit.tasks.registry import TaskOptions

REAL = DATA / "gt-real"
A = "private.us-east-1.aaaaaaaaaaaaaaaa"
B = "private.us-east-1.bbbbbbbbbbbbbbbb"
C = "private.us-east-1.cccccccccccccccc"


def agreement(result: Any) -> dict[str, tuple[float | None, float | None]]:
    """``(consensus_agreement, loo_agreement)`` per worker."""
    return {
        row[COL.WORKER]: (row[COL.CONSENSUS_AGREEMENT], row[COL.LOO_AGREEMENT])
        for row in result.workers.iter_rows(named=True)
    }


def approx(table: dict[str, tuple[F | None, F | None]]) -> dict[str, Any]:
    return {
        worker: tuple(None if v is None else pytest.approx(float(v), abs=1e-12) for v in values)
        for worker, values in table.items()
    }


def job_figures(result: Any) -> dict[str, Any]:
    (figures,) = result.summary["jobs"]
    return dict(figures)


def test_custom_lambda_label_without_metadata(job_uri: Any) -> None:
    result = audit(job_uri(REAL / "custom-lambda"))
    (job,) = result.jobs
    assert job.label_attribute == "custom-lambda"
    assert job.task_type == "groundtruth/custom"
    assert job.skipped == ()
    assert agreement(result) == approx(
        {A: (F(1), F(1, 4)), B: (F(2, 3), F(1, 3)), C: (F(1, 2), F(0))}
    )
    figures = job_figures(result)
    assert figures["n_failed_objects"] == 1
    assert figures["failed_objects"] == ["3"]
    assert figures["n_objects_without_consolidated_label"] == 0
    comments = result.answers.filter(pl.col(COL.WORKER_COMMENT).is_not_null())
    assert comments.select(COL.TASK, COL.WORKER, COL.WORKER_COMMENT).rows() == [("2", B, "blurry")]


@pytest.mark.parametrize(
    "options",
    [
        {"label_attribute": "custom-lambda"},
        {"task_options": TaskOptions(label_path="result")},
        {"task_options": TaskOptions(answer_path="category.label", label_path="result")},
    ],
)
def test_custom_lambda_named_attribute_and_paths(options: dict[str, Any]) -> None:
    result = audit(REAL / "custom-lambda", **options)
    assert agreement(result) == approx(
        {A: (F(1), F(1, 4)), B: (F(2, 3), F(1, 3)), C: (F(1, 2), F(0))}
    )


def test_pass_through_objects_are_not_failures(job_uri: Any) -> None:
    result = audit(job_uri(REAL / "pass-through"))
    figures = job_figures(result)
    assert figures["n_objects"] == 4
    assert figures["n_failed_objects"] == 0
    assert figures["failed_objects"] == []
    assert figures["n_objects_without_consolidated_label"] == 4
    assert result.summary["n_objects_without_consolidated_label"] == 4
    assert figures["n_answers"] == 10
    assert figures["n_answers_from_consolidation_requests"] == 2
    assert figures["n_answers_from_pass_through"] == 2
    assert figures["n_duplicate_answers"] == 2
    assert agreement(result) == approx({A: (None, F(1, 3)), B: (None, F(1, 2)), C: (None, F(2, 3))})
    sources = result.answers.group_by(COL.TASK).agg(pl.col(COL.SOURCE_KEY).first())
    by_task = dict(sources.rows())
    assert "/worker-response/" in by_task["0"]
    assert "/consolidation-request/" in by_task["2"]
    assert "/consolidation-response/" in by_task["3"]


def test_custom_bounding_boxes_need_the_label_path(job_uri: Any) -> None:
    uri = job_uri(REAL / "boxes-custom")
    without = audit(uri)
    figures = job_figures(without)
    assert figures["n_unusable_consolidated_labels"] == 2
    assert figures["n_objects_without_consolidated_label"] == 2
    assert any("do not fit the bounding-box type" in w for w in without.summary["warnings"])
    # Never a silent zero: no consolidated label is used at all.
    assert without.workers.get_column(COL.N_CONSENSUS).to_list() == [0, 0]

    result = audit(uri, task_options=TaskOptions(label_path="boxesInfo"))
    (job,) = result.jobs
    assert job.task is not None
    assert job.task.name == "bounding-box"
    assert agreement(result) == approx({A: (F(1), F(5, 6)), B: (F(5, 6), F(5, 6))})
    mean_iou = dict(result.workers.select(COL.WORKER, "mean_iou").rows())
    assert mean_iou == {A: pytest.approx(1.0), B: pytest.approx(40 / 41, abs=1e-12)}


def test_ner_answers_only_in_consolidation_requests(job_uri: Any) -> None:
    result = audit(job_uri(REAL / "ner-requests"))
    figures = job_figures(result)
    assert figures["n_response_files"] == 0
    assert figures["n_answers_from_consolidation_requests"] == 5
    assert agreement(result) == approx(
        {A: (F(1), F(19, 24)), B: (F(5, 6), F(5, 6)), C: (F(1, 2), F(7, 12))}
    )
    maps = dict(result.items.select(COL.TASK, COL.CONFIDENCE_MAP).rows())
    assert json.loads(maps["0"]) == [0.67, 0.33]


def test_annotation_ref_labels_are_read_from_their_files(job_uri: Any) -> None:
    result = audit(job_uri(REAL / "annotation-ref"))
    (job,) = result.jobs
    assert job.skipped == ()
    assert job.task is not None
    assert job.task.name == "multilabel"
    assert agreement(result) == approx({A: (F(1), F(1, 4)), B: (F(1, 4), F(1, 4))})


@pytest.mark.parametrize(
    ("folder", "where"),
    [
        ("video-frames", "frame_0000.jpeg.json"),
        ("point-cloud", "SeqLabel.json"),
    ],
)
def test_video_frame_and_3d_layouts_are_refused(folder: str, where: str) -> None:
    result = CliRunner().invoke(app, ["audit", str(REAL / folder), "--no-cache", "-q"])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: unsupported task type: ")
    assert where in line
    assert line.endswith(
        "(video-frame and 3D point-cloud jobs carry no per-worker answers in worker-response files)"
    )


@pytest.mark.parametrize(
    ("folder", "extra"),
    [
        ("ner-requests", []),
        ("boxes-custom", ["--label-path", "boxesInfo"]),
        ("annotation-ref", []),
    ],
)
def test_items_csv_is_written_for_every_type(tmp_path: Path, folder: str, extra: list[str]) -> None:
    out = tmp_path / "out"
    seed = tmp_path / "seed.json"
    args = ["audit", str(REAL / folder), "--out", str(out), "--seed-json", str(seed)]
    result = CliRunner().invoke(app, [*args, *extra, "--no-cache", "-q"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((out / "items.csv").read_text("utf-8"))))
    assert sorted(row[COL.TASK] for row in rows) == ["0", "1"]
    consensus = {row[COL.TASK]: row[COL.MEAN_CONSENSUS_SIMILARITY] for row in rows}
    assert all(consensus.values())
    seeded = json.loads(seed.read_text("utf-8"))
    workers = {row[COL.WORKER]: row for row in result_workers(out)}
    for worker, values in seeded.items():
        assert values["Average Accuracy Compared To Other Workers"] == pytest.approx(
            float(workers[worker][COL.CONSENSUS_AGREEMENT])
        )


def result_workers(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "workers.csv").read_text("utf-8"))))


def test_seed_json_uses_the_similarity_of_the_type() -> None:
    # The bounding-box fixture of tests/data/types, worked in its README: A agrees fully with
    # the consolidated boxes and is 8/9 right on gold.
    types = DATA / "types"
    result = audit(types / "bounding-box", gold=types / "bounding-box-gold.jsonl")
    seed = result.seed_metrics()
    assert seed[A]["Average Accuracy Compared To Other Workers"] == pytest.approx(1.0)
    assert seed[A]["Average Golden Standard Accuracy"] == pytest.approx(8 / 9)
    assert seed[C]["Average Accuracy Compared To Other Workers"] == pytest.approx(1 / 4)


def test_adjustment_status_is_counted_and_listed() -> None:
    result = audit(DATA / "types" / "bounding-box")
    figures = job_figures(result)
    assert figures["n_objects_adjusted"] == 3
    assert figures["n_objects_unadjusted"] == 0
    assert set(result.items.get_column(COL.ADJUSTMENT_STATUS).to_list()) == {"adjusted"}


def test_custom_lambda_attribute_from_describe_labeling_job(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_reset)
    upload_folder(make_client("s3", moto_reset), REAL / "custom-lambda", "audit-bucket", "out/qa")
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_response(
            "describe_labeling_job",
            description("qa", "s3://audit-bucket/out/", label_attribute="custom-lambda"),
            {"LabelingJobName": "qa"},
        )
        result = audit(job_names=["qa"], sagemaker=client)
        stubber.assert_no_pending_responses()
    (job,) = result.jobs
    assert job.label_attribute == "custom-lambda"
    assert agreement(result) == approx(
        {A: (F(1), F(1, 4)), B: (F(2, 3), F(1, 3)), C: (F(1, 2), F(0))}
    )


def test_answers_outside_worker_responses_count_for_contributions(job_uri: Any) -> None:
    uri = job_uri(REAL / "pass-through")
    ledger = contributions(uri, identities=False)
    counts = {
        row[COL.WORKER]: (row[COL.SUB], row[COL.N_OBJECTS])
        for row in ledger.table.iter_rows(named=True)
    }
    # Identity data comes from the same worker id's worker-response answers.
    assert counts == {A: ("sub-a", 3), B: ("sub-b", 4), C: ("sub-c", 3)}


def test_an_object_missing_from_the_responses_keeps_its_manifest_label(copy_of: Any) -> None:
    folder = copy_of(REAL / "custom-lambda")
    (response,) = (folder / "annotations/consolidated-annotation/consolidation-response").rglob(
        "*.json"
    )
    entries = json.loads(response.read_text("utf-8"))
    response.write_text(json.dumps([e for e in entries if e["datasetObjectId"] != "2"]), "utf-8")
    result = audit(folder)
    assert job_figures(result)["failed_objects"] == ["3"]
    assert agreement(result) == approx(
        {A: (F(1), F(1, 4)), B: (F(2, 3), F(1, 3)), C: (F(1, 2), F(0))}
    )


def test_request_answers_stored_at_an_s3_uri(copy_of: Any, job_uri: Any) -> None:
    folder = copy_of(REAL / "ner-requests")
    (request,) = (folder / "annotations/consolidated-annotation/consolidation-request").rglob(
        "*.json"
    )
    entries = json.loads(request.read_text("utf-8"))
    first = entries[0]["annotations"][0]
    stored = folder / "annotations/answers/0-a.json"
    stored.parent.mkdir(parents=True)
    stored.write_text(first["annotationData"].pop("content"), "utf-8")
    first["annotationData"]["s3Uri"] = "s3://labels/ner-requests/annotations/answers/0-a.json"
    entries[1]["annotations"][0]["annotationData"] = {
        "s3Uri": "s3://labels/ner-requests/annotations/answers/missing.json"
    }
    request.write_text(json.dumps(entries), "utf-8")
    result = audit(job_uri(folder))
    (job,) = result.jobs
    (skipped,) = job.skipped
    # The answer file that cannot be fetched is skipped as unreadable, not as a bad answer.
    assert skipped.code == "unreadable"
    assert skipped.where == "s3://labels/ner-requests/annotations/answers/missing.json"
    # A's answer on object 0 was read from its file; A's on object 1 is skipped: A's consensus is
    # then 1 over object 0 alone, and B and C keep theirs.
    consensus = {worker: values[0] for worker, values in agreement(result).items()}
    assert consensus[A] == pytest.approx(1.0)
    assert consensus[B] == pytest.approx(5 / 6)
    assert consensus[C] == pytest.approx(1 / 2)
    assert job_figures(result)["n_answers_from_consolidation_requests"] == 4


def test_items_of_an_exact_custom_job() -> None:
    # tests/data/types/custom, worked in its README: object 1 is unanimous (R2, R2, R2) and
    # consolidated R2; object 0 splits R1, R1, R2 with R1 consolidated.
    result = audit(
        DATA / "types" / "custom", task_options=TaskOptions(answer_path="annotatedResult.label")
    )
    items = {row[COL.TASK]: row for row in result.items.iter_rows(named=True)}
    assert sorted(items) == ["0", "1", "2"]
    assert items["1"][COL.N_ANSWERS] == 3
    assert items["1"][COL.MEAN_PEER_SIMILARITY] == pytest.approx(1.0)
    assert items["0"][COL.MEAN_CONSENSUS_SIMILARITY] == pytest.approx(2 / 3)
    assert items["0"][COL.MEAN_PEER_SIMILARITY] == pytest.approx(1 / 3)
    assert items["0"][COL.SOURCE_REF] == "dialog 0"
