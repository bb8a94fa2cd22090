"""Nothing vanishes without a count: symbolic links, empty labels, undated repeats, gold rows with
empty labels, repeated long-table rows, a manifest shorter than the job.

Counts are worked out on the ``pets-private`` fixture (``tests/data/README.md``): 6 response files,
13 answers after one exact duplicate, 5 objects.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import PETS
from typer.testing import CliRunner

from crowdaudit.cli import app

RESPONSES = "annotations/worker-response"


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def audit(tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "out"
    shutil.rmtree(out, ignore_errors=True)
    result = run("audit", *args, "--out", str(out), "--no-cache", "-q")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text("utf-8"))
    summary["stderr"] = result.stderr
    return summary


def codes(summary: dict[str, Any]) -> list[str]:
    return sorted(record["code"] for record in summary["skipped"])


@pytest.fixture
def job(tmp_path: Path) -> Path:
    folder = tmp_path / "jobs" / "pets-private"
    shutil.copytree(PETS, folder)
    return folder


def test_a_symlinked_iteration_folder_inside_the_job_is_followed(job: Path, tmp_path: Path) -> None:
    real = job / "moved-iteration-2"
    (job / RESPONSES / "iteration-2").rename(real)
    (job / RESPONSES / "iteration-2").symlink_to(real, target_is_directory=True)
    summary = audit(tmp_path, str(job))
    assert (summary["n_answers"], summary["n_objects"], summary["skipped"]) == (13, 5, [])


def test_symlinks_outside_the_job_and_dangling_ones_are_refused_and_counted(
    job: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(job / RESPONSES / "iteration-10", outside / "iteration-10")
    elsewhere = outside / "iteration-10" / "4" / "2022-08-06_09:00:02.json"
    (job / RESPONSES / "iteration-1" / "7").mkdir()
    (job / RESPONSES / "iteration-1" / "7" / "2022-08-07_00:00:00.json").symlink_to(elsewhere)
    (job / RESPONSES / "iteration-1" / "8").mkdir()
    (job / RESPONSES / "iteration-1" / "8" / "2022-08-07_00:00:00.json").symlink_to(
        tmp_path / "nothing-here.json"
    )
    (job / RESPONSES / "iteration-3").symlink_to(outside / "iteration-10", target_is_directory=True)

    summary = audit(tmp_path, str(job))

    assert (summary["n_answers"], summary["n_objects"]) == (13, 5)
    assert codes(summary) == ["dangling-symlink", "outside-folder", "outside-folder"]
    figures = summary["jobs"][0]
    # Every file listed is used or counted: 6 used, 3 refused.
    assert (figures["n_response_files"], figures["n_response_files_used"]) == (9, 6)


def test_a_symlinked_file_outside_the_job_is_not_read(job: Path, tmp_path: Path) -> None:
    from crowdaudit.errors import SourceError
    from crowdaudit.sources.store import LocalStore

    secret = tmp_path / "secret.json"
    secret.write_text('{"answers": []}')
    (job / "link.json").symlink_to(secret)
    with pytest.raises(SourceError, match="resolves outside the job folder"):
        LocalStore(job).read_bytes("link.json")


def test_the_same_relative_path_in_two_folders_is_two_cache_entries(tmp_path: Path) -> None:
    from crowdaudit.sources.store import LocalStore

    (tmp_path / "a" / "job").mkdir(parents=True)
    (tmp_path / "b" / "job").mkdir(parents=True)
    here = os.getcwd()
    try:
        os.chdir(tmp_path / "a")
        first = LocalStore(Path("job")).identity("")
        os.chdir(tmp_path / "b")
        second = LocalStore(Path("job")).identity("")
    finally:
        os.chdir(here)
    assert first != second


def rewrite_answers(path: Path, change: Any) -> None:
    document = json.loads(path.read_text("utf-8"))
    change(document["answers"])
    path.write_text(json.dumps(document), encoding="utf-8")


def test_an_empty_label_is_a_counted_bad_answer(job: Path, tmp_path: Path) -> None:
    first = job / RESPONSES / "iteration-1/0/2022-08-05_10:02:31.json"

    def empty(answers: list[dict[str, Any]]) -> None:
        answers[0]["answerContent"]["crowd-image-classifier"]["label"] = ""

    rewrite_answers(first, empty)
    summary = audit(tmp_path, str(job))
    assert summary["n_answers"] == 12
    assert codes(summary) == ["bad-answer"]
    assert "the label is empty" in summary["skipped"][0]["why"]


def test_two_different_answers_without_submission_time_are_both_kept(
    job: Path, tmp_path: Path
) -> None:
    first = job / RESPONSES / "iteration-1/0/2022-08-05_10:02:31.json"

    def undated_twice(answers: list[dict[str, Any]]) -> None:
        answer = answers[0]
        answer.pop("submissionTime")
        again = json.loads(json.dumps(answer))
        again["answerContent"]["crowd-image-classifier"]["label"] = "Hund"
        again["timeSpentInSeconds"] = 4
        answers.append(again)
        answers.append(json.loads(json.dumps(answer)))  # this one is a true copy of the first

    rewrite_answers(first, undated_twice)
    summary = audit(tmp_path, str(job))
    assert summary["n_answers"] == 14
    assert summary["jobs"][0]["n_duplicate_answers"] == 2


def test_gold_rows_with_empty_labels_are_counted(tmp_path: Path) -> None:
    gold = tmp_path / "gold.csv"
    gold.write_text("task,label\n0,猫\n1,\n,Hund\n2,  \n4,猫\n", encoding="utf-8")
    summary = audit(tmp_path, str(PETS), "--gold", str(gold))
    assert summary["n_gold_labels"] == 2
    assert codes(summary) == ["incomplete-gold-row"] * 3
    assert [record["where"] for record in summary["skipped"]] == [
        f"{gold}:3",
        f"{gold}:4",
        f"{gold}:5",
    ]


def test_long_table_repeats_and_blank_labels_are_counted(tmp_path: Path) -> None:
    table = tmp_path / "answers.csv"
    table.write_text(
        "task,worker,label,seconds\n1,a,x,3\n1,a,y,4\n1,b,x,5\n2,a,  ,6\n2,b,,7\n2,c,x,inf\n",
        encoding="utf-8",
    )
    summary = audit(tmp_path, str(table))
    figures = summary["jobs"][0]
    assert (summary["n_answers"], figures["n_rows_skipped"]) == (4, 2)
    assert figures["n_answers_repeated"] == 1
    assert figures["n_implausible_seconds"] == 1
    assert "repeated-answer" in summary["stderr"]


def test_a_manifest_shorter_than_the_job_is_a_warning(job: Path, tmp_path: Path) -> None:
    shutil.rmtree(job / "annotations/consolidated-annotation")
    manifest = job / "manifests/output/output.manifest"
    manifest.write_text("".join(manifest.read_text("utf-8").splitlines(True)[:2]), "utf-8")
    summary = audit(tmp_path, str(job))
    figures = summary["jobs"][0]
    # Objects 2, 3 and 4 have answers but no line in a two-line manifest.
    assert (figures["n_objects_beyond_manifest"], figures["n_failed_objects"]) == (3, 3)
    assert any("beyond-manifest" in warning for warning in summary["warnings"])


def test_a_file_below_a_linked_folder_outside_the_job_is_not_read(
    job: Path, tmp_path: Path
) -> None:
    from crowdaudit.errors import SourceError
    from crowdaudit.sources.store import LocalStore

    outside = tmp_path / "elsewhere"
    (job / "manifests").rename(outside)
    (job / "manifests").symlink_to(outside, target_is_directory=True)
    with pytest.raises(SourceError, match="resolves outside the job folder"):
        LocalStore(job).read_bytes("manifests/output/output.manifest")
    result = run("audit", str(job), "--no-cache", "-q")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: refusing file: ")


def test_a_long_table_or_gold_file_given_as_a_link_is_read(tmp_path: Path) -> None:
    real = tmp_path / "data"
    real.mkdir()
    (real / "answers.csv").write_text("task,worker,label\n1,a,x\n1,b,x\n2,a,y\n", "utf-8")
    (real / "gold.csv").write_text("task,label\n1,x\n", "utf-8")
    links = tmp_path / "links"
    links.mkdir()
    (links / "answers.csv").symlink_to(real / "answers.csv")
    (links / "gold.csv").symlink_to(real / "gold.csv")
    summary = audit(tmp_path, str(links / "answers.csv"), "--gold", str(links / "gold.csv"))
    assert (summary["n_answers"], summary["n_gold_objects"]) == (3, 1)
