"""``--all-jobs``: ListLabelingJobs (paginated) and DescribeLabelingJob through botocore's Stubber,
which checks every request and response against the real SageMaker service model; the jobs' files
are on moto's S3 server on 127.0.0.1."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import polars as pl
import pytest
from account_support import OTHER_TEAM, TEAM, description, summary, write_job
from botocore.stub import Stubber
from conftest import make_client, upload_folder
from typer.testing import CliRunner

from crowdaudit.audit import audit
from crowdaudit.cli import app
from crowdaudit.errors import InputFormatError, SourceError
from crowdaudit.ledger import contributions
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.discovery import JobFilter, discover_jobs, parse_date, unreadable_reason

A, B, C, D, E = (f"private.us-east-1.{letter * 4}" for letter in "abcde")
TEAM_OF_FIVE = (A, B, C, D, E)
JAN = datetime(2026, 1, 5, 9, tzinfo=UTC)
FEB = datetime(2026, 2, 5, 9, tzinfo=UTC)
OUTPUT = "s3://audit-bucket/output"


def _jan() -> list[tuple[str, str, str, int]]:
    # Six objects, everyone says "cat" except C once: loo_agreement C 5/6, the others 1 (the
    # other four outvote C's "dog", so no tie).
    answers = [(str(t), w, "cat", t) for t in range(6) for w in TEAM_OF_FIVE]
    answers[2] = ("0", C, "dog", 0)
    return answers


def _feb() -> list[tuple[str, str, str, int]]:
    # A answers "dog" on three of six objects where the others say "cat": A's loo_agreement 1/2.
    answers = [(str(t), w, "cat", t) for t in range(6) for w in TEAM_OF_FIVE]
    for t in range(3):
        answers[5 * t] = (str(t), A, "dog", t)
    return answers


@pytest.fixture
def sagemaker() -> Any:
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client
        stubber.assert_no_pending_responses()


@pytest.fixture
def account(tmp_path: Path, moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two readable jobs on moto's S3: pets-jan and pets-feb."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_reset)
    s3 = make_client("s3", moto_reset)
    for name, answers, start in (("pets-jan", _jan(), JAN), ("pets-feb", _feb(), FEB)):
        folder = write_job(tmp_path, name, answers, start=start, iterations=2)
        upload_folder(s3, folder, "audit-bucket", f"output/{name}")
    return tmp_path


def _stub_account(stubber: Stubber, parameters: dict[str, Any], *, by_team: bool = True) -> None:
    """Two pages of jobs: two readable ones, one of another team, one video, one streaming job
    still running, one that may not be described and one whose folder is gone. ``by_team``: the
    other team's job is filtered out before it is described."""
    first = [
        summary("pets-jan", JAN),
        summary("other-team", JAN, team=OTHER_TEAM),
        summary("clips", JAN, kind="VideoObjectTracking"),
    ]
    second = [
        summary("stream", FEB, status="InProgress"),
        summary("secret", FEB),
        summary("pets-feb", FEB),
        summary("gone", FEB),
    ]
    stubber.add_response(
        "list_labeling_jobs",
        {"LabelingJobSummaryList": first, "NextToken": "page-2"},
        parameters,
    )
    stubber.add_response(
        "list_labeling_jobs",
        {"LabelingJobSummaryList": second},
        {**parameters, "NextToken": "page-2"},
    )
    stubber.add_response(
        "describe_labeling_job", description("pets-jan", OUTPUT), {"LabelingJobName": "pets-jan"}
    )
    if not by_team:
        stubber.add_response(
            "describe_labeling_job",
            description("other-team", OUTPUT, team=OTHER_TEAM),
            {"LabelingJobName": "other-team"},
        )
    stubber.add_response(
        "describe_labeling_job",
        description("clips", OUTPUT, kind="VideoObjectTracking"),
        {"LabelingJobName": "clips"},
    )
    stubber.add_response(
        "describe_labeling_job",
        description("stream", OUTPUT, status="InProgress", streaming=True),
        {"LabelingJobName": "stream"},
    )
    stubber.add_client_error(
        "describe_labeling_job",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform: sagemaker:DescribeLabelingJob",
        http_status_code=400,
        expected_params={"LabelingJobName": "secret"},
    )
    stubber.add_response(
        "describe_labeling_job", description("pets-feb", OUTPUT), {"LabelingJobName": "pets-feb"}
    )
    stubber.add_response(
        "describe_labeling_job", description("gone", OUTPUT), {"LabelingJobName": "gone"}
    )


ALL = {"SortBy": "CreationTime", "SortOrder": "Ascending"}


