"""How fast a big job is read from S3: the seed notebook's GETs one by one against crowdaudit.

A moto server runs in its own process, holding a synthetic text-classification job in the 2022
format (20,000 worker-response objects of about 1.5 KB, 5 answers each, and the output manifest);
the objects are put straight into moto's in-process backend, which takes seconds instead of the
minutes 20,000 PUTs through moto's HTTP front end would. In front of it, ``tests/faultproxy.py``
(its own process too) adds 20 ms to every request, standing in for the network to S3.

Each measured variant runs in a fresh subprocess, so its CPU time (``getrusage``) counts the client
only and its peak RSS is its own:

* the seed notebook's method, exactly: ``list_objects`` paginator, then one ``get_object`` and
  ``json.loads`` per key in a loop (timed on the first ``--seed-objects`` keys and extrapolated to
  all of them, since at ~40 objects/s the whole job would take minutes);
* ``crowdaudit.read_jobs`` cold (empty cache) and warm (same cache, unchanged job);
* with ``--moto-ceiling``, moto's own ceiling: boto3 GETs from threads straight to moto;
* raw GET throughput through the proxy of boto3 in a thread pool and of obstore (Rust, asyncio),
  to inform the choice of client.

Run: ``.venv/bin/python bench/ingest.py [--objects N] [--latency-ms 20] [--concurrency 64]``.
Prints a table. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BUCKET = "bench-ingest"
JOB = "bench-ingest-job"
PREFIX = f"output/{JOB}/"
CLASSES = ["positive", "negative", "neutral", "mixed", "off-topic"]
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}


# -- the job --------------------------------------------------------------------------------------


def build_job(n_objects: int, n_workers: int = 300) -> dict[str, bytes]:
    """Keys (below ``PREFIX``) and bytes of a synthetic job in the 2022 answer format."""
    rng = random.Random(7)
    workers = [f"private.us-east-1.{i:016x}" for i in range(n_workers)]
    objects: dict[str, bytes] = {}
    manifest = []
    for task in range(n_objects):
        truth = rng.choice(CLASSES)
        answers = []
        for worker in rng.sample(workers, 5):
            start = rng.randrange(0, 80_000)
            spent = rng.uniform(3, 90)
            answers.append(
                {
                    "acceptanceTime": f"2022-08-05T{start // 3600:02d}:{start // 60 % 60:02d}:"
                    f"{start % 60:02d}.{rng.randrange(1000):03d}Z",
                    "answerContent": {
                        "crowd-classifier": {
                            "label": truth if rng.random() < 0.8 else rng.choice(CLASSES)
                        }
                    },
                    "submissionTime": f"2022-08-05T{(start + int(spent)) // 3600:02d}:"
                    f"{(start + int(spent)) // 60 % 60:02d}:{(start + int(spent)) % 60:02d}."
                    f"{rng.randrange(1000):03d}Z",
                    "timeSpentInSeconds": round(spent, 3),
                    "workerId": worker,
                    "workerMetadata": {
                        "identityData": {
                            "identityProviderType": "Cognito",
                            "issuer": "https://cognito-idp.us-east-1.amazonaws.com/"
                            "us-east-1_BENCHPOOL",
                            "sub": f"{rng.getrandbits(128):032x}",
                        }
                    },
                }
            )
        iteration = 1 + task // 2000
        key = f"annotations/worker-response/iteration-{iteration}/{task}/2022-08-05_12:00:00.json"
        objects[key] = json.dumps({"answers": answers}).encode()
        metadata = {
            "class-name": truth,
            "confidence": 0.9,
            "job-name": f"labeling-job/{JOB}",
            "type": "groundtruth/text-classification",
            "human-annotated": "yes",
            "creation-date": "2022-08-05T12:00:00.000000",
        }
        manifest.append(
            json.dumps(
                {"source": f"text {task}", JOB: CLASSES.index(truth), f"{JOB}-metadata": metadata}
            )
        )
    objects["manifests/output/output.manifest"] = ("\n".join(manifest) + "\n").encode()
    return objects


# -- the servers (each in its own process) --------------------------------------------------------


def serve_moto(n_objects: int, latency: float, moto_gets: bool) -> None:
    """Run moto's server and the latency proxy here, the job loaded; print both URLs and the
    job's figures; serve until stdin closes.

    Unless ``moto_gets``, the proxy answers object GETs itself from the bytes, ETags and dates
    moto stored: moto's request handling costs about 5 ms of CPU per GET, which on a small
    machine caps any client at ~100 objects/s and would measure moto rather than the client.
    Listing and everything else goes to moto.
    """
    import logging
    from urllib.parse import unquote

    from moto.s3.models import s3_backends
    from moto.server import ThreadedMotoServer

    sys.path.insert(0, str(REPO / "tests"))
    from faultproxy import FaultProxy

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    backend = s3_backends["123456789012"]["global"]
    backend.create_bucket(BUCKET, "us-east-1")
    start = time.perf_counter()
    objects = build_job(n_objects)
    stored: dict[str, tuple[list[tuple[str, str]], bytes]] = {}
    for key, data in objects.items():
        fake = backend.put_object(BUCKET, PREFIX + key, data)
        headers = [
            ("Content-Type", "binary/octet-stream"),
            ("ETag", fake.etag),
            ("Last-Modified", fake.last_modified_RFC1123),
            ("Content-Length", str(len(data))),
            ("Accept-Ranges", "bytes"),
        ]
        stored[f"/{BUCKET}/{PREFIX}{key}"] = (headers, data)
    loaded = time.perf_counter() - start

    def respond(method: str, target: str) -> tuple[int, list[tuple[str, str]], bytes] | None:
        found = stored.get(unquote(target)) if method == "GET" and "?" not in target else None
        return None if found is None else (200, *found)

    upstream = f"http://{host}:{port}"
    proxy = FaultProxy(
        upstream, latency=latency, lifetime=24 * 3600, respond=None if moto_gets else respond
    )
    with proxy:
        size = sum(len(data) for data in objects.values()) / len(objects)
        print(f"{upstream} {proxy.url} {len(objects)} {size:.0f} {loaded:.1f}", flush=True)
        sys.stdin.read()
    server.stop()


def start_child(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    """Start a server process; return it and the first line it prints."""
    env = {**os.environ, **CREDENTIALS}
    child = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    if not line:
        child.kill()
        raise SystemExit(f"server did not start: {command}")
    return child, line


# -- the measured variants (each in its own process) ----------------------------------------------


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def client(endpoint: str, pool: int = 10) -> Any:
    import boto3
    import botocore.config

    config = botocore.config.Config(max_pool_connections=pool)
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=config)


def seed_notebook(endpoint: str, sample: int) -> dict[str, Any]:
    """The notebook's ``get_bucket_keys`` and ``process_worker_responses``, word for word."""
    s3_client = client(endpoint)

    def get_bucket_keys(bucket_name: str, prefix: str) -> list[str]:
        keys = []
        paginator = s3_client.get_paginator("list_objects")
        operation_parameters = {"Bucket": bucket_name, "Prefix": prefix}
        page_iterator = paginator.paginate(**operation_parameters)
        for page in page_iterator:
            for obj in page["Contents"]:
                keys.append(obj["Key"])
        return keys

    def extract_consolidated_file(bucket_name: str, key: str) -> dict[str, str]:
        dict_manifest_index_consolidated = {}
        content = s3_client.get_object(Bucket=bucket_name, Key=key)["Body"].read().decode("utf-8")
        content_list = content.split("\n")
        metadata_name = list(json.loads(content_list[0]).keys())[-1]
        for i, x in enumerate(x for x in content_list if x):
            dict_manifest_index_consolidated[str(i)] = json.loads(x)[metadata_name]["class-name"]
        return dict_manifest_index_consolidated

    def process_worker_responses(
        bucket_name: str, keys: list[str], consolidated: dict[str, str]
    ) -> dict[str, list[dict[str, Any]]]:
        dict_worker_response: dict[str, list[dict[str, Any]]] = {}
        for worker_response_key in keys:
            if worker_response_key.endswith(".json"):
                response_content = json.loads(
                    s3_client.get_object(Bucket=bucket_name, Key=worker_response_key)["Body"]
                    .read()
                    .decode("utf-8")
                )
                manifest_index = worker_response_key.split("/")[-2]
                for worker_response in response_content["answers"]:
                    label = worker_response["answerContent"]["crowd-classifier"]["label"]
                    dict_worker_response.setdefault(worker_response["workerId"], []).append(
                        {
                            "ManifestIndex": manifest_index,
                            "ConsolidatedAccuracy": int(label == consolidated[manifest_index]),
                        }
                    )
        return dict_worker_response

    start, cpu_start = time.perf_counter(), cpu_seconds()
    consolidated = extract_consolidated_file(BUCKET, PREFIX + "manifests/output/output.manifest")
    keys = get_bucket_keys(BUCKET, PREFIX + "annotations/worker-response")
    listed, cpu_listed = time.perf_counter(), cpu_seconds()
    measured = min(sample, len(keys))
    process_worker_responses(BUCKET, keys[:measured], consolidated)
    fetched, cpu_fetched = time.perf_counter(), cpu_seconds()
    scale = len(keys) / measured
    return {
        "objects": len(keys),
        "seconds": (listed - start) + (fetched - listed) * scale,
        "cpu": (cpu_listed - cpu_start) + (cpu_fetched - cpu_listed) * scale,
    }


