"""The identity-directory seam: who is behind a Cognito ``sub``.

Ground Truth writes a private worker's Cognito ``sub`` and the issuer (whose last path segment is
the user-pool id) into every answer, never a name. A directory turns ``(user_pool_id, sub)`` pairs
into :class:`Person` values. Two implementations exist:

* :class:`crowdaudit.identity.cognito.CognitoDirectory` asks Amazon Cognito (I/O);
* :class:`InMemoryDirectory` answers from a fixed list, for tests and offline use.

Both return a mapping in which every requested pair is present; ``None`` marks a ``sub`` the
directory does not know (a deleted user, say). An unknown ``sub`` is not an error: the caller
decides whether a table with empty names is acceptable.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from crowdaudit.errors import IdentityError

__all__ = [
    "IdentityDirectory",
    "IdentityError",
    "InMemoryDirectory",
    "Person",
    "PoolSub",
    "unresolved",
]

PoolSub = tuple[str, str]
"""A ``(user_pool_id, sub)`` pair, the key of a Cognito user."""


@dataclass(frozen=True, slots=True)
class Person:
    """A user of a Cognito user pool.

    Attributes:
        user_pool_id: the pool, e.g. ``us-east-1_5BJRp9lN7``.
        sub: the user's immutable ``sub`` attribute, as written in the worker answers.
        username: the Cognito ``Username`` (the sign-in name; may equal the e-mail or be a UUID).
        email: the ``email`` attribute, if set.
        name: the ``name`` attribute, if set.
        enabled: whether the user is enabled, if known.
        status: the Cognito ``UserStatus`` (``CONFIRMED``, ``FORCE_CHANGE_PASSWORD``, …), if known.
    """

    user_pool_id: str
    sub: str
    username: str
    email: str | None = None
    name: str | None = None
    enabled: bool | None = None
    status: str | None = None

    @property
    def key(self) -> PoolSub:
        """The ``(user_pool_id, sub)`` pair this person is found under."""
        return (self.user_pool_id, self.sub)


class IdentityDirectory(Protocol):
    """Anything that maps Cognito ``(user_pool_id, sub)`` pairs to people."""

    def fetch_people(
        self, pool_subs: Mapping[str, Collection[str]]
    ) -> dict[PoolSub, Person | None]:
        """Look up the people behind ``sub`` values, grouped by user pool.

        Args:
            pool_subs: user-pool id → the ``sub`` values wanted from that pool.

        Returns:
            ``(user_pool_id, sub)`` → the person, or ``None`` when the pool has no such user.
            Every requested pair is a key.

        Raises:
            IdentityError: the directory cannot be asked (permission, unknown pool, throttling,
                credentials, network).
        """
        ...


def unresolved(people: Mapping[PoolSub, Person | None]) -> list[PoolSub]:
    """The pairs a directory did not know, sorted.

    >>> unresolved({("p", "a"): None, ("p", "b"): Person("p", "b", "bob")})
    [('p', 'a')]
    """
    return sorted(key for key, person in people.items() if person is None)


class InMemoryDirectory:
    """An :class:`IdentityDirectory` over a fixed list of people; no I/O.

    Args:
        people: the users the directory knows.
        error: when given, every lookup raises it (to test how callers handle a failing directory).

    Attributes:
        requests: the ``pool_subs`` arguments received, in order (for tests).
    """

    def __init__(
        self, people: Iterable[Person] = (), *, error: IdentityError | None = None
    ) -> None:
        self._people = {person.key: person for person in people}
        self._error = error
        self.requests: list[dict[str, frozenset[str]]] = []

    def fetch_people(
        self, pool_subs: Mapping[str, Collection[str]]
    ) -> dict[PoolSub, Person | None]:
        """See :meth:`IdentityDirectory.fetch_people`."""
        self.requests.append({pool: frozenset(subs) for pool, subs in pool_subs.items()})
        if self._error is not None:
            raise self._error
        return {
            (pool, sub): self._people.get((pool, sub))
            for pool, subs in pool_subs.items()
            for sub in subs
        }
