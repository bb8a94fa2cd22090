"""The crowdaudit command: outputs, golden files, exit codes and error lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, PETS
from golden import check_csv, check_json
from typer.main import get_command
from typer.testing import CliRunner

import crowdaudit
from crowdaudit.cli import app

GOLDEN = DATA / "golden"
OUTPUTS = {
    "workers.csv",
    "workers.parquet",
    "workers.json",
    "items.csv",
    "summary.json",
    "report.html",
}


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def canonical_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary without what depends on where the test ran."""
    summary = dict(summary)
    summary.pop("crowdaudit_version")
    summary["jobs"] = [{k: v for k, v in job.items() if k != "source"} for job in summary["jobs"]]
    return summary


def test_every_command_has_help_text() -> None:
    command: Any = get_command(app)
    assert command.help
    assert set(command.commands) >= {"audit", "demo"}
    for name, sub in command.commands.items():
        assert sub.help, name
        result = run(name, "--help")
        assert result.exit_code == 0
        assert "Usage:" in result.output
        for parameter in sub.params:
            if parameter.param_type_name == "option" and parameter.name != "help":
                assert parameter.help, f"{name} {parameter.name}"


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    result = run(flag)
    assert result.exit_code == 0
    assert result.output == f"crowdaudit {crowdaudit.__version__}\n"


def test_audit_writes_the_golden_outputs(
    tmp_path: Path, job_uri: Any, request: pytest.FixtureRequest
) -> None:
    out = tmp_path / "audit"
    result = run(
        "audit", job_uri(PETS), "--gold", str(DATA / "pets-golden.manifest"), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert {path.name for path in out.iterdir()} == OUTPUTS

    workers = (out / "workers.csv").read_text("utf-8")
    check_csv(request, workers, GOLDEN / "pets-workers.csv", key=("job", "worker"))
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    check_json(request, canonical_summary(summary), GOLDEN / "pets-summary.json")
    records = json.loads((out / "workers.json").read_text("utf-8"))
    assert (
        sorted(records, key=lambda r: r["worker"])[0]["first_submitted_at"]
        == "2022-08-05T10:00:10.500Z"
    )

    assert "private.us-east-1.1111111111111111" in result.stdout
    assert "1 failed object ·" in result.stdout


def test_outputs_and_seed_json_can_go_to_s3(reports_bucket: Any) -> None:
    s3 = reports_bucket
    result = run(
        "audit",
        str(PETS),
        "--out",
        "s3://reports/audits/pets/",
        "--seed-json",
        "s3://reports/seed/pets.json",
        "-q",
    )
    assert result.exit_code == 0, result.output
    listed = {item["Key"] for item in s3.list_objects_v2(Bucket="reports")["Contents"]}
    assert listed == {f"audits/pets/{name}" for name in OUTPUTS} | {"seed/pets.json"}
    seed = json.loads(s3.get_object(Bucket="reports", Key="seed/pets.json")["Body"].read())
    assert seed["private.us-east-1.3333333333333333"] == {
        "Total Number Of Objects Annotated": 4,
        "Number Of Golden Standard Objects Annotated": 0,
        "Average Accuracy Compared To Other Workers": 0.5,
        "Average Golden Standard Accuracy": None,
    }


def assert_one_error_line(result: Any, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("arguments", "fragments"),
    [
        (["{tmp}/missing-job"], ["folder not found", "missing-job"]),
        (["{pets}", "--gold", "{tmp}/none.manifest"], ["file not found", "none.manifest"]),
        (
            ["{pets}", "--gold", "{bad_gold}"],
            ["cannot parse gold file", "bad.manifest:2", "malformed JSON"],
        ),
        (["{pets}", "--gold", "{empty_gold}"], ["cannot use gold file", "holds no labels"]),
        (
            ["{pets}", "--label-attribute", "nope"],
            ["unknown label attribute", "'nope'", "pets-private"],
        ),
        (["{empty_job}"], ["no worker responses found", "annotations/worker-response"]),
    ],
    ids=[
        "missing-job",
        "missing-gold",
        "malformed-gold",
        "empty-gold",
        "unknown-attribute",
        "empty-job",
    ],
)
def test_bad_input_is_one_error_line_and_exit_1(
    tmp_path: Path, arguments: list[str], fragments: list[str]
) -> None:
    bad_gold = tmp_path / "bad.manifest"
    bad_gold.write_text('{"0": "猫"}\n{"1": \n')
    empty_gold = tmp_path / "empty.manifest"
    empty_gold.write_text("\n")
    empty_job = tmp_path / "empty-job"
    (empty_job / "annotations").mkdir(parents=True)
    values = {"tmp": tmp_path, "pets": PETS, "bad_gold": bad_gold, "empty_gold": empty_gold}
    values["empty_job"] = empty_job
    out = tmp_path / "out"
    result = run("audit", *(a.format(**values) for a in arguments), "--out", str(out))
    assert_one_error_line(result, *fragments)
    assert not out.exists()


def test_strict_turns_a_bad_file_into_an_error_and_writes_nothing(tmp_path: Path) -> None:
    job = tmp_path / "pets-private"
    shutil.copytree(PETS, job)
    (bad,) = job.glob("annotations/worker-response/iteration-1/1/*.json")
    bad.write_bytes(bad.read_bytes()[:40])
    out = tmp_path / "out"

    lenient = run("audit", str(job), "--out", str(out))
    assert lenient.exit_code == 0
    assert "skipped 1 unusable" in lenient.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["n_files_skipped"] == 1
    assert summary["skipped"][0]["code"] == "malformed-json"

    shutil.rmtree(out)
    strict = run("audit", str(job), "--out", str(out), "--strict")
    assert_one_error_line(strict, "cannot parse worker response", str(bad), "malformed JSON")
    assert not out.exists()


def test_no_credentials_is_one_clear_line(moto_reset: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_reset)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = run("audit", "s3://some-bucket/output/job/")
    assert_one_error_line(result, "s3://some-bucket/output/job/", "no AWS credentials found")


def test_unknown_profile_is_one_clear_line() -> None:
    result = run("audit", "s3://some-bucket/output/job/", "--profile", "nobody")
    assert_one_error_line(result, "AWS profile not found", "nobody")


def test_unwritable_output_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("a file where the folder should be")
    result = run("audit", str(PETS), "--out", str(blocker / "audit"))
    assert_one_error_line(result, "cannot write file", "taken")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_usage_errors_exit_2() -> None:
    assert run("audit", str(PETS), "--no-such-option").exit_code == 2
    assert run("audit", str(PETS), "--concurrency", "0").exit_code == 2


def test_demo_audits_the_bundled_job(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = run("demo", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert {path.name for path in out.iterdir()} == OUTPUTS | {"seed.json"}
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert (summary["n_objects"], summary["n_answers"], summary["n_workers"]) == (302, 1510, 97)
    # SOURCE.md of the data set: the consolidated labels are 90.07% correct.
    assert round(summary["consolidated_gold_accuracy"], 4) == 0.9007
    assert "Workers (97)" in result.stdout