def test_filter_becomes_list_parameters() -> None:
    job_filter = JobFilter(
        since=parse_date("2026-01-01"),
        until=parse_date("2026-03-31", end_of_day=True),
        status="Completed",
        name_contains="pets",
        workteam=TEAM,
    )
    assert job_filter.list_parameters() == {
        **ALL,
        "CreationTimeAfter": datetime(2026, 1, 1, tzinfo=UTC),
        "CreationTimeBefore": datetime(2026, 4, 1, tzinfo=UTC),
        "StatusEquals": "Completed",
        "NameContains": "pets",
    }


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({}, None),
        ({"kind": "VideoObjectDetection"}, "VideoObjectDetection jobs have no per-worker answers"),
        ({"kind": "3DPointCloudSemanticSegmentation"}, "3DPointCloudSemanticSegmentation jobs"),
        ({"streaming": True, "status": "InProgress"}, "streaming job still running"),
        # A streaming job that was stopped has final output: it is read.
        ({"streaming": True, "status": "Stopped"}, None),
        # A job still running from a manifest has intermediate output: it is read.
        ({"status": "InProgress"}, None),
    ],
)
def test_unreadable_reason(changes: dict[str, Any], reason: str | None) -> None:
    found = unreadable_reason(description("j", OUTPUT, **changes))
    if reason is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(reason)


def test_discovery_pages_filters_team_and_sorts_out_unreadable(sagemaker: Any) -> None:
    _stub_account(sagemaker.stubber, ALL)
    found = discover_jobs(sagemaker, JobFilter(workteam=TEAM))
    assert [info.name for info in found.jobs] == ["pets-jan", "pets-feb", "gone"]
    assert found.jobs[0].output_uri == "s3://audit-bucket/output/pets-jan/"
    reasons = {job.name: job.reason for job in found.unreadable}
    assert set(reasons) == {"clips", "stream", "secret"}
    assert "VideoObjectTracking" in reasons["clips"]
    assert reasons["stream"].startswith("streaming job still running")
    assert "AccessDeniedException" in reasons["secret"]


def test_all_jobs_audits_the_readable_and_lists_the_rest(sagemaker: Any, account: Path) -> None:
    _stub_account(sagemaker.stubber, ALL)
    result = audit(all_jobs=JobFilter(workteam=TEAM), sagemaker=sagemaker)

    assert [job.name for job in result.jobs] == ["pets-jan", "pets-feb"]
    unreadable = {entry["job"]: entry for entry in result.summary["unreadable_jobs"]}
    assert set(unreadable) == {"clips", "stream", "secret", "gone"}
    assert result.summary["n_unreadable_jobs"] == 4
    assert "no output manifest or consolidation response found" in unreadable["gone"]["reason"]
    assert unreadable["stream"]["status"] == "InProgress"

    history = result.history
    assert history.select("job_order", "job", "worker").rows() == [
        *((1, "pets-jan", worker) for worker in TEAM_OF_FIVE),
        *((2, "pets-feb", worker) for worker in TEAM_OF_FIVE),
    ]
    assert history.get_column("n_objects").to_list() == [6] * 10
    assert history.get_column("loo_agreement").to_list() == pytest.approx(
        [1, 1, 5 / 6, 1, 1, 1 / 2, 1, 1, 1, 1]
    )
    assert history.get_column("median_seconds").to_list() == [30.0] * 10
    assert history.get_column("job_started_at").to_list()[::5] == [JAN, FEB]


def test_strict_stops_at_the_first_unreadable_folder(sagemaker: Any, account: Path) -> None:
    _stub_account(sagemaker.stubber, ALL)
    with pytest.raises(InputFormatError, match="no output manifest or consolidation response"):
        audit(all_jobs=JobFilter(workteam=TEAM), sagemaker=sagemaker, strict=True)
    # The stubbed responses after "gone" were not needed.
    sagemaker.stubber._queue.clear()


def test_nothing_readable_is_one_clear_error(sagemaker: Any) -> None:
    parameters = {**ALL, "StatusEquals": "Failed"}
    sagemaker.stubber.add_response("list_labeling_jobs", {"LabelingJobSummaryList": []}, parameters)
    with pytest.raises(SourceError, match=r"no labeling job to audit: ListLabelingJobs \(0 match"):
        audit(all_jobs=JobFilter(status="Failed"), sagemaker=sagemaker)


def test_denied_listing_is_one_clear_error(sagemaker: Any) -> None:
    sagemaker.stubber.add_client_error(
        "list_labeling_jobs",
        service_error_code="AccessDeniedException",
        service_message="not authorized to perform: sagemaker:ListLabelingJobs",
        http_status_code=400,
    )
    with pytest.raises(SourceError, match="cannot list labeling jobs: ListLabelingJobs"):
        audit(all_jobs=JobFilter(), sagemaker=sagemaker)


def test_contributions_over_all_jobs(sagemaker: Any, account: Path) -> None:
    _stub_account(sagemaker.stubber, ALL)
    ledger = contributions(all_jobs=JobFilter(workteam=TEAM), sagemaker=sagemaker, identities=False)
    assert {job.name for job in ledger.jobs} == {"pets-jan", "pets-feb"}
    assert {job.name for job in ledger.unreadable} == {"clips", "stream", "secret", "gone"}
    assert dict(ledger.table.select("worker", "n_objects").rows()) == dict.fromkeys(
        TEAM_OF_FIVE, 12
    )


