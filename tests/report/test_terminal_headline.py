"""The terminal's label-accuracy words: gold first, the estimate with its range, or why none."""

from __future__ import annotations

from crowdaudit.report.figures import label_accuracy_parts


def test_gold_figures_lead_and_the_estimate_says_it_is_estimated() -> None:
    parts = label_accuracy_parts(
        {
            "consolidated_gold_accuracy": 0.901,
            "label_accuracy": {"recommended": 0.894},
            "estimated_label_accuracy": 0.987,
            "estimated_label_accuracy_low": 0.905,
            "estimated_label_accuracy_high": 1.0,
        }
    )
    assert parts == [
        "consolidated labels 90.1% correct on gold",
        "recommended labels 89.4% correct on gold",
        "label accuracy estimated without gold 98.7% (range 90–100%)",
    ]


def test_a_high_end_just_below_one_is_not_printed_as_100() -> None:
    parts = label_accuracy_parts(
        {
            "estimated_label_accuracy": 0.9745,
            "estimated_label_accuracy_low": 0.9049,
            "estimated_label_accuracy_high": 0.99992,
        }
    )
    assert parts == ["label accuracy estimated without gold 97.5% (range 90–99.99%)"]


def test_no_bare_estimate_and_the_reason_when_there_is_none() -> None:
    assert label_accuracy_parts({"estimated_label_accuracy": 0.999}) == []
    reason = "the job has 1 worker; skill needs at least 3 workers answering the same objects"
    assert label_accuracy_parts({"estimated_label_accuracy": None, "skill_reason": reason}) == [
        f"no skill estimates: {reason}"
    ]