def crowdaudit_read(endpoint: str, concurrency: int, cache: str) -> dict[str, Any]:
    import crowdaudit
    from crowdaudit.sources.aws import AwsConfig

    aws = AwsConfig(endpoint_url=endpoint, max_pool_connections=concurrency)
    (job,) = crowdaudit.read_jobs(
        [f"s3://{BUCKET}/{PREFIX}"], aws=aws, concurrency=concurrency, cache=Path(cache)
    )
    return {"objects": job.stats["n_response_files"], "answers": job.responses.height}


def boto3_threads(endpoint: str, concurrency: int) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    s3 = client(endpoint, pool=concurrency)
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET, Prefix=PREFIX + "annotations/"
        )
        for item in page.get("Contents", [])
    ]

    def get(key: str) -> int:
        return len(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())

    with ThreadPoolExecutor(concurrency) as pool:
        total = sum(pool.map(get, keys))
    return {"objects": len(keys), "bytes": total}


def obstore_async(endpoint: str, concurrency: int) -> dict[str, Any]:
    import asyncio

    import obstore
    from obstore.store import S3Store

    store = S3Store(
        BUCKET,
        endpoint=endpoint,
        region="us-east-1",
        access_key_id="bench",
        secret_access_key="bench",
        virtual_hosted_style_request=False,
        client_options={"allow_http": True, "pool_max_idle_per_host": str(concurrency)},
    )
    keys = [
        meta["path"]
        for batch in obstore.list(store, prefix=PREFIX + "annotations/")
        for meta in batch
    ]

    async def main() -> int:
        limit = asyncio.Semaphore(concurrency)

        async def get(key: str) -> int:
            async with limit:
                result = await obstore.get_async(store, key)
                return len(await result.bytes_async())

        return sum(await asyncio.gather(*(get(key) for key in keys)))

    return {"objects": len(keys), "bytes": asyncio.run(main())}


