"""The contribution ledger: hand-checked toy tables, properties, and a multi-job, multi-pool
workforce on moto's Cognito compared with the seed notebook's method (count answers per ``sub``)."""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from cognito_support import cognito_client, create_pool
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from crowdaudit.errors import InputFormatError
from crowdaudit.identity.cognito import CognitoDirectory
from crowdaudit.identity.directory import InMemoryDirectory, Person, unresolved
from crowdaudit.metrics.contributions import (
    CONTRIBUTIONS,
    CONTRIBUTIONS_BY_JOB,
    NO_IDENTITY,
    build_pool_subs,
    compute_contributions,
)
from crowdaudit.schema import COL, RESPONSES

POOL = "us-east-1_Pool1"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
OIDC_ISSUER = "https://idp.example.com/adfs"

ALICE = Person(POOL, "sub-alice", "alice", email="alice@example.org")
BOB = Person(POOL, "sub-bob", "bob", email="bob@example.org")

EXPECTED_COLUMNS = [
    "worker",
    "sub",
    "user_pool_id",
    "issuer",
    "identity_provider",
    "username",
    "email",
    "n_answers",
    "n_objects",
    "n_jobs",
    "jobs",
    "total_seconds",
    "median_seconds",
    "first_submitted_at",
    "last_submitted_at",
    "active_days",
]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def answer(
    job: str,
    task: str,
    worker: str,
    submitted_at: datetime,
    seconds: float | None,
    *,
    provider: str | None = None,
    issuer: str | None = None,
    sub: str | None = None,
) -> dict[str, Any]:
    pool = issuer.rsplit("/", 1)[-1] if provider == "Cognito" and issuer else None
    accepted = submitted_at - timedelta(seconds=seconds) if seconds is not None else None
    return {
        COL.JOB: job,
        COL.TASK: task,
        COL.ITERATION: 1,
        COL.WORKER: worker,
        COL.LABEL: "bird",
        COL.ACCEPTED_AT: accepted,
        COL.SUBMITTED_AT: submitted_at,
        COL.SECONDS: seconds,
        COL.IDENTITY_PROVIDER: provider,
        COL.ISSUER: issuer,
        COL.SUB: sub,
        COL.USER_POOL_ID: pool,
        COL.SOURCE_KEY: f"{job}/annotations/worker-response/iteration-1/{task}/x.json",
    }


def cognito(sub: str) -> dict[str, str]:
    return {"provider": "Cognito", "issuer": ISSUER, "sub": sub}


def oidc(sub: str) -> dict[str, str]:
    return {"provider": "Oidc", "issuer": OIDC_ISSUER, "sub": sub}


def responses_of(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=RESPONSES, orient="row")


# The toy table. alice answers from two worker ids (two regions) in two jobs, across a UTC midnight;
# carol signs in through OIDC; the Mechanical Turk worker of job j3 has no identity and no times.
ALICE_EAST, ALICE_WEST = "private.us-east-1.aaaaaaaaaaaaaaaa", "private.eu-west-1.bbbbbbbbbbbbbbbb"
BOB_ID = "private.us-east-1.0b0b0b0b0b0b0b0b"
CAROL_ID = "private.us-west-2.cccccccccccccccc"
TURK_ID = "public.us-east-1.PHMFOWIIICWDF3ZS5HORERJV6Y"

TOY = responses_of(
    [
        answer("j1", "0", ALICE_EAST, at("2024-03-01T09:00:00"), 10.0, **cognito("sub-alice")),
        answer("j1", "1", ALICE_EAST, at("2024-03-01T23:59:59"), 20.0, **cognito("sub-alice")),
        answer("j1", "2", ALICE_EAST, at("2024-03-02T00:00:01"), 30.0, **cognito("sub-alice")),
        answer("j2", "0", ALICE_WEST, at("2024-03-05T12:00:00"), 40.0, **cognito("sub-alice")),
        answer("j1", "0", BOB_ID, at("2024-03-01T10:00:00"), 60.0, **cognito("sub-bob")),
        answer("j1", "1", BOB_ID, at("2024-03-01T11:00:00"), 120.0, **cognito("sub-bob")),
        answer("j2", "0", CAROL_ID, at("2024-03-04T08:00:00"), 1800.0, **oidc("oidc-carol")),
        answer("j2", "1", CAROL_ID, at("2024-03-04T09:00:00"), 1800.0, **oidc("oidc-carol")),
        answer("j3", "0", TURK_ID, at("2024-02-01T16:10:53"), None),
        answer("j3", "1", TURK_ID, at("2024-02-01T16:11:53"), None),
    ]
)
IDENTITIES = {ALICE.key: ALICE, BOB.key: BOB}


