"""Contribution ledger: who did how much, for how long, and when — across jobs.

The table a team lead uses to reward or pay labelers, generalising the AWS sample notebook
*Identify worker contribution for Cognito backed private work teams* (which counts answers per
``sub`` and looks the ``sub`` up in Cognito). Pure: the Cognito lookup happens elsewhere
(:mod:`crowdaudit.identity.cognito`) and its result is passed in as ``identities``.

Who is a person
    * an answer with Cognito identity data belongs to ``(user_pool_id, sub)``: one person even if
      Ground Truth gave them several worker ids (one per region of the jobs);
    * an answer with OIDC identity data belongs to ``(issuer, sub)``; it is never looked up;
    * any other answer (public Mechanical Turk and vendor workforces, jobs older than identity
      data) belongs to its worker id, and the row says ``identity_provider = "none"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

import polars as pl

from crowdaudit.errors import InputFormatError
from crowdaudit.identity.directory import Person, PoolSub
from crowdaudit.schema import (
    COL,
    CONTRIBUTIONS,
    CONTRIBUTIONS_BY_JOB,
    IDENTITY_COLUMNS,
    PAYOUT,
    RESPONSES,
)

__all__ = [
    "CONTRIBUTIONS",
    "CONTRIBUTIONS_BY_JOB",
    "NO_IDENTITY",
    "build_pool_subs",
    "compute_contributions",
]


NO_IDENTITY: Final = "none"
"""``identity_provider`` of a person known only by worker id (public or vendor workforce)."""

COGNITO: Final = "Cognito"

JOIN_SEPARATOR: Final = ";"
"""Separates several worker ids or job names in one cell."""

_INPUT: Final[dict[str, pl.DataType]] = {
    column: RESPONSES[column]
    for column in (COL.JOB, COL.WORKER, COL.SUBMITTED_AT, COL.SECONDS, *IDENTITY_COLUMNS)
}
"""The responses columns the ledger reads, with the responses table's dtypes."""

# Internal key of a person: (provider, scope, ident) = ("Cognito", pool, sub), ("Oidc", issuer,
# sub) or ("none", null, worker id).
_PROVIDER = "__provider"
_SCOPE = "__scope"
_IDENT = "__ident"
_RATE = "__rate"
_N_TIMED = "__n_timed"
_KEY = [_PROVIDER, _SCOPE, _IDENT]

# Payouts are sums of prices like 0.012 USD; rounding to a millionth of a dollar hides binary
# floating-point noise (0.036000000000000004) and keeps the tenth of a cent Ground Truth prices in.
_PAYOUT_DECIMALS: Final = 6


def build_pool_subs(responses: pl.DataFrame) -> dict[str, frozenset[str]]:
    """The Cognito ``sub`` values of a responses table, grouped by user pool.

    This is the argument an :class:`~crowdaudit.identity.directory.IdentityDirectory` expects.
    OIDC and public-workforce answers are left out: they have nothing to look up.

    Args:
        responses: a table with the columns ``identity_provider``, ``user_pool_id`` and ``sub``
            of :data:`crowdaudit.schema.RESPONSES` (missing columns count as null).

    Returns:
        user-pool id → the distinct ``sub`` values answering from that pool.
    """
    frame = _normalise(responses)
    cognito = frame.filter(
        (pl.col(COL.IDENTITY_PROVIDER) == COGNITO)
        & pl.col(COL.USER_POOL_ID).is_not_null()
        & pl.col(COL.SUB).is_not_null()
    )
    pools: dict[str, set[str]] = {}
    for pool, sub in cognito.select(COL.USER_POOL_ID, COL.SUB).unique().iter_rows():
        pools.setdefault(pool, set()).add(sub)
    return {pool: frozenset(subs) for pool, subs in sorted(pools.items())}