def run_variant(options: argparse.Namespace) -> None:
    """Measure one variant in this process and print its figures as JSON."""
    variants: dict[str, Callable[[], dict[str, Any]]] = {
        "seed": lambda: seed_notebook(options.endpoint, options.seed_objects),
        "crowdaudit": lambda: crowdaudit_read(options.endpoint, options.concurrency, options.cache),
        "boto3": lambda: boto3_threads(options.endpoint, options.concurrency),
        "obstore": lambda: obstore_async(options.endpoint, options.concurrency),
    }
    # Imports are paid once per process, not per object: done before measuring.
    import boto3  # noqa: F401

    if options.variant == "crowdaudit":
        import crowdaudit  # noqa: F401
    if options.variant == "obstore":
        import obstore  # noqa: F401
    cpu_start, start = cpu_seconds(), time.perf_counter()
    result = variants[options.variant]()
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    result.setdefault("seconds", seconds)
    result["cpu_per_object"] = result.pop("cpu", cpu) / result["objects"]
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(variant: str, endpoint: str, options: argparse.Namespace, cache: str = "") -> Any:
    command = [sys.executable, __file__, "--variant", variant, "--endpoint", endpoint]
    command += [
        "--concurrency",
        str(options.concurrency),
        "--seed-objects",
        str(options.seed_objects),
    ]
    command += ["--cache", cache]
    env = {**os.environ, **CREDENTIALS, "AWS_EC2_METADATA_DISABLED": "true"}
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"variant {variant} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the table ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--seed-objects", type=int, default=500, help="keys the seed method reads (extrapolated)"
    )
    parser.add_argument("--no-obstore", action="store_true", help="skip the obstore row")
    parser.add_argument(
        "--moto-ceiling", action="store_true", help="add a row: boto3 GETs straight to moto"
    )
    parser.add_argument(
        "--moto-gets", action="store_true", help="object GETs answered by moto, not from its memory"
    )
    parser.add_argument("--serve-moto", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    parser.add_argument("--cache", default="", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve_moto:
        return serve_moto(options.objects, options.latency_ms / 1000, options.moto_gets)
    if options.variant:
        return run_variant(options)

    command = [sys.executable, __file__, "--serve-moto", "--objects", str(options.objects)]
    command += ["--latency-ms", str(options.latency_ms)] + ["--moto-gets"] * options.moto_gets
    server, line = start_child(command)
    moto_url, proxy_url, n_keys, mean_size, load_seconds = line.split()
    try:
        with urllib.request.urlopen(f"{moto_url}/moto-api/data.json"):  # loopback only
            pass
        gets = "moto" if options.moto_gets else "the proxy, from moto's stored objects"
        print(
            f"moto holds {int(n_keys):,} objects (mean {float(mean_size):,.0f} bytes), loaded in "
            f"{float(load_seconds):.1f} s; proxy adds {options.latency_ms:g} ms per request; "
            f"object GETs answered by {gets}; concurrency {options.concurrency}\n"
        )
        rows: list[tuple[str, dict[str, Any]]] = []
        with tempfile.TemporaryDirectory() as tmp:
            cache = str(Path(tmp) / "cache")
            rows.append(
                (
                    f"seed notebook (sequential, {options.seed_objects} measured)",
                    measure("seed", proxy_url, options),
                )
            )
            rows.append(
                ("crowdaudit cold (empty cache)", measure("crowdaudit", proxy_url, options, cache))
            )
            rows.append(
                ("crowdaudit warm (same cache)", measure("crowdaudit", proxy_url, options, cache))
            )
        rows.append(("raw GETs: boto3, threads", measure("boto3", proxy_url, options)))
        if not options.no_obstore:
            rows.append(("raw GETs: obstore, asyncio", measure("obstore", proxy_url, options)))
        if options.moto_ceiling:
            rows.append(
                ("moto's own GETs: boto3 threads, no proxy", measure("boto3", moto_url, options))
            )
    finally:
        assert server.stdin is not None
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()

    seed_rate = rows[0][1]["objects"] / rows[0][1]["seconds"]
    print(
        f"{'method':<46}{'seconds':>9}{'objects/s':>11}{'× seed':>8}{'CPU ms/obj':>12}{'peak MB':>9}"
    )
    for name, row in rows:
        rate = row["objects"] / row["seconds"]
        print(
            f"{name:<46}{row['seconds']:>9.2f}{rate:>11,.0f}{rate / seed_rate:>8.1f}"
            f"{row['cpu_per_object'] * 1000:>12.3f}{row['peak_mb']:>9.0f}"
        )
    print("\ngoals: cold ≥ 20× seed; warm < 2 s; client CPU ≤ 0.5 ms/object")


if __name__ == "__main__":
    main()