def rows_by_worker(table: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row[COL.WORKER]: row for row in table.iter_rows(named=True)}


# --- hand-checked values ----------------------------------------------------------------------


def test_one_row_per_person_with_hand_checked_values() -> None:
    table = compute_contributions(TOY, identities=IDENTITIES)

    assert table.columns == EXPECTED_COLUMNS
    assert dict(table.schema) == CONTRIBUTIONS
    assert table[COL.WORKER].to_list() == [
        f"{ALICE_WEST};{ALICE_EAST}",  # 4 answers; worker ids sorted and joined
        BOB_ID,  # 2 answers each below: ties broken by worker id
        CAROL_ID,
        TURK_ID,
    ]
    rows = rows_by_worker(table)
    alice = rows[f"{ALICE_WEST};{ALICE_EAST}"]
    assert alice == {
        COL.WORKER: f"{ALICE_WEST};{ALICE_EAST}",
        COL.SUB: "sub-alice",
        COL.USER_POOL_ID: POOL,
        COL.ISSUER: ISSUER,
        COL.IDENTITY_PROVIDER: "Cognito",
        COL.USERNAME: "alice",
        COL.EMAIL: "alice@example.org",
        COL.N_ANSWERS: 4,
        COL.N_OBJECTS: 4,  # the old name of n_answers, for one more release
        COL.N_JOBS: 2,
        COL.JOBS: "j1;j2",
        COL.TOTAL_SECONDS: 100.0,  # 10 + 20 + 30 + 40
        COL.MEDIAN_SECONDS: 25.0,  # (20 + 30) / 2
        COL.FIRST_SUBMITTED_AT: at("2024-03-01T09:00:00"),
        COL.LAST_SUBMITTED_AT: at("2024-03-05T12:00:00"),
        COL.ACTIVE_DAYS: 3,  # 1, 2 and 5 March (UTC)
    }
    bob = rows[BOB_ID]
    assert (bob[COL.USERNAME], bob[COL.EMAIL], bob[COL.N_OBJECTS], bob[COL.JOBS]) == (
        "bob",
        "bob@example.org",
        2,
        "j1",
    )
    assert (bob[COL.TOTAL_SECONDS], bob[COL.MEDIAN_SECONDS], bob[COL.ACTIVE_DAYS]) == (
        180.0,
        90.0,
        1,
    )

    carol = rows[CAROL_ID]
    assert carol[COL.IDENTITY_PROVIDER] == "Oidc"
    assert (carol[COL.SUB], carol[COL.ISSUER], carol[COL.USER_POOL_ID]) == (
        "oidc-carol",
        OIDC_ISSUER,
        None,
    )
    assert (carol[COL.USERNAME], carol[COL.EMAIL]) == (None, None)
    assert (carol[COL.TOTAL_SECONDS], carol[COL.MEDIAN_SECONDS]) == (3600.0, 1800.0)

    turk = rows[TURK_ID]
    assert turk[COL.IDENTITY_PROVIDER] == NO_IDENTITY == "none"
    assert (turk[COL.SUB], turk[COL.USER_POOL_ID], turk[COL.ISSUER], turk[COL.USERNAME]) == (
        None,
        None,
        None,
        None,
    )
    assert (turk[COL.N_OBJECTS], turk[COL.N_JOBS], turk[COL.JOBS]) == (2, 1, "j3")
    assert (turk[COL.TOTAL_SECONDS], turk[COL.MEDIAN_SECONDS]) == (None, None)
    assert (turk[COL.FIRST_SUBMITTED_AT], turk[COL.LAST_SUBMITTED_AT], turk[COL.ACTIVE_DAYS]) == (
        at("2024-02-01T16:10:53"),
        at("2024-02-01T16:11:53"),
        1,
    )


