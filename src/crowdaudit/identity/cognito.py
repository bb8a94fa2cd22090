"""Resolve Cognito ``sub`` values to users through Amazon Cognito's ListUsers API.

Strategy (cost grows with pool size, not with the number of people asked for): each user pool is
listed once, 60 users a page, into a ``sub → user`` map; only the ``sub`` values missing from that
listing are looked up one by one with ``Filter='sub = "…"'``, because ListUsers is eventually
consistent and a user created during the listing may be missing from it. A ``sub`` still unknown
after that maps to ``None`` (a deleted user, typically).

Throttling (``TooManyRequestsException``, ``ThrottlingException``) is retried by the client itself:
botocore's standard retry mode backs off with jitter (:meth:`AwsConfig.client
<crowdaudit.sources.aws.AwsConfig.client>` sets it). Every other failure, and throttling that
outlasts those retries, becomes one :class:`~crowdaudit.identity.directory.IdentityError` of the form
``cannot list Cognito users: pool us-east-1_abc (AccessDeniedException: …)``. Nothing is logged, so
credentials cannot leak through this module.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Final, Protocol

from botocore.exceptions import (
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from crowdaudit.identity.directory import IdentityError, Person, PoolSub
from crowdaudit.sources.aws_errors import AwsErrorKind, classify_aws_error, error_code_of

__all__ = [
    "PAGE_SIZE",
    "CognitoClient",
    "CognitoDirectory",
    "build_sub_filter",
    "parse_user",
]

PAGE_SIZE: Final = 60
"""ListUsers' maximum ``Limit``."""

_LIST: Final = "cannot list Cognito users"
_LOOKUP: Final = "cannot look up Cognito user"


class CognitoClient(Protocol):
    """The one method of a boto3 ``cognito-idp`` client this module uses."""

    def list_users(self, **kwargs: str | int) -> Mapping[str, object]:
        """ListUsers; see the Cognito API reference."""
        ...


ClientFactory = Callable[[str], CognitoClient]
"""Region name → a ``cognito-idp`` client for that region."""


def build_sub_filter(sub: str) -> str:
    """The ListUsers filter matching exactly one ``sub``, with quotes and backslashes escaped.

    >>> build_sub_filter('7efc17ac-3397')
    'sub = "7efc17ac-3397"'
    >>> print(build_sub_filter('a"b\\\\c'))
    sub = "a\\"b\\\\c"
    """
    escaped = sub.replace("\\", "\\\\").replace('"', '\\"')
    return f'sub = "{escaped}"'


def parse_user(user_pool_id: str, raw: object) -> Person | None:
    """Build a :class:`Person` from one element of ListUsers' ``Users``.

    Returns ``None`` for a user without a ``sub`` attribute or ``Username``.
    """
    if not isinstance(raw, Mapping):
        return None
    attributes: dict[str, str] = {}
    for attribute in raw.get("Attributes") or ():
        if isinstance(attribute, Mapping):
            name, value = attribute.get("Name"), attribute.get("Value")
            if isinstance(name, str) and isinstance(value, str):
                attributes[name] = value
    sub = attributes.get("sub")
    username = raw.get("Username")
    if sub is None or not isinstance(username, str):
        return None
    enabled = raw.get("Enabled")
    status = raw.get("UserStatus")
    return Person(
        user_pool_id=user_pool_id,
        sub=sub,
        username=username,
        email=attributes.get("email"),
        name=attributes.get("name"),
        enabled=enabled if isinstance(enabled, bool) else None,
        status=status if isinstance(status, str) else None,
    )


def _region_of(user_pool_id: str) -> str:
    region, sep, rest = user_pool_id.partition("_")
    if not sep or not region or not rest:
        raise IdentityError(
            _LIST, where=f"pool {user_pool_id}", why="not a user-pool id of the form <region>_<id>"
        )
    return region


