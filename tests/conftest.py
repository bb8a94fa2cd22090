"""Fixtures shared by the whole suite.

The AWS environment is stripped before every test and replaced by dummy credentials, so a
developer's own credentials or config can never be used; S3 and Cognito tests talk to moto's server
on 127.0.0.1 over real HTTP.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import settings

# Property tests draw the same examples on every run and machine: a failure is always reproducible
# and CI never fails on an example that a developer's run did not draw.
settings.register_profile("crowdaudit", derandomize=True, print_blob=True)
settings.load_profile("crowdaudit")

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED_DATASETS = REPO.parent / "shared" / "datasets"

_AWS_PREFIXES = ("AWS_", "BOTO_")


def strip_aws_env(patch: pytest.MonkeyPatch, base: Path, cache_home: Path) -> None:
    """Remove every AWS variable, point config files at empty ones, use dummy credentials."""
    for name in list(os.environ):
        if name.startswith(_AWS_PREFIXES):
            patch.delenv(name)
    empty = base / "aws-empty-config"
    empty.touch()
    patch.setenv("AWS_CONFIG_FILE", str(empty))
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    patch.setenv("AWS_ACCESS_KEY_ID", "testing")
    patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # The command's default cache folder lives under XDG_CACHE_HOME: keep it inside the test.
    patch.setenv("XDG_CACHE_HOME", str(cache_home))


@pytest.fixture(autouse=True)
def _isolated_aws_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every test runs with the stripped AWS environment of :func:`strip_aws_env`."""
    base = tmp_path_factory.getbasetemp()
    strip_aws_env(monkeypatch, base, tmp_path_factory.mktemp("xdg-cache"))


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """URL of a moto server on 127.0.0.1 (S3, Cognito and anything else moto serves)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_reset(moto_endpoint: str) -> str:
    """The moto endpoint, emptied of all state left by earlier tests."""
    import urllib.request

    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request) as response:  # loopback only
        response.read()
    return moto_endpoint


def make_client(service: str, endpoint: str, **kwargs: Any) -> Any:
    """A boto3 client for ``service`` aimed at the moto server, with dummy credentials."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        **kwargs,
    )


def upload_folder(s3: Any, folder: Path, bucket: str, prefix: str) -> str:
    """Copy every file below ``folder`` to ``s3://bucket/prefix/…``; return the URI of the prefix."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            key = f"{prefix}/{path.relative_to(folder).as_posix()}"
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
    return f"s3://{bucket}/{prefix}/"


@pytest.fixture
def s3(moto_reset: str) -> Any:
    """An S3 client on a freshly reset moto server."""
    return make_client("s3", moto_reset)


BIRDS_ARCHIVE = REPO / "src" / "crowdaudit" / "demo" / "birds-open-images-clone.tar.gz"
PETS = DATA / "pets-private"


@pytest.fixture(scope="session")
def birds_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The vendored real birds job, unpacked into its Ground Truth layout on disk."""
    import tarfile

    target = tmp_path_factory.mktemp("birds")
    with tarfile.open(BIRDS_ARCHIVE) as tar:
        tar.extractall(target, filter="data")
    return target / "birds-open-images-clone"


@pytest.fixture
def copy_of(tmp_path: Path) -> Any:
    """Copy a fixture folder into tmp_path, so a test may damage it."""
    import shutil

    def copy(folder: Path) -> Path:
        target = tmp_path / folder.name
        shutil.copytree(folder, target)
        return target

    return copy


@pytest.fixture(params=["disk", "s3"])
def job_uri(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A function giving a job folder's location, on disk or uploaded to moto's S3 server.

    For S3 the endpoint is set through ``AWS_ENDPOINT_URL``, as a user of an S3-compatible store
    would do.
    """

    def locate(folder: Path) -> str:
        if request.param == "disk":
            return str(folder)
        endpoint = request.getfixturevalue("moto_reset")
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        client = make_client("s3", endpoint)
        return upload_folder(client, folder, "audit-bucket", f"output/{folder.name}")

    return locate


@pytest.fixture
def reports_bucket(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An S3 client on a fresh moto server with an empty bucket ``reports``, the endpoint set
    through ``AWS_ENDPOINT_URL`` for the command to find."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_reset)
    client = make_client("s3", moto_reset)
    client.create_bucket(Bucket="reports")
    return client


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files under tests/data/golden from this run's outputs",
    )
