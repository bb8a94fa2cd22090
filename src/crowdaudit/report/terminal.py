"""What the command line shows: the ranked worker table and a one-line summary (Rich renderables)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from rich.table import Table
from rich.text import Text

from crowdaudit.report.figures import label_accuracy_parts, percent
from crowdaudit.report.plain import plain
from crowdaudit.report.worker_table import render_check_list, render_worker_table
from crowdaudit.schema import COL, Summary

__all__ = [
    "render_check_list",
    "render_contributions_table",
    "render_summary_line",
    "render_worker_table",
]


def render_summary_line(summary: Summary) -> str:
    """One line: jobs, objects, answers, workers, failed and skipped counts, consensus accuracy."""
    parts = [
        f"{summary['n_jobs']} job{'s' if summary['n_jobs'] != 1 else ''}",
        f"{summary['n_objects']:,} objects",
        f"{summary['n_answers']:,} answers",
        f"{summary['n_workers']:,} workers",
    ]
    if summary.get("n_failed_objects") is not None:
        failed = summary["n_failed_objects"]
        parts.append(f"{failed:,} failed object{'s' if failed != 1 else ''}")
    if summary.get("n_objects_without_consolidated_label"):
        parts.append(
            f"{summary['n_objects_without_consolidated_label']:,} without a consolidated label"
        )
    if summary.get("n_gold_objects"):
        parts.append(f"{summary['n_gold_objects']:,} with gold")
    parts += label_accuracy_parts(summary)  # the words of the report's header and notebook too
    if summary.get("krippendorff_alpha") is not None:
        parts.append(f"Krippendorff's α {summary['krippendorff_alpha']:.3f}")
    if summary.get("n_files_skipped"):
        parts.append(f"{summary['n_files_skipped']:,} files skipped")
    return " · ".join(parts)


def _hours(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 3600:.2f}"


def _person(row: Mapping[str, Any]) -> Text:
    if row[COL.USERNAME]:
        return plain(row[COL.USERNAME])
    if row[COL.IDENTITY_PROVIDER] == "none":
        return Text("(no identity: public workforce)", style="dim")
    if row[COL.IDENTITY_PROVIDER] == "Oidc":
        return plain(f"(OIDC) {row[COL.SUB]}", style="dim")
    return Text("(no name from Cognito)", style="yellow")


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
    out.add_column("answers", justify="right", no_wrap=True)
    if not by_job:
        out.add_column("jobs", justify="right", no_wrap=True)
    out.add_column("hours", justify="right", no_wrap=True)
    out.add_column("days", justify="right", no_wrap=True)
    if payout:
        out.add_column("payout USD", justify="right", no_wrap=True)
    quality = COL.VERDICT in table.columns
    if quality:
        out.add_column("verdict", no_wrap=True)
        out.add_column("skill", justify="right", no_wrap=True)
    for row in shown.iter_rows(named=True):
        cells: list[str | Text] = [plain(row[COL.JOB])] if by_job else []
        cells += [_person(row), plain(row[COL.WORKER]), f"{row[COL.N_ANSWERS]:,}"]
        if not by_job:
            cells.append(str(row[COL.N_JOBS]))
        cells += [_hours(row[COL.TOTAL_SECONDS]), str(row[COL.ACTIVE_DAYS])]
        if payout:
            value = row[COL.PAYOUT_USD]
            cells.append("–" if value is None else f"{value:,.2f}")
        if quality:
            verdict = row[COL.VERDICT] or "not audited"
            style = "bold yellow" if verdict == "check" else ""
            cells += [Text(verdict, style=style), percent(row[COL.SKILL])]
        out.add_row(*cells)
    return out
