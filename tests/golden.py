"""Golden files compared as data: text and integers exactly, floats within a relative tolerance.

Floats that differ in the last digit are the same result from another build of numpy, scipy or
polars; a golden that compared them as text would fail on a fresh machine for no reason. Run
``pytest --update-golden`` to rewrite the golden files after a change that is meant to move them,
and read the diff before committing it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

# 1e-9 relative is far above the last-bit noise of float64 (about 2e-16) and far below any change
# a reader of the outputs could notice. The absolute floor only matters for values that should
# be zero and come out as 1e-17.
REL_TOL = 1e-9
ABS_TOL = 1e-12

_INTEGER = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?|[+-]?(inf|nan)", re.IGNORECASE)


def _cell_differs(produced: str, expected: str) -> bool:
    """Whether two CSV cells differ: integers and text exactly, floats beyond the tolerance."""
    if _INTEGER.fullmatch(produced) or _INTEGER.fullmatch(expected):
        return produced != expected
    if _FLOAT.fullmatch(produced) and _FLOAT.fullmatch(expected):
        return _floats_differ(float(produced), float(expected))
    return produced != expected


def _floats_differ(produced: float, expected: float) -> bool:
    if math.isnan(produced) or math.isnan(expected):
        return not (math.isnan(produced) and math.isnan(expected))
    return not math.isclose(produced, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def csv_differences(produced: str, expected: str, *, key: Sequence[str]) -> list[str]:
    """Every difference between two CSV texts, rows matched by ``key``, one line each."""
    got = {tuple(row[k] for k in key): row for row in csv.DictReader(io.StringIO(produced))}
    want = {tuple(row[k] for k in key): row for row in csv.DictReader(io.StringIO(expected))}
    lines = [f"row {k} missing" for k in want.keys() - got.keys()]
    lines += [f"row {k} unexpected" for k in got.keys() - want.keys()]
    for k in want.keys() & got.keys():
        if got[k].keys() != want[k].keys():
            lines.append(f"row {k}: columns {list(got[k])} != {list(want[k])}")
            continue
        lines += [
            f"row {k} column {column}: {got[k][column]!r} != {want[k][column]!r}"
            for column in want[k]
            if _cell_differs(got[k][column], want[k][column])
        ]
    return sorted(lines)


def json_differences(produced: Any, expected: Any, path: str = "$") -> list[str]:
    """Every difference between two JSON values: floats within the tolerance, the rest exact."""
    if isinstance(expected, bool) or isinstance(produced, bool):
        return [] if produced is expected else [f"{path}: {produced!r} != {expected!r}"]
    if isinstance(expected, float) or isinstance(produced, float):
        both_numbers = all(isinstance(v, int | float) for v in (produced, expected))
        if both_numbers and not _floats_differ(float(produced), float(expected)):
            return []
        return [f"{path}: {produced!r} != {expected!r}"]
    if isinstance(expected, dict) and isinstance(produced, dict):
        lines = [f"{path}.{k}: missing" for k in expected.keys() - produced.keys()]
        lines += [f"{path}.{k}: unexpected" for k in produced.keys() - expected.keys()]
        for k in expected.keys() & produced.keys():
            lines += json_differences(produced[k], expected[k], f"{path}.{k}")
        return sorted(lines)
    if isinstance(expected, list) and isinstance(produced, list):
        if len(produced) != len(expected):
            return [f"{path}: {len(produced)} items != {len(expected)}"]
        return [
            line
            for i, (p, e) in enumerate(zip(produced, expected, strict=True))
            for line in json_differences(p, e, f"{path}[{i}]")
        ]
    return [] if produced == expected else [f"{path}: {produced!r} != {expected!r}"]


def check_csv(
    request: pytest.FixtureRequest, produced: str, golden: Path, *, key: Sequence[str]
) -> None:
    """Compare ``produced`` with the golden CSV file, or rewrite the file under --update-golden."""
    if request.config.getoption("--update-golden"):
        golden.write_text(produced, "utf-8")
        return
    differences = csv_differences(produced, golden.read_text("utf-8"), key=key)
    assert not differences, f"{golden.name} differs:\n" + "\n".join(differences)


def check_json(request: pytest.FixtureRequest, produced: Any, golden: Path) -> None:
    """Compare ``produced`` with the golden JSON file, or rewrite the file under --update-golden."""
    if request.config.getoption("--update-golden"):
        golden.write_text(json.dumps(produced, indent=2, ensure_ascii=False) + "\n", "utf-8")
        return
    differences = json_differences(produced, json.loads(golden.read_text("utf-8")))
    assert not differences, f"{golden.name} differs:\n" + "\n".join(differences)
