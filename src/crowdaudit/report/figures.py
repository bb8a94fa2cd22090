"""How a share and a range read, and the headline on label accuracy (pure, words only).

One rule for every percentage crowdaudit prints: a share that is not exactly 0 or 1 never reads
as "0%" or "100%". A bound of 0.99992 is a claim that the labels might be nearly all right, not
that they are; so it gets more decimals until its digits say so ("99.99%"), at most
:data:`MAX_DECIMALS`, then "over 99.999%" (or "under 0.001%" at the low end).

The terminal summary, the report's page header and the notebook view show the same
:func:`label_accuracy_parts`: gold-measured figures first, then the estimate made without gold
with its range, always said to be estimated; and, below it, :func:`ranking_caution` where the
ranking of workers depends on the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from crowdaudit.metrics.skill import MODEL_AGREEMENT_CAUTION

__all__ = [
    "MAX_DECIMALS",
    "headline",
    "label_accuracy_parts",
    "percent",
    "percent_range",
    "ranking_caution",
]

MAX_DECIMALS: Final = 3
"""Most decimals a percentage gets to avoid reading as 0% or 100%."""


def _digits(value: float, decimals: int) -> str:
    """The number of ``100 * value`` with ``decimals`` decimals, or more where those would
    round a share that is not exactly 0 or 1 to 0 or 100."""
    exact = value in (0.0, 1.0)
    for shown in range(decimals, max(decimals, MAX_DECIMALS) + 1):
        text = f"{100 * value:.{shown}f}"
        if exact or float(text) not in (0.0, 100.0):
            return text
    step = 10.0**-MAX_DECIMALS
    return (
        f"over {100 - step:.{MAX_DECIMALS}f}" if value > 0.5 else f"under {step:.{MAX_DECIMALS}f}"
    )


def percent(value: float | None, decimals: int = 1, *, missing: str = "–") -> str:
    """``value`` (a share, 0 to 1) as a percentage: ``0.901`` → ``"90.1%"``,
    ``0.99992`` → ``"99.99%"`` (never ``"100%"`` unless it is exactly 1).

    >>> percent(0.901), percent(0.99992, 0), percent(1.0, 0), percent(0.9999999), percent(None)
    ('90.1%', '99.99%', '100%', 'over 99.999%', '–')
    """
    if value is None:
        return missing
    return f"{_digits(value, decimals)}%"


def percent_range(low: float, high: float, decimals: int = 0, *, unit: str = "%") -> str:
    """A range of shares, one unit for both ends: ``(0.9049, 0.99992)`` → ``"90–99.99%"``
    (``unit=""`` where a column header names the unit).

    >>> percent_range(0.9049, 0.99992), percent_range(0.75, 0.88)
    ('90–99.99%', '75–88%')
    """
    return f"{_digits(low, decimals)}–{_digits(high, decimals)}{unit}"


def label_accuracy_parts(summary: Mapping[str, object]) -> list[str]:
    """How good the labels are, in words: measured on gold first where there is gold, then the
    estimate made without gold, with its range and said to be estimated; why none, if none.

    A bare estimate without its range is never shown.
    """
    parts = []
    consolidated = summary.get("consolidated_gold_accuracy")
    if isinstance(consolidated, float):
        parts.append(f"consolidated labels {percent(consolidated)} correct on gold")
    measured = summary.get("label_accuracy")
    if isinstance(measured, Mapping) and isinstance(measured.get("recommended"), float):
        parts.append(f"recommended labels {percent(measured['recommended'])} correct on gold")
    estimate = summary.get("estimated_label_accuracy")
    low = summary.get("estimated_label_accuracy_low")
    high = summary.get("estimated_label_accuracy_high")
    if isinstance(estimate, float) and isinstance(low, float) and isinstance(high, float):
        parts.append(
            f"label accuracy estimated without gold {percent(estimate)} "
            f"(range {percent_range(low, high)})"
        )
    elif summary.get("skill_reason"):
        parts.append(f"no skill estimates: {summary['skill_reason']}")
    return parts


def headline(summary: Mapping[str, object]) -> str:
    """:func:`label_accuracy_parts` on one line (empty when there is nothing to say)."""
    return " · ".join(label_accuracy_parts(summary))


def ranking_caution(summary: Mapping[str, object]) -> str:
    """A warning for each job whose ``skill_model_agreement`` is below
    :data:`~crowdaudit.metrics.skill.MODEL_AGREEMENT_CAUTION`: there, ``skill`` and one-coin
    accuracy rank the workers differently, and which is right cannot be told without gold.
    Empty when no job is below it."""
    jobs = summary.get("jobs")
    entries = [e for e in jobs if isinstance(e, Mapping)] if isinstance(jobs, list) else []
    low = [
        (str(entry.get("job")), agreement)
        for entry in entries
        if isinstance(agreement := entry.get("skill_model_agreement"), float)
        and agreement < MODEL_AGREEMENT_CAUTION
    ]
    if not low:
        return ""
    where = "" if len(entries) == 1 else " on " + ", ".join(name for name, _ in low)
    figures = ", ".join(f"{agreement:.2f}" for _, agreement in low)
    return (
        f"caution{where}: the ranking of workers depends on the model (skill and one-coin "
        f"accuracy rank them alike only at {figures}, rank correlation); check it on a few gold "
        "objects before acting on it"
    )
