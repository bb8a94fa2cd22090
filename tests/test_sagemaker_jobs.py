"""``--job NAME``: DescribeLabelingJob through botocore's Stubber, which checks every request and
response against the real SageMaker service model; the job's files are on moto's S3 server."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from conftest import DATA, PETS, make_client, upload_folder
from typer.testing import CliRunner

from crowdaudit.audit import audit
from crowdaudit.cli import app
from crowdaudit.errors import AccessDeniedError, SourceNotFoundError
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.sagemaker import parse_job_description

REGION = "us-east-1"
ACCOUNT = "123456789012"
LAMBDAS = "arn:aws:lambda:us-east-1:432418664414:function"


def description(
    name: str, output_path: str, *, label_attribute: str, price: bool = False
) -> dict[str, Any]:
    """A DescribeLabelingJob response with every field the service model requires."""
    human: dict[str, Any] = {
        "WorkteamArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/pets-team",
        "UiConfig": {"UiTemplateS3Uri": "s3://audit-bucket/template.liquid"},
        "PreHumanTaskLambdaArn": f"{LAMBDAS}:PRE-ImageMultiClass",
        "TaskTitle": "Which pet?",
        "TaskDescription": "Choose the animal in the picture",
        "NumberOfHumanWorkersPerDataObject": 3,
        "TaskTimeLimitInSeconds": 300,
        "AnnotationConsolidationConfig": {
            "AnnotationConsolidationLambdaArn": f"{LAMBDAS}:ACS-ImageMultiClass"
        },
    }
    if price:
        human["PublicWorkforceTaskPrice"] = {
            "AmountInUsd": {"Dollars": 0, "Cents": 3, "TenthFractionsOfACent": 6}
        }
    return {
        "LabelingJobStatus": "Completed",
        "LabelCounters": {"TotalLabeled": 4, "HumanLabeled": 4, "FailedNonRetryableError": 1},
        "CreationTime": datetime(2022, 8, 5, 9, 0, tzinfo=UTC),
        "LastModifiedTime": datetime(2022, 8, 6, 10, 0, tzinfo=UTC),
        "JobReferenceCode": "123456789012abcdEFGH",
        "LabelingJobName": name,
        "LabelingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{name}",
        "LabelAttributeName": label_attribute,
        "InputConfig": {
            "DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://audit-bucket/in.manifest"}}
        },
        "OutputConfig": {"S3OutputPath": output_path, "KmsKeyId": ""},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/labeling",
        "HumanTaskConfig": human,
    }


@pytest.fixture
def sagemaker() -> Any:
    client = boto3.client("sagemaker", region_name=REGION)
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize("output_path", ["s3://audit-bucket/output", "s3://audit-bucket/output/"])
def test_job_name_resolves_folder_and_label_attribute(
    sagemaker: Any, moto_reset: str, monkeypatch: pytest.MonkeyPatch, output_path: str, copy_of: Any
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_reset)
    folder = copy_of(PETS)
    shutil.rmtree(folder / "annotations" / "consolidated-annotation")
    upload_folder(make_client("s3", moto_reset), folder, "audit-bucket", "output/pets-private")
    sagemaker.stubber.add_response(
        "describe_labeling_job",
        description("pets-private", output_path, label_attribute="pets-private-audit"),
        {"LabelingJobName": "pets-private"},
    )
    result = audit(job_names=["pets-private"], sagemaker=sagemaker)

    (job,) = result.jobs
    assert job.name == "pets-private"
    assert job.uri == "s3://audit-bucket/output/pets-private/"
    # The attribute named by the API wins over the rules (which would pick "pets-private").
    assert job.label_attribute == "pets-private-audit"
    assert job.consolidated_from == "output-manifest"
    assert job.task_type == "groundtruth/label-verification"


def test_price_and_output_path_are_parsed() -> None:
    info = parse_job_description(
        description("jobby", "s3://b/out", label_attribute="jobby", price=True)
    )
    assert info.output_uri == "s3://b/out/jobby/"
    assert info.price_per_object == pytest.approx(0.036)
    assert info.status == "Completed"


def test_unknown_job_is_one_clear_error(sagemaker: Any) -> None:
    sagemaker.stubber.add_client_error(
        "describe_labeling_job",
        service_error_code="ValidationException",
        service_message="Could not find requested job with name no-such-job",
        http_status_code=400,
        expected_params={"LabelingJobName": "no-such-job"},
    )
    with pytest.raises(SourceNotFoundError) as caught:
        audit(job_names=["no-such-job"], sagemaker=sagemaker)
    assert str(caught.value).startswith("labeling job not found: no-such-job (ValidationException")


def test_denied_describe_is_one_clear_error(sagemaker: Any) -> None:
    sagemaker.stubber.add_client_error(
        "describe_labeling_job",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform: sagemaker:DescribeLabelingJob",
        http_status_code=400,
    )
    with pytest.raises(AccessDeniedError, match="cannot describe labeling job: pets-private"):
        audit(job_names=["pets-private"], sagemaker=sagemaker)


def test_cli_job_option(sagemaker: Any, moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_reset)
    upload_folder(make_client("s3", moto_reset), PETS, "audit-bucket", "output/pets-private")
    sagemaker.stubber.add_response(
        "describe_labeling_job",
        description("pets-private", "s3://audit-bucket/output", label_attribute="pets-private"),
        {"LabelingJobName": "pets-private"},
    )
    real_client = AwsConfig.client

    def client(self: AwsConfig, service: str, **kwargs: Any) -> Any:
        return sagemaker if service == "sagemaker" else real_client(self, service, **kwargs)

    monkeypatch.setattr(AwsConfig, "client", client)
    result = CliRunner().invoke(
        app, ["audit", "--job", "pets-private", "--gold", str(DATA / "pets-gold.csv"), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "5 objects · 13 answers · 3 workers · 1 failed object ·" in result.stdout
