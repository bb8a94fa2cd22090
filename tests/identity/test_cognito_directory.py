"""CognitoDirectory against moto's Cognito on 127.0.0.1, and failure modes with botocore's Stubber.

moto generates every user's ``sub``; the fixtures create users first and read the ``sub`` back.
"""

from __future__ import annotations

import http.server
import json
import math
import socket
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from cognito_support import cognito_client, create_pool

from crowdaudit.errors import CrowdAuditError
from crowdaudit.identity.cognito import (
    PAGE_SIZE,
    CognitoDirectory,
    build_sub_filter,
    parse_user,
)
from crowdaudit.identity.directory import IdentityError, Person, unresolved
from crowdaudit.sources.aws import AwsConfig

POOL = "us-east-1_abc"
REGION = "us-east-1"


# Emitted once per API call (not per HTTP retry), with the call's own parameters.
LIST_USERS_EVENT = "before-parameter-build.cognito-idp.ListUsers"


@dataclass
class CallLog:
    """ListUsers calls seen by a botocore event hook, split into listings and filtered lookups."""

    params: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        self.params.append(dict(params))

    @property
    def listings(self) -> int:
        return sum("Filter" not in p for p in self.params)

    @property
    def lookups(self) -> list[str]:
        return [p["Filter"] for p in self.params if "Filter" in p]


def count_calls(client: Any) -> CallLog:
    log = CallLog()
    client.meta.events.register(LIST_USERS_EVENT, log)
    return log


def assert_same_people(found: Person | None, expected: Person) -> None:
    assert found is not None
    assert (found.user_pool_id, found.sub, found.username, found.email) == (
        expected.user_pool_id,
        expected.sub,
        expected.username,
        expected.email,
    )


# --- moto: resolution and cost ---------------------------------------------------------------


def test_resolves_subs_in_two_regional_pools(moto_reset: str) -> None:
    east = cognito_client(moto_reset, "us-east-1")
    west = cognito_client(moto_reset, "eu-west-1")
    east_pool, east_people = create_pool(east, "east", 130)
    west_pool, west_people = create_pool(west, "west", 7)
    east_log, west_log = count_calls(east), count_calls(west)
    regions_asked: list[str] = []

    def client_for(region: str) -> Any:
        regions_asked.append(region)
        return {"us-east-1": east, "eu-west-1": west}[region]

    wanted_east = [east_people[0], east_people[61], east_people[129]]
    gone = str(uuid.uuid4())
    people = CognitoDirectory(client_for).fetch_people(
        {
            east_pool: [p.sub for p in wanted_east] + [gone],
            west_pool: {p.sub for p in west_people},
        }
    )

    assert set(people) == {(east_pool, p.sub) for p in wanted_east} | {(east_pool, gone)} | {
        (west_pool, p.sub) for p in west_people
    }
    for expected in [*wanted_east, *west_people]:
        assert_same_people(people[expected.key], expected)
    assert unresolved(people) == [(east_pool, gone)]
    assert sorted(regions_asked) == ["eu-west-1", "us-east-1"]
    # 130 users = 3 pages, 7 users = 1 page; only the unknown sub is looked up on its own.
    assert (east_log.listings, west_log.listings) == (3, 1)
    assert east_log.lookups == [f'sub = "{gone}"']
    assert west_log.lookups == []
    assert {p["Limit"] for p in east_log.params} == {PAGE_SIZE}


