"""Hostile input, generated: every run ends with exit 0 or 1, never a traceback, and leaves either
all of its outputs or none of them.

Bounded so that the whole module runs in well under a minute: a fixed number of examples per
input kind, no deadline, the examples derived from a fixed seed so a run is reproducible.
"""

from __future__ import annotations

import io
import math
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import polars as pl
from conftest import DATA, PETS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crowdaudit.cli import app

OUTPUTS = {"workers.csv", "workers.parquet", "workers.json", "summary.json", "report.html"}
FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text a hostile or broken producer might write: markup, escapes, odd unicode, huge numbers.
NASTY_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "[/]",
            "=1+2",
            "\x1b[31m",
            "2999-01-01T00:00:00Z",
            "2022-02-30T00:00:00Z",
            "99999-01-01T00:00:00Z",
            "0000-00-00",
            "2022-08-05T10:00:00.000+25:00",
            "NaN",
            "-0",
            "../../etc/passwd",
        ]
    ),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 1e300, -1e300, 86_401, 2**63]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, NASTY_TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NASTY_TEXT, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def answers(draw: st.DrawFn) -> Any:
    """An answer, mostly shaped like Ground Truth's, with any field replaced by anything."""
    answer: dict[str, Any] = {
        "workerId": draw(st.one_of(NASTY_TEXT, st.sampled_from(["w1", "w2"]), JSON)),
        "answerContent": draw(
            st.one_of(
                st.builds(
                    lambda label: {"crowd-image-classifier": {"label": label}},
                    st.one_of(NASTY_TEXT, st.sampled_from(["猫", "Hund"]), JSON),
                ),
                JSON,
            )
        ),
    }
    for field in ("submissionTime", "acceptanceTime", "timeSpentInSeconds", "workerMetadata"):
        if draw(st.booleans()):
            answer[field] = draw(st.one_of(SCALARS, JSON))
    return draw(st.one_of(st.just(answer), JSON))


def serialised(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except (orjson.JSONEncodeError, TypeError):  # integers beyond 64 bits
        return repr(value).encode()


RESPONSE_FILES = st.one_of(
    st.builds(lambda listed: serialised({"answers": listed}), st.lists(answers(), max_size=4)),
    st.builds(serialised, JSON),
    st.binary(max_size=64),
)
MANIFEST_LINES = st.lists(
    st.one_of(st.builds(serialised, JSON), st.binary(max_size=24)), max_size=6
).map(b"\n".join)
GOLD_FILES = st.one_of(
    st.lists(
        st.one_of(
            st.builds(serialised, st.dictionaries(NASTY_TEXT, JSON, max_size=2)),
            st.binary(max_size=16),
        ),
        max_size=5,
    ).map(b"\n".join),
    st.lists(st.tuples(NASTY_TEXT, NASTY_TEXT), max_size=5).map(
        lambda rows: ("task,label\n" + "\n".join(f"{a},{b}" for a, b in rows)).encode()
    ),
)


def run_audit(*args: str, out: Path) -> None:
    result = CliRunner().invoke(app, ["audit", *args, "--out", str(out), "--no-cache", "-q"])
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    written = {path.name for path in out.iterdir()} if out.exists() else set()
    if result.exit_code == 0:
        assert written >= OUTPUTS, written
        assert not any(name.startswith(".crowdaudit-") for name in written)
    else:
        assert not written, written
        (line,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert line


def with_job(change: Callable[[Path], None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        job = Path(folder) / "pets-private"
        shutil.copytree(PETS, job)
        change(job)
        run_audit(str(job), out=Path(folder) / "out")


FOLDER_NAMES = st.one_of(
    st.sampled_from(["1", "99999999999999999999999", "-1", "0" * 200, "[/]", " ", "é"]),
    st.text(st.characters(exclude_characters="/\0", exclude_categories=["Cs"]), max_size=20),
).filter(lambda name: name not in ("", ".", "..") and len(name.encode()) < 250)


@FUZZ
@given(
    st.lists(RESPONSE_FILES, min_size=1, max_size=3),
    st.booleans(),
    FOLDER_NAMES,
    FOLDER_NAMES,
)
def test_any_worker_response_files(
    files: list[bytes], replace_all: bool, iteration_number: str, object_id: str
) -> None:
    def change(job: Path) -> None:
        iteration = job / "annotations" / "worker-response" / f"iteration-{iteration_number}"
        if replace_all:
            shutil.rmtree(job / "annotations" / "worker-response")
        for number, data in enumerate(files):
            folder = iteration / f"{object_id}{number}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"2022-08-05_10:00:0{number}.json").write_bytes(data)

    with_job(change)


@FUZZ
@given(MANIFEST_LINES, st.booleans())
def test_any_output_manifest(manifest: bytes, without_consolidation: bool) -> None:
    def change(job: Path) -> None:
        (job / "manifests" / "output" / "output.manifest").write_bytes(manifest)
        if without_consolidation:
            shutil.rmtree(job / "annotations" / "consolidated-annotation")

    with_job(change)


@FUZZ
@given(GOLD_FILES, st.sampled_from(["gold.manifest", "gold.csv"]))
def test_any_gold_file(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        gold = Path(folder) / name
        gold.write_bytes(data)
        run_audit(str(PETS), "--gold", str(gold), out=Path(folder) / "out")


COLUMN_VALUES = st.one_of(
    st.lists(NASTY_TEXT, min_size=3, max_size=3),
    st.lists(NUMBERS, min_size=3, max_size=3),
    st.lists(st.one_of(st.none(), st.booleans()), min_size=3, max_size=3),
    st.lists(st.lists(st.integers(0, 3), max_size=2), min_size=3, max_size=3),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=3, max_size=3),
)


def parquet_of(columns: dict[str, list[Any]]) -> bytes:
    buffer = io.BytesIO()
    frame = pl.DataFrame(
        {name: pl.Series(values, strict=False) for name, values in columns.items()}
    )
    frame.write_parquet(buffer)
    return buffer.getvalue()


@FUZZ
@given(
    st.fixed_dictionaries(
        {"task": COLUMN_VALUES, "worker": COLUMN_VALUES, "label": COLUMN_VALUES},
        optional={"seconds": COLUMN_VALUES, "submitted_at": COLUMN_VALUES},
    ),
    st.booleans(),
)
def test_any_long_table(columns: dict[str, list[Any]], as_csv: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if as_csv:
            path = Path(folder) / "answers.csv"
            rows = zip(*columns.values(), strict=True)
            text = ",".join(columns) + "\n"
            text += "\n".join(",".join(_cell(value) for value in row) for row in rows)
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        else:
            path = Path(folder) / "answers.parquet"
            path.write_bytes(parquet_of(columns))
        run_audit(str(path), "--gold", str(DATA / "pets-gold.csv"), out=Path(folder) / "out")


def _cell(value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    text = str(value)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text
