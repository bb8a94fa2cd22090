"""``crowdaudit contributions`` end to end: job folders with moto-generated Cognito subs, S3 and
Cognito on moto's server, DescribeLabelingJob through the Stubber."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from botocore.stub import Stubber
from conftest import make_client, upload_folder
from typer.testing import CliRunner

from crowdaudit.cli import app
from crowdaudit.identity.directory import InMemoryDirectory
from crowdaudit.ledger import contributions
from crowdaudit.sources.aws import AwsConfig

OIDC = {
    "identityProviderType": "Oidc",
    "issuer": "https://idp.example.com/adfs",
    "sub": "oidc-olga",
}


def answer(worker: str, second: int, identity: dict[str, str] | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "acceptanceTime": f"2022-08-05T10:00:{second:02d}.000Z",
        "answerContent": {"crowd-classifier": {"label": "positive"}},
        "submissionTime": f"2022-08-05T10:00:{second + 10:02d}.000Z",
        "timeSpentInSeconds": 10.0,
        "workerId": worker,
    }
    if identity:
        record["workerMetadata"] = {"identityData": identity}
    return record


def write_job(root: Path, name: str, objects: list[list[dict[str, Any]]]) -> Path:
    folder = root / name
    for task, answers in enumerate(objects):
        path = folder / "annotations" / "worker-response" / "iteration-1" / str(task) / "x.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"answers": answers}))
    return folder


@pytest.fixture
def workforce(moto_reset: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """Two jobs of a private team (two Cognito users and one OIDC user) and one public job."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_reset)
    cognito = make_client("cognito-idp", moto_reset)
    pool = cognito.create_user_pool(PoolName="labelers")["UserPool"]["Id"]
    issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    subs = {}
    for username, email in [("ana", "ana@example.com"), ("ben", "ben@example.com")]:
        user = cognito.admin_create_user(
            UserPoolId=pool,
            Username=username,
            UserAttributes=[{"Name": "email", "Value": email}],
        )["User"]
        attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
        subs[username] = {
            "identityProviderType": "Cognito",
            "issuer": issuer,
            "sub": attributes["sub"],
        }
    ana, ben = "private.us-east-1.aaaaaaaaaaaaaaaa", "private.us-east-1.bbbbbbbbbbbbbbbb"
    olga, turk = "private.us-east-1.cccccccccccccccc", "public.us-east-1.TURKTURKTURKTURKTURKTURKTU"
    job_a = write_job(
        tmp_path,
        "job-a",
        [
            [answer(ana, 0, subs["ana"]), answer(ben, 1, subs["ben"])],
            [answer(ana, 2, subs["ana"]), answer(olga, 3, OIDC)],
            [answer(ana, 4, subs["ana"])],
        ],
    )
    job_b = write_job(
        tmp_path, "job-b", [[answer(ben, 5, subs["ben"]), answer(ana, 6, subs["ana"])]]
    )
    public = write_job(tmp_path, "job-public", [[answer(turk, 7, None)], [answer(turk, 8, None)]])
    return {"pool": pool, "jobs": [job_a, job_b, public], "subs": subs, "cognito": cognito}


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    return {row["worker"]: row for row in csv.DictReader(io.StringIO(path.read_text("utf-8")))}


