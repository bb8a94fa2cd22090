"""Server-side HTML for the job summary and the top rows of the worker table.

Used twice: as the first section of the full report, and on its own as the notebook view
(``render_summary_html``). Every value goes through :func:`html.escape`; nothing here needs
JavaScript.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Final, Literal, TypeGuard

import orjson
import polars as pl

from crowdaudit.report._html_data import FLAG_PREFIX, flag_columns, lead_columns
from crowdaudit.report._words import _WORDS, describe, words
from crowdaudit.report.figures import percent, percent_range
from crowdaudit.schema import COL

__all__ = ["render_summary_block", "render_top_rows"]

_Format = Literal["int", "float", "rate"]

_FIGURES: Final[tuple[tuple[str, str, _Format, bool], ...]] = (
    # key, label, format, warn when > 0
    ("n_objects", "objects", "int", False),
    ("n_answers", "answers", "int", False),
    ("n_workers", "workers", "int", False),
    ("n_failed_objects", "failed objects", "int", True),
    ("n_objects_without_consolidated_label", "objects without a consolidated label", "int", False),
    ("n_gold_objects", "gold objects", "int", False),
    ("n_files_skipped", "files skipped", "int", True),
    ("krippendorff_alpha", "Krippendorff's alpha", "float", False),
    ("fleiss_kappa", "Fleiss' kappa", "float", False),
)
_STRUCTURED: Final = frozenset({"label_accuracy", "jobs"})
MAX_LISTED: Final = 50
"""Rows of a list or mapping in the summary shown in the page (``skipped`` may hold thousands)."""
MAX_IN_CELL: Final = 5
_ACCURACY_KEYS: Final = frozenset(
    {
        "consolidated_gold_accuracy",
        "estimated_label_accuracy",
        "estimated_label_accuracy_low",
        "estimated_label_accuracy_high",
    }
)
_KNOWN: Final = frozenset(key for key, *_ in _FIGURES) | _STRUCTURED | _ACCURACY_KEYS

_TOP_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    (COL.JOB, "job"),
    (COL.WORKER, "worker"),
    (COL.N_OBJECTS, "objects"),
    (COL.GOLD_ACCURACY, "gold accuracy (95% CI)"),
    (COL.CONSENSUS_AGREEMENT, "agreement with the job's label"),
    (COL.LOO_AGREEMENT, "agreement with the other workers"),
    (COL.SKILL, "skill (estimated, 90% range)"),
    (COL.VERDICT, "verdict"),
    (COL.MEDIAN_SECONDS, "median time / object"),
)


_WITH_RANGE: Final = frozenset({COL.GOLD_ACCURACY, COL.SKILL})
"""Top-row columns shown with their ``_low``/``_high`` range."""


def render_summary_block(summary: Mapping[str, object], workers: pl.DataFrame) -> str:
    """The job summary: key figures as cards, then accuracy by method, jobs and any other keys.

    Args:
        summary: the audit summary; known keys are shown as figures, ``label_accuracy`` (method →
            accuracy) and ``jobs`` (list of dicts) as tables, other keys in a key/value table.
        workers: the worker table, to count flagged workers.
    """
    cards = []  # label accuracy is the page's headline (figures.headline), not a card
    for key, label, kind, warn in _FIGURES:
        if key not in summary:
            continue
        value = summary[key]
        warn_class = " warn" if warn and isinstance(value, int | float) and value > 0 else ""
        cards.append(_card(_format(value, kind), label, warn_class))
    flagged = count_flagged(workers)
    if flagged is not None:
        cards.append(_card(_format(flagged, "int"), "flagged workers", " warn" if flagged else ""))
    parts = [f'<div class="cards">{"".join(cards)}</div>'] if cards else []

    tables: list[str] = []
    accuracy = summary.get("label_accuracy")
    if isinstance(accuracy, Mapping) and accuracy:
        rows = [(str(method), _format(value, "rate")) for method, value in accuracy.items()]
        tables.append(_kv_table("Labels right on gold, by method", rows, numeric=True))
    scalars = [
        (str(key), _cell(value, str(key)))
        for key, value in summary.items()
        if key not in _KNOWN and not _is_collection(value)
    ]
    if scalars:
        tables.append(_kv_table("Other figures", scalars, numeric=False))
    mappings = [
        (str(k), v) for k, v in summary.items() if k not in _KNOWN and isinstance(v, Mapping)
    ]
    for key, mapping in mappings:
        items = list(mapping.items())
        rows = [(str(k), _cell(v, str(k))) for k, v in items[:MAX_LISTED]]
        rows += (
            [("\u2026", f"and {len(items) - MAX_LISTED:,} more")] if len(items) > MAX_LISTED else []
        )
        tables.append(_kv_table(words(key), rows, numeric=False))
    if tables:
        parts.append(f'<div class="summary-grid">{"".join(tables)}</div>')

    jobs = summary.get("jobs")
    if _is_sequence(jobs) and jobs:
        parts.append(_jobs_table([j for j in jobs if isinstance(j, Mapping)]))
    for key, value in summary.items():
        if key in _KNOWN or not _is_sequence(value) or not value:
            continue
        records = [v for v in value if isinstance(v, Mapping)]
        if len(records) == len(value):
            parts.append(_records_table(words(str(key)), records))
        else:
            parts.append(_list(words(str(key)), value))
    if not parts:
        parts.append('<p class="note">No summary figures.</p>')
    return "\n".join(parts)


def render_top_rows(workers: pl.DataFrame, *, max_rows: int) -> str:
    """The first ``max_rows`` rows of the worker table, in its order, as a static HTML table."""
    multi_job = COL.JOB in workers.columns and workers.get_column(COL.JOB).n_unique() > 1
    titles = dict(_TOP_COLUMNS)
    present = [
        name for name in titles if name in workers.columns and (name != COL.JOB or multi_job)
    ]
    columns = [(name, titles[name]) for name in lead_columns(present, workers)]
    flags = flag_columns(workers)
    head = "".join(f"<th>{escape(title)}</th>" for _, title in columns)
    if flags:
        head += "<th>flags</th>"
    body: list[str] = []
    for row in workers.head(max_rows).iter_rows(named=True):
        cells = "".join(_top_cell(name, row) for name, _ in columns)
        raised = [f.removeprefix(FLAG_PREFIX).replace("_", " ") for f in flags if row[f] is True]
        if flags:
            badges = "".join(f'<span class="badge">{escape(f)}</span>' for f in raised)
            cells += f'<td class="text">{badges}</td>'
        css = ' class="flagged"' if raised else ""
        body.append(f"<tr{css}>{cells}</tr>")
    more = workers.height - min(max_rows, workers.height)
    note = f'<p class="note">\u2026 and {more:,} more workers.</p>' if more > 0 else ""
    return (
        f'<table class="workers"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{note}"
    )


def count_flagged(workers: pl.DataFrame) -> int | None:
    """Rows with at least one true ``flag_*`` column; None when the table has no flag columns."""
    flags = flag_columns(workers)
    if not flags or workers.height == 0:
        return None if not flags else 0
    any_flag = pl.any_horizontal([pl.col(f).fill_null(False).cast(pl.Boolean) for f in flags])
    return int(workers.select(any_flag.sum()).item())


def _top_cell(name: str, row: Mapping[str, object]) -> str:
    value = row[name]
    if name in (COL.JOB, COL.WORKER):
        return f'<td class="text mono">{escape(_format(value, None))}</td>'
    if name == COL.MEDIAN_SECONDS:
        return f'<td class="num">{escape(_duration(value))}</td>'
    html = escape(_format(value, "int" if name == COL.N_OBJECTS else "rate"))
    low, high = row.get(f"{name}_low"), row.get(f"{name}_high")
    if name in _WITH_RANGE and isinstance(low, float) and isinstance(high, float):
        html += f' <span class="ci">[{escape(percent_range(low, high))}]</span>'
    return f'<td class="num">{html}</td>'


def _duration(value: object) -> str:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "—"
    if value < 60:
        return f"{value:.1f} s"
    if value < 3600:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def _card(value: str, label: str, extra_class: str) -> str:
    return (
        f'<div class="card{extra_class}"><div class="value">{escape(value)}</div>'
        f'<div class="label">{escape(label)}</div></div>'
    )


def _kv_table(caption: str, rows: Iterable[tuple[str, str]], *, numeric: bool) -> str:
    """A two-column table; each key in words, with what it measures as its tooltip."""
    cls = ' class="num"' if numeric else ""
    body = "".join(
        f'<tr><th title="{escape(describe(k))}">{escape(words(k))}</th><td{cls}>{escape(v)}</td></tr>'
        for k, v in rows
    )
    return f'<div><h3>{escape(caption)}</h3><table class="kv">{body}</table></div>'


_JOB_FACTS: Final = ("job", "task_type", "n_objects", "n_answers", "n_workers", "n_files_skipped")


def _jobs_table(records: Sequence[Mapping[object, object]]) -> str:
    """The jobs: the few facts a reader needs, every other figure on demand."""
    facts: list[Mapping[object, object]] = [
        {k: r.get(k) for k in _JOB_FACTS if k in r} for r in records
    ]
    details = "".join(
        _kv_table(
            str(record.get("job", "")),
            [(str(k), _cell(v, str(k))) for k, v in record.items()],
            numeric=False,
        )
        for record in records[:MAX_LISTED]
    )
    return (
        _records_table("Jobs", facts)
        + '<details class="job-details"><summary>All figures of each job</summary>'
        + f'<div class="summary-grid">{details}</div></details>'
    )


def _records_table(caption: str, records: Sequence[Mapping[object, object]]) -> str:
    keys: list[str] = []
    for record in records:
        keys.extend(str(k) for k in record if str(k) not in keys)
    head = "".join(f'<th title="{escape(describe(k))}">{escape(words(k))}</th>' for k in keys)
    rows = []
    for record in records[:MAX_LISTED]:
        values = {str(k): v for k, v in record.items()}
        cells = []
        for key in keys:
            value = values.get(key)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            css = ' class="num"' if numeric else ""
            cells.append(f"<td{css}>{escape(_cell(value, key))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    table = f'<table class="kv"><tr>{head}</tr>{"".join(rows)}</table>'
    return f'<h3>{escape(caption)}</h3><div class="scroll-x">{table}</div>{_more(records)}'


def _list(caption: str, values: Sequence[object]) -> str:
    items = "".join(f"<li>{escape(_cell(v, caption))}</li>" for v in values[:MAX_LISTED])
    return f"<h3>{escape(caption)}</h3><ul>{items}</ul>{_more(values)}"


def _more(values: Sequence[object]) -> str:
    extra = len(values) - MAX_LISTED
    return f'<p class="note">\u2026 and {extra:,} more (see summary.json).</p>' if extra > 0 else ""


def _cell(value: object, key: str) -> str:
    """A value in a table cell: scalars formatted, collections shortened to a few items."""
    if isinstance(value, Mapping):
        pairs = list(value.items())[:MAX_IN_CELL]
        shown = ", ".join(f"{_named(str(k))} {_cell(v, str(k))}" for k, v in pairs)
        extra = len(value) - MAX_IN_CELL
        return f"{shown}, \u2026 ({len(value):,} in all)" if extra > 0 else shown
    if isinstance(value, str) and value in _WORDS:
        return words(value)
    if _is_sequence(value):
        shown = ", ".join(_cell(v, key) for v in value[:MAX_IN_CELL])
        extra = len(value) - MAX_IN_CELL
        return f"{shown}, \u2026 ({len(value):,} in all)" if extra > 0 else shown
    text = _format(value, _guess(key, value))
    return text if len(text) <= 300 else text[:299] + "\u2026"


def _named(key: str) -> str:
    """A mapping's key in a cell: a known key in words; a label (data) as it is."""
    return words(key) if key in _WORDS else key


def _is_sequence(value: object) -> TypeGuard[Sequence[object]]:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _is_collection(value: object) -> bool:
    return _is_sequence(value) or isinstance(value, Mapping)


def _guess(key: str, value: object) -> _Format | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int):
        return "int"
    if ("accuracy" in key or "agreement" in key) and 0 <= value <= 1:
        return "rate"
    return "float"


def _format(value: object, kind: _Format | None) -> str:
    """A value as the report shows it: ``—`` for missing, thousands separators, percentages."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and kind is not None:
        if kind == "int" and float(value).is_integer():
            return f"{int(value):,}"
        if kind == "rate":
            return percent(value)
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
