"""Writing an audit's outputs to S3: the one obstore path against boto3 writes (the former split).

A moto server on 127.0.0.1 holds the bucket; ``tests/faultproxy.py`` in front of it adds a fixed
latency to every request, standing in for the network to S3. The bundled demo job is audited once,
then its files (``workers.*``, ``items.csv``, ``summary.json``, ``report.html``, the seed JSON) are
written with :func:`crowdaudit.report.commit.write_all` (stage, keep what was there, move into
place, clean up) through two stores:

* ``obstore`` (the store crowdaudit uses): every PUT, GET and DELETE through obstore;
* ``boto3 writes``: PUT and DELETE through boto3, GET through obstore, as crowdaudit wrote
  before S3 had one path.

Each store writes the same files ``--rounds`` times into a fresh prefix and over the previous
round's files (the commit then keeps the old bytes); the best wall time of each is printed, with
the client's CPU time per round (moto and the proxy run in a child process) and the ratio to
boto3 writes in the same run.

Run: ``.venv/bin/python bench/s3_writes.py [--latency-ms 20] [--rounds 5]``. Loopback only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BUCKET = "bench-writes"


def outputs(result: Any) -> dict[str, bytes]:
    from crowdaudit.report.outputs import render_audit_files
    from crowdaudit.report.writers import render_seed_json

    files = render_audit_files(result)
    files["seed.json"] = render_seed_json(result.seed_metrics())
    return files


def boto3_writes(aws: Any) -> Any:
    """PUT and DELETE through boto3, GET through obstore: the store before the one S3 path."""
    from crowdaudit.sources.s3 import S3Store
    from crowdaudit.sources.s3_obstore import ObstoreS3Store

    class Split(S3Store):
        def __init__(self) -> None:
            super().__init__(aws.s3_client(), BUCKET)
            self._reader = ObstoreS3Store(aws, BUCKET)

        def read_bytes(self, key: str) -> bytes:
            return self._reader.read_bytes(key)

    return Split()


def timed_rounds(
    store: Any, files: dict[str, bytes], rounds: int, name: str
) -> tuple[float, float]:
    from crowdaudit.report.commit import write_all
    from crowdaudit.sources.locations import Location

    best, cpu = float("inf"), 0.0
    for number in range(rounds):
        prefix = f"{name}/{number // 2}/"  # every second round writes over the one before
        placed = [(Location(store, prefix + file), data) for file, data in files.items()]
        started, started_cpu = time.perf_counter(), time.process_time()
        write_all(placed)
        best = min(best, time.perf_counter() - started)
        cpu += time.process_time() - started_cpu
    return best, cpu / rounds


def serve(latency: float) -> None:
    """Run moto's server and the latency proxy in this (child) process; print the proxy's URL;
    serve until stdin closes. Apart, so that the parent's CPU time is the client's alone."""
    import logging

    from moto.server import ThreadedMotoServer

    sys.path.insert(0, str(REPO / "tests"))
    from faultproxy import FaultProxy

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with FaultProxy(f"http://{host}:{port}", latency=latency, lifetime=3600) as proxy:
        print(proxy.url, flush=True)
        sys.stdin.read()
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.latency_ms / 1000)
        return

    import boto3

    import crowdaudit
    from crowdaudit.sources.aws import AwsConfig
    from crowdaudit.sources.s3_obstore import HybridS3Store

    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    command = [sys.executable, __file__, "--serve", "--latency-ms", str(options.latency_ms)]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdin is not None
    url = child.stdout.readline().strip()
    try:
        boto3.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)
        files = outputs(crowdaudit.audit(crowdaudit.demo_job(), gold=crowdaudit.demo_gold()))
        size = sum(len(data) for data in files.values())
        aws = AwsConfig(endpoint_url=url)
        stores = [("boto3 writes", boto3_writes(aws)), ("obstore", HybridS3Store(aws, BUCKET))]
        print(f"{len(files)} files, {size / 1e6:.2f} MB, {options.latency_ms:.0f} ms a request")
        print(f"{'store':<16}{'best s':>10}{'CPU s/round':>14}{'ratio':>8}")
        baseline = None
        for name, store in stores:
            best, cpu = timed_rounds(store, files, options.rounds, name.replace(" ", "-"))
            baseline = baseline or best
            print(f"{name:<16}{best:>10.3f}{cpu:>14.3f}{best / baseline:>8.2f}")
    finally:
        child.stdin.close()
        child.wait(timeout=30)


if __name__ == "__main__":
    main()
