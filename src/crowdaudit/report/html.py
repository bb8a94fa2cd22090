"""The self-contained HTML report, and the short HTML summary a notebook shows.

:func:`render_report` returns one HTML document that needs nothing but a browser: its stylesheet
and script are inlined (``report/assets/report.css`` and ``report.js``, written for crowdaudit
with no third-party code), and the data is embedded once as JSON. The page opens from disk, from
an S3 download or from an e-mail attachment, with the network off.

Sections: job summary; worker table (sortable, searchable, flagged workers highlighted); accuracy
against agreement (one dot per worker, area by objects, 95% Wilson intervals); seconds per object
per worker (box plots); answers over time; and, on a click on any worker, its detail (figures,
confusion matrix against gold or the consolidated label, its time histogram and its activity).

Safety, because labels and worker ids are written by workers:

* the JSON is embedded in a ``<script type="application/json">`` element with ``<``, ``>``, ``&``,
  U+2028 and U+2029 escaped (:func:`~crowdaudit.report._html_data.dump_json_for_html`), so no
  value can end the element;
* the script builds the page with ``createElement`` and ``textContent`` only, never ``innerHTML``;
* server-rendered parts go through :func:`html.escape`;
* a ``Content-Security-Policy`` forbids every network load and allows only the page's own script
  and style, by their SHA-256 hashes: even a value that escaped all of the above could not run.

Both functions are pure: tables and a mapping in, a string out.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from html import escape
from importlib.resources import files
from string import Template
from typing import Final

import polars as pl

from crowdaudit._version import __version__
from crowdaudit.report._html_data import build_payload, dump_json_for_html
from crowdaudit.report._html_summary import render_summary_block, render_top_rows
from crowdaudit.report._html_verdicts import how_to_read, render_verdicts
from crowdaudit.report._html_worker_items import render_worker_items
from crowdaudit.report.figures import headline, ranking_caution
from crowdaudit.report.history_view import render_history_section
from crowdaudit.schema import Summary

__all__ = ["render_report", "render_summary_html"]


@cache
def _asset(name: str) -> str:
    # Package data, read once: the renderer stays a pure function of its arguments.
    return files("crowdaudit.report").joinpath("assets", name).read_text(encoding="utf-8")


@cache
def _inline_asset(name: str) -> str:
    text = _asset(name)
    lowered = text.lower()
    if "</script" in lowered or "</style" in lowered or "<!--" in lowered:
        raise ValueError(f"report asset {name} cannot be inlined: it closes its element")
    return text


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def _content_security_policy(script: str, style: str) -> str:
    # No network at all (default-src 'none', connect-src implied); only the inline script and
    # style whose hashes we know may run; images only from data: URLs (the favicon).
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src '{_sha256(script)}'",
            f"style-src '{_sha256(style)}'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


def _headline_html(summary: Summary) -> str:
    """The label-accuracy headline (the terminal's words), or nothing when there is none."""
    text = headline(summary)
    html = f'<p class="headline" id="headline">{escape(text)}</p>' if text else ""
    if caution := ranking_caution(summary):
        html += f'<p class="caution" id="ranking-caution">{escape(caution)}</p>'
    return html


def render_report(
    workers: pl.DataFrame,
    summary: Summary,
    responses: pl.DataFrame,
    *,
    title: str,
    history: pl.DataFrame | None = None,
    items: pl.DataFrame | None = None,
) -> str:
    """Render the audit as one self-contained HTML document.

    Args:
        workers: the worker table, one row per worker (or per worker and job), columns of
            ``schema.WORKERS`` (any may be missing or null), optionally the skill columns
            (``ds_accuracy``, ``one_coin_accuracy``, ``kappa``, ``spam_score``) and boolean
            ``flag_*`` columns; rows with a true flag are highlighted. Other columns are shown
            as they are. Row order is kept as the table's initial order.
        summary: the JSON-able job summary (``schema.Summary``: ``n_objects``, ``n_answers``, ``n_workers``,
            ``n_failed_objects``, ``n_gold_objects``, ``n_files_skipped``, ``krippendorff_alpha``,
            ``fleiss_kappa``, ``estimated_label_accuracy``, ``label_accuracy`` as a mapping of
            method to accuracy, ``jobs`` as a list of mappings; any other key is listed).
        responses: the responses table (``worker``, ``label``, ``seconds``, ``submitted_at``,
            optionally ``job``, ``gold`` and ``consolidated``), for the confusion matrices, the
            time distributions and the activity over time. Only per-worker aggregates are
            embedded, so the page grows with workers, not answers.
        title: the page title, e.g. the job name.
        history: the history table (``schema.HISTORY``) of an audit of several jobs; adds the
            "workers over time" section.
        items: the items table (``items.csv``); adds, for each worker to check, the items they
            answered (at most :data:`~crowdaudit.report._html_worker_items.ITEMS_CAP` each) with
            the recommended label, its probability, the votes and the data object, linked from
            the "who to check" list.

    Returns:
        The HTML document, UTF-8 text starting with ``<!DOCTYPE html>``.

    Example:
        >>> from crowdaudit.audit import build_audit
        >>> from crowdaudit.demo import DEMO_JOB, load_demo_gold, load_demo_store
        >>> from crowdaudit.sources.groundtruth import read_job_folder
        >>> job = read_job_folder(load_demo_store(), f"{DEMO_JOB}/")
        >>> result = build_audit([job], load_demo_gold())
        >>> page = render_report(result.workers, result.summary, result.answers, title="birds")
        >>> page.startswith("<!DOCTYPE html>")
        True
    """
    script = _inline_asset("report.js")
    style = _inline_asset("report.css")
    section = render_history_section(history) if history is not None else None
    if section is not None:
        script += "\n" + _inline_asset(section.script)
        style += "\n" + _inline_asset(section.style)
    payload = dump_json_for_html(build_payload(workers, responses, title=title))
    worker_items = render_worker_items(workers, responses, items) if items is not None else ""
    n_workers = workers.height
    subtitle = f"{n_workers:,} worker{'s' if n_workers != 1 else ''} · crowdaudit {__version__}"
    fields = {
        "csp": escape(_content_security_policy(script, style)),
        "version": escape(__version__),
        "title": escape(title),
        "subtitle": escape(subtitle),
        "headline": _headline_html(summary),
        "summary": render_summary_block(summary, workers),
        "verdicts": render_verdicts(workers, link=True, items=bool(worker_items)),
        "worker_items": worker_items,
        "how_to_read": how_to_read(summary),
        "style": style,
        "script": script,
        "payload": payload,
        "history": section.html if section is not None else "",
        "history_link": '<a href="#history">Workers over time</a>' if section is not None else "",
    }
    return Template(_asset("report.html")).substitute(fields)


_NOTEBOOK_STYLE: Final = """
.crowdaudit-summary { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1d2433; font-size: 13px; line-height: 1.4; }
.crowdaudit-summary h2 { font-size: 16px; margin: 4px 0 8px; }
.crowdaudit-summary h3 { font-size: 13px; margin: 12px 0 4px; }
.crowdaudit-summary .headline { font-size: 14px; font-weight: 600; margin: 2px 0 8px; }
.crowdaudit-summary .caution { margin: 0 0 8px; color: #8a5300; }
.crowdaudit-summary .cards { display: flex; flex-wrap: wrap; gap: 8px; }
.crowdaudit-summary .card { border: 1px solid #dfe3ea; border-radius: 6px; padding: 6px 10px;
  min-width: 110px; }
.crowdaudit-summary .card .value { font-size: 17px; font-weight: 650; }
.crowdaudit-summary .card .label, .crowdaudit-summary .note, .crowdaudit-summary .ci {
  color: #5d6678; font-size: 12px; }
.crowdaudit-summary .card.warn .value { color: #d4461f; }
.crowdaudit-summary .summary-grid { display: flex; flex-wrap: wrap; gap: 4px 32px; }
.crowdaudit-summary table { border-collapse: collapse; margin-top: 4px; }
.crowdaudit-summary th, .crowdaudit-summary td { padding: 2px 10px 2px 0; text-align: left;
  border-bottom: 1px solid #dfe3ea; }
.crowdaudit-summary td.num { text-align: right; }
.crowdaudit-summary .mono { font-family: ui-monospace, Menlo, Consolas, monospace; }
.crowdaudit-summary tr.flagged td { background: #fdebe5; }
.crowdaudit-summary .check-list { padding-left: 20px; margin: 4px 0; }
.crowdaudit-summary .check-list li { margin: 3px 0; }
.crowdaudit-summary .check-list .why { margin-left: 8px; }
.crowdaudit-summary .check-list .figures { margin-left: 8px; color: #5d6678; }
.crowdaudit-summary .tally { margin: 2px 0; color: #5d6678; }
.crowdaudit-summary .badge { background: #d4461f; color: #fff; border-radius: 8px;
  padding: 0 6px; margin-right: 3px; font-size: 11px; }
"""


def render_summary_html(
    workers: pl.DataFrame,
    summary: Summary,
    *,
    title: str | None = None,
    max_rows: int = 10,
) -> str:
    """A short HTML fragment for a notebook (``_repr_html_``): summary figures and top workers.

    No script, so it shows the same in trusted and untrusted notebooks; styles are scoped to the
    ``crowdaudit-summary`` class so they do not leak into the notebook.

    Args:
        workers: the worker table, as for :func:`render_report`; its first ``max_rows`` rows are
            shown in their order.
        summary: the job summary, as for :func:`render_report`.
        title: an optional heading.
        max_rows: how many worker rows to show.
    """
    heading = f"<h2>{escape(title)}</h2>" if title else ""
    return (
        f'<div class="crowdaudit-summary"><style>{_NOTEBOOK_STYLE}</style>{heading}'
        f"{_headline_html(summary)}{render_verdicts(workers)}"
        f"{render_summary_block(summary, workers)}"
        f"<h3>Workers</h3>{render_top_rows(workers, max_rows=max_rows)}</div>"
    )
