"""Reading a job from S3 through a faulty network: the answers never depend on the hiccups.

The real birds job (302 worker-response files) sits in moto's server; ``faultproxy.FaultProxy``
stands between it and crowdaudit and answers a seeded share of the object GETs with ``503
SlowDown``, connection resets, silences longer than the client's read timeout, or half a body.
Every audit through the proxy must equal a clean audit read straight from moto.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import botocore.config
import pytest
from conftest import PETS, make_client, strip_aws_env
from faultproxy import FaultProxy
from polars.testing import assert_frame_equal

import crowdaudit
from crowdaudit.errors import CrowdAuditError
from crowdaudit.schema import COL
from crowdaudit.sources import groundtruth
from crowdaudit.sources.aws import AwsConfig

BUCKET = "ingest-faults"
PROXY_BUCKET = "faultproxy-check"
BIRDS = "birds-open-images-clone"
N_BIRDS_FILES = 302
RESPONSE_GET = re.compile(r"/annotations/worker-response/")

# -- helpers ----------------------------------------------------------------------------------


def aws_via(url: str, *, timeout: float | None = None, attempts: int | None = None) -> AwsConfig:
    """An ``AwsConfig`` aimed at ``url``; short timeouts or fewer attempts when asked."""
    options: dict[str, Any] = {}
    if timeout is not None:
        options.update(connect_timeout=timeout, read_timeout=timeout)
    if attempts is not None:
        options.update(max_attempts=attempts)
    return AwsConfig(endpoint_url=url, **options)


def upload(endpoint: str, folder: Path, prefix: str) -> str:
    """Copy ``folder`` to ``s3://BUCKET/prefix/`` with a few threads; return the URI."""
    s3 = make_client("s3", endpoint)
    if BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=BUCKET)
    files = [path for path in sorted(folder.rglob("*")) if path.is_file()]

    def put(path: Path) -> None:
        key = f"{prefix}/{path.relative_to(folder).as_posix()}"
        s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, files))
    return f"s3://{BUCKET}/{prefix}/"


def write_gold(manifest: Path, target: Path) -> Path:
    """A golden manifest (seed notebook format) for every third object of the job."""
    lines = [line for line in manifest.read_text().splitlines() if line.strip()]
    gold = []
    for index, line in enumerate(lines):
        record = json.loads(line)
        if index % 3 == 0:
            gold.append(json.dumps({str(index): record[f"{BIRDS}-metadata"]["class-name"]}))
    target.write_text("\n".join(gold) + "\n")
    return target


