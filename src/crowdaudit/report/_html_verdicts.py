"""Server-side HTML answering the first question: which workers to check, and why.

Used as the first screen of the report and at the head of the notebook view. Every value goes
through :func:`html.escape`; nothing here needs JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Final

import polars as pl

from crowdaudit.metrics.verdicts import FLAG_NAMES, FlagThresholds
from crowdaudit.report._html_worker_items import items_anchor
from crowdaudit.report._words import describe, words
from crowdaudit.report.figures import percent, percent_range
from crowdaudit.report.worker_table import check_mask, flag_columns
from crowdaudit.schema import COL

__all__ = ["how_to_read", "render_verdicts"]

_VERDICT_WORDS: Final[Mapping[str, str]] = {
    "check": "to check",
    "ok": "ok",
    "trusted": "trusted",
    "not enough data": "not enough data",
}

_MIN = FlagThresholds()


def _answers_per_object(summary: Mapping[str, object]) -> str | None:
    """The job's answers per object in words ("5 answers", "about 2.4 answers"), or None."""
    answers, objects = summary.get("n_answers"), summary.get("n_objects")
    if not isinstance(answers, int) or not isinstance(objects, int) or objects <= 0:
        return None
    mean = answers / objects
    return f"{mean:.0f} answers" if mean.is_integer() else f"about {mean:.1f} answers"


def how_to_read(summary: Mapping[str, object]) -> str:
    """The note under the list of workers to check: what each verdict, figure and flag means,
    with this job's answers per object and every flag of :data:`FLAG_NAMES`."""
    per_object = _answers_per_object(summary)
    tie = (
        f"On this job an object has {per_object}, and when the other workers split evenly"
        if per_object is not None
        else "When the other workers split evenly"
    )
    gold = (
        "<li><b>Accuracy on gold</b>: the share of answers equal to the gold label, with a 95% "
        "range.</li>"
        if summary.get("n_gold_objects")
        else ""
    )
    flags = "".join(
        f"<li><i>{escape(words(f'flag_{name}'))}</i>: {escape(describe(f'flag_{name}'))}</li>"
        for name in FLAG_NAMES
    )
    return f"""
<details class="how-to-read" open>
<summary>How to read this</summary>
<ul>
<li><b>Verdict</b> (<code>verdict</code>): <i>to check</i> means the evidence says this worker's
answers are worse than the rest of the job's, for the reason given; <i>trusted</i> means at least
{_MIN.min_answers} answers and a whole skill range at or above the job's median skill; <i>ok</i>
means nothing stands out; <i>not enough data</i> means too few answers to tell (fewer than
{_MIN.min_skill_answers}, or a job with too few workers or shared objects).</li>
<li><b>Skill</b> (<code>skill</code>): the estimated share of a worker's answers that are right,
from a model of all workers' answers together, with a 90% range; it needs no gold. The reasons
write it from 0 to 1: a skill of 0.82 is 82%.</li>
{gold}<li><b>Agreement with the other workers</b>: how often a worker's answer equals the majority of
the <em>other</em> workers on the same object. {tie}, that counts as a disagreement, so good
workers can score well below 100%: compare a worker with the job's median, not with 100%.</li>
<li><b>Spam score</b>: how close a worker's answers are to answering at random or always the same
label (0 good, 1 spam-like).</li>
<li><b>Flags</b> are raised only on evidence, on workers with at least {_MIN.min_answers} answers:
<ul class="flag-list">{flags}</ul></li>
</ul>
</details>
"""


def _percent(value: object) -> str:
    return percent(value, 0) if isinstance(value, float) else "–"


def _range(low: object, high: object, level: int) -> str:
    if isinstance(low, float) and isinstance(high, float):
        return f" ({level}% interval {percent_range(low, high)})"
    return ""


def _why(row: Mapping[str, object], flags: list[str]) -> str:
    reason = row.get(COL.VERDICT_REASON) or row.get(COL.FLAG_REASON)
    if isinstance(reason, str) and reason:
        return reason
    raised = [name.removeprefix("flag_").replace("_", " ") for name in flags if row.get(name)]
    return ", ".join(raised) or "flagged"


def _row(row: Mapping[str, object], flags: list[str], link: bool, anchor: str | None) -> str:
    worker = escape(str(row[COL.WORKER]))
    job = escape(str(row[COL.JOB]))
    figures = [f"{row[COL.N_OBJECTS]:,} objects"]
    if row.get(COL.SKILL) is not None:
        figures.append(
            f"skill {_percent(row[COL.SKILL])}"
            f"{_range(row.get(COL.SKILL_LOW), row.get(COL.SKILL_HIGH), 90)}"
        )
    if row.get(COL.GOLD_ACCURACY) is not None:
        figures.append(
            f"right on gold {_percent(row[COL.GOLD_ACCURACY])}"
            f"{_range(row.get(COL.GOLD_ACCURACY_LOW), row.get(COL.GOLD_ACCURACY_HIGH), 95)}"
        )
    links = (
        f' <a class="items-link" href="#workers" data-worker="{worker}" data-job="{job}">'
        "show in the table</a>"
        if link
        else ""
    )
    if anchor is not None:
        links += f' <a class="answers-link" href="#{anchor}">their items</a>'
    return (
        f'<li class="to-check"><span class="mono worker-id" title="{worker}">{worker}</span>'
        f'<span class="why">{escape(_why(row, flags))}</span>'
        f'<span class="figures">{escape(" · ".join(figures))}</span>{links}</li>'
    )


def _tally(workers: pl.DataFrame) -> str:
    if COL.VERDICT not in workers.columns:
        n = workers.select(check_mask(workers).sum()).item()
        return f"{n:,} of {workers.height:,} workers flagged"
    counts = dict(
        workers.get_column(COL.VERDICT).fill_null("not enough data").value_counts().iter_rows()
    )
    parts = [f"{counts[key]:,} {words}" for key, words in _VERDICT_WORDS.items() if counts.get(key)]
    return " · ".join(parts)


def render_verdicts(
    workers: pl.DataFrame, *, link: bool = False, max_rows: int = 50, items: bool = False
) -> str:
    """A heading, the verdict tally, and one line per worker to check with the reason in words
    and the few numbers behind it; ``link`` adds a link to each worker's row (the report), and
    ``items`` one to the block of their items
    (:func:`~crowdaudit.report._html_worker_items.render_worker_items`, same workers, same order).
    """
    rows = workers.filter(check_mask(workers)).head(max_rows).to_dicts()
    flags = flag_columns(workers)
    total = workers.select(check_mask(workers).sum()).item() if workers.height else 0
    head = f'<h2 id="check-heading">Who to check, and why</h2><p class="tally">{escape(_tally(workers))}</p>'
    if not rows:
        return head + '<p class="none-to-check">No worker needs checking on this evidence.</p>'
    more = (
        f'<p class="note">{total - len(rows):,} more to check are in the worker table.</p>'
        if total > len(rows)
        else ""
    )
    body = "".join(
        _row(row, flags, link, items_anchor(i) if items else None) for i, row in enumerate(rows)
    )
    return f'{head}<ol class="check-list">{body}</ol>{more}'
