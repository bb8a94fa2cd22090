"""Worker-written and path strings reach the terminal as literal text, never as markup or escapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from crowdaudit.cli import app
from crowdaudit.report.plain import printable

HOSTILE_IDS = [
    "[/]",
    "[bold]loud[/bold]",
    "[link=https://evil.example/]click me[/link]",
    "red\x1b[31mtext",
    "\x1b]8;;https://evil.example/\x1b\\hidden link\x1b]8;;\x1b\\",
    "abc\u202edcba",
]


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def write_hostile_table(path: Path) -> Path:
    lines = ["task,worker,label"]
    for number, worker in enumerate(HOSTILE_IDS):
        quoted = '"' + worker.replace('"', '""') + '"'
        lines += [f"{task},{quoted},{'cat' if task % 2 else 'dog'}" for task in range(number + 2)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_literal(output: str) -> None:
    assert "Traceback" not in output
    assert "\x1b" not in output
    assert "\u202e" not in output
    assert "[bold]loud[/bold]" in output
    assert "[link=https://evil.example/]" in output
    assert "red\\x1b[31mtext" in output
    assert "abc\\u202edcba" in output


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "plain"),
        ("a\x1b[2Jb", "a\\x1b[2Jb"),
        ("tab\there", "tab\\x09here"),
        ("c1\x9bz", "c1\\x9bz"),
        ("rtl\u202eabc\u2066", "rtl\\u202eabc\\u2066"),
        ("猫 [/]", "猫 [/]"),
    ],
)
def test_printable_escapes_control_characters(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_audit_shows_hostile_worker_ids_literally(tmp_path: Path) -> None:
    table = write_hostile_table(tmp_path / "answers.csv")
    result = run("audit", str(table), "--no-cache", "-q", "--limit", "0")
    assert result.exit_code == 0, result.output
    assert_literal(result.stdout)
    assert "[/]" in result.stdout


def test_contributions_show_hostile_worker_ids_literally(tmp_path: Path) -> None:
    table = write_hostile_table(tmp_path / "answers.csv")
    out = tmp_path / "ledger.csv"
    result = run(
        "contributions", str(table), "--no-identities", "--no-cache", "-q", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert_literal(result.stdout)


@pytest.mark.parametrize("command", ["audit", "contributions"])
def test_a_path_with_markup_is_one_literal_error_line(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "[/]" / "[bold]job[/bold]\x1b[31m"
    extra = ["--no-identities"] if command == "contributions" else []
    result = run(command, str(missing), "--no-cache", *extra)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: folder not found: ")
    assert "[/]/[bold]job[/bold]\\x1b[31m" in line


def test_error_label_keeps_its_style_on_a_terminal(tmp_path: Path) -> None:
    from crowdaudit import cli

    console = Console(force_terminal=True, width=200, record=True, color_system="standard")
    original = cli.stderr
    cli.stderr = console
    try:
        cli._tell("error:", "bold red", "x [/] \x1b[31m")
    finally:
        cli.stderr = original
    text = console.export_text(styles=False)
    assert text.strip() == "error: x [/] \\x1b[31m"
