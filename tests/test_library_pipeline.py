"""The library does the work the command line shows: ``audit()`` then ``Audit.write()``, with one
options object (``ReadOptions``) for every entry point."""

from __future__ import annotations

import dataclasses
import json
import shutil
import typing
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import DATA, PETS
from typer.testing import CliRunner

import crowdaudit
from crowdaudit.cli import app
from crowdaudit.options import ReadOptions, ReadOverrides
from crowdaudit.report.outputs import ledger_format

GOLD = DATA / "pets-golden.manifest"
FILES = ("workers.csv", "workers.parquet", "workers.json", "items.csv", "summary.json")


def test_audit_write_gives_the_files_the_command_writes(tmp_path: Path) -> None:
    by_cli = tmp_path / "cli"
    result = CliRunner().invoke(
        app, ["audit", str(PETS), "--gold", str(GOLD), "--out", str(by_cli)]
    )
    assert result.exit_code == 0, result.output

    by_library = tmp_path / "library"
    written = crowdaudit.audit(PETS, gold=GOLD).write(by_library)

    assert written.folder == str(by_library)
    assert written.files == (*FILES, "report.html")
    assert written.extras == ()
    assert sorted(p.name for p in by_library.iterdir()) == sorted(p.name for p in by_cli.iterdir())
    for name in FILES:
        assert (by_library / name).read_bytes() == (by_cli / name).read_bytes(), name
    assert f"wrote {', '.join(written.files)} to {by_cli}" in result.stderr


def test_audit_write_to_s3_with_the_seed_json(reports_bucket: Any) -> None:
    written = crowdaudit.audit(PETS).write(
        "s3://reports/audits/pets", seed_json="s3://reports/seed/pets.json"
    )
    assert written.folder == "s3://reports/audits/pets/"
    assert written.extras == ("s3://reports/seed/pets.json",)
    listed = {item["Key"] for item in reports_bucket.list_objects_v2(Bucket="reports")["Contents"]}
    assert listed == {f"audits/pets/{name}" for name in written.files} | {"seed/pets.json"}
    seed = reports_bucket.get_object(Bucket="reports", Key="seed/pets.json")["Body"].read()
    # Worker 3 answered 4 objects (tests/data/pets-private, counted by hand).
    assert (
        json.loads(seed)["private.us-east-1.3333333333333333"]["Total Number Of Objects Annotated"]
        == 4
    )


def test_audit_write_is_all_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "seed.json").mkdir()  # a folder where the seed file should go
    with pytest.raises(crowdaudit.OutputError, match=r"seed\.json"):
        crowdaudit.audit(PETS).write(tmp_path / "audit", seed_json=tmp_path / "seed.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed.json"]


def test_the_keyword_arguments_are_the_fields_of_the_options() -> None:
    fields = {field.name: field.type for field in dataclasses.fields(ReadOptions)}
    assert set(typing.get_type_hints(ReadOverrides)) == set(fields)
    with pytest.raises(TypeError, match="no_such_option"):
        crowdaudit.read_job(PETS, no_such_option=True)  # type: ignore[call-arg]


def test_keywords_change_the_options_given(tmp_path: Path) -> None:
    job = tmp_path / "pets-private"
    shutil.copytree(PETS, job)
    (bad,) = job.glob("annotations/worker-response/iteration-1/1/*.json")
    bad.write_bytes(bad.read_bytes()[:40])

    strict = ReadOptions(strict=True)
    with pytest.raises(crowdaudit.ResponseFormatError, match="malformed JSON"):
        crowdaudit.audit(job, options=strict)
    lenient = crowdaudit.audit(job, options=strict, strict=False)
    assert lenient.summary["n_files_skipped"] == 1
    # Every entry point takes the same object.
    with pytest.raises(crowdaudit.ResponseFormatError):
        crowdaudit.read_job(job, options=strict)
    with pytest.raises(crowdaudit.ResponseFormatError):
        crowdaudit.read_jobs([job], options=strict)
    with pytest.raises(crowdaudit.ResponseFormatError):
        crowdaudit.contributions(job, identities=False, options=strict)
    assert strict.strict  # frozen: nothing above changed it
    with pytest.raises(dataclasses.FrozenInstanceError):
        strict.strict = False  # type: ignore[misc]


def test_contributions_write_and_its_errors(tmp_path: Path) -> None:
    ledger = crowdaudit.contributions(PETS, identities=False)
    written = ledger.write(tmp_path / "pay.csv", seed_csv=tmp_path / "seed.csv")
    assert written.extras == (str(tmp_path / "pay.csv"), str(tmp_path / "seed.csv"))
    table = pl.read_csv(tmp_path / "pay.csv")
    assert table.height == ledger.table.height
    seed = pl.read_csv(tmp_path / "seed.csv")
    assert seed.columns == ["username", "user_sub", "label_count"]

    by_job = crowdaudit.contributions(PETS, identities=False, by_job=True)
    with pytest.raises(crowdaudit.OutputError, match="one row per person"):
        by_job.write(tmp_path / "again.csv", seed_csv=tmp_path / "again-seed.csv")
    with pytest.raises(crowdaudit.OutputError, match=r"must end in \.csv, \.json or \.parquet"):
        ledger.write(tmp_path / "pay.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pay.csv", "seed.csv"]


@pytest.mark.parametrize(
    ("out", "expected"),
    [("a.csv", "csv"), ("s3://b/k/A.PARQUET", "parquet"), ("x.json", "json")],
)
def test_ledger_format_follows_the_extension(out: str, expected: str) -> None:
    assert ledger_format(out) == expected


def test_the_options_read_well_in_help() -> None:
    doc = ReadOptions.__doc__ or ""
    for field in dataclasses.fields(ReadOptions):
        assert f"{field.name}:" in doc, field.name
    assert "ReadOptions" in (crowdaudit.audit.__doc__ or "")


def test_aws_none_keeps_the_default_configuration() -> None:
    job = crowdaudit.read_job(PETS, aws=None)
    # tests/data/pets-private: workers 1111…, 2222… and 3333… answer (grep "workerId").
    assert job.responses.get_column("worker").n_unique() == 3


def test_options_given_as_true_or_false_are_refused_with_what_to_pass() -> None:
    with pytest.raises(TypeError, match=r"progress must be a callback .* not False"):
        crowdaudit.audit(PETS, progress=False)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"cache must be a folder path or None, not False"):
        ReadOptions(cache=False)  # type: ignore[arg-type]
    assert ReadOptions(cache="here").cache == Path("here")  # type: ignore[arg-type]
