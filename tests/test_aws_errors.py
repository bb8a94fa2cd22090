"""botocore errors translated into crowdaudit's tree, with the class kept when a write fails."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from crowdaudit.errors import AccessDeniedError, CredentialsError, OutputError
from crowdaudit.sources.s3 import S3Store


@pytest.fixture
def stubbed() -> tuple[Any, Stubber]:
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client, Stubber(client)


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("AccessDenied", 403, AccessDeniedError),
        ("InvalidAccessKeyId", 403, CredentialsError),
        ("InternalError", 500, OutputError),
    ],
)
def test_a_refused_write_keeps_its_class(
    stubbed: tuple[Any, Stubber], code: str, status: int, expected: type[Exception]
) -> None:
    client, stubber = stubbed
    stubber.add_client_error(
        "put_object", service_error_code=code, service_message="no", http_status_code=status
    )
    with stubber, pytest.raises(expected) as caught:
        S3Store(client, "bucket").write_bytes("out/workers.csv", b"x")
    assert type(caught.value) is expected
    assert str(caught.value) == f"cannot write S3 object: s3://bucket/out/workers.csv ({code}: no)"
