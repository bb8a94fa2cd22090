"""The skills' Beta prior: mean and strength fitted together by empirical Bayes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import betabinom

from crowdaudit.metrics.calibration import SKILL_STRENGTHS, fit_skill_prior


def _brute_force(right: np.ndarray, total: np.ndarray) -> tuple[float, float]:
    """Best (mean, strength) over a fine grid of means, scored by scipy's beta-binomial."""
    means = np.linspace(0.001, 0.999, 999)
    best = (-np.inf, 0.0, 0.0)
    for s in SKILL_STRENGTHS:
        for m in means:
            score = float(np.sum(betabinom.logpmf(right, total, s * m, s * (1 - m))))
            if score > best[0]:
                best = (score, float(m), float(s))
    return best[1], best[2]


def test_the_prior_matches_a_brute_force_search() -> None:
    rng = np.random.default_rng(3)
    total = rng.integers(5, 60, 40)
    right = rng.binomial(total, rng.beta(6, 2, 40))
    mean, strength = fit_skill_prior(right.astype(float), total.astype(float))
    expected_mean, expected_strength = _brute_force(right, total)
    assert strength == expected_strength
    assert mean == pytest.approx(expected_mean, abs=2e-3)


def test_a_prolific_poor_worker_does_not_set_the_prior() -> None:
    # 20 workers with 18 of 20 right, one with 1,000 of 2,000: the share of right answers over
    # the job is 57 %, but the typical worker is right about 90 % of the time.
    right = np.array([18.0] * 20 + [1000.0])
    total = np.array([20.0] * 20 + [2000.0])
    assert right.sum() / total.sum() == pytest.approx(0.567, abs=1e-3)
    mean, _ = fit_skill_prior(right, total)
    assert mean > 0.8