def test_by_job_gives_one_row_per_person_and_job() -> None:
    table = compute_contributions(TOY, identities=IDENTITIES, by_job=True)

    assert table.columns == [
        "job",
        *[c for c in EXPECTED_COLUMNS if c not in (COL.N_JOBS, COL.JOBS)],
    ]
    assert dict(table.schema) == CONTRIBUTIONS_BY_JOB
    summary = table.select(
        COL.JOB, COL.WORKER, COL.USERNAME, COL.N_OBJECTS, COL.TOTAL_SECONDS, COL.ACTIVE_DAYS
    )
    assert summary.rows() == [
        ("j1", ALICE_EAST, "alice", 3, 60.0, 2),
        ("j1", BOB_ID, "bob", 2, 180.0, 1),
        ("j2", CAROL_ID, None, 2, 3600.0, 1),
        ("j3", TURK_ID, None, 2, None, 1),
        ("j2", ALICE_WEST, "alice", 1, 40.0, 1),
    ]


def test_by_job_rows_add_up_to_the_per_person_rows() -> None:
    overall = compute_contributions(TOY)
    per_job = compute_contributions(TOY, by_job=True)

    person = pl.coalesce(COL.SUB, COL.WORKER).alias("person")
    seconds = pl.col(COL.TOTAL_SECONDS)
    summed = per_job.group_by(person).agg(
        pl.col(COL.N_OBJECTS).sum(),
        pl.when(seconds.count() > 0).then(seconds.sum()),
        pl.col(COL.JOB).sort().str.join(";").alias(COL.JOBS),
    )
    expected = overall.select(person, COL.N_OBJECTS, COL.TOTAL_SECONDS, COL.JOBS)
    assert_frame_equal(summed, expected, check_row_order=False)


@pytest.mark.parametrize(
    ("rates", "expected"),
    [
        # alice: 4 objects, 100 s; bob: 2 objects, 180 s; carol: 2 objects, 3600 s;
        # turk: 2 objects in j3, time unknown.
        (
            {"rate_per_object": 0.10},
            {"alice": 0.4, "bob": 0.2, "carol": 0.2, "turk": 0.2},
        ),
        (
            {"rate_per_object": 0.10, "job_rates": {"j3": 0.012}},
            {"alice": 0.4, "bob": 0.2, "carol": 0.2, "turk": 0.024},
        ),
        (
            {"job_rates": {"j3": 0.012, "j2": 1.0}},
            {"alice": 1.0, "bob": 0.0, "carol": 2.0, "turk": 0.024},
        ),
        (
            {"rate_per_hour": 12.0},
            # 100/3600*12 = 0.333333…; 180/3600*12 = 0.6; 3600/3600*12 = 12; no time: unknown.
            {"alice": 0.333333, "bob": 0.6, "carol": 12.0, "turk": None},
        ),
        (
            {"rate_per_object": 0.10, "rate_per_hour": 12.0},
            {"alice": 0.733333, "bob": 0.8, "carol": 12.2, "turk": None},
        ),
        (
            {"rate_per_object": 0.0},
            {"alice": 0.0, "bob": 0.0, "carol": 0.0, "turk": 0.0},
        ),
    ],
)
def test_payout(rates: dict[str, Any], expected: dict[str, float | None]) -> None:
    table = compute_contributions(TOY, **rates)

    names = {
        f"{ALICE_WEST};{ALICE_EAST}": "alice",
        BOB_ID: "bob",
        CAROL_ID: "carol",
        TURK_ID: "turk",
    }
    assert table.columns == [*EXPECTED_COLUMNS, COL.PAYOUT_USD]
    assert table.schema[COL.PAYOUT_USD] == pl.Float64
    assert {names[w]: p for w, p in table.select(COL.WORKER, COL.PAYOUT_USD).rows()} == expected


