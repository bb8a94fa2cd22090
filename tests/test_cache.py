"""The incremental cache: unchanged files are not fetched again, changed and new ones are, removed
ones disappear, unusable ones are reported again, and the result equals a run without cache."""

from __future__ import annotations

import json
import os
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
    assert len(list(job_cache.glob("part-*.parquet"))) == 6
    for path in folder.glob("annotations/worker-response/*/*/*.json"):
        path.write_text(path.read_text("utf-8") + "\n", "utf-8")  # new ETags, same answers
    warm = read(folder, cache)
    assert len(list(job_cache.glob("part-*.parquet"))) == 1
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


def test_an_edit_with_the_modification_time_put_back_is_seen(copy_of: Any, tmp_path: Path) -> None:
    folder, cache = copy_of(PETS), tmp_path / "cache"
    read(folder, cache)
    (path,) = folder.glob("annotations/worker-response/iteration-1/0/*.json")
    before = path.stat()
    text = path.read_text("utf-8")
    assert text.count("猫") == 2
    path.write_text(text.replace("猫", "犬"), "utf-8")  # same size in UTF-8
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # touch -r
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    warm = read(folder, cache)
    assert warm.n_fetched == 1
    assert "犬" in set(warm.responses[COL.LABEL])
    assert same(warm, read(folder, None))


def test_one_relative_path_in_two_folders_uses_two_cache_entries(
    tmp_path: Path, monkeypatch: Any
) -> None:
    cache = tmp_path / "cache"
    for side, label in (("a", "猫"), ("b", "犬")):
        job = tmp_path / side / "pets-private"
        shutil.copytree(PETS, job)
        for path in job.glob("annotations/worker-response/*/*/*.json"):
            path.write_text(path.read_text("utf-8").replace("猫", label), "utf-8")
            os.utime(
                path, ns=(1_600_000_000 * 10**9, 1_600_000_000 * 10**9)
            )  # alike but for content
    monkeypatch.chdir(tmp_path / "a")
    first = read(Path("pets-private"), cache)
    monkeypatch.chdir(tmp_path / "b")
    second = read(Path("pets-private"), cache)
    assert second.n_fetched == 6
    assert "犬" in set(second.responses[COL.LABEL])
    assert "犬" not in set(first.responses[COL.LABEL])


_WRITER = """
import sys
from pathlib import Path
import polars as pl
from crowdaudit.sources.cache import CachedFile, ResponseCache
from crowdaudit.sources.responses import RAW

root, name, batches = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
cache = ResponseCache(root, job_uri="s3://bucket/job/", parser="classification-1")
for batch in range(batches):
    keys = [f"{name}-{batch}-{n}" for n in range(3)]
    rows = pl.DataFrame(
        {"task": keys, "iteration": [1] * 3, "source_key": keys, "worker": [name] * 3},
        schema={k: RAW[k] for k in ("task", "iteration", "source_key", "worker")},
    ).with_columns(pl.lit(None, dtype).alias(c) for c, dtype in RAW.items() if c not in
        ("task", "iteration", "source_key", "worker")).select(list(RAW))
    cache.save_part([(key, CachedFile(key, "etag")) for key in keys], rows)
"""


def test_two_processes_writing_one_cache_never_pair_keys_with_other_rows(tmp_path: Path) -> None:
    import subprocess
    import sys

    batches = 120
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), name, str(batches)])
        for name in ("first", "second")
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    state = ResponseCache(tmp_path, job_uri="s3://bucket/job/", parser="classification-1").load()
    assert len(state.files) == 2 * batches * 3
    with_rows = set(state.raw.get_column(COL.SOURCE_KEY))
    assert {cached.where for cached in state.files.values()} == with_rows


_RUN = """
import sys
from crowdaudit.sources import groundtruth
from crowdaudit.cli import main

groundtruth._BATCH = 7  # many small parts, so that two runs interleave their writes
sys.argv = ["crowdaudit", "audit", *sys.argv[1:]]
main()
"""


def test_two_audits_sharing_one_cache_lose_no_answer(tmp_path: Path) -> None:
    import subprocess
    import sys

    job = tmp_path / "many"
    answer = json.loads(
        next(PETS.glob("annotations/worker-response/iteration-1/0/*.json")).read_text("utf-8")
    )["answers"][0]
    for task in range(300):
        folder = job / "annotations/worker-response/iteration-1" / str(task)
        folder.mkdir(parents=True)
        (folder / "2022-08-05_10:00:00.json").write_text(
            json.dumps({"answers": [{**answer, "workerId": f"w{task % 7}"}]}), "utf-8"
        )
    cache = tmp_path / "cache"

    def start(out: str) -> Any:
        arguments = [str(job), "--cache", str(cache), "-q", "--out", str(tmp_path / out)]
        return subprocess.Popen([sys.executable, "-c", _RUN, *arguments], stderr=subprocess.PIPE)

    runs = [start("first"), start("second")]
    assert [run.wait(timeout=300) for run in runs] == [0, 0], [r.stderr.read() for r in runs]
    for run in runs:
        run.stderr.close()
    warm = read(job, cache)
    assert warm.n_fetched == 0
    assert warm.responses.height == 300
    assert same(warm, read(job, None))
