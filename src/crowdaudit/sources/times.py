"""Plausible times only: what a clock or a producer got wrong is counted, never added up (pure).

A submission time in year 2999 would add billions of seconds to a worker's time and to a payout
by the hour; a ``timeSpentInSeconds`` of 1e300, or a negative one, is no measurement either. Each
answer keeps its place in counts of objects and answers; only its times are left out:

* ``future-timestamp``: its submission or acceptance time lies more than a day after ``now``
  (clocks in different zones disagree by hours, never by a day). Both times and its seconds are
  left out.
* ``implausible-seconds``: its time spent (``timeSpentInSeconds``, else submission − acceptance)
  is negative, not a number, or over 24 hours (a task in Ground Truth times out within 8 hours).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import polars as pl

from crowdaudit.schema import COL

__all__ = ["MAX_SECONDS", "describe_time_counts", "screen_times"]

MAX_SECONDS: Final = 24 * 3600.0
FUTURE_MARGIN: Final = timedelta(days=1)


def screen_times(responses: pl.DataFrame, *, now: datetime) -> tuple[pl.DataFrame, dict[str, int]]:
    """Leave implausible times out of ``responses`` (``schema.RESPONSES``); count each reason.

    Args:
        responses: answers with ``accepted_at``, ``submitted_at`` (UTC) and ``seconds``.
        now: the time of the run (timezone-aware).

    Returns:
        The table with those times set to null, and ``{"n_future_timestamps": …,
        "n_implausible_seconds": …}``.

    >>> from datetime import UTC
    >>> table = pl.DataFrame({"accepted_at": [None], "submitted_at": [None], "seconds": [-3.0]})
    >>> screen_times(table, now=datetime(2026, 1, 1, tzinfo=UTC))[1]["n_implausible_seconds"]
    1
    """
    limit = pl.lit(now + FUTURE_MARGIN).dt.convert_time_zone("UTC")
    future = (pl.col(COL.SUBMITTED_AT) > limit).fill_null(False) | (
        pl.col(COL.ACCEPTED_AT) > limit
    ).fill_null(False)
    seconds = pl.col(COL.SECONDS)
    implausible = (seconds.is_nan() | (seconds < 0) | (seconds > MAX_SECONDS)).fill_null(False)
    flagged = responses.with_columns(future.alias("_future"), implausible.alias("_implausible"))
    flagged = flagged.with_columns(pl.col("_implausible") & ~pl.col("_future"))
    counts = {
        "n_future_timestamps": int(flagged.get_column("_future").sum()),
        "n_implausible_seconds": int(flagged.get_column("_implausible").sum()),
    }
    if not any(counts.values()):
        return responses, counts
    dropped = pl.col("_future") | pl.col("_implausible")
    screened = flagged.with_columns(
        *(
            pl.when(pl.col("_future")).then(None).otherwise(pl.col(name)).alias(name)
            for name in (COL.ACCEPTED_AT, COL.SUBMITTED_AT)
        ),
        pl.when(dropped).then(None).otherwise(seconds).alias(COL.SECONDS),
    ).select(responses.columns)
    return screened, counts


def describe_time_counts(counts: dict[str, int], where: str) -> list[str]:
    """The warnings for non-zero counts of :func:`screen_times`."""
    lines = []
    if counts.get("n_future_timestamps"):
        lines.append(
            f"{counts['n_future_timestamps']} answer(s) with a time more than a day in the future "
            f"(future-timestamp), left out of times and payouts: {where}"
        )
    if counts.get("n_implausible_seconds"):
        lines.append(
            f"{counts['n_implausible_seconds']} answer(s) with a time spent outside 0–24 h or not "
            f"a number (implausible-seconds), left out of times and payouts: {where}"
        )
    return lines
