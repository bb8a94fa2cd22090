"""The report's "workers over time" section in headless Chromium: drawn, escaped, interactive."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from html_synthetic import build_job
from test_report_html_browser import chromium, open_report

from crowdaudit.metrics.history import compute_history
from crowdaudit.report.html import render_report

__all__ = ["chromium"]  # the module-scoped browser fixture, shared with the report's tests

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"


def _history() -> pl.DataFrame:
    jobs = ["jan", "feb", "mar"]
    workers = pl.DataFrame(
        {
            "job": [job for job in jobs for _ in range(3)],
            "worker": ["w-steady", "w-falling", HOSTILE] * 3,
            "n_objects": [20] * 9,
            "loo_agreement": [0.9, 0.95, 0.5, 0.9, 0.8, 0.6, 0.91, 0.4, 0.7],
        }
    )
    answers = pl.DataFrame(
        {"job": jobs, "submitted_at": [datetime(2026, m, 1, tzinfo=UTC) for m in (1, 2, 3)]}
    )
    return compute_history(workers, answers)


def test_history_section_in_chromium(chromium: Any, tmp_path: Path) -> None:
    workers, summary, responses = build_job(n_workers=5, n_tasks=40, n_classes=3)
    report = tmp_path / "report.html"
    page_text = render_report(workers, summary, responses, title="account", history=_history())
    report.write_text(page_text, encoding="utf-8")
    state = open_report(chromium, report)
    page = state.page
    try:
        page.screenshot(path=str(tmp_path / "history.png"), full_page=True)
        assert state.errors() == []
        assert state.dialogs == []
        assert state.unexpected_requests() == []
        # Three workers to choose from, the hostile id shown as text.
        options = page.eval_on_selector_all("#history-worker option", "os => os.map(o => o.value)")
        assert sorted(options) == sorted(["w-steady", "w-falling", HOSTILE])
        # It opens on the worker whose quality fell most.
        assert page.input_value("#history-worker") == "w-falling"
        assert page.locator("#history-chart svg path.worker").count() == 1
        assert page.locator("#history-chart svg circle.worker-dot").count() == 3
        # The biggest drop is w-falling's, 0.8 → 0.4 from feb to mar.
        first_drop = page.eval_on_selector_all(
            "#history table.history",
            "ts => [...ts[0].querySelectorAll('tbody tr td')].map(td => td.textContent)",
        )
        assert first_drop[:6] == ["w-falling", "feb", "mar", "0.800", "0.400", "-0.400"]
        page.select_option("#history-worker", "w-steady")
        titles = page.eval_on_selector_all(
            "#history-chart circle.worker-dot title", "ts => ts.map(t => t.textContent)"
        )
        assert titles[0] == "jan: quality 0.900, 20 objects"
        assert page.locator("img").count() == 0
    finally:
        page.context.close()
