"""The plain-text ``repr`` of an audit: short enough for a console, and it leads with who to check."""

from __future__ import annotations

from typing import Final

import polars as pl

from crowdaudit.report.figures import headline, ranking_caution
from crowdaudit.report.plain import printable
from crowdaudit.report.worker_table import check_mask
from crowdaudit.schema import COL, Summary

__all__ = ["render_repr"]

_LISTED: Final = 5


def render_repr(title: str, summary: Summary, workers: pl.DataFrame) -> str:
    """``<Audit …>`` on a few lines: the jobs, the counts, the label-accuracy headline, up to five
    workers to check with the reason, and where to look next.

    >>> import polars as pl
    >>> workers = pl.DataFrame({"worker": ["a", "b"], "verdict": ["ok", "check"],
    ...                         "verdict_reason": [None, "same answer every time"]})
    >>> print(render_repr("birds", {"n_objects": 3, "n_answers": 6}, workers))
    <Audit birds: 3 objects, 6 answers, 2 workers, 1 to check
      check b: same answer every time
      .workers, .items, .summary, .report()>
    """
    to_check = workers.filter(check_mask(workers)) if workers.height else workers
    head = (
        f"<Audit {printable(title)}: {summary.get('n_objects', 0):,} objects, "
        f"{summary.get('n_answers', 0):,} answers, {workers.height:,} workers, "
        f"{to_check.height:,} to check"
    )
    lines = [head]
    if accuracy := headline(summary):
        lines.append(f"  {accuracy}")
    if caution := ranking_caution(summary):
        lines.append(f"  {printable(caution)}")
    reason = COL.VERDICT_REASON if COL.VERDICT_REASON in workers.columns else None
    for row in to_check.head(_LISTED).iter_rows(named=True):
        why = f": {printable(str(row[reason]))}" if reason and row[reason] else ""
        lines.append(f"  check {printable(str(row[COL.WORKER]))}{why}")
    if to_check.height > _LISTED:
        lines.append(f"  … and {to_check.height - _LISTED:,} more (.workers, verdict column)")
    lines.append("  .workers, .items, .summary, .report()>")
    return "\n".join(lines)
