"""Whole-account reading: the default engine against ``--engine ray`` with 1 and 2 workers, and an
incremental ``--all-jobs`` run over 200 jobs, all against moto's S3 server on 127.0.0.1.

Run from the repository root (needs Ray: ``pip install 'crowdaudit[ray]'``)::

    .venv/bin/python bench/account.py [--objects 3000] [--jobs 200]

1. **Scaling.** One synthetic job of ``--objects`` worker-response files (3 answers each) in six
   ``iteration-N/`` folders, read into an empty cache by each engine in turn, in the same run:
   objects per second, and client CPU seconds per 1,000 objects — the CPU of this process and of
   every process it started (Ray's workers, raylet and GCS) except moto's server, read from
   ``/proc``. Ray's start-up is timed apart and not counted in objects/s.
2. **Incremental discovery.** ``--jobs`` jobs listed by a stubbed ListLabelingJobs (botocore's
   Stubber, 100 a page) and DescribeLabelingJob, their folders on moto's S3; ``--all-jobs`` read
   into an empty cache, then again with one new job: worker-response files fetched per run.

Not part of the test suite. moto's server runs in its own process so its CPU is not the client's.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from account_support import description, summary, write_job

from crowdaudit.audit import read_account, read_jobs
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.discovery import JobFilter
from crowdaudit.sources.ray_engine import RayEngine

START = datetime(2026, 5, 4, 8, tzinfo=UTC)
WORKERS = ("private.us-east-1.w1", "private.us-east-1.w2", "private.us-east-1.w3")
_TICKS = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def moto_server() -> Iterator[tuple[str, int]]:
    """moto's S3 server in a child process on 127.0.0.1: its URL and process id."""
    port = _free_port()
    binary = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(url + "/moto-api/"):  # loopback only
                    break
            except OSError:
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def client_cpu(excluded: int) -> float:
    """CPU seconds of this process and its live descendants, but not ``excluded``'s tree."""
    tree = _children()
    total, pending = 0.0, [os.getpid()]
    while pending:
        pid = pending.pop()
        if pid == excluded:
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICKS
        pending += tree.get(pid, [])
    return total


def _upload(s3: Any, folder: Path, prefix: str) -> str:
    files = [path for path in sorted(folder.rglob("*")) if path.is_file()]

    def put(path: Path) -> None:
        key = f"{prefix}/{path.relative_to(folder).as_posix()}"
        s3.put_object(Bucket="bench", Key=key, Body=path.read_bytes())

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, files))
    return f"s3://bench/{prefix}/"


def _answers(n_objects: int) -> list[tuple[str, str, str, int]]:
    return [
        (str(t), w, "cat" if t % 5 else "dog", t % 600) for t in range(n_objects) for w in WORKERS
    ]


def _timed(read: Callable[[], Any], moto_pid: int) -> tuple[float, float]:
    cpu, start = client_cpu(moto_pid), time.perf_counter()
    read()
    return time.perf_counter() - start, client_cpu(moto_pid) - cpu


