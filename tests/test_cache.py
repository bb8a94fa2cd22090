"""The incremental cache: unchanged files are not fetched again, changed and new ones are, removed
ones disappear, unusable ones are reported again, and the result equals a run without cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import PETS

from crowdaudit.audit import read_jobs
from crowdaudit.errors import ResponseFormatError
from crowdaudit.model import Job
from crowdaudit.schema import COL
from crowdaudit.sources import groundtruth
from crowdaudit.sources.cache import ResponseCache


def read(folder: Path, cache: Path | None, **options: Any) -> Job:
    (job,) = read_jobs([folder], cache=cache, **options)
    return job


def same(a: Job, b: Job) -> bool:
    order = [COL.TASK, COL.WORKER, COL.SUBMITTED_AT]
    return a.responses.sort(order).equals(b.responses.sort(order)) and a.stats == b.stats


def test_warm_run_fetches_nothing_and_equals_a_cold_one(copy_of: Any, tmp_path: Path) -> None:
    folder, cache = copy_of(PETS), tmp_path / "cache"
    cold = read(folder, cache)
    warm = read(folder, cache)
    assert (cold.n_fetched, warm.n_fetched) == (6, 0)
    assert same(warm, cold)
    assert same(warm, read(folder, None))


def test_changed_new_and_removed_files(copy_of: Any, tmp_path: Path) -> None:
    folder, cache = copy_of(PETS), tmp_path / "cache"
    read(folder, cache)
    (changed,) = folder.glob("annotations/worker-response/iteration-1/1/*.json")
    document = json.loads(changed.read_text("utf-8"))
    document["answers"][0]["answerContent"]["crowd-image-classifier"]["label"] = "Pájaro"
    changed.write_text(json.dumps(document), "utf-8")
    added = folder / "annotations" / "worker-response" / "iteration-2" / "9" / "x.json"
    added.parent.mkdir()
    added.write_text(json.dumps({"answers": [document["answers"][1]]}))
    shutil.rmtree(folder / "annotations" / "worker-response" / "iteration-10")

    warm = read(folder, cache)
    assert warm.n_fetched == 2
    assert same(warm, read(folder, None))
    assert "4" not in set(warm.responses[COL.TASK])
    assert {"9", "1"} <= set(warm.responses[COL.TASK])


def test_unusable_files_are_reported_again_from_the_cache(copy_of: Any, tmp_path: Path) -> None:
    folder, cache = copy_of(PETS), tmp_path / "cache"
    (bad,) = folder.glob("annotations/worker-response/iteration-1/0/*.json")
    bad.write_text('{"answers": [')
    cold = read(folder, cache)
    warm = read(folder, cache)
    assert warm.n_fetched == 0
    assert warm.skipped == cold.skipped
    assert [record.code for record in warm.skipped] == ["malformed-json"]
    with pytest.raises(ResponseFormatError, match="malformed JSON"):
        read(folder, cache, strict=True)


def test_many_parts_are_compacted(copy_of: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(groundtruth, "_BATCH", 1)  # one part per file: 6 parts, then more
    folder, cache = copy_of(PETS), tmp_path / "cache"
    read(folder, cache)
    (job_cache,) = cache.iterdir()
    assert len(list(job_cache.glob("part-*.keys.parquet"))) == 6
    for path in folder.glob("annotations/worker-response/*/*/*.json"):
        path.write_text(path.read_text("utf-8") + "\n", "utf-8")  # new ETags, same answers
    warm = read(folder, cache)
    assert len(list(job_cache.glob("part-*.keys.parquet"))) == 1
    assert same(warm, read(folder, None))
    again = read(folder, cache)
    assert again.n_fetched == 0
    assert same(again, warm)


def test_cache_folder_names_never_come_from_keys(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path, job_uri="s3://b/../../etc/passwd:", parser="classification-1")
    cache.save_part([], pl.DataFrame())
    (folder,) = tmp_path.iterdir()
    assert folder.parent == tmp_path
    assert set(folder.name) <= set("0123456789abcdef")