class CognitoDirectory:
    """An :class:`~crowdaudit.identity.directory.IdentityDirectory` backed by Amazon Cognito.

    Needs ``cognito-idp:ListUsers`` on every pool asked for.

    Args:
        client: a boto3 ``cognito-idp`` client used for every pool, or a function from a region
            name to such a client. Pools are regional (``eu-west-1_abc`` lives in ``eu-west-1``), so
            a workforce spread over regions needs the function form; it is called once per region.
            Throttled calls are retried by the client (botocore's standard retry mode).

    Example (it calls Cognito, so it is not run as a doctest)::

        import boto3

        directory = CognitoDirectory(
            lambda region: boto3.client("cognito-idp", region_name=region)
        )
        directory.fetch_people({"us-east-1_5BJRp9lN7": {"7efc17ac-3397-…"}})
    """

    def __init__(self, client: CognitoClient | ClientFactory) -> None:
        if hasattr(client, "list_users"):
            shared: CognitoClient = client
            self._factory: ClientFactory | None = None
            self._shared: CognitoClient | None = shared
        else:
            self._factory = client
            self._shared = None
        self._clients: dict[str, CognitoClient] = {}

    def fetch_people(
        self, pool_subs: Mapping[str, Collection[str]]
    ) -> dict[PoolSub, Person | None]:
        """Look up the people behind ``sub`` values, listing each pool once.

        Args:
            pool_subs: user-pool id → the ``sub`` values wanted from it. Pools with no ``sub``
                are not listed.

        Returns:
            ``(user_pool_id, sub)`` → the person, or ``None`` when neither the listing nor the
            individual lookup knows the ``sub``. Every requested pair is a key.

        Raises:
            IdentityError: no permission, unknown pool, throttling after the retries, no
                credentials, or the endpoint cannot be reached.
        """
        people: dict[PoolSub, Person | None] = {}
        for pool in sorted(pool_subs):
            wanted = sorted(set(pool_subs[pool]))
            if not wanted:
                continue
            client = self._client_for(pool)
            listed = {person.sub: person for person in self._list_pool(client, pool)}
            for sub in wanted:
                person = listed.get(sub)
                if person is None:
                    person = self._look_up(client, pool, sub)
                people[(pool, sub)] = person
        return people

    def _client_for(self, pool: str) -> CognitoClient:
        if self._shared is not None:
            return self._shared
        assert self._factory is not None  # one of the two is always set
        region = _region_of(pool)
        if region not in self._clients:
            self._clients[region] = self._factory(region)
        return self._clients[region]

    def _list_pool(self, client: CognitoClient, pool: str) -> Iterator[Person]:
        for user in self._pages(client, _LIST, f"pool {pool}", UserPoolId=pool):
            person = parse_user(pool, user)
            if person is not None:
                yield person

    def _look_up(self, client: CognitoClient, pool: str, sub: str) -> Person | None:
        # A filtered listing may return empty pages before the match, so follow the token.
        where = f"pool {pool}, sub {sub}"
        for user in self._pages(
            client, _LOOKUP, where, UserPoolId=pool, Filter=build_sub_filter(sub)
        ):
            person = parse_user(pool, user)
            if person is not None and person.sub == sub:
                return person
        return None

    def _pages(
        self, client: CognitoClient, what: str, where: str, **params: str
    ) -> Iterator[object]:
        token: str | None = None
        seen: set[str] = set()
        while True:
            page_params: dict[str, str | int] = {**params, "Limit": PAGE_SIZE}
            if token is not None:
                page_params["PaginationToken"] = token
            response = self._call(client, what, where, page_params)
            users = response.get("Users")
            if isinstance(users, list):
                yield from users
            next_token = response.get("PaginationToken")
            # A token seen before would loop forever; stop instead.
            if not isinstance(next_token, str) or not next_token or next_token in seen:
                return
            seen.add(next_token)
            token = next_token

    def _call(
        self, client: CognitoClient, what: str, where: str, params: Mapping[str, str | int]
    ) -> Mapping[str, object]:
        try:
            return client.list_users(**params)
        except ClientError as exc:
            raise _translate_client_error(exc, what, where) from exc
        except (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError) as exc:
            raise IdentityError(
                what, where=where, why=f"{type(exc).__name__}: {exc}", code="credentials"
            ) from exc
        except (BotoConnectionError, HTTPClientError) as exc:
            raise IdentityError(
                what, where=where, why=f"{type(exc).__name__}: {exc}", code="unreachable"
            ) from exc


_IDENTITY_CODE: Final = {
    AwsErrorKind.THROTTLED: "throttled",
    AwsErrorKind.NOT_FOUND: "pool-not-found",
    AwsErrorKind.ACCESS_DENIED: "access-denied",
    AwsErrorKind.CREDENTIALS: "credentials",
}


def _translate_client_error(exc: ClientError, what: str, where: str) -> IdentityError:
    code = error_code_of(exc)
    response = exc.response if isinstance(exc.response, Mapping) else {}
    message = response.get("Error", {}).get("Message") or ""
    metadata = response.get("ResponseMetadata", {})
    why = f"{code}: {message}" if message else code or str(exc)
    kind = classify_aws_error(code, metadata.get("HTTPStatusCode"))
    if kind is AwsErrorKind.THROTTLED:
        # botocore counts the retries it made; the first try is one more.
        attempts = int(metadata.get("RetryAttempts", 0)) + 1
        why = f"{why}; gave up after {attempts} attempts"
    return IdentityError(what, where=where, why=why, code=_IDENTITY_CODE.get(kind, "service-error"))
