"""The caution where the ranking of workers depends on the model (``skill_model_agreement``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crowdaudit.cli import app
from crowdaudit.report.figures import ranking_caution
from crowdaudit.report.plain_repr import render_repr

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


def _job(name: str, agreement: float | None) -> dict[str, object]:
    return {"job": name, "skill_model_agreement": agreement}


def test_one_job_below_the_threshold_is_cautioned_without_its_name() -> None:
    caution = ranking_caution({"jobs": [_job("birds", 0.38)]})
    assert caution == (
        "caution: the ranking of workers depends on the model (skill and one-coin accuracy rank "
        "them alike only at 0.38, rank correlation); check it on a few gold objects before "
        "acting on it"
    )


def test_several_jobs_name_the_ones_below() -> None:
    summary = {"jobs": [_job("a", 0.9), _job("b <i>", 0.12), _job("c", None), _job("d", 0.49)]}
    assert ranking_caution(summary).startswith("caution on b <i>, d: ")
    assert "only at 0.12, 0.49, rank" in ranking_caution(summary)


@pytest.mark.parametrize("agreement", [0.5, 0.97, None])
def test_no_caution_at_or_above_the_threshold_or_without_a_figure(
    agreement: float | None,
) -> None:
    assert ranking_caution({"jobs": [_job("birds", agreement)]}) == ""
    assert ranking_caution({}) == ""


def test_the_notebook_repr_shows_it() -> None:
    import polars as pl

    workers = pl.DataFrame({"worker": ["a"], "verdict": ["ok"], "verdict_reason": ["fine"]})
    text = render_repr("birds", {"jobs": [_job("birds", 0.2)]}, workers)  # type: ignore[arg-type]
    assert "\n  caution: the ranking of workers depends on the model" in text


@pytest.mark.skipif(not (SHARED / "zencrowd-us").is_dir(), reason="needs ../shared/datasets")
def test_zencrowd_us_is_cautioned_in_the_terminal_and_the_report(tmp_path: Path) -> None:
    # skill and one-coin accuracy rank zencrowd-us's workers alike at 0.38 (bench/trust.py).
    answers = SHARED / "zencrowd-us" / "answers.csv"
    out = tmp_path / "out"
    done = CliRunner().invoke(app, ["audit", str(answers), "--out", str(out), "--no-cache"])
    assert done.exit_code == 0, done.output
    assert "caution: the ranking of workers depends on the model" in " ".join(done.output.split())
    report = (out / "report.html").read_text("utf-8")
    assert 'id="ranking-caution"' in report