def test_ledger_across_jobs_with_names(workforce: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "ledger.csv"
    jobs = [str(job) for job in workforce["jobs"]]
    result = CliRunner().invoke(app, ["contributions", *jobs, "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output

    rows = read_csv(out)
    ana = rows["private.us-east-1.aaaaaaaaaaaaaaaa"]
    # Counted by hand: Ana answered 3 objects of job-a and 1 of job-b.
    assert (ana["username"], ana["email"], ana["n_objects"], ana["jobs"]) == (
        "ana",
        "ana@example.com",
        "4",
        "job-a;job-b",
    )
    assert ana["sub"] == workforce["subs"]["ana"]["sub"]
    assert ana["user_pool_id"] == workforce["pool"]
    ben = rows["private.us-east-1.bbbbbbbbbbbbbbbb"]
    assert (ben["username"], ben["n_objects"], ben["n_jobs"]) == ("ben", "2", "2")
    olga = rows["private.us-east-1.cccccccccccccccc"]
    assert (olga["identity_provider"], olga["sub"], olga["username"]) == ("Oidc", "oidc-olga", "")
    turk = rows["public.us-east-1.TURKTURKTURKTURKTURKTURKTU"]
    assert (turk["identity_provider"], turk["n_objects"], turk["jobs"]) == (
        "none",
        "2",
        "job-public",
    )
    assert list(rows) == [  # most objects first
        "private.us-east-1.aaaaaaaaaaaaaaaa",
        "private.us-east-1.bbbbbbbbbbbbbbbb",
        "public.us-east-1.TURKTURKTURKTURKTURKTURKTU",
        "private.us-east-1.cccccccccccccccc",
    ]
    assert "ana" in result.stdout
    assert "ana@example.com" not in result.stdout  # e-mails stay in the file
    assert "no identity: public workforce" in result.stdout


def test_ledger_by_job_to_s3_as_parquet(workforce: dict[str, Any], moto_reset: str) -> None:
    s3 = make_client("s3", moto_reset)
    s3.create_bucket(Bucket="ledgers")
    jobs = [str(job) for job in workforce["jobs"][:2]]
    result = CliRunner().invoke(
        app,
        ["contributions", *jobs, "--by-job", "--out", "s3://ledgers/pay/ledger.parquet", "-q"],
    )
    assert result.exit_code == 0, result.output
    body = s3.get_object(Bucket="ledgers", Key="pay/ledger.parquet")["Body"].read()
    table = pl.read_parquet(io.BytesIO(body))
    counts = {
        (row["job"], row["username"]): row["n_objects"] for row in table.iter_rows(named=True)
    }
    assert counts == {
        ("job-a", "ana"): 3,
        ("job-a", "ben"): 1,
        ("job-a", None): 1,
        ("job-b", "ana"): 1,
        ("job-b", "ben"): 1,
    }


def test_unknown_pool_fails_unless_missing_identities_are_allowed(
    workforce: dict[str, Any], tmp_path: Path
) -> None:
    job = str(workforce["jobs"][0])
    out = tmp_path / "ledger.csv"
    # Delete the pool: the answers now name a pool Cognito does not know.
    workforce["cognito"].delete_user_pool(UserPoolId=workforce["pool"])

    failed = CliRunner().invoke(app, ["contributions", job, "--out", str(out)])
    assert failed.exit_code == 1
    assert failed.stderr.startswith(f"error: cannot list Cognito users: pool {workforce['pool']} (")
    assert "ResourceNotFoundException" in failed.stderr
    assert not out.exists()

    allowed = CliRunner().invoke(
        app, ["contributions", job, "--out", str(out), "--allow-missing-identities"]
    )
    assert allowed.exit_code == 0, allowed.output
    assert "names left empty" in allowed.stderr
    assert {row["username"] for row in read_csv(out).values()} == {""}


def test_unknown_output_format_is_a_usage_error(workforce: dict[str, Any]) -> None:
    result = CliRunner().invoke(
        app, ["contributions", str(workforce["jobs"][0]), "--out", "x.xlsx"]
    )
    assert result.exit_code == 2


def test_job_price_is_the_default_rate(workforce: dict[str, Any], moto_reset: str) -> None:
    upload_folder(make_client("s3", moto_reset), workforce["jobs"][2], "jobs", "out/job-public")
    sagemaker = AwsConfig().client("sagemaker")
    with Stubber(sagemaker) as stubber:
        response = {
            "LabelingJobStatus": "Completed",
            "LabelCounters": {},
            "CreationTime": "2022-08-05T09:00:00Z",
            "LastModifiedTime": "2022-08-05T11:00:00Z",
            "JobReferenceCode": "123456789012abcd",
            "LabelingJobName": "job-public",
            "LabelingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/job-public",
            "InputConfig": {
                "DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://jobs/in.manifest"}}
            },
            "OutputConfig": {"S3OutputPath": "s3://jobs/out/"},
            "RoleArn": "arn:aws:iam::123456789012:role/labeling",
            "HumanTaskConfig": {
                "WorkteamArn": "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default",
                "UiConfig": {"UiTemplateS3Uri": "s3://jobs/template.liquid"},
                "TaskTitle": "Sentiment",
                "TaskDescription": "Is it positive?",
                "NumberOfHumanWorkersPerDataObject": 1,
                "TaskTimeLimitInSeconds": 300,
                "PublicWorkforceTaskPrice": {
                    "AmountInUsd": {"Dollars": 0, "Cents": 1, "TenthFractionsOfACent": 2}
                },
            },
        }
        stubber.add_response("describe_labeling_job", response, {"LabelingJobName": "job-public"})
        ledger = contributions(
            job_names=["job-public"], sagemaker=sagemaker, directory=InMemoryDirectory()
        )
    (row,) = ledger.table.iter_rows(named=True)
    assert row["n_objects"] == 2
    assert row["payout_usd"] == pytest.approx(2 * 0.012)