@pytest.mark.parametrize(("n_users", "pages"), [(1, 1), (60, 1), (61, 2), (130, 3)])
def test_calls_grow_with_pages_not_with_people(moto_reset: str, n_users: int, pages: int) -> None:
    client = cognito_client(moto_reset)
    pool, users = create_pool(client, "crowd", n_users)
    assert pages == math.ceil(n_users / PAGE_SIZE)

    for asked in sorted({1, n_users // 2 or 1, n_users}):
        log = count_calls(client)
        people = CognitoDirectory(client).fetch_people({pool: [u.sub for u in users[:asked]]})
        client.meta.events.unregister(LIST_USERS_EVENT, log)

        assert len(people) == asked
        assert unresolved(people) == []
        assert log.listings == pages, f"{asked} people asked"
        assert log.lookups == []


def test_pools_without_subs_are_not_listed(moto_reset: str) -> None:
    client = cognito_client(moto_reset)
    log = count_calls(client)

    assert CognitoDirectory(client).fetch_people({"us-east-1_unused": []}) == {}
    assert log.params == []


class HidingClient:
    """Wraps a client so the unfiltered listing misses some subs, as an eventually consistent
    ListUsers does for users created while it pages."""

    def __init__(self, client: Any, hidden: set[str]) -> None:
        self._client = client
        self._hidden = hidden

    def list_users(self, **kwargs: Any) -> Mapping[str, object]:
        response: dict[str, Any] = self._client.list_users(**kwargs)
        if "Filter" not in kwargs:
            response["Users"] = [u for u in response["Users"] if _sub(u) not in self._hidden]
        return response


def _sub(user: Mapping[str, Any]) -> str:
    return str(next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub"))


def test_subs_missing_from_the_listing_are_looked_up_one_by_one(moto_reset: str) -> None:
    client = cognito_client(moto_reset)
    pool, users = create_pool(client, "late", 5)
    late = users[3]
    log = count_calls(client)

    people = CognitoDirectory(HidingClient(client, {late.sub})).fetch_people(
        {pool: [u.sub for u in users]}
    )

    assert unresolved(people) == []
    assert_same_people(people[late.key], late)
    assert log.listings == 1
    assert log.lookups == [f'sub = "{late.sub}"']


def test_unknown_pool_is_one_clear_error(moto_reset: str) -> None:
    client = cognito_client(moto_reset)

    with pytest.raises(IdentityError) as info:
        CognitoDirectory(client).fetch_people({"us-east-1_doesnotexist": ["s"]})

    assert info.value.code == "pool-not-found"
    assert str(info.value).startswith(
        "cannot list Cognito users: pool us-east-1_doesnotexist (ResourceNotFoundException: "
    )
    assert isinstance(info.value.__cause__, Exception)


def test_no_credentials_is_one_clear_error(
    moto_reset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    client = boto3.session.Session(region_name="us-east-1").client(
        "cognito-idp", endpoint_url=moto_reset
    )

    with pytest.raises(IdentityError) as info:
        CognitoDirectory(client).fetch_people({POOL: ["s"]})

    assert info.value.code == "credentials"
    assert str(info.value) == (
        f"cannot list Cognito users: pool {POOL} (NoCredentialsError: Unable to locate credentials)"
    )


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_endpoint_is_one_clear_error_without_credentials(closed_port: int) -> None:
    secret = "wJalrXUtnFEMI-not-a-real-secret"
    client = boto3.client(
        "cognito-idp",
        endpoint_url=f"http://127.0.0.1:{closed_port}",
        region_name="us-east-1",
        aws_access_key_id="AKIAEXAMPLEKEYID",
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )

    with pytest.raises(IdentityError) as info:
        CognitoDirectory(client).fetch_people({POOL: ["s"]})

    message = str(info.value)
    assert info.value.code == "unreachable"
    assert message.startswith(f"cannot list Cognito users: pool {POOL} (EndpointConnectionError: ")
    assert f"127.0.0.1:{closed_port}" in message
    assert secret not in message
    assert "AKIAEXAMPLEKEYID" not in message


# --- Stubber: errors and retries --------------------------------------------------------------


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    """A real cognito-idp client whose calls are answered (and validated) by botocore's Stubber."""
    client = cognito_client(None)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def user(username: str, sub: str, email: str | None = None) -> dict[str, Any]:
    attributes = [{"Name": "sub", "Value": sub}]
    if email is not None:
        attributes.append({"Name": "email", "Value": email})
    return {
        "Username": username,
        "Attributes": attributes,
        "Enabled": True,
        "UserStatus": "CONFIRMED",
    }


LISTING = {"UserPoolId": POOL, "Limit": PAGE_SIZE}


def test_access_denied_is_one_clear_error(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_client_error(
        "list_users",
        service_error_code="AccessDeniedException",
        service_message="User: arn:aws:iam::123456789012:user/x is not authorized",
        http_status_code=400,
        expected_params=LISTING,
    )

    with pytest.raises(IdentityError) as info:
        CognitoDirectory(client).fetch_people({POOL: ["s"]})

    assert isinstance(info.value, CrowdAuditError)
    assert info.value.code == "access-denied"
    assert str(info.value) == (
        f"cannot list Cognito users: pool {POOL} (AccessDeniedException: "
        "User: arn:aws:iam::123456789012:user/x is not authorized)"
    )


def test_access_denied_on_a_lookup_names_the_sub(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response("list_users", {"Users": []}, LISTING)
    stubber.add_client_error(
        "list_users",
        service_error_code="AccessDeniedException",
        service_message="denied",
        expected_params={**LISTING, "Filter": 'sub = "s-1"'},
    )

    with pytest.raises(
        IdentityError,
        match=(
            r"^cannot look up Cognito user: pool us-east-1_abc, sub s-1 "
            r"\(AccessDeniedException: denied\)$"
        ),
    ):
        CognitoDirectory(client).fetch_people({POOL: ["s-1"]})


class _ThrottlingCognito(http.server.BaseHTTPRequestHandler):
    """Cognito's JSON protocol on loopback: the first ``throttles`` ListUsers calls are throttled
    with ``code``, the next ones answer one user. Stubber answers before botocore's retry loop, so
    retries are tested against this server instead."""

    throttles = 0
    code = "TooManyRequestsException"
    calls = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        handler = type(self)
        handler.calls += 1
        if handler.calls <= handler.throttles:
            status, body = 400, {"__type": handler.code, "message": "Too many requests"}
        else:
            status, body = 200, {"Users": [user("alice", "s-1", "alice@example.org")]}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def throttling() -> Iterator[tuple[type[_ThrottlingCognito], str]]:
    handler = type("Handler", (_ThrottlingCognito,), {"calls": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("code", ["TooManyRequestsException", "ThrottlingException"])
def test_throttling_is_retried_by_botocore(
    throttling: tuple[type[_ThrottlingCognito], str], code: str
) -> None:
    handler, endpoint = throttling
    handler.throttles, handler.code = 2, code
    # botocore's max_attempts counts retries: 2 retries after the first try.
    client = AwsConfig(max_attempts=2).client("cognito-idp", endpoint_url=endpoint, region=REGION)

    people = CognitoDirectory(client).fetch_people({POOL: ["s-1"]})

    assert people == {
        (POOL, "s-1"): Person(POOL, "s-1", "alice", "alice@example.org", None, True, "CONFIRMED")
    }
    assert handler.calls == 3


def test_throttling_after_the_retries_is_one_clear_error(
    throttling: tuple[type[_ThrottlingCognito], str],
) -> None:
    handler, endpoint = throttling
    handler.throttles = 10
    client = AwsConfig(max_attempts=1).client("cognito-idp", endpoint_url=endpoint, region=REGION)

    with pytest.raises(IdentityError) as info:
        CognitoDirectory(client).fetch_people({POOL: ["s"]})

    assert info.value.code == "throttled"
    assert str(info.value) == (
        f"cannot list Cognito users: pool {POOL} "
        "(TooManyRequestsException: Too many requests; gave up after 2 attempts)"
    )
    assert handler.calls == 2  # the first try and one retry


def test_listing_follows_pagination_tokens(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response(
        "list_users", {"Users": [user("a", "s-a")], "PaginationToken": "t1"}, LISTING
    )
    stubber.add_response(
        "list_users",
        {"Users": [user("b", "s-b", "b@example.org")]},
        {**LISTING, "PaginationToken": "t1"},
    )

    people = CognitoDirectory(client).fetch_people({POOL: ["s-a", "s-b"]})

    assert {key: p.username if p else None for key, p in people.items()} == {
        (POOL, "s-a"): "a",
        (POOL, "s-b"): "b",
    }
    assert people[(POOL, "s-a")] is not None
    assert people[(POOL, "s-a")].email is None  # type: ignore[union-attr]


def test_lookup_filter_escapes_quotes_and_backslashes(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    odd = 'x"y\\z'
    stubber.add_response("list_users", {"Users": []}, LISTING)
    # A filtered listing may return empty pages before the match.
    stubber.add_response(
        "list_users",
        {"Users": [], "PaginationToken": "t1"},
        {**LISTING, "Filter": 'sub = "x\\"y\\\\z"'},
    )
    stubber.add_response(
        "list_users",
        {"Users": [user("odd", odd)]},
        {**LISTING, "Filter": 'sub = "x\\"y\\\\z"', "PaginationToken": "t1"},
    )

    people = CognitoDirectory(client).fetch_people({POOL: [odd]})

    assert people[(POOL, odd)] == Person(POOL, odd, "odd", None, None, True, "CONFIRMED")


def test_a_repeated_pagination_token_ends_the_listing(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response(
        "list_users", {"Users": [user("a", "s-a")], "PaginationToken": "t"}, LISTING
    )
    stubber.add_response(
        "list_users", {"Users": [], "PaginationToken": "t"}, {**LISTING, "PaginationToken": "t"}
    )

    people = CognitoDirectory(client).fetch_people({POOL: ["s-a"]})

    assert unresolved(people) == []


# --- pure helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sub", "expected"),
    [
        ("7efc17ac-3397-4472-afe5-89184ad145d0", 'sub = "7efc17ac-3397-4472-afe5-89184ad145d0"'),
        ('a"b', 'sub = "a\\"b"'),
        ("a\\b", 'sub = "a\\\\b"'),
        ('\\"', 'sub = "\\\\\\""'),
        ("", 'sub = ""'),
    ],
)
def test_build_sub_filter(sub: str, expected: str) -> None:
    assert build_sub_filter(sub) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (user("u", "s", "u@x.org"), Person(POOL, "s", "u", "u@x.org", None, True, "CONFIRMED")),
        ({"Username": "u", "Attributes": [{"Name": "sub", "Value": "s"}]}, Person(POOL, "s", "u")),
        ({"Username": "u", "Attributes": [{"Name": "email", "Value": "e"}]}, None),
        ({"Attributes": [{"Name": "sub", "Value": "s"}]}, None),
        ("not a user", None),
        (
            {
                "Username": "u",
                "Attributes": [
                    {"Name": "sub", "Value": "s"},
                    {"Name": "name", "Value": "Ünïcode Name"},
                    {"Name": "email"},
                ],
            },
            Person(POOL, "s", "u", name="Ünïcode Name"),
        ),
    ],
)
def test_parse_user(raw: object, expected: Person | None) -> None:
    assert parse_user(POOL, raw) == expected


def test_a_client_factory_needs_region_prefixed_pool_ids() -> None:
    directory = CognitoDirectory(lambda region: cognito_client(None, region))

    with pytest.raises(IdentityError, match=r"^cannot list Cognito users: pool nopool \(not a "):
        directory.fetch_people({"nopool": ["s"]})
