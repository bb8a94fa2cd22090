"""The in-memory identity directory and the helpers of the directory seam."""

from __future__ import annotations

import pytest

from crowdaudit.errors import CrowdAuditError
from crowdaudit.identity.directory import (
    IdentityDirectory,
    IdentityError,
    InMemoryDirectory,
    Person,
    unresolved,
)

ALICE = Person("us-east-1_A", "sub-alice", "alice", email="alice@example.org")
BOB = Person("eu-west-1_B", "sub-bob", "bob")


def test_known_subs_resolve_and_unknown_subs_map_to_none() -> None:
    directory: IdentityDirectory = InMemoryDirectory([ALICE, BOB])

    people = directory.fetch_people(
        {"us-east-1_A": ["sub-alice", "sub-gone"], "eu-west-1_B": {"sub-bob"}}
    )

    assert people == {
        ("us-east-1_A", "sub-alice"): ALICE,
        ("us-east-1_A", "sub-gone"): None,
        ("eu-west-1_B", "sub-bob"): BOB,
    }
    assert unresolved(people) == [("us-east-1_A", "sub-gone")]


def test_a_sub_is_only_found_in_its_own_pool() -> None:
    directory = InMemoryDirectory([ALICE])

    assert directory.fetch_people({"eu-west-1_B": ["sub-alice"]}) == {
        ("eu-west-1_B", "sub-alice"): None
    }


def test_requests_are_recorded() -> None:
    directory = InMemoryDirectory()

    assert directory.fetch_people({}) == {}
    directory.fetch_people({"p_1": ["a", "a", "b"]})

    assert directory.requests == [{}, {"p_1": frozenset({"a", "b"})}]


def test_a_configured_error_is_raised() -> None:
    error = IdentityError(
        "cannot list Cognito users",
        where="pool p_1",
        why="AccessDeniedException: no",
        code="access-denied",
    )
    directory = InMemoryDirectory([ALICE], error=error)

    with pytest.raises(IdentityError) as info:
        directory.fetch_people({"p_1": ["a"]})

    assert info.value is error
    assert isinstance(info.value, CrowdAuditError)
    assert str(info.value) == "cannot list Cognito users: pool p_1 (AccessDeniedException: no)"
    assert info.value.code == "access-denied"


def test_person_is_a_frozen_value_keyed_by_pool_and_sub() -> None:
    assert ALICE.key == ("us-east-1_A", "sub-alice")
    assert Person("p_1", "s", "u") == Person("p_1", "s", "u")
    with pytest.raises(AttributeError):
        ALICE.username = "mallory"  # type: ignore[misc]
