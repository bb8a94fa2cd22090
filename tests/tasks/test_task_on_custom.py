"""Custom jobs built on built-in elements, and what a custom Lambda's label may look like."""

from __future__ import annotations

import pytest

from crowdaudit.errors import LabelAttributeError, SourceError
from crowdaudit.sources.consolidated import (
    LabelRecord,
    build_label_details,
    find_label_attributes,
    resolve_label_attribute,
)
from crowdaudit.sources.job_labels import job_fetcher
from crowdaudit.sources.responses import find_worker_comment
from crowdaudit.sources.store import MemoryStore
from crowdaudit.tasks.base import TaskShapeError
from crowdaudit.tasks.boxes import BoundingBoxes
from crowdaudit.tasks.custom import Custom, read_lambda_label, unwrap
from crowdaudit.tasks.on_custom import OnCustomTemplate
from crowdaudit.tasks.registry import task_type_for
from crowdaudit.tasks.single_label import Classification


def no_fetch(uri: str) -> bytes:
    raise AssertionError(f"nothing should be fetched: {uri}")


@pytest.mark.parametrize(
    ("value", "leaf"),
    [
        ({"category": {"label": "Correct"}}, "Correct"),
        ({"result": "Correct", "workerComment": "sure"}, "Correct"),
        ({"a": 1, "b": 2}, {"a": 1, "b": 2}),
        ({"labels": ["x", "y"]}, ["x", "y"]),
        ("bare", "bare"),
    ],
)
def test_unwrap(value: object, leaf: object) -> None:
    assert unwrap(value) == leaf


def test_scalar_leaves_compare_without_paths() -> None:
    task = Custom()
    answer = task.parse_answer({"category": {"label": "Correct"}})
    label = task.parse_consolidated({"result": "Correct"}, {}, fetch=no_fetch)
    assert answer == label == "Correct"
    assert task.parse_consolidated({"annotationsFromAllWorkers": []}, {}, fetch=no_fetch) is None


def test_label_path_decodes_json_text() -> None:
    value = {"boxesInfo": '{"boundingBoxes": []}'}
    assert read_lambda_label(value, "boxesInfo", fetch=no_fetch) == {"boundingBoxes": []}


def test_annotation_ref_is_fetched() -> None:
    files = {"annotations/x.json": b'{"labels": ["a"]}'}
    value = read_lambda_label(
        {"annotation-ref": "annotations/x.json"}, None, fetch=files.__getitem__
    )
    assert value == {"labels": ["a"]}
    with pytest.raises(TaskShapeError, match="not JSON"):
        read_lambda_label({"annotation-ref": "y"}, None, fetch=lambda uri: b"not json")


def test_a_box_label_without_annotations_is_an_error_not_zero_boxes() -> None:
    with pytest.raises(TaskShapeError, match="no 'annotations'"):
        BoundingBoxes().parse_consolidated({"boxesInfo": "[]"}, {}, fetch=no_fetch)


def test_custom_job_on_a_built_in_element() -> None:
    boxes = {"annotatedResult": {"boundingBoxes": [], "inputImageProperties": {}}}
    task = task_type_for("groundtruth/custom", sample_answers=[boxes])
    assert isinstance(task, OnCustomTemplate)
    assert task.name == "bounding-box"
    # A form with a label among other fields is a custom form, not a classifier.
    form = {"annotatedResult": {"label": "Response 1", "score": 4}}
    assert isinstance(task_type_for("groundtruth/custom", sample_answers=[form]), Custom)
    classifier = task_type_for("groundtruth/custom", sample_answers=[{"category": {"label": "x"}}])
    assert classifier.name == "classification"


def test_on_custom_reads_a_lambda_label_as_an_answer_or_a_leaf() -> None:
    task = OnCustomTemplate(Classification())
    assert task.parse_consolidated({"result": "Correct"}, {}, fetch=no_fetch) == "Correct"
    assert task.parse_consolidated({}, {}, fetch=no_fetch) is None
    boxes = OnCustomTemplate(BoundingBoxes())
    with pytest.raises(TaskShapeError, match="does not fit the bounding-box type"):
        boxes.parse_consolidated({"verdict": "ok"}, {}, fetch=no_fetch)
    drawn = {"boundingBoxes": [{"label": "Bird", "left": 0, "top": 0, "width": 2, "height": 2}]}
    assert boxes.parse_consolidated(drawn, {}, fetch=no_fetch) == boxes.parse_answer(
        {"boundingBox": drawn}
    )


