"""The notebook view of an audit: the HTML leads with the verdicts, the plain repr is short, and
``crowdaudit.demo_job()`` gives a folder that ``crowdaudit.audit()`` reads like any job."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

import crowdaudit


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> crowdaudit.Audit:
    folder = tmp_path_factory.mktemp("demo")
    return crowdaudit.audit(crowdaudit.demo_job(folder), gold=crowdaudit.demo_gold(folder))


def test_demo_job_is_a_folder_audit_reads(tmp_path: Path, demo: crowdaudit.Audit) -> None:
    job = crowdaudit.demo_job(tmp_path)
    assert job == tmp_path / "birds-open-images-clone"
    assert (job / "manifests" / "output" / "output.manifest").is_file()
    assert crowdaudit.demo_job(tmp_path) == job  # a second call reuses the folder
    # The bundled job: 302 objects, 5 answers each, 97 workers, gold for every object.
    assert demo.summary["n_objects"] == 302
    assert demo.summary["n_answers"] == 1510
    assert demo.workers.height == 97
    assert demo.summary["n_gold_objects"] == 302


def test_plain_repr_is_short_and_leads_with_who_to_check(demo: crowdaudit.Audit) -> None:
    text = repr(demo)
    lines = text.splitlines()
    to_check = demo.workers.filter(pl.col("verdict") == "check")
    assert lines[0] == (
        f"<Audit birds-open-images-clone: 302 objects, 1,510 answers, 97 workers, "
        f"{to_check.height} to check"
    )
    # The bundled job has gold: the measured accuracy leads, the estimate follows in words.
    assert lines[1].startswith("  consolidated labels 90.1% correct on gold · recommended labels ")
    assert "· label accuracy estimated without gold " in lines[1]
    first = to_check.row(0, named=True)
    assert lines[2] == f"  check {first['worker']}: {first['verdict_reason']}"
    assert len(lines) <= 8
    assert len(text) < 1500


def test_html_view_leads_with_the_verdicts(demo: crowdaudit.Audit) -> None:
    page = demo._repr_html_()
    assert "<script" not in page
    check = page.index("Who to check, and why")
    assert page.index('<p class="headline" id="headline">consolidated labels 90.1% correct') < check
    assert check < page.index("Workers</h3>")
    assert check < page.index('class="cards"')
    to_check = demo.workers.filter(pl.col("verdict") == "check").get_column("worker").to_list()
    listed = re.findall(r'<span class="mono worker-id" title="[^"]*">([^<]*)</span>', page)
    assert listed == to_check


@pytest.mark.parametrize("name", ["audit", "demo_job", "demo_gold", "Audit", "contributions"])
def test_help_reads_well(name: str) -> None:
    doc = getattr(crowdaudit, name).__doc__
    assert doc
    assert len(doc.strip().splitlines()[0]) <= 100
