"""``--engine ray`` gives the default engine's results, on a local Ray (``num_cpus=2``), reading
jobs from moto's S3 server on 127.0.0.1; and the two engines share the cache.

Skipped with a banner in the log and the reason in the summary line where Ray cannot be imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from account_support import write_job
from conftest import PETS, make_client, strip_aws_env, upload_folder
from polars.testing import assert_frame_equal

from crowdaudit.audit import Audit, audit
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.ray_engine import RayEngine

try:
    import ray  # noqa: F401
except ImportError as missing:  # only where Ray has no wheel for this platform
    _BANNER = "#" * 78
    _MESSAGE = (
        f"\n{_BANNER}\n# RAY ENGINE TEST SKIPPED: Ray cannot be imported ({missing})\n{_BANNER}"
    )
    print(_MESSAGE)  # shown in CI logs even without -rs
    pytest.skip(_MESSAGE, allow_module_level=True)

START = datetime(2026, 3, 2, 8, tzinfo=UTC)
WORKERS = [f"private.us-east-1.w{n}" for n in range(5)]


def _answers() -> list[tuple[str, str, str, int]]:
    # 40 objects over 3 iteration folders; worker w4 disagrees on every fourth object.
    return [
        (str(t), w, "dog" if w.endswith("w4") and t % 4 == 0 else "cat", t)
        for t in range(40)
        for w in WORKERS
    ]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> Iterator[RayEngine]:
    """One local Ray for the module, started with the stripped AWS environment (its workers
    inherit the environment they start with), and shut down after it. Its tasks read through
    the same AWS configuration as the reads of the tests: moto's endpoint."""
    with pytest.MonkeyPatch.context() as patch:
        strip_aws_env(patch, tmp_path_factory.mktemp("ray-env"), tmp_path_factory.mktemp("xdg"))
        # Small shards, so that one job is parsed by several tasks.
        aws = AwsConfig(endpoint_url=moto_endpoint)
        with RayEngine(aws, num_cpus=2, shard_files=7) as started:
            yield started


@pytest.fixture
def jobs(tmp_path: Path, moto_reset: str, copy_of: Any) -> list[str]:
    """Two jobs on moto's S3: the pets fixture (three iterations, one malformed file added) and
    a synthetic job of 40 objects in three iteration folders."""
    s3 = make_client("s3", moto_reset)
    pets = copy_of(PETS)
    broken = pets / "annotations" / "worker-response" / "iteration-2" / "9"
    broken.mkdir(parents=True)
    (broken / "2022-08-05_13:00:00.json").write_bytes(b'{"answers": [')
    synthetic = write_job(tmp_path, "synthetic", _answers(), start=START, iterations=3)
    return [
        upload_folder(s3, pets, "audit-bucket", "output/pets-private"),
        upload_folder(s3, synthetic, "audit-bucket", "output/synthetic"),
    ]


def _audit(jobs: list[str], endpoint: str, cache: Path, engine: RayEngine | None) -> Audit:
    return audit(*jobs, aws=AwsConfig(endpoint_url=endpoint), cache=cache, engine=engine)


def _same(left: Audit, right: Audit) -> None:
    assert_frame_equal(left.workers, right.workers)
    assert_frame_equal(left.items, right.items)
    assert_frame_equal(left.history, right.history)
    assert left.summary == right.summary
    assert_frame_equal(
        left.answers.sort("job", "source_key", "worker"),
        right.answers.sort("job", "source_key", "worker"),
    )


def test_ray_gives_the_default_engines_results(
    engine: RayEngine, jobs: list[str], moto_reset: str, tmp_path: Path
) -> None:
    default = _audit(jobs, moto_reset, tmp_path / "default-cache", None)
    tasks_before = engine.n_tasks
    with_ray = _audit(jobs, moto_reset, tmp_path / "ray-cache", engine)

    _same(default, with_ray)
    # Really read by Ray: one listing task per iteration folder (3 + 3) and 7-file shards.
    assert engine.n_tasks - tasks_before == 6 + 1 + 6
    assert [job.n_fetched for job in with_ray.jobs] == [7, 40]
    assert [job.n_fetched for job in default.jobs] == [7, 40]
    # The malformed file is reported the same way by both.
    assert with_ray.summary["n_files_skipped"] == default.summary["n_files_skipped"] == 1


def test_engines_share_the_cache(
    engine: RayEngine, jobs: list[str], moto_reset: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = _audit(jobs, moto_reset, cache, engine)
    # The default engine finds every file in the parts Ray's tasks wrote: nothing fetched.
    again = _audit(jobs, moto_reset, cache, None)
    assert [job.n_fetched for job in again.jobs] == [0, 0]
    _same(first, again)

    # One new object: Ray fetches only its file.
    s3 = make_client("s3", moto_reset)
    key = "output/synthetic/annotations/worker-response/iteration-1/99/2026-03-02_09:00:00.json"
    body = (next((tmp_path / "synthetic").rglob("*.json"))).read_bytes()
    s3.put_object(Bucket="audit-bucket", Key=key, Body=body)
    tasks_before = engine.n_tasks
    grown = _audit(jobs, moto_reset, cache, engine)
    assert [job.n_fetched for job in grown.jobs] == [0, 1]
    assert engine.n_tasks - tasks_before == 6 + 1
    assert grown.summary["n_answers"] == first.summary["n_answers"] + 5
