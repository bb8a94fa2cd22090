"""The report's "items of the workers to check": what is shown, in which order, how many, and that
nothing a worker wrote becomes markup or a link it should not be."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from html_synthetic import MALICIOUS_LABELS, MALICIOUS_WORKER, build_job
from test_report_html_browser import chromium, open_report

from crowdaudit.report._html_worker_items import ITEMS_CAP, render_worker_items
from crowdaudit.report.html import render_report

__all__ = ["chromium"]

EVIL_URL = 'https://example.org/a.jpg?x="><script>alert(3)</script>'


class _Tags(HTMLParser):
    """Every start tag and its attributes, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _frames(n_answers: int = 3) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Two workers on one job: ``MALICIOUS_WORKER`` (to check) and ``good`` (ok)."""
    workers = pl.DataFrame(
        {
            "job": ["j", "j"],
            "worker": [MALICIOUS_WORKER, "good"],
            "n_objects": [n_answers, n_answers],
            "verdict": ["check", "ok"],
            "verdict_reason": ["a reason of some length", "fine"],
        }
    )
    tasks = [f"t{i}" for i in range(n_answers)]
    answers = pl.DataFrame(
        {
            "job": ["j"] * (2 * n_answers),
            "task": tasks * 2,
            "worker": [MALICIOUS_WORKER] * n_answers + ["good"] * n_answers,
            "label": [MALICIOUS_LABELS[0]] * n_answers + ["cat"] * n_answers,
        }
    )
    refs = ["s3://bucket/x_1.jpg", EVIL_URL, "javascript:alert(4)"]
    items = pl.DataFrame(
        {
            "job": ["j"] * n_answers,
            "task": tasks,
            "label": [MALICIOUS_LABELS[0] if i == 1 else "cat" for i in range(n_answers)],
            "label_probability": [0.5 + 0.01 * i for i in range(n_answers)],
            "votes": [f"cat=1; {MALICIOUS_LABELS[1]}=1"] * n_answers,
            "source_ref": [refs[i % 3] for i in range(n_answers)],
        }
    )
    return workers, answers, items


def test_items_of_a_worker_to_check_in_review_order() -> None:
    html = render_worker_items(*_frames())
    rows = re.findall(r'<tr class="(differs|same)"><td class="mono">(t\d+)</td>', html)
    # t0 and t2: the answer differs from "cat" (probabilities 0.50, 0.52, least first); t1 agrees.
    assert rows == [("differs", "t0"), ("differs", "t2"), ("same", "t1")]
    assert "all 3 items" in html
    assert f"Up to {ITEMS_CAP} items per worker" in html
    assert ">good<" not in html  # only workers to check
    assert html.count('class="worker-items"') == 1
    assert "50%" in html
    assert "52%" in html


def test_worker_text_is_escaped_and_only_http_refs_are_links() -> None:
    html = render_worker_items(*_frames())
    tags = _tags(html)
    assert {tag for tag, _ in tags} <= {
        "section", "h2", "p", "code", "div", "h3", "span", "table", "thead", "tr", "th",
        "tbody", "td", "a",
    }  # fmt: skip
    links = [attrs for tag, attrs in tags if tag == "a"]
    assert [a["href"] for a in links] == [EVIL_URL]
    assert links[0]["rel"] == "noopener noreferrer"
    assert "<script>" not in html
    assert "<img" not in html
    assert "<code>s3://bucket/x_1.jpg</code>" in html
    assert "<code>javascript:alert(4)</code>" in html


@pytest.mark.parametrize("n_answers", [ITEMS_CAP + 5])
def test_at_most_the_cap_per_worker(n_answers: int) -> None:
    html = render_worker_items(*_frames(n_answers))
    assert html.count('<tr class="differs">') + html.count('<tr class="same">') == ITEMS_CAP
    assert f"{ITEMS_CAP} of {n_answers} items" in html


def test_check_list_links_to_each_block() -> None:
    workers, answers, items = _frames()
    page = render_report(workers, {}, answers, title="t", items=items)
    assert page.count('class="answers-link" href="#items-1"') == 1
    assert page.count('id="items-1"') == 1
    # Without items, no link to a block that does not exist.
    assert 'class="answers-link"' not in render_report(workers, {}, answers, title="t")


def test_no_section_for_a_job_without_workers_to_check() -> None:
    workers, _summary, responses = build_job(n_workers=8, n_tasks=40)
    calm = workers.drop([c for c in workers.columns if c.startswith("flag_")])
    items = responses.select("job", "task", "label").unique(["job", "task"])
    assert render_worker_items(calm, responses, items) == ""


@pytest.mark.browser
def test_worker_text_stays_text_in_chromium(chromium: Any, tmp_path: Path) -> None:
    workers, answers, items = _frames()
    report = tmp_path / "report.html"
    report.write_text(render_report(workers, {}, answers, title="t", items=items), "utf-8")
    state = open_report(chromium, report)
    try:
        state.page.locator(".check-list .answers-link").click()
        block = state.page.locator("#items-1")
        assert block.locator("h3 .mono").inner_text() == MALICIOUS_WORKER
        assert (
            block.locator("tbody tr").first.locator("td").nth(1).inner_text()
            == (MALICIOUS_LABELS[0])
        )
        assert block.locator("a").evaluate_all("links => links.map(a => a.href)") == [
            "https://example.org/a.jpg?x=%22%3E%3Cscript%3Ealert(3)%3C/script%3E"
        ]
        assert state.dialogs == []
        assert state.errors() == []
        assert state.unexpected_requests() == []
    finally:
        state.page.context.close()