@pytest.fixture
def cli_sagemaker(sagemaker: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    real_client = AwsConfig.client

    def client(self: AwsConfig, service: str, **kwargs: Any) -> Any:
        return sagemaker if service == "sagemaker" else real_client(self, service, **kwargs)

    monkeypatch.setattr(AwsConfig, "client", client)
    return sagemaker


def test_cli_all_jobs_writes_history_and_unreadable(
    cli_sagemaker: Any, account: Path, tmp_path: Path
) -> None:
    parameters = {
        **ALL,
        "CreationTimeAfter": datetime(2026, 1, 1, tzinfo=UTC),
        "CreationTimeBefore": datetime(2026, 3, 1, tzinfo=UTC),
        "NameContains": "e",
    }
    _stub_account(cli_sagemaker.stubber, parameters)
    out = tmp_path / "audit"
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "--all-jobs",
            "--since",
            "2026-01-01",
            "--until",
            "2026-02-28",
            "--name-contains",
            "e",
            "--workteam",
            TEAM,
            "--out",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 job(s) not audited" in result.stderr
    assert "clips (VideoObjectTracking jobs have no per-worker answers" in result.stderr
    with (out / "history.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["job"], row["worker"]) for row in rows][:2] == [("pets-jan", A), ("pets-jan", B)]
    assert len(rows) == 10
    assert "skill" in rows[0]
    saved = json.loads((out / "summary.json").read_text())
    assert {entry["job"] for entry in saved["unreadable_jobs"]} == {
        "clips",
        "stream",
        "secret",
        "gone",
    }
    page = (out / "report.html").read_text()
    assert '<section id="history">' in page
    assert "Biggest drops" in page


def test_cli_contributions_all_jobs(cli_sagemaker: Any, account: Path, tmp_path: Path) -> None:
    _stub_account(cli_sagemaker.stubber, {**ALL, "StatusEquals": "Completed"}, by_team=False)
    out = tmp_path / "pay.csv"
    result = CliRunner().invoke(
        app,
        [
            *("contributions", "--all-jobs", "--status", "Completed", "--no-identities"),
            *("--out", str(out), "-q"),
        ],
    )
    assert result.exit_code == 0, result.output
    # "other-team" is readable without --workteam, but its folder is not there.
    assert "5 job(s) not audited" in result.stderr
    with out.open(newline="") as handle:
        rows = {row["worker"]: row["n_objects"] for row in csv.DictReader(handle)}
    assert rows == dict.fromkeys(TEAM_OF_FIVE, "12")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--since", "2026-01-01", "some/folder"], "needs --all-jobs"),
        (["--all-jobs", "--status", "Done"], "'Done' is not one of"),
        (["--all-jobs", "--since", "January"], "is not a date"),
        (["--all-jobs", "--job", "pets-jan"], "not both"),
        (["--engine", "spark", "some/folder"], "'spark' is not one of local, ray"),
        (["--ray-address", "auto", "some/folder"], "needs --engine ray"),
    ],
)
@pytest.mark.parametrize("command", ["audit", "contributions"])
def test_cli_usage_errors(command: str, arguments: list[str], message: str) -> None:
    result = CliRunner().invoke(app, [command, *arguments])
    assert result.exit_code == 2
    assert message in result.output


def _stub_plain(stubber: Stubber, names: list[str]) -> None:
    listed = [summary(name, JAN + timedelta(days=n)) for n, name in enumerate(names)]
    stubber.add_response("list_labeling_jobs", {"LabelingJobSummaryList": listed}, ALL)
    for name in names:
        stubber.add_response(
            "describe_labeling_job", description(name, OUTPUT), {"LabelingJobName": name}
        )


def test_a_rerun_fetches_only_the_new_jobs_files(
    sagemaker: Any, account: Path, moto_reset: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    _stub_plain(sagemaker.stubber, ["pets-jan", "pets-feb"])
    first = audit(all_jobs=JobFilter(), sagemaker=sagemaker, cache=cache)
    # Six objects in each job, one file each.
    assert [job.n_fetched for job in first.jobs] == [6, 6]

    march = write_job(tmp_path, "pets-mar", _feb()[:10], start=FEB + timedelta(days=28))
    upload_folder(make_client("s3", moto_reset), march, "audit-bucket", "output/pets-mar")
    _stub_plain(sagemaker.stubber, ["pets-jan", "pets-feb", "pets-mar"])
    again = audit(all_jobs=JobFilter(), sagemaker=sagemaker, cache=cache)
    assert [job.name for job in again.jobs] == ["pets-jan", "pets-feb", "pets-mar"]
    assert [job.n_fetched for job in again.jobs] == [0, 0, 2]
    assert again.history.filter(pl.col("job") == "pets-mar").height == 5
