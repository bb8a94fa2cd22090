"""The HTML report in a real browser: Debian's headless Chromium, driven by Playwright.

The page is opened from ``file://`` with the network flags of a closed machine; the test fails on
any console error, uncaught exception, dialog (an ``alert`` from injected code) or request other
than the file itself and ``data:`` URLs. Screenshots are kept under the test's temporary folder for
humans to look at.

Needs ``/usr/bin/chromium`` (``scripts/ensure-chromium.sh`` installs Debian's package) and the
``playwright`` Python package; no browser is ever downloaded. Without them the test skips loudly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from html_synthetic import MALICIOUS_LABELS, MALICIOUS_TITLE, MALICIOUS_WORKER, build_job

from crowdaudit.report.html import render_report
from crowdaudit.schema import COL

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("CROWDAUDIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _skip_loudly(reason: str) -> None:
    banner = "#" * 78
    message = f"\n{banner}\n# BROWSER TEST SKIPPED: {reason}\n{banner}"
    print(message)  # shown in CI logs even without -rs
    pytest.skip(message)


@dataclass
class Browser:
    page: Any
    report: Path
    console: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def unexpected_requests(self) -> list[str]:
        own = self.report.as_uri()
        return [u for u in self.requests if u != own and not u.startswith("data:")]

    def errors(self) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.console if kind in ("error", "pageerror")]

    def column(self, index: int) -> list[str]:
        texts: list[str] = self.page.eval_on_selector_all(
            "#worker-tbody tr",
            f"rows => rows.map(r => r.children[{index}].textContent)",
        )
        return texts

    def header_index(self, title: str) -> int:
        titles: list[str] = self.page.eval_on_selector_all(
            "#worker-thead th", "ths => ths.map(th => th.textContent)"
        )
        return titles.index(title)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, or a loud skip."""
    if not CHROMIUM.exists():
        _skip_loudly(f"{CHROMIUM} not found; run scripts/ensure-chromium.sh as root")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_loudly("the playwright Python package is not installed (pip install playwright)")
        raise  # unreachable: pytest.skip raises
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def open_report(chromium: Any, report: Path) -> Browser:
    """Open ``report`` from disk in a fresh context, recording everything the page does."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    state = Browser(page=page, report=report)
    page.on("console", lambda m: state.console.append((m.type, m.text)))
    page.on("pageerror", lambda e: state.console.append(("pageerror", str(e))))
    page.on("request", lambda r: state.requests.append(r.url))
    page.on("dialog", lambda d: (state.dialogs.append(d.message), d.dismiss()))
    page.goto(report.as_uri())
    page.wait_for_selector("html[data-ready]", state="attached", timeout=20_000)
    return state


@pytest.fixture
def browser(chromium: Any, tmp_path: Path) -> Iterator[Browser]:
    """The synthetic 30-worker job's report, open in Chromium."""
    workers, summary, responses = build_job(n_workers=30, n_tasks=300, n_classes=10)
    report = tmp_path / "report.html"
    report.write_text(
        render_report(workers, summary, responses, title=MALICIOUS_TITLE), encoding="utf-8"
    )
    (tmp_path / "n_workers").write_text(str(workers.height))
    state = open_report(chromium, report)
    try:
        yield state
    finally:
        state.page.context.close()


