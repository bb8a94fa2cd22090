"""Outputs are written all or nothing: a failure leaves exactly what was there before."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import PETS
from typer.testing import CliRunner

from crowdaudit.cli import app
from crowdaudit.errors import OutputError
from crowdaudit.report.commit import write_all
from crowdaudit.sources.locations import Location
from crowdaudit.sources.store import LocalStore, MemoryStore

OUTPUTS = {"workers.csv", "workers.parquet", "workers.json", "items.csv", "summary.json"}


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path below ``folder`` with its bytes (``None`` for folders)."""
    return {
        str(path.relative_to(folder)): None if path.is_dir() else path.read_bytes()
        for path in sorted(folder.rglob("*"))
    }


def test_a_folder_named_like_an_output_leaves_the_earlier_outputs_untouched(
    tmp_path: Path,
) -> None:
    out = tmp_path / "audit"
    out.mkdir()
    (out / "workers.csv").write_text("from an earlier run\n")
    (out / "notes.txt").write_text("the user's own file\n")
    (out / "report.html").mkdir()  # rendered last: every other output is moved in before it
    before = snapshot(tmp_path)

    result = run("audit", str(PETS), "--out", str(out), "--no-cache", "-q")

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: cannot write file: ")
    assert "report.html" in result.stderr
    assert snapshot(tmp_path) == before


def test_an_unwritable_seed_json_writes_no_output_at_all(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = tmp_path / "audit"
    result = run(
        "audit", str(PETS), "--out", str(out), "--seed-json", str(blocker / "seed.json"), "-q"
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_full_disk_half_way_removes_what_this_run_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "summary.json").write_text('{"earlier": true}')
    before = snapshot(tmp_path)
    replaced: list[str] = []
    real_replace = os.replace

    def replace_then_fill_the_disk(source: Any, target: Any) -> None:
        if str(target).endswith("workers.parquet"):
            raise OSError(28, "No space left on device")
        replaced.append(str(target))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace_then_fill_the_disk)
    store = LocalStore(tmp_path)
    outputs = [(Location(store, name), name.encode()) for name in sorted(OUTPUTS)]
    with pytest.raises(OutputError, match="No space left on device"):
        write_all(outputs)
    assert replaced  # some outputs were in place before the failure, and were taken back
    assert snapshot(tmp_path) == before


def test_every_output_or_none_in_a_store_without_renames() -> None:
    class FailingStore(MemoryStore):
        def write_bytes(self, key: str, data: bytes) -> None:
            if key == "out/c.json":
                raise OutputError("cannot write S3 object", where=self.uri(key), why="SlowDown")
            super().write_bytes(key, data)

    store = FailingStore({"out/a.json": b"old a", "other": b"kept"})
    outputs = [(Location(store, f"out/{n}.json"), n.encode()) for n in ("a", "b", "c")]
    with pytest.raises(OutputError):
        write_all(outputs)
    assert store.objects == {"out/a.json": b"old a", "other": b"kept"}

    good = MemoryStore({"out/a.json": b"old a"})
    outputs = [(Location(good, f"out/{n}.json"), n.encode()) for n in ("a", "b")]
    write_all(outputs)
    assert good.objects == {"out/a.json": b"a", "out/b.json": b"b"}


def test_s3_outputs_are_left_as_they_were_when_the_seed_json_bucket_is_missing(
    reports_bucket: Any,
) -> None:
    s3 = reports_bucket
    s3.put_object(Bucket="reports", Key="audits/pets/summary.json", Body=b"earlier")
    result = run(
        "audit",
        str(PETS),
        "--out",
        "s3://reports/audits/pets/",
        "--seed-json",
        "s3://no-such-bucket/seed.json",
        "-q",
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ")
    listed = [item["Key"] for item in s3.list_objects_v2(Bucket="reports")["Contents"]]
    assert listed == ["audits/pets/summary.json"]
    body = s3.get_object(Bucket="reports", Key="audits/pets/summary.json")["Body"].read()
    assert body == b"earlier"


def test_s3_outputs_leave_no_staging_keys(reports_bucket: Any) -> None:
    s3 = reports_bucket
    result = run("audit", str(PETS), "--out", "s3://reports/a/", "-q", "--no-cache")
    assert result.exit_code == 0, result.output
    listed = {item["Key"] for item in s3.list_objects_v2(Bucket="reports")["Contents"]}
    assert listed == {f"a/{name}" for name in OUTPUTS | {"report.html"}}


def test_write_only_credentials_still_write_every_output() -> None:
    from crowdaudit.errors import AccessDeniedError

    class WriteOnly(MemoryStore):
        def read_bytes(self, key: str) -> bytes:
            raise AccessDeniedError(
                "cannot read S3 object", where=self.uri(key), why="AccessDenied"
            )

    store = WriteOnly({"out/a.json": b"old a"})
    write_all([(Location(store, f"out/{n}.json"), n.encode()) for n in ("a", "b")])
    assert store.objects == {"out/a.json": b"a", "out/b.json": b"b"}
