"""Reading Ground Truth job folders: the real birds job and the hand-made pets job, disk and S3."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import PETS

from crowdaudit.audit import read_jobs
from crowdaudit.errors import (
    EmptyJobError,
    InputFormatError,
    LabelAttributeError,
    ResponseFormatError,
    SourceNotFoundError,
)
from crowdaudit.model import Job
from crowdaudit.schema import COL, RESPONSES

A = "private.us-east-1.1111111111111111"
B = "private.us-east-1.2222222222222222"
C = "private.us-east-1.3333333333333333"


def read_one(uri: str, **options: Any) -> Job:
    (job,) = read_jobs([uri], **options)
    return job


def without_location(job: Job) -> pl.DataFrame:
    """Responses with the source key reduced to the part inside the job folder."""
    inside = pl.col(COL.SOURCE_KEY).str.extract(r"(annotations/.*)$")
    return job.responses.with_columns(inside).sort(COL.TASK, COL.WORKER, COL.SUBMITTED_AT)


def test_birds_job_is_read_whole(birds_folder: Path, job_uri: Any) -> None:
    job = read_one(job_uri(birds_folder))

    assert job.name == "birds-open-images-clone"
    assert job.responses.schema == pl.Schema(RESPONSES)
    assert job.responses.height == 1510
    assert job.responses[COL.TASK].n_unique() == 302
    assert job.responses[COL.WORKER].n_unique() == 97
    per_iteration = dict(
        job.responses.group_by(COL.ITERATION).agg(pl.col(COL.TASK).n_unique()).rows()
    )
    assert per_iteration == {1: 10, 2: 292}
    assert job.label_attribute == "birds-open-images-clone"
    assert job.task_type == "groundtruth/image-classification"
    assert job.consolidated_from == "output-manifest"
    assert job.consolidated.height == 302
    assert job.skipped == ()
    # 2019 answers carry no acceptance time, duration or identity.
    assert job.responses[COL.SECONDS].null_count() == 1510
    assert job.responses[COL.SUB].null_count() == 1510
    first = job.responses.filter(pl.col(COL.TASK) == "95").sort(COL.SUBMITTED_AT).row(0, named=True)
    assert first[COL.SUBMITTED_AT] == datetime(2019, 4, 18, 16, 11, 15, tzinfo=UTC)
    assert first[COL.LABEL] == "Falcon"


def test_birds_disk_and_s3_agree(birds_folder: Path, job_uri: Any) -> None:
    from_here = read_one(job_uri(birds_folder))
    from_disk = read_one(str(birds_folder))
    assert without_location(from_here).equals(without_location(from_disk))
    assert from_here.consolidated.sort(COL.TASK).equals(from_disk.consolidated.sort(COL.TASK))


def test_pets_answers_are_normalised(job_uri: Any) -> None:
    job = read_one(job_uri(PETS))
    responses = job.responses

    assert responses.height == 13
    assert job.stats["n_duplicate_answers"] == 1
    assert job.stats["n_response_files"] == 6
    assert sorted(responses[COL.ITERATION].unique().to_list()) == [1, 2, 10]
    assert set(responses[COL.LABEL]) == {"猫", "Hund", "Pájaro"}

    def answer(task: str, worker: str) -> dict[str, Any]:
        rows = responses.filter((pl.col(COL.TASK) == task) & (pl.col(COL.WORKER) == worker))
        assert rows.height == 1
        return rows.row(0, named=True)

    no_duration = answer("0", C)
    assert no_duration[COL.SECONDS] == 30.0  # submission - acceptance
    assert no_duration[COL.IDENTITY_PROVIDER] == "Oidc"
    assert no_duration[COL.USER_POOL_ID] is None
    assert no_duration[COL.SUB] == "oidc-c"
    no_millis = answer("0", B)
    assert no_millis[COL.SUBMITTED_AT] == datetime(2022, 8, 5, 10, 1, 20, tzinfo=UTC)
    assert no_millis[COL.USER_POOL_ID] == "us-east-1_POOLA"
    with_millis = answer("0", A)
    assert with_millis[COL.SUBMITTED_AT] == datetime(2022, 8, 5, 10, 0, 10, 500000, tzinfo=UTC)
    assert with_millis[COL.ACCEPTED_AT] == datetime(2022, 8, 5, 10, 0, 0, tzinfo=UTC)
    assert with_millis[COL.SECONDS] == 10.5
    assert answer("4", A)[COL.ITERATION] == 10


def test_pets_consolidated_labels_come_from_consolidation_responses(job_uri: Any) -> None:
    job = read_one(job_uri(PETS))
    assert job.consolidated_from == "consolidation-response"
    assert job.label_attribute == "pets-private"
    # Object 3 is not in the responses; its final manifest line says why: it failed.
    assert dict(job.consolidated.sort(COL.TASK).rows()) == {
        "0": "猫",
        "1": "Hund",
        "2": "Pájaro",
        "3": None,
        "4": "Hund",
    }
    assert job.failed == ("3",)


def test_manifest_fallback_picks_the_jobs_attribute_not_the_last_key(
    copy_of: Any, job_uri: Any
) -> None:
    folder = copy_of(PETS)
    shutil.rmtree(folder / "annotations" / "consolidated-annotation")
    job = read_one(job_uri(folder))

    assert job.consolidated_from == "output-manifest"
    assert job.label_attribute == "pets-private"  # not "pets-private-audit", the last key
    labels = dict(job.consolidated.sort(COL.TASK).rows())
    assert labels == {"0": "猫", "1": "Hund", "2": "Pájaro", "3": None, "4": "Hund"}
    assert job.sources.filter(pl.col(COL.TASK) == "3")["source"].item().endswith("pet-3.jpg")


def test_intermediate_manifest_is_used_while_the_job_runs(copy_of: Any) -> None:
    folder = copy_of(PETS)
    shutil.rmtree(folder / "annotations" / "consolidated-annotation")
    manifest = folder / "manifests" / "output" / "output.manifest"
    for number in (1, 2):
        target = folder / "manifests" / "intermediate" / str(number) / "output.manifest"
        target.parent.mkdir(parents=True)
        shutil.copy(manifest, target)
    manifest.unlink()
    job = read_one(str(folder))
    assert job.consolidated_from == "intermediate-manifest"
    assert job.consolidated[COL.CONSOLIDATED].null_count() == 1


def test_explicit_label_attribute_is_used(copy_of: Any) -> None:
    folder = copy_of(PETS)
    shutil.rmtree(folder / "annotations" / "consolidated-annotation")
    job = read_one(str(folder), label_attribute="pets-private-audit")
    assert set(job.consolidated[COL.CONSOLIDATED]) == {"good"}
    assert job.task_type == "groundtruth/label-verification"


def test_unknown_label_attribute_lists_the_candidates(copy_of: Any) -> None:
    folder = copy_of(PETS)
    shutil.rmtree(folder / "annotations" / "consolidated-annotation")
    with pytest.raises(LabelAttributeError) as caught:
        read_one(str(folder), label_attribute="pets")
    assert "unknown label attribute" in str(caught.value)
    assert "pets-private, pets-private-audit" in str(caught.value)


def test_ambiguous_label_attribute_stops_and_lists_candidates(copy_of: Any, tmp_path: Path) -> None:
    folder = copy_of(PETS)
    shutil.rmtree(folder / "annotations" / "consolidated-annotation")
    renamed = folder.rename(tmp_path / "another-name")  # rule 2 (job-name) no longer matches
    manifest = renamed / "manifests" / "output" / "output.manifest"
    lines = [json.loads(line) for line in manifest.read_text("utf-8").splitlines()]
    for line in lines:
        line["pets-private-audit-metadata"]["type"] = "groundtruth/image-classification"
    manifest.write_text("\n".join(json.dumps(line) for line in lines), "utf-8")

    with pytest.raises(LabelAttributeError) as caught:
        read_one(str(renamed))
    message = str(caught.value)
    assert message.startswith("ambiguous label attribute: ")
    assert "pets-private, pets-private-audit" in message
    assert "--label-attribute" in message


def test_only_groundtruth_typed_attribute_is_chosen(copy_of: Any, tmp_path: Path) -> None:
    folder = copy_of(PETS)
    shutil.rmtree(folder / "annotations" / "consolidated-annotation")
    renamed = folder.rename(tmp_path / "renamed-job")
    manifest = renamed / "manifests" / "output" / "output.manifest"
    lines = [json.loads(line) for line in manifest.read_text("utf-8").splitlines()]
    for line in lines:
        line["pets-private-audit-metadata"]["type"] = "custom/other"
    manifest.write_text("\n".join(json.dumps(line) for line in lines), "utf-8")
    assert read_one(str(renamed)).label_attribute == "pets-private"


def test_job_without_any_consolidation_is_audited_with_a_warning(copy_of: Any) -> None:
    folder = copy_of(PETS)
    shutil.rmtree(folder / "annotations" / "consolidated-annotation")
    shutil.rmtree(folder / "manifests")
    job = read_one(str(folder))
    assert job.consolidated_from is None
    assert job.consolidated.height == 0
    assert any("no consolidated labels found" in warning for warning in job.warnings)
    with pytest.raises(InputFormatError, match="no consolidated labels found"):
        read_one(str(folder), strict=True)


def response_file(folder: Path, task: str) -> Path:
    (path,) = folder.glob(f"annotations/worker-response/iteration-*/{task}/*.json")
    return path


@pytest.mark.parametrize(
    ("damage", "code", "why"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[:50]), "malformed-json", "malformed JSON"),
        (
            lambda p: p.write_bytes(b'{"answers": [{"workerId": "\xff\xfe"}]}'),
            "not-utf8",
            "not valid UTF-8",
        ),
        (lambda p: p.write_text('{"answer": []}'), "missing-answers", "missing key 'answers'"),
        (lambda p: p.write_text('{"answers": {}}'), "missing-answers", "'answers' is not a list"),
    ],
    ids=["truncated", "not-utf8", "no-answers-key", "answers-not-a-list"],
)
def test_a_bad_file_is_skipped_and_counted_or_fatal_when_strict(
    copy_of: Any, damage: Any, code: str, why: str
) -> None:
    folder = copy_of(PETS)
    bad = response_file(folder, "1")
    damage(bad)

    job = read_one(str(folder))
    assert [(record.code, record.where) for record in job.skipped] == [(code, str(bad))]
    assert why in job.skipped[0].why
    assert job.responses.height == 10  # object 1's three answers are gone, nothing else

    with pytest.raises(ResponseFormatError) as caught:
        read_one(str(folder), strict=True)
    assert str(caught.value).startswith(f"cannot parse worker response: {bad} (")


def test_an_unknown_answer_shape_is_reported_per_answer(copy_of: Any) -> None:
    folder = copy_of(PETS)
    bad = response_file(folder, "3")
    document = json.loads(bad.read_text("utf-8"))
    document["answers"][1]["answerContent"] = {"boundingBox": {"boundingBoxes": []}}
    bad.write_text(json.dumps(document), "utf-8")

    job = read_one(str(folder))
    (record,) = job.skipped
    assert record.code == "bad-answer"
    assert "answer 1: unknown answer shape" in record.why
    assert "boundingBox" in record.why
    assert job.responses.height == 12
    with pytest.raises(ResponseFormatError, match="unknown answer shape"):
        read_one(str(folder), strict=True)


def test_unexpected_files_in_worker_response_are_reported(copy_of: Any) -> None:
    folder = copy_of(PETS)
    stray = folder / "annotations" / "worker-response" / "notes.txt"
    stray.write_text("hello")
    job = read_one(str(folder))
    assert [record.code for record in job.skipped] == ["unexpected-key"]
    assert job.responses.height == 13


def test_all_files_bad_is_an_empty_job(copy_of: Any) -> None:
    folder = copy_of(PETS)
    for path in folder.glob("annotations/worker-response/*/*/*.json"):
        path.write_text("{")
    with pytest.raises(
        EmptyJobError, match=r"no usable worker answers: .*6 files listed, none usable"
    ):
        read_one(str(folder))


def test_a_folder_without_worker_responses_is_an_empty_job(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    with pytest.raises(EmptyJobError, match="no worker responses found"):
        read_one(str(tmp_path))


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match=f"folder not found: {tmp_path / 'nope'}"):
        read_one(str(tmp_path / "nope"))


def test_a_missing_bucket_is_named(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_reset)
    with pytest.raises(SourceNotFoundError) as caught:
        read_one("s3://no-such-bucket/output/job/")
    assert str(caught.value).startswith("cannot list S3 objects: s3://no-such-bucket/output/job/")
    assert "NoSuchBucket" in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("groundtruth/video-object-tracking", "carry no per-worker answers"),
        ("groundtruth/point_cloud_object_tracking", "carry no per-worker answers"),
        ("groundtruth/something-new", "supported: "),
    ],
)
def test_an_unsupported_task_type_is_refused(copy_of: Any, kind: str, why: str) -> None:
    folder = copy_of(PETS)
    for path in folder.glob("annotations/consolidated-annotation/consolidation-response/*/*.json"):
        text = path.read_text("utf-8").replace("groundtruth/image-classification", kind)
        path.write_text(text, "utf-8")
    with pytest.raises(InputFormatError) as caught:
        read_one(str(folder))
    message = str(caught.value)
    assert message.startswith(f"unsupported task type: {folder} ({kind}: ")
    assert why in message
