"""Hand-made Ground Truth jobs and SageMaker responses for the whole-account tests.

A job is a list of ``(task, worker, label, minute)`` answers; each becomes one answer in the
worker-response file of its object, in Ground Truth's layout, submitted ``minute`` minutes after
the job's start. ListLabelingJobs and DescribeLabelingJob responses carry every field the real
service model requires, so botocore's Stubber checks them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

REGION = "us-east-1"
ACCOUNT = "123456789012"
TEAM = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/team-a"
OTHER_TEAM = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/team-b"
LAMBDAS = "arn:aws:lambda:us-east-1:432418664414:function"

Answer = tuple[str, str, str, int]


def write_job(
    root: Path, name: str, answers: Iterable[Answer], *, start: datetime, iterations: int = 1
) -> Path:
    """Write a job folder ``root/name/`` of single-label image-classification answers, and its
    output manifest with each object's most frequent answer as the consolidated label (the label
    attribute is the job name).

    Objects are spread over ``iterations`` ``iteration-N/`` folders by their number.
    """
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task, worker, label, minute in answers:
        submitted = start + timedelta(minutes=minute)
        by_task[task].append(
            {
                "answerContent": {"crowd-image-classifier": {"label": label}},
                "acceptanceTime": (submitted - timedelta(seconds=30)).isoformat(),
                "submissionTime": submitted.isoformat(),
                "timeSpentInSeconds": 30,
                "workerId": worker,
            }
        )
    folder = root / name
    for task, entries in by_task.items():
        iteration = int(task) % iterations + 1
        target = folder / "annotations" / "worker-response" / f"iteration-{iteration}" / task
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{start:%Y-%m-%d_%H:%M:%S}.json").write_bytes(orjson.dumps({"answers": entries}))
    lines = []
    for task in sorted(by_task, key=int):
        votes = Counter(
            e["answerContent"]["crowd-image-classifier"]["label"] for e in by_task[task]
        )
        metadata = {
            "class-name": votes.most_common(1)[0][0],
            "confidence": 0.9,
            "creation-date": start.isoformat(),
            "human-annotated": "yes",
            "job-name": f"labeling-job/{name}",
            "type": "groundtruth/image-classification",
        }
        lines.append(
            orjson.dumps(
                {"source-ref": f"s3://images/{task}.jpg", name: 0, f"{name}-metadata": metadata}
            )
        )
    manifest = folder / "manifests" / "output"
    manifest.mkdir(parents=True)
    (manifest / "output.manifest").write_bytes(b"\n".join(lines) + b"\n")
    return folder


def summary(
    name: str,
    created: datetime,
    *,
    status: str = "Completed",
    team: str = TEAM,
    kind: str = "ImageMultiClass",
) -> dict[str, Any]:
    """One LabelingJobSummary of ListLabelingJobs."""
    return {
        "LabelingJobName": name,
        "LabelingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{name}",
        "CreationTime": created,
        "LastModifiedTime": created + timedelta(hours=1),
        "LabelingJobStatus": status,
        "LabelCounters": {"TotalLabeled": 1},
        "WorkteamArn": team,
        "PreHumanTaskLambdaArn": f"{LAMBDAS}:PRE-{kind}",
    }


def description(
    name: str,
    output_path: str,
    *,
    status: str = "Completed",
    team: str = TEAM,
    kind: str = "ImageMultiClass",
    streaming: bool = False,
) -> dict[str, Any]:
    """A DescribeLabelingJob response with every field the service model requires."""
    source: dict[str, Any] = (
        {"SnsDataSource": {"SnsTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:input"}}
        if streaming
        else {"S3DataSource": {"ManifestS3Uri": "s3://audit-bucket/in.manifest"}}
    )
    return {
        "LabelingJobStatus": status,
        "LabelCounters": {"TotalLabeled": 1},
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
        "LastModifiedTime": datetime(2026, 1, 2, tzinfo=UTC),
        "JobReferenceCode": "123456789012abcdEFGH",
        "LabelingJobName": name,
        "LabelingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{name}",
        "LabelAttributeName": name,
        "InputConfig": {"DataSource": source},
        "OutputConfig": {"S3OutputPath": output_path},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/labeling",
        "HumanTaskConfig": {
            "WorkteamArn": team,
            "UiConfig": {"UiTemplateS3Uri": "s3://audit-bucket/template.liquid"},
            "PreHumanTaskLambdaArn": f"{LAMBDAS}:PRE-{kind}",
            "TaskTitle": "Which pet?",
            "TaskDescription": "Choose the animal in the picture",
            "NumberOfHumanWorkersPerDataObject": 3,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": f"{LAMBDAS}:ACS-{kind}"
            },
        },
    }