def test_payout_by_job_uses_each_jobs_rate() -> None:
    table = compute_contributions(TOY, by_job=True, rate_per_object=0.10, job_rates={"j1": 0.5})

    assert {(j, w): p for j, w, p in table.select(COL.JOB, COL.WORKER, COL.PAYOUT_USD).rows()} == {
        ("j1", ALICE_EAST): 1.5,
        ("j2", ALICE_WEST): 0.1,
        ("j1", BOB_ID): 1.0,
        ("j2", CAROL_ID): 0.2,
        ("j3", TURK_ID): 0.2,
    }


def test_hourly_payout_is_null_when_part_of_the_time_is_unknown() -> None:
    rows = [
        answer("j", "0", "w", at("2024-01-01T00:00:00"), 3600.0),
        answer("j", "1", "w", at("2024-01-01T01:00:00"), None),
    ]
    table = compute_contributions(responses_of(rows), rate_per_hour=10.0)

    assert table.select(COL.TOTAL_SECONDS, COL.MEDIAN_SECONDS, COL.PAYOUT_USD).row(0) == (
        3600.0,
        3600.0,
        None,
    )


def test_payout_hides_floating_point_noise() -> None:
    rows = [answer("j", str(i), "w", at("2024-01-01T00:00:00"), 1.0) for i in range(3)]

    table = compute_contributions(responses_of(rows), rate_per_object=0.012)

    assert table[COL.PAYOUT_USD].to_list() == [0.036]  # 3 * 0.012 is 0.036000000000000004 unrounded


@pytest.mark.parametrize(
    "rates",
    [
        {"rate_per_object": -0.01},
        {"rate_per_hour": float("nan")},
        {"rate_per_hour": float("inf")},
        {"job_rates": {"j1": -1.0}},
    ],
)
def test_bad_rates_are_refused(rates: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be a finite number >= 0"):
        compute_contributions(TOY, **rates)


def test_unknown_and_absent_identities_leave_names_empty() -> None:
    without = compute_contributions(TOY)
    unknown = compute_contributions(TOY, identities={ALICE.key: None, BOB.key: None})

    assert_frame_equal(without, unknown)
    assert without[COL.USERNAME].null_count() == without.height


def test_oidc_identities_are_never_looked_up() -> None:
    # Even a directory entry that happens to be keyed like the OIDC answer is not used.
    carol = Person(OIDC_ISSUER, "oidc-carol", "carol")
    table = compute_contributions(TOY, identities={carol.key: carol})

    assert rows_by_worker(table)[CAROL_ID][COL.USERNAME] is None


def test_identities_from_a_directory_fit_the_table() -> None:
    directory = InMemoryDirectory([ALICE, BOB])
    wanted = build_pool_subs(TOY)

    table = compute_contributions(TOY, identities=directory.fetch_people(wanted))

    assert wanted == {POOL: frozenset({"sub-alice", "sub-bob"})}
    assert table.filter(pl.col(COL.USERNAME).is_not_null())[COL.USERNAME].to_list() == [
        "alice",
        "bob",
    ]


def test_empty_responses_give_an_empty_table_with_all_columns() -> None:
    table = compute_contributions(TOY.clear(), rate_per_object=1.0)

    assert table.height == 0
    assert dict(table.schema) == {**CONTRIBUTIONS, COL.PAYOUT_USD: pl.Float64()}
    assert build_pool_subs(TOY.clear()) == {}


def test_a_plain_long_table_is_keyed_by_worker() -> None:
    long = pl.DataFrame({"task": ["a", "b", "a"], "worker": ["w1", "w1", "w2"], "label": "x"})

    table = compute_contributions(long)

    assert table.select(
        COL.WORKER, COL.IDENTITY_PROVIDER, COL.N_OBJECTS, COL.N_JOBS, COL.JOBS
    ).rows() == [
        ("w1", "none", 2, 0, None),
        ("w2", "none", 1, 0, None),
    ]


def test_a_table_without_workers_is_refused() -> None:
    with pytest.raises(InputFormatError, match=r"missing column 'worker'") as info:
        compute_contributions(pl.DataFrame({"task": ["a"]}))

    assert info.value.code == "missing-column"


def test_a_provider_without_a_sub_counts_as_no_identity() -> None:
    rows = [
        answer("j", "0", "w", at("2024-01-01T00:00:00"), 1.0, provider="Cognito", issuer=ISSUER)
    ]

    table = compute_contributions(responses_of(rows), identities=IDENTITIES)

    assert table.select(COL.IDENTITY_PROVIDER, COL.SUB, COL.USER_POOL_ID, COL.ISSUER).row(0) == (
        "none",
        None,
        None,
        None,
    )


def test_unicode_job_and_worker_names() -> None:
    rows = [
        answer("vögel-🐦", "0", "wörker-β", at("2024-01-01T00:00:00"), 1.0),
        answer("oiseaux", "0", "wörker-β", at("2024-01-01T00:00:00"), 1.0),
    ]

    table = compute_contributions(responses_of(rows))

    assert table.select(COL.WORKER, COL.JOBS).row(0) == ("wörker-β", "oiseaux;vögel-🐦")


# --- properties -------------------------------------------------------------------------------

WORKERS = [("w0", None), ("w1", "s1"), ("w2", "s1"), ("w3", "s3"), ("w4", None)]


@st.composite
def toy_tables(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(min_value=0, max_value=40))
    rows = []
    for i in range(n):
        worker, sub = draw(st.sampled_from(WORKERS))
        seconds = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=1e4)))
        minute = draw(st.integers(min_value=0, max_value=60 * 24 * 5))
        identity = cognito(sub) if sub else {}
        job = draw(st.sampled_from(["j1", "j2", "j3"]))
        submitted = at("2024-01-01T00:00:00") + timedelta(minutes=minute)
        rows.append(answer(job, str(i), worker, submitted, seconds, **identity))
    return responses_of(rows)


