"""Resolve Cognito ``sub`` values to users through Amazon Cognito's ListUsers API.

Strategy (cost grows with pool size, not with the number of people asked for): each user pool is
listed once, 60 users a page, into a ``sub → user`` map; only the ``sub`` values missing from that
listing are looked up one by one with ``Filter='sub = "…"'``, because ListUsers is eventually
consistent and a user created during the listing may be missing from it. A ``sub`` still unknown
after that maps to ``None`` (a deleted user, typically).

Throttling (``TooManyRequestsException``, ``ThrottlingException``) is retried with exponential
backoff and jitter, on top of botocore's own retries. Every other failure, and throttling that
outlasts the retries, becomes one :class:`~crowdaudit.identity.directory.IdentityError` of the form
``cannot list Cognito users: pool us-east-1_abc (AccessDeniedException: …)``. Nothing is logged, so
credentials cannot leak through this module.
"""

from __future__ import annotations

import random
import time
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

__all__ = [
    "PAGE_SIZE",
    "CognitoClient",
    "CognitoDirectory",
    "build_sub_filter",
    "parse_user",
]

PAGE_SIZE: Final = 60
"""ListUsers' maximum ``Limit``."""

THROTTLING_CODES: Final = frozenset({"TooManyRequestsException", "ThrottlingException"})

_ACCESS_DENIED_CODES: Final = frozenset(
    {"AccessDeniedException", "AccessDenied", "NotAuthorizedException", "UnauthorizedException"}
)
_BAD_CREDENTIALS_CODES: Final = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredTokenException",
        "ExpiredToken",
    }
)

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
            _LIST, f"pool {user_pool_id}", "not a user-pool id of the form <region>_<id>"
        )
    return region


class CognitoDirectory:
    """An :class:`~crowdaudit.identity.directory.IdentityDirectory` backed by Amazon Cognito.

    Needs ``cognito-idp:ListUsers`` on every pool asked for.

    Args:
        client: a boto3 ``cognito-idp`` client used for every pool, or a function from a region
            name to such a client. Pools are regional (``eu-west-1_abc`` lives in ``eu-west-1``), so
            a workforce spread over regions needs the function form; it is called once per region.
        max_retries: how many times a throttled call is retried before giving up.
        base_delay: seconds before the first retry; doubled on each further retry.
        max_delay: upper bound of one wait, in seconds.
        sleep: the function that waits (injectable so tests run instantly).
        rng: the random source of the jitter.

    Example (it calls Cognito, so it is not run as a doctest)::

        import boto3

        directory = CognitoDirectory(
            lambda region: boto3.client("cognito-idp", region_name=region)
        )
        directory.fetch_people({"us-east-1_5BJRp9lN7": {"7efc17ac-3397-…"}})
    """

    def __init__(
        self,
        client: CognitoClient | ClientFactory,
        *,
        max_retries: int = 5,
        base_delay: float = 0.25,
        max_delay: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        if hasattr(client, "list_users"):
            shared: CognitoClient = client
            self._factory: ClientFactory | None = None
            self._shared: CognitoClient | None = shared
        else:
            self._factory = client
            self._shared = None
        self._clients: dict[str, CognitoClient] = {}
        self._max_retries = max_retries
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()

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
        attempt = 0
        while True:
            try:
                return client.list_users(**params)
            except ClientError as exc:
                code = _error_code(exc)
                if code in THROTTLING_CODES and attempt < self._max_retries:
                    self._sleep(self._delay(attempt))
                    attempt += 1
                    continue
                raise _translate_client_error(exc, what, where, attempts=attempt + 1) from exc
            except (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError) as exc:
                raise IdentityError(
                    what, where, f"{type(exc).__name__}: {exc}", code="credentials"
                ) from exc
            except (BotoConnectionError, HTTPClientError) as exc:
                raise IdentityError(
                    what, where, f"{type(exc).__name__}: {exc}", code="unreachable"
                ) from exc

    def _delay(self, attempt: int) -> float:
        # "Equal jitter": half the exponential step for sure, the other half at random, so retries
        # spread out without ever collapsing to zero wait.
        step = min(self._max_delay, self._base_delay * 2.0**attempt)
        return step / 2 + self._rng.uniform(0, step / 2)


def _error_code(exc: ClientError) -> str:
    error = exc.response.get("Error", {}) if isinstance(exc.response, Mapping) else {}
    code = error.get("Code", "")
    return code if isinstance(code, str) else ""


def _translate_client_error(
    exc: ClientError, what: str, where: str, *, attempts: int
) -> IdentityError:
    code = _error_code(exc)
    error = exc.response.get("Error", {}) if isinstance(exc.response, Mapping) else {}
    message = error.get("Message") or ""
    why = f"{code}: {message}" if message else code or str(exc)
    if code in THROTTLING_CODES:
        return IdentityError(
            what, where, f"{why}; gave up after {attempts} attempts", code="throttled"
        )
    if code == "ResourceNotFoundException":
        return IdentityError(what, where, why, code="pool-not-found")
    if code in _ACCESS_DENIED_CODES:
        return IdentityError(what, where, why, code="access-denied")
    if code in _BAD_CREDENTIALS_CODES:
        return IdentityError(what, where, why, code="credentials")
    return IdentityError(what, where, why, code="service-error")