def test_report_in_chromium(browser: Browser, tmp_path: Path) -> None:
    page = browser.page
    n_workers = int((tmp_path / "n_workers").read_text())
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

    # Every section is drawn.
    assert page.title().startswith("birds </title><script>")
    assert page.locator("#worker-tbody tr").count() == n_workers
    assert page.locator("#scatter svg circle.dot").count() > 0
    assert page.locator("#scatter svg line.ci-bar").count() > 0
    assert page.locator("#timing-chart svg g.box-row").count() > 0
    assert page.locator("#contribution-chart svg rect.bar").count() > 0
    assert page.locator("#worker-tbody tr.flagged").count() == 2
    assert "showing 30 of 30 workers" in page.text_content("#worker-count")

    # Sorting: objects descending on the first click, ascending on the second.
    objects = browser.header_index("objects")
    before = browser.column(objects)
    page.click("#worker-thead th[data-col='n_objects']")
    descending = [int(v.replace(",", "")) for v in browser.column(objects)]
    assert descending == sorted(descending, reverse=True)
    page.click("#worker-thead th[data-col='n_objects']")
    ascending = browser.column(objects)
    assert ascending != before
    assert [int(v.replace(",", "")) for v in ascending] == sorted(descending)
    assert page.get_attribute("#worker-thead th[data-col='n_objects']", "aria-sort") == "ascending"

    # Search filters the table and the timing chart.
    page.fill("#worker-search", "onerror")
    assert page.locator("#worker-tbody tr").count() == 1
    assert page.locator("#timing-chart svg g.box-row").count() == 1
    page.fill("#worker-search", "")
    page.check("#flagged-only")
    assert page.locator("#worker-tbody tr").count() == 2
    page.uncheck("#flagged-only")

    # The malicious worker: its id and labels show as text, nothing was injected.
    worker = browser.header_index("worker")
    row = browser.column(worker).index(MALICIOUS_WORKER)
    page.locator("#worker-tbody tr").nth(row).click()
    detail = page.locator("#detail")
    assert detail.is_visible()
    assert page.text_content("#detail h2") == MALICIOUS_WORKER
    confusion = page.locator("#detail table.confusion")
    assert confusion.count() == 1
    headers = confusion.locator("th").all_text_contents()
    shown = [label for label in MALICIOUS_LABELS if any(label[:17] in h for h in headers)]
    assert shown, f"no malicious label in the confusion matrix headers: {headers}"
    page.screenshot(path=str(tmp_path / "report-detail.png"))

    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 2
    assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0
    assert browser.dialogs == []

    # Clicking a dot opens that worker; Escape closes the drawer.
    page.keyboard.press("Escape")
    assert not detail.is_visible()
    page.locator("#scatter svg circle.dot").first.click(force=True)
    assert detail.is_visible()
    assert page.locator("#scatter svg circle.dot.selected").count() == 1

    assert browser.errors() == []
    assert browser.unexpected_requests() == []
    assert browser.dialogs == []
    print(f"screenshots: {tmp_path / 'report.png'} {tmp_path / 'report-detail.png'}")


def test_no_element_points_outside_the_page(browser: Browser) -> None:
    sources = browser.page.evaluate(
        """() => [...document.querySelectorAll('[src],[href]')]
              .map(e => e.getAttribute('src') || e.getAttribute('href'))"""
    )
    assert all(s.startswith(("#", "data:")) for s in sources), sources
    assert browser.unexpected_requests() == []
    assert browser.errors() == []


def test_large_tables_are_shown_a_page_at_a_time(chromium: Any, tmp_path: Path) -> None:
    workers, summary, responses = build_job(n_workers=600, n_tasks=3000)
    report = tmp_path / "report.html"
    report.write_text(render_report(workers, summary, responses, title="big"), encoding="utf-8")
    browser = open_report(chromium, report)
    page = browser.page
    assert page.locator("#worker-tbody tr").count() == 250
    n = workers.height
    assert f"showing {n} of {n} workers (the first 250 in the table)" == page.text_content(
        "#worker-count"
    )
    page.click("#worker-thead th[data-col='n_objects']")
    objects = browser.header_index("objects")
    top = [int(v.replace(",", "")) for v in browser.column(objects)]
    assert top[0] == workers.get_column(COL.N_OBJECTS).max()
    page.click("#worker-more")
    assert page.locator("#worker-tbody tr").count() == 500
    page.click("#worker-all")
    assert page.locator("#worker-tbody tr").count() == workers.height
    assert page.is_hidden("#worker-all")
    plotted = workers.drop_nulls([COL.GOLD_ACCURACY, COL.LOO_AGREEMENT]).height
    assert page.locator("#scatter svg circle.dot").count() == plotted
    page.screenshot(path=str(tmp_path / "report-600.png"), full_page=False)
    assert browser.errors() == []
    assert browser.unexpected_requests() == []


def test_demo_report_in_chromium(chromium: Any, tmp_path: Path) -> None:
    """The report ``crowdaudit demo`` writes, for the real birds job, opened from disk."""
    from typer.testing import CliRunner

    from crowdaudit.cli import app

    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    state = open_report(chromium, out / "report.html")
    page = state.page
    try:
        page.screenshot(path=str(tmp_path / "demo-report.png"), full_page=True)
        assert page.locator("#worker-tbody tr").count() == 97
        assert page.locator("#scatter svg circle.dot").count() == 97
        assert page.locator("#contribution-chart svg rect.bar").count() > 0
        worker = state.header_index("worker")
        before = state.column(worker)
        page.click("#worker-thead th[data-col='n_objects']")
        after = state.column(worker)
        assert sorted(after) == sorted(before)
        assert after != before
        page.locator("#worker-tbody tr").first.click()
        assert page.locator("#detail table.confusion").count() == 1
        assert state.errors() == []
        assert state.unexpected_requests() == []
        assert state.dialogs == []
    finally:
        page.context.close()