@settings(max_examples=60, deadline=None)
@given(toy_tables(), st.randoms(use_true_random=False))
def test_properties(responses: pl.DataFrame, rng: random.Random) -> None:
    table = compute_contributions(responses, rate_per_object=0.5)
    shuffled = responses.sample(fraction=1.0, shuffle=True, seed=rng.randrange(2**32))

    # Invariant to row order, no answer lost, one row per person.
    assert_frame_equal(compute_contributions(shuffled, rate_per_object=0.5), table)
    assert table[COL.N_OBJECTS].sum() == responses.height
    assert table[COL.PAYOUT_USD].sum() == pytest.approx(0.5 * responses.height)
    persons = responses.select(pl.coalesce(COL.SUB, COL.WORKER)).n_unique()
    assert table.height == (persons if responses.height else 0)
    # Bounds.
    for row in table.iter_rows(named=True):
        assert 1 <= row[COL.ACTIVE_DAYS] <= row[COL.N_OBJECTS]
        assert 1 <= row[COL.N_JOBS] <= 3
        assert row[COL.FIRST_SUBMITTED_AT] <= row[COL.LAST_SUBMITTED_AT]
    # The long table sums back to the short one.
    per_job = compute_contributions(shuffled, by_job=True)
    assert per_job[COL.N_OBJECTS].sum() == responses.height
    assert per_job.height == responses.select(pl.coalesce(COL.SUB, COL.WORKER), COL.JOB).n_unique()


# --- the seed notebook's method on a multi-job, multi-pool workforce (moto) ---------------------


def worker_id(region: str, seed: str) -> str:
    return f"private.{region}.{hashlib.sha256(seed.encode()).hexdigest()[:16]}"