def test_bare_attributes_of_a_custom_lambda() -> None:
    records = [LabelRecord("0", {"my-job": {"result": "x"}})]
    found = find_label_attributes(records, bare=True)
    assert found == {"my-job": {}}
    assert resolve_label_attribute(found, job_name="other", requested=None, where="w") == "my-job"
    assert find_label_attributes(records) == {}
    with pytest.raises(LabelAttributeError, match="ambiguous"):
        resolve_label_attribute({"a": {}, "b": {}}, job_name="c", requested=None, where="w")
    assert (
        resolve_label_attribute({"a": {}, "b": {}}, job_name="b", requested=None, where="w") == "b"
    )


def test_worker_comment() -> None:
    assert find_worker_comment({"c": {"label": "x", "workerComment": "hm"}}) == "hm"
    assert find_worker_comment({"workerComment": "top", "c": {}}) == "top"
    assert find_worker_comment({"c": {"label": "x"}}) is None


def test_label_details() -> None:
    details = build_label_details(
        [
            ("0", {"confidence": 0.5, "class-map": {"1": "dog"}, "confidence-map": {"1": 0.9}}),
            ("1", {"adjustment-status": "adjusted", "worker-feedback": [{"comment": "wide"}]}),
            ("2", {"type": "groundtruth/custom"}),
        ]
    )
    assert details is not None
    assert details.rows() == [
        ("0", 0.5, '{"dog":0.9}', None, None),
        ("1", None, None, "adjusted", '["wide"]'),
    ]
    assert build_label_details([("0", {})]) is None


def test_label_files_inside_and_outside_the_job() -> None:
    store = MemoryStore({"out/job/annotations/a.json": b"inside", "out/job/rel.json": b"relative"})
    outside: list[str] = []

    def external(uri: str) -> bytes:
        outside.append(uri)
        return b"outside"

    fetch = job_fetcher(store, "out/job", external)
    assert fetch("s3://elsewhere/old/job/annotations/a.json") == b"inside"
    assert fetch("rel.json") == b"relative"
    assert fetch("s3://other-bucket/labels/b.json") == b"outside"
    assert fetch("/data/labels/c.json") == b"outside"
    # In annotations/ of the URI but not in this copy of the job: read where the URI says.
    assert fetch("s3://other-bucket/job/annotations/missing.json") == b"outside"
    assert outside == [
        "s3://other-bucket/labels/b.json",
        "/data/labels/c.json",
        "s3://other-bucket/job/annotations/missing.json",
    ]
    with pytest.raises(SourceError, match="not inside the job's annotations"):
        job_fetcher(store, "out/job")("s3://other-bucket/labels/b.json")


@pytest.mark.parametrize(
    ("answer", "name"),
    [
        ({"boxes": {"boundingBoxes": None, "inputImageProperties": {}}}, "bounding-box"),
        ({"ner": {"entities": []}}, "entities"),
        ({"mask": {"labeledImage": {"pngImageData": ""}, "labelMappings": {}}}, "segmentation"),
        ({"sentiment": {"label": "positive", "workerComment": "clear"}}, "classification"),
        ({"tags": {"labels": ["a"]}}, "multilabel"),
        ({"annotatedResult": {"label": "R1", "score": 4}}, "custom"),
        ({"free": "text"}, "custom"),
    ],
)
def test_the_answer_shape_decides_a_custom_jobs_type(answer: object, name: str) -> None:
    task = task_type_for("groundtruth/custom", sample_answers=[answer])
    assert task.name == name
    assert isinstance(task, Custom) == (name == "custom")
    # With an answer path the user has said how to read the answers: custom.
    assert task_type_for("groundtruth/custom", sample_answers=[answer], answer_path="x").name == (
        "custom"
    )
