"""Unit tests of the HTML report: structure, data, escaping, size and self-containment."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime

import polars as pl
import pytest
from html_synthetic import MALICIOUS_LABELS, MALICIOUS_TITLE, MALICIOUS_WORKER, build_job

from crowdaudit.report._html_data import MAX_CONFUSION_LABELS, build_payload, dump_json_for_html
from crowdaudit.report.html import render_report, render_summary_html
from crowdaudit.schema import COL, RESPONSES, WORKERS

SIZE_BUDGET = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def job() -> tuple[pl.DataFrame, dict[str, object], pl.DataFrame]:
    return build_job()


@pytest.fixture(scope="module")
def page(job: tuple[pl.DataFrame, dict[str, object], pl.DataFrame]) -> str:
    workers, summary, responses = job
    return render_report(workers, summary, responses, title=MALICIOUS_TITLE)


def embedded_data(page: str) -> dict[str, object]:
    match = re.search(
        r'<script type="application/json" id="crowdaudit-data">(.*?)</script>', page, re.S
    )
    assert match is not None
    data = json.loads(match.group(1))
    assert isinstance(data, dict)
    return data


def inline(page: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)


# ---- structure ----------------------------------------------------------------------------------


def test_is_one_html_document_with_every_section(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    for section in ("summary", "workers", "accuracy", "timing", "contribution"):
        assert f'<section id="{section}">' in page
    assert 'id="worker-table"' in page
    assert 'id="detail"' in page
    assert '<meta charset="utf-8">' in page


def test_summary_shows_known_and_other_keys(page: str) -> None:
    assert "Krippendorff&#x27;s alpha" in page
    assert "0.6123" in page
    # The estimated label accuracy (0.912 in 0.85..0.95) heads the page, with its range and words.
    assert (
        '<p class="headline" id="headline">label accuracy estimated without gold 91.2% '
        "(range 85–95%)</p>"
    ) in page
    assert (
        '<th title="The label a Dawid-Skene model of all answers finds likeliest.">Dawid-Skene</th>'
        in page
    )
    assert "93.0%" in page
    assert ">task type</th>" in page
    assert "image classification" in page
    assert "flagged workers" in page


def test_embedded_data_has_every_worker_and_column(
    page: str, job: tuple[pl.DataFrame, dict[str, object], pl.DataFrame]
) -> None:
    workers, _, _ = job
    data = embedded_data(page)
    rows = data["rows"]
    columns = data["columns"]
    assert isinstance(rows, list)
    assert isinstance(columns, list)
    assert len(rows) == workers.height
    names = [c["name"] for c in columns]
    assert set(names) == set(workers.columns)
    assert names[:2] == [COL.JOB, COL.WORKER]
    kinds = {c["name"]: c["kind"] for c in columns}
    assert kinds[COL.GOLD_ACCURACY] == "rate"
    assert kinds[COL.MEDIAN_SECONDS] == "seconds"
    assert kinds[COL.FIRST_SUBMITTED_AT] == "datetime"
    assert kinds["flag_same_answer"] == "flag"
    assert data["flags"] == ["flag_same_answer", "flag_inverted", "flag_fast_and_disagreeing"]
    assert data["scatter"] == {
        "x": COL.LOO_AGREEMENT,
        "y": COL.GOLD_ACCURACY,
        "options": [
            COL.GOLD_ACCURACY,
            COL.CONSENSUS_AGREEMENT,
            COL.LOO_AGREEMENT,
            "ds_accuracy",
            "kappa",
        ],
    }
    first = rows[0][names.index(COL.FIRST_SUBMITTED_AT)]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first)


def test_rendering_is_deterministic(
    job: tuple[pl.DataFrame, dict[str, object], pl.DataFrame], page: str
) -> None:
    workers, summary, responses = job
    assert render_report(workers, summary, responses, title=MALICIOUS_TITLE) == page


# ---- per-worker detail ------------------------------------------------------------------------


def test_confusion_is_against_gold_when_the_worker_has_gold(
    job: tuple[pl.DataFrame, dict[str, object], pl.DataFrame],
) -> None:
    workers, _, responses = job
    data = build_payload(workers, responses, title="t")
    labels = data["labels"]
    detail = data["detail"]
    assert isinstance(labels, list)
    assert isinstance(detail, list)
    for row, worker in enumerate(workers.get_column(COL.WORKER)):
        own = responses.filter(pl.col(COL.WORKER) == worker)
        with_gold = own.filter(pl.col(COL.GOLD).is_not_null())
        cells = detail[row]["cm"]
        if with_gold.height:
            assert detail[row]["ref"] == "gold"
            assert sum(n for _, _, n in cells) == with_gold.height
            diagonal = sum(n for li, ri, n in cells if li == ri)
            assert diagonal == workers.row(row, named=True)[COL.GOLD_CORRECT]
        else:
            assert detail[row]["ref"] == "consolidated"
            assert sum(n for _, _, n in cells) == own.height
    assert set(MALICIOUS_LABELS) <= set(labels)


def test_time_quantiles_histogram_and_contribution(
    job: tuple[pl.DataFrame, dict[str, object], pl.DataFrame],
) -> None:
    workers, _, responses = job
    data = build_payload(workers, responses, title="t")
    time_axis = data["time"]
    detail = data["detail"]
    assert isinstance(time_axis, dict)
    assert isinstance(detail, list)
    assert time_axis["unit"] == "hour"  # three days of answers
    assert sum(time_axis["totals"]) == responses.height
    for row, worker in enumerate(workers.get_column(COL.WORKER)):
        own = responses.filter(pl.col(COL.WORKER) == worker)
        p05, q1, median, q3, p95, n = detail[row]["q"]
        assert p05 <= q1 <= median <= q3 <= p95
        assert n == own.height
        assert median == pytest.approx(own.get_column(COL.SECONDS).median(), rel=1e-3)
        assert sum(c for _, c in detail[row]["h"]) == own.height
        assert sum(c for _, c in detail[row]["t"]) == own.height
    assert len(data["hist"]) == 25


def test_several_jobs_keep_workers_apart() -> None:
    workers, _, responses = build_job(n_workers=5, n_tasks=40)
    other_responses = responses.with_columns(pl.lit("cats").alias(COL.JOB)).head(10)
    other_workers = workers.filter(
        pl.col(COL.WORKER).is_in(other_responses.get_column(COL.WORKER).unique().to_list())
    ).with_columns(pl.lit("cats").alias(COL.JOB))
    both = pl.concat([workers, other_workers])
    data = build_payload(both, pl.concat([responses, other_responses]), title="t")
    detail = data["detail"]
    assert isinstance(detail, list)
    for row, (job_name, worker) in enumerate(both.select(COL.JOB, COL.WORKER).iter_rows()):
        expected = (
            (responses if job_name == "birds" else other_responses)
            .filter(pl.col(COL.WORKER) == worker)
            .height
        )
        assert detail[row]["q"][-1] == expected


def test_too_many_labels_gives_no_confusion() -> None:
    n = MAX_CONFUSION_LABELS + 1
    responses = pl.DataFrame(
        {COL.WORKER: ["w"] * n, COL.LABEL: [f"box {i}" for i in range(n)], COL.GOLD: ["x"] * n}
    )
    data = build_payload(pl.DataFrame({COL.WORKER: ["w"]}), responses, title="t")
    assert data["too_many_labels"] is True
    assert data["labels"] == []


# ---- edge cases ---------------------------------------------------------------------------------


def test_empty_tables_render() -> None:
    workers = pl.DataFrame(schema=WORKERS)
    responses = pl.DataFrame(schema=RESPONSES)
    page = render_report(workers, {}, responses, title="empty")
    data = embedded_data(page)
    assert data["rows"] == []
    assert data["time"] is None
    assert data["hist"] == []
    assert "No summary figures." in page


def test_minimal_tables_and_unknown_columns_render() -> None:
    workers = pl.DataFrame(
        {
            COL.WORKER: ["a", "b"],
            "team": ["red", None],
            "n_reviews": [3, None],
            "reviewed": [True, False],
            "score": [0.5, float("nan")],
            "first_review_at": [datetime(2024, 1, 1, tzinfo=UTC), None],
        }
    )
    responses = pl.DataFrame({COL.WORKER: ["a", "a", "b"], COL.LABEL: ["x", "y", "x"]})
    page = render_report(workers, {"odd": [1, 2], "when": None}, responses, title="minimal")
    data = embedded_data(page)
    kinds = {c["name"]: c["kind"] for c in data["columns"]}
    assert kinds == {
        COL.WORKER: "text",
        "team": "text",
        "n_reviews": "int",
        "reviewed": "bool",
        "score": "float",
        "first_review_at": "datetime",
    }
    assert data["rows"][1] == ["b", None, None, False, None, None]
    assert data["scatter"] == {"x": None, "y": "score", "options": ["score"]}
    assert data["detail"][0] == {"ref": None, "cm": [], "q": None, "h": [], "t": [], "c": []}
    assert "<h3>odd</h3><ul><li>1</li><li>2</li></ul>" in page


def test_worker_comments_reach_the_detail_as_data() -> None:
    workers = pl.DataFrame({COL.WORKER: ["a", "b"]})
    responses = pl.DataFrame(
        {
            COL.WORKER: ["a", "a", "b"],
            COL.TASK: ["0", "1", "0"],
            COL.LABEL: ["x", "y", "x"],
            COL.WORKER_COMMENT: ["</script><b>blurry</b>", None, None],
        }
    )
    page = render_report(workers, {}, responses, title="comments")
    data = embedded_data(page)
    assert data["detail"][0]["c"] == [["0", "</script><b>blurry</b>"]]
    assert data["detail"][1]["c"] == []
    assert "</script><b>blurry" not in page


def test_consensus_is_the_default_accuracy_without_gold() -> None:
    workers, _, responses = build_job(n_workers=6, n_tasks=50)
    workers = workers.drop(COL.GOLD_ACCURACY, COL.GOLD_ACCURACY_LOW, COL.GOLD_ACCURACY_HIGH)
    workers = workers.drop("ds_accuracy")
    data = build_payload(workers, responses.drop(COL.GOLD), title="t")
    assert data["scatter"]["y"] == COL.CONSENSUS_AGREEMENT
    assert data["scatter"]["x"] == COL.LOO_AGREEMENT
    assert {d["ref"] for d in data["detail"]} == {"consolidated"}


# ---- escaping and safety ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "</script><script>alert(1)</script>",
        "<!-- x",
        "a & b > c",
        "line\u2028separator\u2029paragraph",
        '"><img src=x onerror=alert(1)>',
        "naïve 鳥 🐦",
    ],
)
def test_dump_json_for_html_round_trips_and_cannot_close_the_element(value: str) -> None:
    text = dump_json_for_html({"v": value, value: [value]})
    for forbidden in ("<", ">", "&", "\u2028", "\u2029"):
        assert forbidden not in text
    assert json.loads(text) == {"v": value, value: [value]}


def test_worker_written_strings_never_appear_as_markup(page: str) -> None:
    for bad in (*MALICIOUS_LABELS, MALICIOUS_WORKER, "<b>not bold</b>", "<script>alert('title')"):
        assert bad not in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert "<title>birds &lt;/title&gt;&lt;script&gt;" in page
    assert "<img" not in page
    assert len(re.findall(r"<script", page, re.I)) == 2
    assert len(re.findall(r"</script", page, re.I)) == 2
    data = embedded_data(page)
    assert set(MALICIOUS_LABELS) <= set(data["labels"])
    assert MALICIOUS_WORKER in [row[1] for row in data["rows"]]
    assert data["title"] == MALICIOUS_TITLE


def test_script_builds_no_markup_from_strings() -> None:
    script = inline(render_report(pl.DataFrame(), {}, pl.DataFrame(), title="t"), "script")[0]
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    assert "new Function" not in script


def test_content_security_policy_forbids_network_and_pins_inline_code(page: str) -> None:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert match is not None
    policy = match.group(1).replace("&#x27;", "'")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "data:"

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert directives["script-src"] == digest(inline(page, "script")[0])
    assert directives["style-src"] == digest(inline(page, "style")[0])


def test_nothing_is_loaded_from_the_network(page: str) -> None:
    resource = re.compile(
        r"""(?:\b(?:src|href|action|poster|srcset|data)\s*=\s*["']?\s*(?:https?:)?//)"""
        r"""|url\(\s*["']?\s*(?:https?:)?//|@import""",
        re.I,
    )
    assert resource.findall(page) == []
    # The only URL in the page is the SVG namespace name, an identifier that is never fetched.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}


# ---- size ---------------------------------------------------------------------------------------


def test_a_thousand_worker_report_stays_under_five_megabytes() -> None:
    workers, summary, responses = build_job(n_workers=1000, n_tasks=20_000, answers_per_task=3)
    page = render_report(workers, summary, responses, title="big")
    size = len(page.encode("utf-8"))
    assert workers.height == 1000
    assert len(embedded_data(page)["rows"]) == 1000
    assert size < SIZE_BUDGET, f"report is {size / 1e6:.2f} MB for 1,000 workers"


# ---- notebook summary ---------------------------------------------------------------------------


def test_summary_html_for_notebooks(
    job: tuple[pl.DataFrame, dict[str, object], pl.DataFrame],
) -> None:
    workers, summary, _ = job
    malicious_first = pl.concat([workers.filter(pl.col(COL.WORKER) == MALICIOUS_WORKER), workers])
    html = render_summary_html(malicious_first, summary, title="<i>birds</i>", max_rows=5)
    assert html.startswith('<div class="crowdaudit-summary">')
    assert "<script" not in html
    assert "&lt;i&gt;birds&lt;/i&gt;" in html
    assert MALICIOUS_WORKER not in html
    assert "private.us-east-1.&lt;img src=x onerror=alert(&quot;id&quot;)&gt;" in html
    worker_table = html.split('<table class="workers">', 1)[1]
    assert worker_table.count("<tr") == 1 + 5
    assert f"and {malicious_first.height - 5:,} more workers" in html
    assert "fast and disagreeing" in html or "same answer" in html


def test_summary_lists_and_mappings_are_shown_and_bounded() -> None:
    skipped = [
        {"key": f"out/annotations/worker-response/{i}.json", "code": "malformed-json"}
        for i in range(500)
    ]
    summary: dict[str, object] = {
        "crowdaudit_version": "0.1.0",
        "n_objects": 10,
        "label_accuracy": {"majority_vote": 0.8, "dawid_skene": None},
        "class_priors": {"cat": 0.25, "<dog>": 0.75},
        "classes": ["cat", "<dog>"],
        "warnings": ["job birds: 3 answers without a time </p><b>"],
        "skipped": skipped,
        "jobs": [{"job": "birds", "failed_objects": [str(i) for i in range(40)], "n_objects": 10}],
    }
    page = render_report(pl.DataFrame(), summary, pl.DataFrame(), title="t")
    assert ">crowdaudit version</th>" in page
    assert "&lt;dog&gt;" in page
    assert "<dog>" not in page
    assert "</p><b>" not in page
    assert ">share of each label</" in page
    assert "75.0%" not in page  # priors are not accuracies
    assert "malformed-json" in page
    assert page.count("out/annotations/worker-response/") == 50
    assert "and 450 more (see summary.json)" in page
    assert "0, 1, 2, 3, 4, \u2026 (40 in all)" in page
    assert len(page) < 100_000