def test_multi_job_multi_pool_counts_match_the_notebook(moto_reset: str) -> None:
    east = cognito_client(moto_reset, "us-east-1")
    west = cognito_client(moto_reset, "eu-west-1")
    east_pool, east_people = create_pool(east, "east", 130)
    west_pool, west_people = create_pool(west, "west", 9)
    # One worker answered and was deleted from the pool afterwards.
    departed = east_people[-1]
    east.admin_delete_user(UserPoolId=east_pool, Username=departed.username)

    # The workforce: 40 east users (one answering from two regions), 9 west users, one OIDC user.
    members: list[tuple[str, dict[str, str]]] = []
    issuers = {
        east_pool: f"https://cognito-idp.us-east-1.amazonaws.com/{east_pool}",
        west_pool: f"https://cognito-idp.eu-west-1.amazonaws.com/{west_pool}",
    }
    for person in [*east_people[:39], departed, *west_people]:
        region = person.user_pool_id.split("_")[0]
        identity = {
            "provider": "Cognito",
            "issuer": issuers[person.user_pool_id],
            "sub": person.sub,
        }
        members.append((worker_id(region, person.sub), identity))
    traveller = east_people[0]
    members.append((worker_id("us-west-2", traveller.sub), members[0][1]))
    members.append((worker_id("us-east-1", "dana"), oidc("oidc-dana")))
    turkers = [f"public.us-east-1.TURKER{i:020d}" for i in range(4)]

    rng = random.Random(20240301)
    start = at("2024-03-01T08:00:00")
    rows = []
    for job in ["birds", "cars", "trees"]:  # three jobs sharing the private workforce
        for task in range(40):
            for worker, identity in rng.sample(members, 3):
                when = start + timedelta(minutes=rng.randrange(60 * 24 * 4))
                rows.append(answer(job, str(task), worker, when, rng.uniform(2, 60), **identity))
    for task in range(15):  # one public-workforce job
        for worker in rng.sample(turkers, 2):
            rows.append(answer("turk", str(task), worker, start, None))
    responses = responses_of(rows)

    calls: list[dict[str, Any]] = []
    for client in (east, west):
        client.meta.events.register(
            "before-parameter-build.cognito-idp.ListUsers",
            lambda params, **_: calls.append(dict(params)),
        )
    directory = CognitoDirectory({"us-east-1": east, "eu-west-1": west}.__getitem__)
    people = directory.fetch_people(build_pool_subs(responses))
    table = compute_contributions(responses, identities=people)

    # The notebook's method, independently: count answers per sub (and per worker id without one).
    label_count = Counter(r[COL.SUB] or r[COL.WORKER] for r in rows)
    jobs_of: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        jobs_of[r[COL.SUB] or r[COL.WORKER]].add(r[COL.JOB])
    got = {row[COL.SUB] or row[COL.WORKER]: row for row in table.iter_rows(named=True)}
    assert {key: row[COL.N_OBJECTS] for key, row in got.items()} == dict(label_count)
    assert {key: row[COL.JOBS] for key, row in got.items()} == {
        key: ";".join(sorted(jobs)) for key, jobs in jobs_of.items()
    }

    # The right people behind the subs; the deleted user stays, unnamed.
    for person in [*east_people[:39], *west_people]:
        if person.sub in got:
            row = got[person.sub]
            assert (row[COL.USERNAME], row[COL.EMAIL], row[COL.USER_POOL_ID]) == (
                person.username,
                person.email,
                person.user_pool_id,
            )
    assert unresolved(people) == [departed.key]
    assert (got[departed.sub][COL.USERNAME], got[departed.sub][COL.N_OBJECTS]) == (
        None,
        label_count[departed.sub],
    )
    assert got[traveller.sub][COL.WORKER] == ";".join(
        sorted({worker_id("us-east-1", traveller.sub), worker_id("us-west-2", traveller.sub)})
    )
    assert (got["oidc-dana"][COL.IDENTITY_PROVIDER], got["oidc-dana"][COL.USERNAME]) == (
        "Oidc",
        None,
    )
    for turker in turkers:
        assert got[turker][COL.IDENTITY_PROVIDER] == "none"
        assert got[turker][COL.WORKER] == turker
        assert got[turker][COL.JOBS] == "turk"

    # Cost: 3 pages for 130 east users, 1 for 9 west users, one lookup for the departed user.
    assert sum("Filter" not in c for c in calls) == 4
    assert [c["Filter"] for c in calls if "Filter" in c] == [f'sub = "{departed.sub}"']
    # Sorted by n_objects, then worker.
    ordered = table.sort([COL.N_OBJECTS, COL.WORKER], descending=[True, False])
    assert_frame_equal(table, ordered)