def bench_scaling(url: str, moto_pid: int, n_objects: int, work: Path) -> None:
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
    s3.create_bucket(Bucket="bench")
    uri = _upload(s3, write_job(work, "big", _answers(n_objects), start=START, iterations=6), "big")
    aws = AwsConfig(endpoint_url=url)
    rows = []

    def read(engine: RayEngine | None, cache: Path) -> Callable[[], Any]:
        return lambda: read_jobs([uri], aws=aws, cache=cache, engine=engine)

    seconds, cpu = _timed(read(None, work / "cache-default"), moto_pid)
    rows.append(("default (threads, one process)", "", seconds, cpu))
    for workers in (1, 2):
        started = time.perf_counter()
        with RayEngine(aws, num_cpus=workers) as engine:
            startup = time.perf_counter() - started
            seconds, cpu = _timed(read(engine, work / f"cache-ray-{workers}"), moto_pid)
        rows.append((f"ray, {workers} worker(s)", f"{startup:.1f} s", seconds, cpu))
    baseline = n_objects / rows[0][2]
    print(f"Scaling: one job of {n_objects:,} files (3 answers each), 6 iteration folders")
    print()
    print(
        "| engine | Ray start-up | wall | objects/s | vs default | client CPU s per 1,000 objects |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, startup, wall, cpu in rows:
        rate = n_objects / wall
        print(
            f"| {name} | {startup or '—'} | {wall:.2f} s | {rate:,.0f} | {rate / baseline:.2f}× "
            f"| {1000 * cpu / n_objects:.2f} |"
        )
    print()


def _stub(stubber: Stubber, names: list[str], output: str) -> None:
    parameters = {"SortBy": "CreationTime", "SortOrder": "Ascending"}
    pages = [names[i : i + 100] for i in range(0, len(names), 100)]
    for number, page in enumerate(pages):
        response: dict[str, Any] = {
            "LabelingJobSummaryList": [
                summary(name, START + timedelta(hours=int(name.split("-")[1]))) for name in page
            ]
        }
        if number + 1 < len(pages):
            response["NextToken"] = f"page-{number + 1}"
        expected = {**parameters, **({"NextToken": f"page-{number}"} if number else {})}
        stubber.add_response("list_labeling_jobs", response, expected)
    for name in names:
        stubber.add_response(
            "describe_labeling_job", description(name, output), {"LabelingJobName": name}
        )


def _discover(
    names: list[str], output: str, aws: AwsConfig, cache: Path
) -> tuple[float, list[int]]:
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stubber:
        _stub(stubber, names, output)
        start = time.perf_counter()
        jobs, _ = read_account(JobFilter(), sagemaker=client, aws=aws, cache=cache, labels=False)
        seconds = time.perf_counter() - start
    return seconds, [job.n_fetched for job in jobs]


def bench_incremental(url: str, n_jobs: int, work: Path) -> None:
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
    if "bench" not in {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket="bench")
    names = [f"job-{n:04d}" for n in range(n_jobs + 1)]
    for name in names:
        answers = [(str(t), w, "cat", t) for t in range(4) for w in WORKERS]
        _upload(s3, write_job(work / "jobs", name, answers, start=START), f"account/{name}")
    aws = AwsConfig(endpoint_url=url)
    cache = work / "cache-account"
    first, fetched_first = _discover(names[:-1], "s3://bench/account", aws, cache)
    second, fetched_second = _discover(names, "s3://bench/account", aws, cache)
    print(f"Incremental discovery: {n_jobs} stubbed jobs of 4 files, then one more")
    print()
    print("| run | jobs | wall | files fetched | jobs with a fetch |")
    print("|---|---:|---:|---:|---:|")
    for label, seconds, fetched in (
        ("first, empty cache", first, fetched_first),
        ("again, with 1 new job", second, fetched_second),
    ):
        print(
            f"| {label} | {len(fetched)} | {seconds:.1f} s | {sum(fetched)} "
            f"| {sum(1 for n in fetched if n)} |"
        )
    print()
    print(f"second run: files fetched per job, new job last: …{fetched_second[-3:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=3000)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--skip", choices=("scaling", "incremental"), action="append", default=[])
    args = parser.parse_args()
    # Dummy credentials only: nothing here may use a real account.
    for name in [name for name in os.environ if name.startswith(("AWS_", "BOTO_"))]:
        del os.environ[name]
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    with (
        tempfile.TemporaryDirectory(prefix="crowdaudit-account-") as folder,
        moto_server() as (
            url,
            moto_pid,
        ),
    ):
        work = Path(folder)
        if "scaling" not in args.skip:
            bench_scaling(url, moto_pid, args.objects, work)
        if "incremental" not in args.skip:
            bench_incremental(url, args.jobs, work)


if __name__ == "__main__":
    main()
