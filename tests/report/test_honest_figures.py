"""Honest figures: no bound reads as certainty, one headline everywhere, skill first without gold,
and a how-to-read note that matches the job and the rules."""

from __future__ import annotations

import re
from html import unescape

import polars as pl
import pytest

from crowdaudit.report._html_data import build_payload
from crowdaudit.report._html_summary import render_top_rows
from crowdaudit.report._html_verdicts import how_to_read, render_verdicts
from crowdaudit.report.figures import headline, percent, percent_range
from crowdaudit.report.html import render_report, render_summary_html
from crowdaudit.report.plain_repr import render_repr
from crowdaudit.report.terminal import render_summary_line
from crowdaudit.schema import COL

# ---- one rule for every percentage --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0.901, 1, "90.1%"),
        (0.75, 0, "75%"),
        (1.0, 1, "100.0%"),  # exactly 1 is a certainty the data gives: 9 of 9 right
        (0.0, 0, "0%"),
        (0.99992, 0, "99.99%"),  # rounds to 100 at 0 and 1 decimals, not at 2
        (0.99992, 1, "99.99%"),
        (0.9996, 1, "99.96%"),
        (0.9994, 1, "99.9%"),  # already below 100 at 1 decimal: no more digits
        (0.99999, 0, "99.999%"),
        (0.9999999, 1, "over 99.999%"),  # 99.99999 rounds to 100 even at 3 decimals
        (0.00004, 1, "0.004%"),
        (0.0000001, 1, "under 0.001%"),
        (None, 1, "–"),
    ],
)
def test_a_share_below_one_never_reads_as_certain(
    value: float | None, decimals: int, expected: str
) -> None:
    assert percent(value, decimals) == expected


def test_a_range_is_in_one_unit_and_its_high_end_is_not_rounded_to_certainty() -> None:
    assert percent_range(0.9049, 0.99992) == "90–99.99%"
    assert percent_range(0.746, 0.881) == "75–88%"
    assert percent_range(0.7, 1.0) == "70–100%"
    assert percent_range(0.7, 0.99992, unit="") == "70–99.99"


# ---- one headline, the same words everywhere ------------------------------------------------------

_GOLD_JOB: dict[str, object] = {
    "n_objects": 302,
    "n_answers": 1510,
    "n_workers": 3,
    "consolidated_gold_accuracy": 0.901,
    "label_accuracy": {"recommended": 0.894, "majority_vote": 0.901},
    "estimated_label_accuracy": 0.9745,
    "estimated_label_accuracy_low": 0.9049,
    "estimated_label_accuracy_high": 0.99992,
}
_GOLD_HEADLINE = (
    "consolidated labels 90.1% correct on gold · recommended labels 89.4% correct on gold · "
    "label accuracy estimated without gold 97.5% (range 90–99.99%)"
)
_NO_GOLD_HEADLINE = "label accuracy estimated without gold 97.5% (range 90–99.99%)"


def _no_gold(summary: dict[str, object]) -> dict[str, object]:
    return {
        k: v
        for k, v in summary.items()
        if k not in ("consolidated_gold_accuracy", "label_accuracy")
    }


def small_workers(*, gold: bool) -> pl.DataFrame:
    """Three workers; with ``gold``, worker b has 4 of 5 gold objects right."""
    n_gold = [5, 5, 0] if gold else [0, 0, 0]
    accuracy = [1.0, 0.8, None] if gold else [None, None, None]
    low = [0.57, 0.38, None] if gold else [None, None, None]
    high = [1.0, 0.96, None] if gold else [None, None, None]
    return pl.DataFrame(
        {
            COL.JOB: ["j"] * 3,
            COL.WORKER: ["a", "b", "c"],
            COL.N_OBJECTS: [12, 20, 2],
            COL.N_GOLD: n_gold,
            COL.GOLD_CORRECT: [5.0, 4.0, 0.0] if gold else [0.0, 0.0, 0.0],
            COL.GOLD_ACCURACY: accuracy,
            COL.GOLD_ACCURACY_LOW: low,
            COL.GOLD_ACCURACY_HIGH: high,
            COL.N_CONSENSUS: [12, 20, 2],
            COL.CONSENSUS_AGREEMENT: [0.9, 0.7, 1.0],
            COL.N_LOO: [12, 20, 2],
            COL.LOO_AGREEMENT: [0.85, 0.6, 1.0],
            COL.SKILL: [0.97, 0.74, None],
            COL.SKILL_LOW: [0.93, 0.62, None],
            COL.SKILL_HIGH: [0.99992, 0.84, None],
            COL.VERDICT: ["trusted", "check", "not enough data"],
            COL.VERDICT_REASON: ["fine", "worse than the others", "2 answers"],
            COL.MEDIAN_SECONDS: [3.0, 2.0, 4.0],
        },
        schema_overrides={COL.GOLD_ACCURACY: pl.Float64, COL.SKILL: pl.Float64},
    )


SMALL_RESPONSES = pl.DataFrame({COL.WORKER: ["a", "b", "c"], COL.LABEL: ["x", "y", "x"]})


