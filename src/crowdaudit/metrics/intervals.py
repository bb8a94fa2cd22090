"""Confidence intervals for proportions."""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

__all__ = ["Z_90", "Z_95", "wilson_bounds", "wilson_interval"]

Z_95: Final = 1.959963984540054
"""The 97.5th percentile of the standard normal distribution."""

Z_90: Final = 1.6448536269514722
"""The 95th percentile of the standard normal distribution (two-sided 90 % intervals)."""


def wilson_interval(
    successes: pl.Expr, trials: pl.Expr, *, z: float = Z_95
) -> tuple[pl.Expr, pl.Expr]:
    """Wilson score interval (Wilson 1927) for a proportion ``successes / trials``.

    .. math::

        \\frac{\\hat p + \\frac{z^2}{2n} \\pm z\\sqrt{\\frac{\\hat p(1-\\hat p)}{n} + \\frac{z^2}{4n^2}}}
             {1 + \\frac{z^2}{n}}

    Unlike the normal approximation it stays inside [0, 1] and is sensible for small ``n`` and for
    proportions of 0 or 1, which is what a worker with ten gold answers has. Both bounds are null
    where ``trials`` is 0.

    Example: 8 correct of 10 gives (0.4902, 0.9433).
    """
    n = trials.cast(pl.Float64)
    p = successes.cast(pl.Float64) / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator
    # At p = 0 and p = 1 the bounds are exactly 0 and 1; rounding would leave ~1e-17 otherwise.
    low = (
        pl.when(trials <= 0)
        .then(None)
        .when(successes <= 0)
        .then(0.0)
        .otherwise((centre - half).clip(0.0, 1.0))
    )
    high = (
        pl.when(trials <= 0)
        .then(None)
        .when(successes >= trials)
        .then(1.0)
        .otherwise((centre + half).clip(0.0, 1.0))
    )
    return low, high


def wilson_bounds(
    successes: NDArray[np.float64], trials: NDArray[np.float64], *, z: float = Z_90
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`wilson_interval` on numpy arrays; NaN where ``trials`` is 0.

    Example:
        >>> low, high = wilson_bounds(np.array([8.0]), np.array([10.0]), z=Z_95)
        >>> round(float(low[0]), 4), round(float(high[0]), 4)
        (0.4902, 0.9433)
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        n = trials.astype(np.float64)
        p = successes / n
        z2 = z * z
        denominator = 1.0 + z2 / n
        centre = (p + z2 / (2.0 * n)) / denominator
        half = z * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
        low = np.where(successes <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(successes >= trials, 1.0, np.clip(centre + half, 0.0, 1.0))
    low[n <= 0] = np.nan
    high[n <= 0] = np.nan
    return low, high