def comparable(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary without figures about how reading went (fetched, cached, retried)."""
    noisy = re.compile(r"cache|fetch|retr|download|request|seconds")
    cleaned = {key: value for key, value in summary.items() if not noisy.search(key)}
    cleaned["jobs"] = [
        {key: value for key, value in job.items() if not noisy.search(key)}
        for job in summary["jobs"]
    ]
    return cleaned


def assert_same_audit(got: crowdaudit.Audit, expected: crowdaudit.Audit) -> None:
    assert_frame_equal(got.workers.sort(COL.WORKER), expected.workers.sort(COL.WORKER))
    order = [COL.JOB, COL.TASK, COL.WORKER, COL.SUBMITTED_AT]
    assert_frame_equal(got.answers.sort(order), expected.answers.sort(order))
    assert comparable(got.summary) == comparable(expected.summary)


def response_gets(proxy: FaultProxy) -> int:
    """Worker-response GETs the proxy received (every attempt counts)."""
    return sum(
        n
        for (method, target), n in proxy.attempts.items()
        if method == "GET" and "?" not in target and RESPONSE_GET.search(target)
    )


class Interrupted(Exception):
    """Raised from the progress callback: the run is killed half-way."""


# -- fixtures ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _isolated_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """conftest's stripped AWS environment, for module fixtures (set up before it applies)."""
    with pytest.MonkeyPatch.context() as patch:
        base = tmp_path_factory.getbasetemp()
        strip_aws_env(patch, base, base / "xdg-cache")
        yield


@pytest.fixture(autouse=True)
def _private_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the default cache folder out of the developer's home."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="module")
def birds_job(
    moto_endpoint: str, birds_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """The birds job in moto (uploaded once for this module) and a gold file for it.

    No test of this module resets moto, so the upload lasts as long as the module.
    """
    with _isolated_env(tmp_path_factory):
        uri = upload(moto_endpoint, birds_folder, f"output/{BIRDS}")
    gold = write_gold(
        birds_folder / "manifests" / "output" / "output.manifest",
        tmp_path_factory.mktemp("gold") / "golden.manifest",
    )
    return uri, gold


@pytest.fixture(scope="module")
def clean(
    birds_job: tuple[str, Path], moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> crowdaudit.Audit:
    """The birds audit read straight from moto, no proxy, no cache."""
    uri, gold = birds_job
    with _isolated_env(tmp_path_factory):
        result = crowdaudit.audit(uri, gold=gold, aws=aws_via(moto_endpoint), cache=None)
    assert result.summary["n_files_skipped"] == 0
    assert result.jobs[0].stats["n_response_files"] == N_BIRDS_FILES
    return result


# -- the proxy itself -------------------------------------------------------------------------


def ensure_bucket(endpoint: str, name: str) -> Any:
    s3 = make_client("s3", endpoint)
    if name not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=name)
    return s3


def test_proxy_forwards_signed_requests_unchanged(moto_endpoint: str) -> None:
    ensure_bucket(moto_endpoint, PROXY_BUCKET)
    with FaultProxy(moto_endpoint) as proxy:
        s3 = make_client("s3", proxy.url)
        s3.put_object(
            Bucket=PROXY_BUCKET, Key="a/2022-01-01_10:00:00.json", Body=b'{"answers": []}'
        )
        listed = s3.list_objects_v2(Bucket=PROXY_BUCKET, Prefix="a/")["Contents"]
        body = s3.get_object(Bucket=PROXY_BUCKET, Key="a/2022-01-01_10:00:00.json")["Body"].read()
        head = s3.head_object(Bucket=PROXY_BUCKET, Key="a/2022-01-01_10:00:00.json")

    assert [item["Key"] for item in listed] == ["a/2022-01-01_10:00:00.json"]
    assert body == b'{"answers": []}'
    assert head["ContentLength"] == len(body)
    assert proxy.counts["forwarded"] == proxy.counts["requests"] == 4
    assert proxy.object_gets == 1


def test_proxy_faults_are_seeded_and_capped(moto_endpoint: str) -> None:
    def run() -> tuple[dict[str, int], int]:
        with FaultProxy(moto_endpoint, seed=3, slowdown=0.5, faulty_attempts=1) as proxy:
            s3 = make_client(
                "s3",
                proxy.url,
                config=botocore.config.Config(
                    retries={"total_max_attempts": 1, "mode": "standard"}
                ),
            )
            failures = 0
            for n in range(40):
                try:
                    s3.get_object(Bucket=PROXY_BUCKET, Key=f"k{n}")
                except s3.exceptions.ClientError as exc:
                    failures += exc.response["Error"]["Code"] == "SlowDown"
            for n in range(40):  # second attempts are never faulted
                s3.get_object(Bucket=PROXY_BUCKET, Key=f"k{n}")
        return dict(proxy.counts), failures

    s3 = ensure_bucket(moto_endpoint, PROXY_BUCKET)
    for n in range(40):
        s3.put_object(Bucket=PROXY_BUCKET, Key=f"k{n}", Body=b"x")
    first, failures = run()
    assert first == run()[0]
    assert failures == first["slowdown"]
    assert 8 <= failures <= 32


# -- faults -----------------------------------------------------------------------------------


def test_audit_through_faults_equals_clean_run(
    birds_job: tuple[str, Path], clean: crowdaudit.Audit, moto_endpoint: str
) -> None:
    """20% SlowDown, 5% resets, 1% silences that last until the client's read timeout gives up;
    each GET faulted twice at most, so the library's retries always get through.

    The proxy keeps a silenced request open until the client hangs up, so nothing races the
    client's clock. The 5 s timeout only has to exceed moto's latency (it shares this process's
    GIL: up to ~0.5 s with 16 reads at once); a request that outlasts it anyway is retried. The
    proxy's lifetime guards against a hang, and is far above a clean run (about 5 s).
    """
    uri, gold = birds_job
    faults = FaultProxy(
        moto_endpoint,
        seed=7,
        slowdown=0.20,
        reset=0.05,
        delay=0.01,
        faulty_attempts=2,
        lifetime=600,
    )
    with faults as proxy:
        got = crowdaudit.audit(
            uri,
            gold=gold,
            aws=aws_via(proxy.url, timeout=5.0),
            cache=None,
            concurrency=16,
        )

    assert_same_audit(got, clean)
    assert proxy.counts["slowdown"] >= 40
    assert proxy.counts["reset"] >= 5
    assert proxy.counts["delay"] >= 1
    assert proxy.counts["hung_up"] == proxy.counts["delay"]
    assert response_gets(proxy) > N_BIRDS_FILES


def test_truncated_transfers_are_retried(
    birds_job: tuple[str, Path], clean: crowdaudit.Audit, moto_endpoint: str
) -> None:
    """Half a body, then a reset: botocore does not retry body reads, the reader must."""
    uri, gold = birds_job
    with FaultProxy(moto_endpoint, seed=11, truncate=0.1, faulty_attempts=1) as proxy:
        got = crowdaudit.audit(uri, gold=gold, aws=aws_via(proxy.url), cache=None)

    assert proxy.counts["truncate"] >= 10
    assert got.summary["skipped"] == []
    assert_same_audit(got, clean)


def _failing_pets(endpoint: str) -> tuple[str, str]:
    uri = upload(endpoint, PETS, "output/pets-private")
    failing = "annotations/worker-response/iteration-2/3/2022-08-05_13:00:08.json"
    return uri, failing


def test_key_failing_every_attempt_is_reported(moto_endpoint: str) -> None:
    uri, failing = _failing_pets(moto_endpoint)
    with FaultProxy(moto_endpoint, fail_always=[r"/iteration-2/3/"]) as proxy:
        got = crowdaudit.audit(uri, aws=aws_via(proxy.url, attempts=2), cache=None)

    assert proxy.counts["fail_always"] >= 2
    assert got.summary["n_files_skipped"] == 1
    (skipped,) = got.summary["skipped"]
    assert skipped["where"] == uri + failing
    assert "InternalError" in skipped["why"]
    assert got.jobs[0].stats["n_response_files_used"] == got.jobs[0].stats["n_response_files"] - 1
    assert "3" not in got.answers.get_column(COL.TASK).to_list()


def test_key_failing_every_attempt_is_fatal_with_strict(moto_endpoint: str) -> None:
    uri, failing = _failing_pets(moto_endpoint)
    with (
        FaultProxy(moto_endpoint, fail_always=[r"/iteration-2/3/"]) as proxy,
        pytest.raises(CrowdAuditError, match=re.escape(uri + failing)),
    ):
        crowdaudit.audit(uri, aws=aws_via(proxy.url, attempts=2), strict=True, cache=None)


# -- truncated objects ------------------------------------------------------------------------


@pytest.fixture
def truncated_pets(moto_endpoint: str, copy_of: Any) -> tuple[str, str]:
    """The pets job with one worker-response file cut in half, in moto."""
    folder = copy_of(PETS)
    relative = "annotations/worker-response/iteration-1/1/2022-08-05_11:01:05.json"
    path = folder / relative
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return upload(moto_endpoint, folder, "output/pets-truncated"), relative


def test_truncated_object_is_skipped_and_reported(
    truncated_pets: tuple[str, str], moto_endpoint: str
) -> None:
    uri, relative = truncated_pets
    got = crowdaudit.audit(uri, aws=aws_via(moto_endpoint), cache=None)

    assert got.summary["n_files_skipped"] == 1
    (skipped,) = got.summary["skipped"]
    assert skipped["where"] == uri + relative
    assert "1" not in got.answers.get_column(COL.TASK).to_list()
    assert got.answers.height > 0


def test_truncated_object_is_fatal_with_strict(
    truncated_pets: tuple[str, str], moto_endpoint: str
) -> None:
    uri, relative = truncated_pets
    with pytest.raises(CrowdAuditError, match=re.escape(uri + relative)):
        crowdaudit.audit(uri, aws=aws_via(moto_endpoint), strict=True, cache=None)


def test_truncated_object_stays_reported_when_read_from_cache(
    truncated_pets: tuple[str, str], moto_endpoint: str, tmp_path: Path
) -> None:
    uri, relative = truncated_pets
    cache = tmp_path / "cache"
    first = crowdaudit.audit(uri, aws=aws_via(moto_endpoint), cache=cache)
    with FaultProxy(moto_endpoint) as proxy:
        second = crowdaudit.audit(uri, aws=aws_via(proxy.url), cache=cache)

    assert response_gets(proxy) == 0
    assert second.summary["skipped"] == first.summary["skipped"]
    assert second.summary["skipped"][0]["where"] == uri + relative


# -- interrupted and incremental runs ---------------------------------------------------------


def interrupt_half_way(stage: str, done: int, total: int | None) -> None:
    if "answer" in stage and total and done >= total // 2:
        raise Interrupted(f"killed at {done}/{total}")


def test_interrupted_run_resumes_from_cache(
    birds_job: tuple[str, Path],
    clean: crowdaudit.Audit,
    moto_endpoint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run killed half-way keeps what it had saved; the next run fetches only the rest."""
    # The cache is written every _BATCH files (what a killed run may lose); 302 files need less.
    monkeypatch.setattr(groundtruth, "_BATCH", 50)
    uri, gold = birds_job
    cache = tmp_path / "cache"
    with FaultProxy(moto_endpoint) as first, pytest.raises(Interrupted):
        crowdaudit.audit(
            uri,
            gold=gold,
            aws=aws_via(first.url),
            cache=cache,
            concurrency=8,
            progress=interrupt_half_way,
        )
    with FaultProxy(moto_endpoint) as second:
        resumed = crowdaudit.audit(uri, gold=gold, aws=aws_via(second.url), cache=cache)

    assert_same_audit(resumed, clean)
    fetched_again = {t for t in second.keys_fetched() if RESPONSE_GET.search(t)}
    assert 0 < len(fetched_again) <= N_BIRDS_FILES - 150


def test_unchanged_job_is_not_fetched_again_and_new_keys_are(
    birds_job: tuple[str, Path], clean: crowdaudit.Audit, moto_endpoint: str, tmp_path: Path
) -> None:
    uri, gold = birds_job
    cache = tmp_path / "cache"
    crowdaudit.audit(uri, gold=gold, aws=aws_via(moto_endpoint), cache=cache)
    with FaultProxy(moto_endpoint) as proxy:
        warm = crowdaudit.audit(uri, gold=gold, aws=aws_via(proxy.url), cache=cache)
    assert response_gets(proxy) == 0
    assert_same_audit(warm, clean)

    # One more answer file arrives while the job runs: only it is fetched.
    s3 = make_client("s3", moto_endpoint)
    bucket_prefix = uri.removeprefix(f"s3://{BUCKET}/")
    new_key = f"{bucket_prefix}annotations/worker-response/iteration-3/999/2019-04-20_10:00:00.json"
    answer = {
        "answerContent": {"crowd-image-classifier": {"label": "Falcon"}},
        "submissionTime": "2019-04-20T10:00:00Z",
        "workerId": "public.us-east-1.NEWWORKER",
    }
    s3.put_object(Bucket=BUCKET, Key=new_key, Body=json.dumps({"answers": [answer]}).encode())
    try:
        with FaultProxy(moto_endpoint) as proxy:
            grown = crowdaudit.audit(uri, gold=gold, aws=aws_via(proxy.url), cache=cache)
    finally:
        s3.delete_object(Bucket=BUCKET, Key=new_key)
    assert response_gets(proxy) == 1
    assert grown.answers.height == clean.answers.height + 1
    assert "public.us-east-1.NEWWORKER" in grown.workers.get_column(COL.WORKER).to_list()


def test_listing_per_iteration_and_gets_overlap(
    birds_job: tuple[str, Path], moto_endpoint: str
) -> None:
    """With 50 ms added to every request, the proxy sees many requests at once: reads overlap."""
    uri, _ = birds_job
    with FaultProxy(moto_endpoint, latency=0.05) as proxy:
        (job,) = crowdaudit.read_jobs([uri], aws=aws_via(proxy.url), cache=None)

    assert job.responses.height == 1510
    # The default concurrency is 64; 16 in flight at once is unmistakably parallel and still far
    # from what a loaded machine's scheduling could prevent over 302 requests of 50 ms each.
    assert proxy.max_in_flight >= 16, proxy.max_in_flight
    listings = [target for method, target in proxy.attempts if "list-type=2" in target]
    iterations = {
        match.group(1)
        for target in listings
        if (match := re.search(r"worker-response%2Fiteration-(\d+)%2F", target))
    }
    assert iterations == {"1", "2"}