def test_the_headline_leads_with_gold_and_says_the_estimate_is_estimated() -> None:
    assert headline(_GOLD_JOB) == _GOLD_HEADLINE
    assert headline(_no_gold(_GOLD_JOB)) == _NO_GOLD_HEADLINE
    assert headline({"estimated_label_accuracy": 0.999}) == ""  # never a bare estimate


@pytest.mark.parametrize("gold", [True, False])
def test_terminal_report_notebook_and_repr_show_the_same_headline(gold: bool) -> None:
    summary = _GOLD_JOB if gold else _no_gold(_GOLD_JOB)
    expected = _GOLD_HEADLINE if gold else _NO_GOLD_HEADLINE
    summary_line = render_summary_line({"n_jobs": 1, **summary})
    assert expected in summary_line
    assert "100" not in summary_line
    workers = small_workers(gold=gold)
    page = render_report(workers, summary, SMALL_RESPONSES, title="t")
    found = re.search(r'<p class="headline" id="headline">(.*?)</p>', page)
    assert found is not None
    assert unescape(found.group(1)) == expected
    # In the page header, before the list of workers to check.
    assert page.index('id="headline"') < page.index("</header>") < page.index("check-heading")
    notebook = render_summary_html(workers, summary)
    assert f'<p class="headline" id="headline">{expected}</p>' in unescape(notebook)
    assert notebook.index("headline") < notebook.index("check-heading")
    assert render_repr("t", summary, workers).splitlines()[1] == f"  {expected}"


# ---- skill first without gold -------------------------------------------------------------------


def test_the_report_table_leads_with_gold_when_there_is_gold() -> None:
    columns = [
        c["name"]
        for c in build_payload(small_workers(gold=True), SMALL_RESPONSES, title="t")["columns"]
    ]
    assert columns[:8] == [
        COL.JOB,
        COL.WORKER,
        COL.N_OBJECTS,
        COL.N_GOLD,
        COL.GOLD_CORRECT,
        COL.GOLD_ACCURACY,
        COL.GOLD_ACCURACY_LOW,
        COL.GOLD_ACCURACY_HIGH,
    ]
    assert columns.index(COL.GOLD_ACCURACY) < columns.index(COL.SKILL)


def test_without_gold_skill_leads_and_the_empty_gold_columns_are_gone() -> None:
    payload = build_payload(small_workers(gold=False), SMALL_RESPONSES, title="t")
    columns = [c["name"] for c in payload["columns"]]
    assert columns == [
        COL.JOB,
        COL.WORKER,
        COL.N_OBJECTS,
        COL.SKILL,
        COL.SKILL_LOW,
        COL.SKILL_HIGH,
        COL.N_CONSENSUS,
        COL.CONSENSUS_AGREEMENT,
        COL.N_LOO,
        COL.LOO_AGREEMENT,
        COL.VERDICT,
        COL.VERDICT_REASON,
        COL.MEDIAN_SECONDS,
    ]
    assert payload["scatter"]["y"] == COL.SKILL


def _headers(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r"<th>(.*?)</th>", html)]


def test_the_notebook_table_leads_with_skill_without_gold_and_with_gold_with_gold() -> None:
    with_gold = render_top_rows(small_workers(gold=True), max_rows=5)
    assert _headers(with_gold)[:3] == ["worker", "objects", "gold accuracy (95% CI)"]
    without = render_top_rows(small_workers(gold=False), max_rows=5)
    assert _headers(without) == [
        "worker",
        "objects",
        "skill (estimated, 90% range)",
        "agreement with the job's label",
        "agreement with the other workers",
        "verdict",
        "median time / object",
    ]
    # Skill with its range; a high end of 0.99992 is not 100%.
    first = without.split("<tbody>")[1].split("</tr>")[0]
    assert '97.0% <span class="ci">[93–99.99%]</span>' in first
    assert "100" not in first


def test_the_check_list_names_each_interval_in_one_style() -> None:
    html = render_verdicts(small_workers(gold=True))
    assert (
        "20 objects · skill 74% (90% interval 62–84%) · right on gold 80% (95% interval 38–96%)"
        in unescape(html)
    )


# ---- how to read this ---------------------------------------------------------------------------


def test_how_to_read_uses_the_jobs_answers_per_object() -> None:
    five = how_to_read({"n_objects": 302, "n_answers": 1510})
    assert "On this job an object has 5 answers," in five
    assert "3 answers" not in five
    assert "about 2.3 answers" in how_to_read({"n_objects": 3, "n_answers": 7})
    assert "When the other workers split evenly, that counts" in how_to_read({})
    assert "On this job" not in how_to_read({})


def test_how_to_read_explains_gold_only_with_gold() -> None:
    assert "Accuracy on gold" in how_to_read({"n_gold_objects": 302})
    assert "Accuracy on gold" not in how_to_read({"n_gold_objects": 0})


def test_how_to_read_lists_every_flag_and_the_trusted_rule() -> None:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", how_to_read({})))
    for flag in (
        "same answer every time",
        "consistently wrong",
        "low skill",
        "fast and disagreeing",
    ):
        assert f"{flag}:" in text
    assert (
        "trusted means at least 10 answers and a whole skill range at or above the job's median "
        "skill" in text
    )
    assert "trusted and ok mean nothing stands out" not in text
