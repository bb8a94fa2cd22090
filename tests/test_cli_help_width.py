"""``--help`` written to a pipe: as wide as ``$COLUMNS`` says, else 100 columns, never Rich's 80,
and no help text cut short."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crowdaudit.cli import app

runner = CliRunner()
COMMANDS = ([], ["audit"], ["demo"], ["contributions"])
# Box-drawing characters of Rich's panels, and the padding around them.
_FRAME = re.compile(r"[│╭╮╰╯─]+")


def _widths(text: str) -> list[int]:
    return [len(line) for line in text.splitlines()]


def _words(text: str) -> str:
    """The help's words in order, frames and line breaks gone: a sentence wrapped over lines
    reads whole again."""
    return " ".join(_FRAME.sub(" ", text).split())


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "crowdaudit")
def test_help_to_a_pipe_is_100_columns_without_columns(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": None})
    assert result.exit_code == 0, result.output
    widths = _widths(result.output)
    assert max(widths) == 100
    assert "…" not in result.output


def test_help_follows_columns() -> None:
    wide = runner.invoke(app, ["audit", "--help"], env={"COLUMNS": "132"})
    assert max(_widths(wide.output)) == 132
    narrow = runner.invoke(app, ["audit", "--help"], env={"COLUMNS": "60"})
    assert max(_widths(narrow.output)) == 60
    # Not a number, or too narrow to read: 100.
    for junk in ("wide", "12"):
        odd = runner.invoke(app, ["audit", "--help"], env={"COLUMNS": junk})
        assert max(_widths(odd.output)) == 100


def test_no_help_text_is_cut() -> None:
    # A sentence of the SOURCE argument and one of an option, read back whole at every width.
    sentences = (
        "Output folder of a labeling job (the one holding annotations/ and manifests/), as a "
        "local path or an s3:// URI",
        "Gold labels: a golden manifest",
    )
    for columns in ("100", "200"):
        result = runner.invoke(app, ["audit", "--help"], env={"COLUMNS": columns})
        words = _words(result.output)
        for sentence in sentences:
            assert sentence in words, (columns, sentence)


def test_help_through_a_real_pipe() -> None:
    script = Path(sys.executable).with_name("crowdaudit")
    if not script.is_file():
        pytest.skip(f"{script} is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH")}
    done = subprocess.run(
        [str(script), "audit", "--help"],
        capture_output=True,
        env=env,
        check=True,
        timeout=60,
    )
    text = done.stdout.decode()
    assert max(_widths(text)) == 100
    assert "crowdaudit audit ./my-job/ --gold golden.manifest --out audit/ --sort worst" in text


def test_a_flag_off_by_default_has_no_negative_form() -> None:
    result = runner.invoke(app, ["contributions", "--help"], env={"COLUMNS": "100"})
    assert "--allow-missing-identities" in result.output
    assert "--no-allow-missing-identities" not in result.output
    assert "--no-identities" in result.output  # on by default: the way to turn it off stays


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "crowdaudit")
def test_nothing_is_cut_at_80_columns(command: list[str]) -> None:
    # At 80 columns the help column of `contributions` is 20 wide: a word longer than its column
    # (an option name, DescribeLabelingJob) is folded onto the next line, never ended with "…".
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(_widths(result.output)) == 80
    assert "…" not in result.output
    if command == ["contributions"]:
        # The option's name is folded over two lines of its column, and reads whole again.
        cells = [_FRAME.sub(" ", line).split() for line in result.output.splitlines()]
        at = next(i for i, row in enumerate(cells) if row and row[0].startswith("--allow-"))
        assert cells[at][0] + cells[at + 1][0] == "--allow-missing-identities"
