"""The options ``audit`` and ``contributions`` share are declared once and mean the same in both."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import typer

from crowdaudit._cli_shared import ReadArgs
from crowdaudit.cli import app


def _options(command: str) -> dict[str, Any]:
    group: Any = typer.main.get_command(app)
    return {param.name: param for param in group.commands[command].params if param.name}


def test_both_commands_take_every_shared_option_with_the_same_default() -> None:
    audit, contributions = _options("audit"), _options("contributions")
    shared = [field.name for field in fields(ReadArgs)]
    assert len(shared) == 19
    for name in shared:
        assert name in audit, name
        assert name in contributions, name
        assert audit[name].opts == contributions[name].opts, name
        assert audit[name].default == contributions[name].default, name
    assert audit["concurrency"].default == 64
    assert audit["limit"].default == 25


def test_each_command_keeps_its_own_options() -> None:
    assert {"gold", "seed_json", "task_type"} <= set(_options("audit"))
    assert {"identities", "rate_per_hour"} <= set(_options("contributions"))
    assert "read" not in _options("audit")


def test_the_shared_options_become_the_librarys_options(tmp_path: Any) -> None:
    from crowdaudit.options import ReadOptions
    from crowdaudit.sources.aws import AwsConfig

    given = ReadArgs(strict=True, profile="labeling", concurrency=8, cache=tmp_path)
    assert given.options(label_attribute="labels") == ReadOptions(
        strict=True,
        label_attribute="labels",
        aws=AwsConfig(profile="labeling", max_pool_connections=8),
        concurrency=8,
        cache=tmp_path,
    )
    assert ReadArgs(no_cache=True, cache=tmp_path).options().cache is None
