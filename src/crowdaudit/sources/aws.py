"""Where and as whom crowdaudit calls AWS: sessions and clients.

Credentials and configuration come from boto3's standard chain: environment, shared files, SSO,
instance roles. ``profile`` and ``region`` select within it. Endpoints follow boto3's own rules too,
so ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_S3`` work for S3-compatible stores; ``endpoint_url``
overrides them for S3 only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from crowdaudit.errors import CredentialsError
from crowdaudit.sources.fetch import DEFAULT_CONCURRENCY

__all__ = ["AwsConfig"]


@dataclass(frozen=True, slots=True)
class AwsConfig:
    """Where and as whom to call AWS; ``None`` means boto3's defaults.

    Every call is retried up to ``max_attempts`` times with exponential backoff and jitter
    (botocore's standard mode) on throttling (``SlowDown``, 503), server errors, timeouts and
    reset connections.

    Attributes:
        profile: a profile of ``~/.aws/config``; ``None``: the environment's credentials.
        region: the AWS region, e.g. ``"us-west-2"``.
        endpoint_url: another S3 endpoint (MinIO, a local test server).
        max_pool_connections: HTTP connections kept open per client.
        connect_timeout, read_timeout: seconds before a connection or a read gives up (and is
            retried).
        max_attempts: tries of each call, the first included.

    Example::

        aws = crowdaudit.AwsConfig(profile="labeling", region="us-west-2")
        result = crowdaudit.audit("s3://bucket/output/my-job/", aws=aws)
    """

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    max_pool_connections: int = DEFAULT_CONCURRENCY
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 8

    def session(self) -> Any:
        try:
            return boto3.session.Session(profile_name=self.profile, region_name=self.region)
        except botocore.exceptions.ProfileNotFound as exc:
            raise CredentialsError(
                "AWS profile not found",
                where=self.profile or str(exc.kwargs.get("profile", "")),
                why=str(exc),
            ) from exc

    def client(
        self,
        service: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        max_attempts: int | None = None,
    ) -> Any:
        """A boto3 client with standard retries and a connection pool sized for our threads.

        ``max_attempts`` (the first try included) overrides the configuration's for this client.
        """
        config = botocore.config.Config(
            # "standard", not "adaptive": the adaptive rate limiter stalled a whole read once a
            # few SlowDowns came back (measured with tests/faultproxy.py).
            retries={"max_attempts": max_attempts or self.max_attempts, "mode": "standard"},
            max_pool_connections=self.max_pool_connections,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )
        return self.session().client(
            service, endpoint_url=endpoint_url, region_name=region, config=config
        )

    def s3_client(self) -> Any:
        return self.client("s3", endpoint_url=self.endpoint_url)
