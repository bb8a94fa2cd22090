"""Cognito helpers shared by the identity and contribution tests (moto's server on 127.0.0.1)."""

from __future__ import annotations

from typing import Any

import boto3

from crowdaudit.identity.directory import Person


def cognito_client(endpoint: str | None, region: str = "us-east-1", **kwargs: Any) -> Any:
    """A cognito-idp client with dummy credentials (on moto's server when ``endpoint`` is given)."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        **kwargs,
    )


def create_pool(client: Any, name: str, n_users: int) -> tuple[str, list[Person]]:
    """A user pool with ``n_users`` users; returns its id and the users with moto's subs."""
    pool = client.create_user_pool(PoolName=name)["UserPool"]["Id"]
    people = []
    for i in range(n_users):
        username = f"{name}-{i:03d}"
        email = f"{username}@example.org"
        user = client.admin_create_user(
            UserPoolId=pool,
            Username=username,
            UserAttributes=[{"Name": "email", "Value": email}],
            MessageAction="SUPPRESS",
        )["User"]
        sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
        people.append(Person(pool, sub, username, email=email))
    return pool, people
