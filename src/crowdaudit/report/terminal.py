"""What the command line shows: the ranked worker table and a one-line summary (Rich renderables)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from rich.table import Table
from rich.text import Text

from crowdaudit.report.plain import plain
from crowdaudit.schema import COL

__all__ = [
    "render_contributions_table",
    "render_label_accuracy",
    "render_summary_line",
    "render_worker_table",
]


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"{100 * low:.0f}–{100 * high:.0f}"


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


_VERDICT_STYLES: Mapping[str, str] = {"trusted": "green", "check": "bold yellow", "ok": ""}


def _verdict(verdict: str | None) -> Text:
    if verdict is None:
        return Text("")
    return Text(verdict, style=_VERDICT_STYLES.get(verdict, "dim"))


def _flags(row: Mapping[str, Any]) -> Text:
    names = [
        key.removeprefix("flag_").replace("_", " ")
        for key, value in row.items()
        if key.startswith("flag_") and key != COL.FLAG_REASON and value
    ]
    return Text(", ".join(names), style="bold red") if names else Text("")


_NUMBERS: tuple[tuple[str, str, str], ...] = (
    # (header, source column, how shown); a column that is null for every worker is left out.
    ("gold", COL.GOLD_ACCURACY, "percent"),
    ("95% CI", COL.GOLD_ACCURACY_LOW, "interval"),
    ("skill", COL.SKILL, "percent"),
    ("90% CI", COL.SKILL_LOW, "skill interval"),
    ("consensus", COL.CONSENSUS_AGREEMENT, "percent"),
    ("LOO", COL.LOO_AGREEMENT, "percent"),
    ("spam", COL.SPAM_SCORE, "score"),
    ("median s", COL.MEDIAN_SECONDS, "seconds"),
)


def _cell(row: Mapping[str, Any], column: str, kind: str) -> str:
    if kind == "interval":
        return _interval(row[COL.GOLD_ACCURACY_LOW], row[COL.GOLD_ACCURACY_HIGH])
    if kind == "skill interval":
        return _interval(row[COL.SKILL_LOW], row[COL.SKILL_HIGH])
    if kind == "seconds":
        return _seconds(row[column])
    if kind == "score":
        return "–" if row[column] is None else f"{row[column]:.2f}"
    return _percent(row[column])


def render_worker_table(
    workers: pl.DataFrame, *, limit: int | None = 25, width: int | None = None
) -> Table:
    """The worker table, best first, at most ``limit`` rows (all when ``None``).

    With ``width`` (the terminal's), worker ids are cut to fit; the output files hold them whole.
    """
    several_jobs = workers.select(pl.col(COL.JOB).n_unique()).item() > 1
    flags = [name for name in workers.columns if name.startswith("flag_")]
    flags = [name for name in flags if name != COL.FLAG_REASON]
    numbers = [
        spec
        for spec in _NUMBERS
        if spec[1] in workers.columns and workers.get_column(spec[1]).null_count() < workers.height
    ]
    shown = workers if limit is None else workers.head(limit)
    title = f"Workers ({workers.height})"
    if shown.height < workers.height:
        title += f", top {shown.height} shown"
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("#", justify="right", style="dim")
    if several_jobs:
        table.add_column("job")
    fixed = 14 + 12 * len(numbers) + (12 if flags else 0) + (20 if several_jobs else 0)
    room = None if width is None else max(width - fixed, 12)
    table.add_column("worker", no_wrap=True, overflow="ellipsis", max_width=room)
    table.add_column("objects", justify="right", no_wrap=True, min_width=7)
    for header, _, kind in numbers:
        style = "dim" if kind.endswith("interval") else None
        table.add_column(header, justify="right", style=style, no_wrap=True, min_width=len(header))
    verdicts = COL.VERDICT in workers.columns
    if verdicts:
        table.add_column("verdict", no_wrap=True)
    if flags:
        table.add_column("flags")
    for rank, row in enumerate(shown.iter_rows(named=True), start=1):
        cells: list[str | Text] = [str(rank)]
        if several_jobs:
            cells.append(plain(row[COL.JOB]))
        cells += [plain(row[COL.WORKER]), str(row[COL.N_OBJECTS])]
        cells += [_cell(row, column, kind) for _, column, kind in numbers]
        if verdicts:
            cells.append(_verdict(row[COL.VERDICT]))
        if flags:
            cells.append(_flags(row))
        table.add_row(*cells)
    return table


def render_summary_line(summary: Mapping[str, Any]) -> str:
    """One line: jobs, objects, answers, workers, failed and skipped counts, consensus accuracy."""
    parts = [
        f"{summary['n_jobs']} job{'s' if summary['n_jobs'] != 1 else ''}",
        f"{summary['n_objects']:,} objects",
        f"{summary['n_answers']:,} answers",
        f"{summary['n_workers']:,} workers",
    ]
    if summary.get("n_failed_objects") is not None:
        parts.append(f"{summary['n_failed_objects']:,} failed objects")
    if summary.get("n_objects_without_consolidated_label"):
        parts.append(
            f"{summary['n_objects_without_consolidated_label']:,} without a consolidated label"
        )
    if summary.get("n_gold_objects"):
        parts.append(f"{summary['n_gold_objects']:,} with gold")
    parts += render_label_accuracy(summary)
    if summary.get("krippendorff_alpha") is not None:
        parts.append(f"Krippendorff's α {summary['krippendorff_alpha']:.3f}")
    if summary.get("n_files_skipped"):
        parts.append(f"{summary['n_files_skipped']:,} files skipped")
    return " · ".join(parts)


def render_label_accuracy(summary: Mapping[str, Any]) -> list[str]:
    """How good the labels are: measured on gold first where there is gold, then the estimate
    made without gold, always with its range and said to be estimated; why not, if none."""
    parts = []
    accuracy = summary.get("consolidated_gold_accuracy")
    if accuracy is not None:
        parts.append(f"consolidated labels {_percent(accuracy)} correct on gold")
    measured = summary.get("label_accuracy")
    if isinstance(measured, Mapping) and measured.get("recommended") is not None:
        parts.append(f"recommended labels {_percent(measured['recommended'])} correct on gold")
    estimate = summary.get("estimated_label_accuracy")
    low = summary.get("estimated_label_accuracy_low")
    high = summary.get("estimated_label_accuracy_high")
    if estimate is not None and low is not None and high is not None:
        parts.append(
            f"label accuracy estimated without gold {_percent(estimate)} "
            f"(range {_interval(low, high)}%)"
        )
    elif summary.get("skill_reason"):
        parts.append(f"no skill estimates: {summary['skill_reason']}")
    return parts


def _hours(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 3600:.2f}"


def _person(row: Mapping[str, Any]) -> Text:
    if row[COL.USERNAME]:
        return plain(row[COL.USERNAME])
    if row[COL.IDENTITY_PROVIDER] == "none":
        return Text("(no identity: public workforce)", style="dim")
    if row[COL.IDENTITY_PROVIDER] == "Oidc":
        return plain(f"(OIDC) {row[COL.SUB]}", style="dim")
    return Text("(not found in Cognito)", style="yellow")


def render_contributions_table(table: pl.DataFrame, *, limit: int | None = 25) -> Table:
    """The ledger with user names, never e-mails (the written file holds those)."""
    by_job = COL.JOB in table.columns
    payout = COL.PAYOUT_USD in table.columns
    shown = table if limit is None else table.head(limit)
    title = f"Contributions ({table.height} {'rows' if by_job else 'people'})"
    if shown.height < table.height:
        title += f", top {shown.height} shown"
    out = Table(title=title, title_justify="left", header_style="bold")
    if by_job:
        out.add_column("job")
    out.add_column("person", overflow="fold")
    out.add_column("worker id", overflow="fold", style="dim")
    out.add_column("objects", justify="right", no_wrap=True)
    if not by_job:
        out.add_column("jobs", justify="right", no_wrap=True)
    out.add_column("hours", justify="right", no_wrap=True)
    out.add_column("days", justify="right", no_wrap=True)
    if payout:
        out.add_column("payout USD", justify="right", no_wrap=True)
    for row in shown.iter_rows(named=True):
        cells: list[str | Text] = [plain(row[COL.JOB])] if by_job else []
        cells += [_person(row), plain(row[COL.WORKER]), f"{row[COL.N_OBJECTS]:,}"]
        if not by_job:
            cells.append(str(row[COL.N_JOBS]))
        cells += [_hours(row[COL.TOTAL_SECONDS]), str(row[COL.ACTIVE_DAYS])]
        if payout:
            value = row[COL.PAYOUT_USD]
            cells.append("–" if value is None else f"{value:,.2f}")
        out.add_row(*cells)
    return out
