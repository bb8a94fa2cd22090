"""Choosing a task type: by metadata type, by answer shape, forced; clear refusals."""

from __future__ import annotations

import pytest

from crowdaudit.errors import InputFormatError
from crowdaudit.tasks.boxes import BoundingBoxes
from crowdaudit.tasks.custom import Custom
from crowdaudit.tasks.entities import Entities
from crowdaudit.tasks.registry import TASK_TYPE_NAMES, detect_answer_shape, task_type_for


@pytest.mark.parametrize(
    ("metadata_type", "name"),
    [
        ("groundtruth/image-classification", "classification"),
        ("groundtruth/text-classification", "classification"),
        ("groundtruth/image-classification-multilabel", "multilabel"),
        ("groundtruth/text-classification-multilabel", "multilabel"),
        ("groundtruth/object-detection", "bounding-box"),
        ("groundtruth/text-span", "entities"),
        ("groundtruth/semantic-segmentation", "segmentation"),
        ("groundtruth/label-verification", "verification"),
        ("groundtruth/custom", "custom"),
        ("groundTruth/custom", "custom"),
    ],
)
def test_by_metadata_type(metadata_type: str, name: str) -> None:
    task = task_type_for(metadata_type)
    assert task.name == name
    assert metadata_type.lower() in task.metadata_types


def test_every_name_can_be_forced() -> None:
    for name in TASK_TYPE_NAMES:
        assert task_type_for("groundtruth/image-classification", forced=name).name == name
    with pytest.raises(ValueError, match="choose one of"):
        task_type_for(None, forced="boxes")


def test_options_reach_the_type() -> None:
    boxes = task_type_for("groundtruth/object-detection", iou_threshold=0.7)
    assert boxes == BoundingBoxes(iou_threshold=0.7)
    entities = task_type_for("groundtruth/text-span", span_match="overlap")
    assert entities == Entities(span_match="overlap")
    custom = task_type_for("groundtruth/custom", answer_path="a.b", compare="number")
    assert custom == Custom(answer_path="a.b", compare="number")
    with pytest.raises(ValueError, match="compare"):
        task_type_for(None, compare="close")
    with pytest.raises(ValueError, match="span_match"):
        task_type_for(None, span_match="fuzzy")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        ({"crowd-image-classifier": {"label": "Owl"}}, "classification"),
        ({"crowd-classifier-multi-select": {"labels": []}}, "multilabel"),
        ({"boundingBox": {"boundingBoxes": None}}, "bounding-box"),
        ({"crowd-entity-annotation": {"entities": []}}, "entities"),
        (
            {"crowd-semantic-segmentation": {"labeledImage": {}, "labelMappings": {}}},
            "segmentation",
        ),
    ],
)
def test_by_answer_shape(content: object, name: str) -> None:
    assert detect_answer_shape(content) == name
    assert task_type_for(None, sample_answers=["junk", {"x": 1}, content]).name == name


def test_answer_path_alone_means_custom() -> None:
    task = task_type_for(None, sample_answers=[{"form": {"rating": 3}}], answer_path="form.rating")
    assert task.name == "custom"


@pytest.mark.parametrize(
    "metadata_type",
    [
        "groundtruth/video-object-detection",
        "groundtruth/video-object-tracking",
        "groundtruth/point_cloud_object_tracking",
        "groundtruth/point_cloud_single_frame_semantic_segmentation",
    ],
)
def test_video_and_point_cloud_are_refused_with_the_reason(metadata_type: str) -> None:
    with pytest.raises(InputFormatError, match="no per-worker answers") as info:
        task_type_for(metadata_type)
    assert info.value.code == "unsupported-task-type"
    assert metadata_type in str(info.value)


def test_video_frame_answers_are_refused() -> None:
    frame = {"detectionAnnotations": {"frame": "frame_0019.jpeg", "boundingBoxes": []}}
    with pytest.raises(InputFormatError, match="no per-worker answers"):
        task_type_for(None, sample_answers=[frame])


def test_unknown_type_lists_the_supported_ones() -> None:
    with pytest.raises(InputFormatError, match="groundtruth/text-span") as info:
        task_type_for("groundtruth/keypoint")
    assert info.value.code == "unsupported-task-type"
    assert str(info.value).startswith("unsupported task type: groundtruth/keypoint (supported: ")


def test_nothing_to_go_on() -> None:
    with pytest.raises(InputFormatError, match="--task-type"):
        task_type_for(None, sample_answers=[{"form": {"rating": 3}}])
    with pytest.raises(InputFormatError, match="--task-type"):
        task_type_for("")