def compute_contributions(
    responses: pl.DataFrame,
    *,
    identities: Mapping[PoolSub, Person | None] | None = None,
    by_job: bool = False,
    rate_per_object: float | None = None,
    rate_per_hour: float | None = None,
    job_rates: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """Count each person's answers, time and activity days, optionally with a payout.

    Args:
        responses: answers shaped like :data:`crowdaudit.schema.RESPONSES`; uses ``worker``
            (required), ``job``, ``submitted_at``, ``seconds``, ``identity_provider``, ``issuer``,
            ``sub`` and ``user_pool_id`` (each optional: a missing column counts as null). Several
            jobs may be mixed.
        identities: ``(user_pool_id, sub)`` → the person (or ``None`` when unknown), typically from
            :meth:`~crowdaudit.identity.cognito.CognitoDirectory.fetch_people`. Only Cognito
            answers are looked up here; without it ``username`` and ``email`` stay null.
        by_job: one row per person and job (with a ``job`` column) instead of one per person.
        rate_per_object: USD paid per answer submitted, for jobs without a rate in ``job_rates``.
        rate_per_hour: USD paid per hour of ``total_seconds``.
        job_rates: job → USD per answer in that job, overriding ``rate_per_object`` (e.g. the
            public-workforce task price from DescribeLabelingJob).

    Returns:
        One row per person (:data:`CONTRIBUTIONS`), or per person and job
        (:data:`CONTRIBUTIONS_BY_JOB`), plus ``payout_usd`` when any rate is given, sorted by
        ``n_answers`` descending, then ``worker``. Per row:

        * ``worker``: the person's worker ids, sorted and ``;``-joined;
        * ``identity_provider``: ``Cognito``, ``Oidc`` or ``none`` (no identity data);
        * ``n_answers``: answers submitted (the notebook's ``label_count``); ``n_objects``, the
          same count under its old name, is written for one more release;
        * ``n_jobs``, ``jobs``: distinct jobs, and their names sorted and ``;``-joined (0 and null
          for a table without a ``job`` column);
        * ``total_seconds`` = Σ seconds and ``median_seconds`` over answers with a known time
          (null when none is known);
        * ``first_submitted_at``, ``last_submitted_at``: min and max ``submitted_at``;
        * ``active_days``: distinct UTC calendar dates with a submission;
        * ``payout_usd`` = Σ_answers rate(job) + total_seconds / 3600 * rate_per_hour, where
          rate(job) = ``job_rates[job]`` if present, else ``rate_per_object``, else 0; null when
          ``rate_per_hour`` is given and any of the row's answers has no known time (an hourly
          pay on part of the time would be silently wrong). Rounded to 6 decimals.

    Raises:
        InputFormatError: ``responses`` has no ``worker`` column.
        ValueError: a rate is negative or not finite.

    Example:
        A worker with answers of 10 s and 20 s on two days, paid 0.05 USD per object and 36 USD
        per hour, gets ``n_answers = 2``, ``total_seconds = 30``, ``median_seconds = 15``,
        ``active_days = 2`` and ``payout_usd = 2 * 0.05 + 30 / 3600 * 36 = 0.4``.
    """
    _check_rates(rate_per_object, rate_per_hour, job_rates)
    frame = _with_person_key(_normalise(responses))
    frame = _with_rate(frame, rate_per_object, job_rates)
    group = [*_KEY, COL.JOB] if by_job else _KEY

    aggregations: list[pl.Expr] = [
        pl.col(COL.WORKER).unique().sort().str.join(JOIN_SEPARATOR).alias(COL.WORKER),
        pl.col(COL.SUB).drop_nulls().first().alias(COL.SUB),
        pl.col(COL.USER_POOL_ID).drop_nulls().first().alias(COL.USER_POOL_ID),
        pl.col(COL.ISSUER).drop_nulls().first().alias(COL.ISSUER),
        pl.len().cast(pl.Int64).alias(COL.N_ANSWERS),
        # Σ of nothing is 0 in polars; an unknown total must stay null.
        pl.when(pl.col(COL.SECONDS).count() > 0)
        .then(pl.col(COL.SECONDS).sum())
        .otherwise(None)
        .alias(COL.TOTAL_SECONDS),
        pl.col(COL.SECONDS).median().alias(COL.MEDIAN_SECONDS),
        pl.col(COL.SUBMITTED_AT).min().alias(COL.FIRST_SUBMITTED_AT),
        pl.col(COL.SUBMITTED_AT).max().alias(COL.LAST_SUBMITTED_AT),
        pl.col(COL.SUBMITTED_AT)
        .dt.date()
        .drop_nulls()
        .n_unique()
        .cast(pl.Int64)
        .alias(COL.ACTIVE_DAYS),
        pl.col(_RATE).sum().alias(_RATE),
        pl.col(COL.SECONDS).count().alias(_N_TIMED),
    ]
    if not by_job:
        jobs = pl.col(COL.JOB).drop_nulls().unique()
        aggregations += [
            jobs.len().cast(pl.Int64).alias(COL.N_JOBS),
            pl.when(jobs.len() > 0).then(jobs.sort().str.join(JOIN_SEPARATOR)).alias(COL.JOBS),
        ]
    table = frame.group_by(group).agg(aggregations)
    table = _with_identities(table, identities).with_columns(
        pl.col(COL.N_ANSWERS).alias(COL.N_OBJECTS)  # its old name (schema.DEPRECATED_COLUMNS)
    )

    columns = dict(CONTRIBUTIONS_BY_JOB if by_job else CONTRIBUTIONS)
    if rate_per_object is not None or rate_per_hour is not None or job_rates is not None:
        table = table.with_columns(_payout(rate_per_hour))
        columns.update(PAYOUT)
    sort_by = [COL.N_ANSWERS, COL.WORKER, *([COL.JOB] if by_job else []), *_KEY]
    table = table.sort(sort_by, descending=[True] + [False] * (len(sort_by) - 1), nulls_last=True)
    table = table.with_columns(pl.col(_PROVIDER).alias(COL.IDENTITY_PROVIDER))
    return table.select(pl.col(name).cast(dtype) for name, dtype in columns.items())


def _normalise(responses: pl.DataFrame) -> pl.DataFrame:
    if COL.WORKER not in responses.columns:
        raise InputFormatError(
            "cannot compute contributions",
            where="responses table",
            why=f"missing column {COL.WORKER!r}",
            code="missing-column",
        )
    return responses.select(
        pl.col(name).cast(dtype)
        if name in responses.columns
        else pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in _INPUT.items()
    )


def _with_person_key(frame: pl.DataFrame) -> pl.DataFrame:
    has_identity = pl.col(COL.IDENTITY_PROVIDER).is_not_null() & pl.col(COL.SUB).is_not_null()
    # A Cognito answer without a pool id (a reader that could not parse the issuer) still has a
    # sub; it is keyed like OIDC, by issuer, and not looked up.
    is_cognito = (pl.col(COL.IDENTITY_PROVIDER) == COGNITO) & pl.col(COL.USER_POOL_ID).is_not_null()
    return frame.with_columns(
        pl.when(has_identity)
        .then(pl.col(COL.IDENTITY_PROVIDER))
        .otherwise(pl.lit(NO_IDENTITY))
        .alias(_PROVIDER),
        pl.when(has_identity & is_cognito)
        .then(pl.col(COL.USER_POOL_ID))
        .when(has_identity)
        .then(pl.col(COL.ISSUER))
        .otherwise(None)
        .alias(_SCOPE),
        pl.when(has_identity).then(pl.col(COL.SUB)).otherwise(pl.col(COL.WORKER)).alias(_IDENT),
        # Identity columns of a keyless answer are noise (e.g. a provider without a sub).
        *(
            pl.when(has_identity).then(pl.col(name)).otherwise(None).alias(name)
            for name in (COL.SUB, COL.ISSUER)
        ),
        pl.when(has_identity & is_cognito)
        .then(pl.col(COL.USER_POOL_ID))
        .otherwise(None)
        .alias(COL.USER_POOL_ID),
    )


def _with_rate(
    frame: pl.DataFrame, rate_per_object: float | None, job_rates: Mapping[str, float] | None
) -> pl.DataFrame:
    default = pl.lit(rate_per_object if rate_per_object is not None else 0.0, dtype=pl.Float64)
    if not job_rates:
        return frame.with_columns(default.alias(_RATE))
    rates = pl.DataFrame(
        {COL.JOB: list(job_rates), _RATE: [float(rate) for rate in job_rates.values()]},
        schema={COL.JOB: pl.String(), _RATE: pl.Float64()},
    )
    return frame.join(rates, on=COL.JOB, how="left").with_columns(pl.col(_RATE).fill_null(default))


def _with_identities(
    table: pl.DataFrame, identities: Mapping[PoolSub, Person | None] | None
) -> pl.DataFrame:
    known = [
        (pool, sub, person.username, person.email)
        for (pool, sub), person in (identities or {}).items()
        if person is not None
    ]
    people = pl.DataFrame(
        known,
        schema={
            _SCOPE: pl.String(),
            _IDENT: pl.String(),
            COL.USERNAME: pl.String(),
            COL.EMAIL: pl.String(),
        },
        orient="row",
    ).with_columns(pl.lit(COGNITO).alias(_PROVIDER))
    return table.join(people, on=_KEY, how="left")


def _payout(rate_per_hour: float | None) -> pl.Expr:
    payout = pl.col(_RATE)
    if rate_per_hour is not None:
        payout = (
            pl.when(pl.col(_N_TIMED) == pl.col(COL.N_ANSWERS))
            .then(payout + pl.col(COL.TOTAL_SECONDS) / 3600 * rate_per_hour)
            .otherwise(None)
        )
    return payout.round(_PAYOUT_DECIMALS).alias(COL.PAYOUT_USD)


def _check_rates(
    rate_per_object: float | None,
    rate_per_hour: float | None,
    job_rates: Mapping[str, float] | None,
) -> None:
    named = [("rate_per_object", rate_per_object), ("rate_per_hour", rate_per_hour)]
    named += [(f"job_rates[{job!r}]", rate) for job, rate in (job_rates or {}).items()]
    for name, rate in named:
        if rate is not None and not (math.isfinite(rate) and rate >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {rate!r}")
