"""The report's "workers over time" section, for audits of several jobs (pure).

The two tables (biggest drops, newest workers) are rendered here, every value through
:func:`html.escape`; the chart of each worker's quality job by job is drawn by
``assets/history.js`` from JSON embedded as in the rest of the report. The section brings its own
script and style (``history.js``, ``history.css``), which :func:`crowdaudit.report.html.render_report`
inlines after its own, under the same Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import polars as pl

from crowdaudit.metrics.history import compute_newest_workers, compute_quality_drops
from crowdaudit.report._html_data import dump_json_for_html
from crowdaudit.schema import COL

__all__ = ["HistorySection", "build_history_payload", "render_history_section"]


@dataclass(frozen=True, slots=True)
class HistorySection:
    """The section's HTML, and the names of the script and style assets it needs."""

    html: str
    script: str = "history.js"
    style: str = "history.css"


def _number(value: Any, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], empty: str) -> str:
    if not rows:
        return f'<p class="note">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(name)}</th>" for name in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f'<table class="history"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def build_history_payload(history: pl.DataFrame) -> dict[str, Any]:
    """What the chart needs: the jobs in order, and per worker ``[job_order, quality,
    n_objects, gold_accuracy]`` for each job (``schema.HISTORY`` in)."""
    jobs = history.select(COL.JOB_ORDER, COL.JOB).unique().sort(COL.JOB_ORDER)
    series: dict[str, list[list[Any]]] = {}
    for worker, order, quality, n_objects, gold in history.select(
        COL.WORKER, COL.JOB_ORDER, COL.QUALITY, COL.N_OBJECTS, COL.GOLD_ACCURACY
    ).iter_rows():
        series.setdefault(worker, []).append([order, quality, n_objects, gold])
    measures = history.get_column(COL.QUALITY_MEASURE).drop_nulls().unique().sort().to_list()
    return {"jobs": jobs.get_column(COL.JOB).to_list(), "workers": series, "measures": measures}


def render_history_section(history: pl.DataFrame) -> HistorySection:
    """The "workers over time" section of the report, from the history table."""
    drops = compute_quality_drops(history)
    newest = compute_newest_workers(history)
    drop_rows = [
        (worker, previous, job, _number(before), _number(after), _number(change))
        for worker, previous, job, before, after, change in drops.iter_rows()
    ]
    newest_rows = [
        (worker, job, "—" if first is None else first.isoformat(), str(n_jobs), str(n), _number(q))
        for worker, job, first, n_jobs, n, q in newest.iter_rows()
    ]
    payload = build_history_payload(history)
    # The chart opens on the worker whose quality fell most.
    payload["focus"] = drops.get_column(COL.WORKER)[0] if drops.height else None
    measures = ", ".join(payload["measures"]) or "none"
    html = (
        '<section id="history">\n<h2>Workers over time</h2>\n'
        f'<p class="note">Quality is the first of skill, ds_accuracy and loo_agreement that a row '
        f"has (here: {escape(measures)}); gold is never used for it.</p>\n"
        '<div class="controls"><label>worker <select id="history-worker"></select></label></div>\n'
        '<div class="chart" id="history-chart"></div>\n'
        "<h3>Biggest drops, previous job to latest</h3>\n"
        + _table(
            ("worker", "previous job", "latest job", "before", "after", "change"),
            drop_rows,
            "No worker's quality fell between two jobs with 5 or more objects each.",
        )
        + "\n<h3>Newest workers</h3>\n"
        + _table(
            ("worker", "first job", "first answer", "jobs", "objects", "quality in first job"),
            newest_rows,
            "No workers.",
        )
        + "\n"
        f'<script type="application/json" id="crowdaudit-history">'
        f"{dump_json_for_html(payload)}</script>\n</section>"
    )
    return HistorySection(html)
