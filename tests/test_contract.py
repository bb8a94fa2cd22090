"""The output contract: what real audits write is what ``crowdaudit.schema`` declares, and what the
README's tables list.

Every column of every output file must be declared, with the dtype it is written with; every key of
``summary.json`` must be declared in the ``Summary`` TypedDicts, with a value of the declared type;
and the README's column and key tables must list the declared names, no more and no fewer.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NotRequired, Required, get_args, get_origin, get_type_hints, is_typeddict

import polars as pl
import pytest
from conftest import DATA, PETS
from typer.testing import CliRunner

import crowdaudit
from crowdaudit import schema
from crowdaudit.audit import build_audit
from crowdaudit.cli import app
from crowdaudit.schema import COL
from crowdaudit.sources.discovery import UnreadableJob

README = Path(__file__).resolve().parents[1] / "README.md"
TYPES = DATA / "types"
TASK_TYPES = ("bounding-box", "custom", "entities", "multilabel", "segmentation", "verification")

LEDGER_COLUMNS = {
    **schema.CONTRIBUTIONS_BY_JOB,
    **schema.CONTRIBUTIONS,
    **schema.PAYOUT,
    **schema.LEDGER_QUALITY,
}


# ---------------------------------------------------------------------------------------------
# A runtime check of a JSON value against the TypedDicts (mypy checks the code that builds them)


def _is_required(owner: Any, key: str, hint: Any) -> bool:
    if get_origin(hint) is Required:
        return True
    if get_origin(hint) is NotRequired:
        return False
    # Otherwise the totality of the class that declares the key (Python records it per key).
    return key in owner.__required_keys__


def _unwrap(hint: Any) -> Any:
    while get_origin(hint) in (Required, NotRequired):
        (hint,) = get_args(hint)
    return hint


def type_errors(value: object, hint: Any, where: str) -> list[str]:
    """Every place where ``value`` (parsed JSON) is not of the declared ``hint``."""
    hint = _unwrap(hint)
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, declared {hint.__name__}"]
        hints = get_type_hints(hint, include_extras=True)
        errors = [f"{where}.{key}: not declared in {hint.__name__}" for key in value.keys() - hints]
        errors += [
            f"{where}.{key}: declared required in {hint.__name__}, missing"
            for key, key_hint in hints.items()
            if key not in value and _is_required(hint, key, key_hint)
        ]
        for key in value.keys() & hints.keys():
            errors += type_errors(value[key], hints[key], f"{where}.{key}")
        return errors
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [type_errors(value, option, where) for option in get_args(hint)]
        return [] if any(not errors for errors in options) else min(options, key=len)
    if hint is None or hint is type(None):
        return [] if value is None else [f"{where}: {value!r}, declared None"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__}, declared a list"]
        (item,) = get_args(hint)
        return [e for i, v in enumerate(value) for e in type_errors(v, item, f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, declared a mapping"]
        _, item = get_args(hint)
        return [e for k, v in value.items() for e in type_errors(v, item, f"{where}[{k!r}]")]
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    return [] if ok else [f"{where}: {value!r}, declared {getattr(hint, '__name__', hint)}"]


def declared_keys(hint: Any) -> set[str]:
    """Every key of ``hint`` and of the TypedDicts nested in it."""
    hint = _unwrap(hint)
    if is_typeddict(hint):
        hints = get_type_hints(hint, include_extras=True)
        return set(hints).union(*(declared_keys(h) for h in hints.values()))
    return set().union(*(declared_keys(arg) for arg in get_args(hint)))


def column_errors(table: pl.DataFrame, declared: Mapping[str, pl.DataType], what: str) -> list[str]:
    return [
        f"{what}: column {name!r} is {dtype}, "
        + ("not declared" if name not in declared else f"declared {declared[name]}")
        for name, dtype in table.schema.items()
        if declared.get(name) != dtype
    ]


# ---------------------------------------------------------------------------------------------
# Real audits


def _long_table(folder: Path) -> Path:
    path = folder / "answers.csv"
    rows = ["task,worker,label,seconds,submitted_at"]
    rows += [
        f"t{task},w{worker},{'yes' if (task + worker) % 3 else 'no'},{4 + worker},"
        f"2024-05-0{1 + worker}T10:00:00Z"
        for task in range(12)
        for worker in range(4)
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


_NOT_EXPORTS = ("mturk-gold", "label-studio-previous-export")


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, crowdaudit.Audit]:
    folder = tmp_path_factory.mktemp("contract")
    runs: dict[str, crowdaudit.Audit] = {
        "demo": crowdaudit.audit(crowdaudit.demo_job(), gold=crowdaudit.demo_gold()),
        "pets": crowdaudit.audit(PETS, gold=DATA / "pets-golden.manifest"),
        "two jobs": crowdaudit.audit(PETS, TYPES / "multilabel"),
        "long table": crowdaudit.audit(_long_table(folder)),
        # What --all-jobs adds: the jobs it found but left out.
        "unreadable jobs": build_audit(
            [crowdaudit.read_job(PETS)],
            unreadable=[UnreadableJob("streaming", "a streaming job still running", "InProgress")],
        ),
    }
    for name in TASK_TYPES:
        runs[name] = crowdaudit.audit(TYPES / name, gold=TYPES / f"{name}-gold.jsonl")
    # Every export of each platform but the gold file and the older export of the same project.
    for export in sorted((DATA / "platforms").iterdir()):
        if export.suffix in (".json", ".csv", ".tsv") and export.stem not in _NOT_EXPORTS:
            runs[export.name] = crowdaudit.audit(export)
    return runs


def test_the_audits_cover_every_kind_of_output(audits: dict[str, crowdaudit.Audit]) -> None:
    # Without this, a declaration no audit exercises would pass unnoticed.
    seen_workers = {c for a in audits.values() for c in a.workers.columns}
    seen_items = {c for a in audits.values() for c in a.items.columns}
    assert seen_workers == set(schema.WORKER_TABLE)
    assert seen_items == set(schema.ITEMS)
    assert any(len(a.jobs) > 1 for a in audits.values())


def test_every_table_column_is_declared_with_its_dtype(
    audits: dict[str, crowdaudit.Audit],
) -> None:
    errors = []
    for name, result in audits.items():
        errors += column_errors(result.workers, schema.WORKER_TABLE, f"{name}: workers")
        errors += column_errors(result.items, schema.ITEMS, f"{name}: items")
        errors += column_errors(result.answers, schema.ANSWERS, f"{name}: answers")
        errors += column_errors(result.responses, schema.RESPONSES, f"{name}: responses")
        if len(result.jobs) > 1:
            errors += column_errors(result.history, schema.HISTORY, f"{name}: history")
    assert errors == []


def test_every_summary_key_is_declared_with_its_type(
    audits: dict[str, crowdaudit.Audit],
) -> None:
    errors = []
    for name, result in audits.items():
        written = json.loads(json.dumps(result.summary))
        errors += type_errors(written, schema.Summary, name)
    assert errors == []


def test_the_type_check_of_the_summary_can_fail(audits: dict[str, crowdaudit.Audit]) -> None:
    summary = json.loads(json.dumps(audits["pets"].summary))
    summary["n_spare"] = 1
    summary["n_workers"] = "97"
    summary["jobs"][0]["label_accuracy"]["by_hand"] = 0.5
    del summary["warnings"]
    assert sorted(type_errors(summary, schema.Summary, "s")) == [
        "s.jobs[0].label_accuracy.by_hand: not declared in LabelAccuracy",
        "s.n_spare: not declared in Summary",
        "s.n_workers: '97', declared int",
        "s.warnings: declared required in Summary, missing",
    ]


def test_the_column_check_can_fail(audits: dict[str, crowdaudit.Audit]) -> None:
    workers = audits["pets"].workers.with_columns(
        pl.lit(1.0).alias("n_spare"), pl.col(COL.N_GOLD).cast(pl.Float64)
    )
    assert column_errors(workers, schema.WORKER_TABLE, "w") == [
        "w: column 'n_gold' is Float64, declared Int64",
        "w: column 'n_spare' is Float64, not declared",
    ]


# ---------------------------------------------------------------------------------------------
# The files the commands write


def _run(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("written")
    _run("audit", str(PETS), str(TYPES / "bounding-box"), "--out", str(out / "audit"), "-q")
    _run("demo", "--out", str(out / "demo"), "-q")
    for suffix, extra in (("", ["--with-audit", "--seed-csv", str(out / "seed.csv")]),
                          ("-by-job", ["--by-job"])):  # fmt: skip
        _run(
            "contributions", str(PETS), str(TYPES / "multilabel"), "--no-identities",
            "--rate-per-object", "0.05", "--out", str(out / f"ledger{suffix}.parquet"), "-q",
            "--no-cache", *extra,
        )  # fmt: skip
    return out


def _csv_header(path: Path) -> list[str]:
    return path.read_text().splitlines()[0].split(",")


@pytest.mark.parametrize("audit", ["audit", "demo"])
def test_every_written_column_is_declared(written: Path, audit: str) -> None:
    assert (written / audit / "history.csv").exists() == (audit == "audit")  # two jobs there
    _check_audit_files(written / audit)


def test_every_written_ledger_column_is_declared(written: Path) -> None:
    for name in ("ledger.parquet", "ledger-by-job.parquet"):
        ledger = pl.read_parquet(written / name)
        assert column_errors(ledger, LEDGER_COLUMNS, name) == []
    assert set(pl.read_parquet(written / "ledger.parquet").columns) >= set(schema.LEDGER_QUALITY)
    seed = pl.read_csv(written / "seed.csv", schema_overrides=schema.SEED_CSV)
    assert dict(seed.schema) == schema.SEED_CSV


def _check_audit_files(audit: Path) -> None:
    workers = pl.read_parquet(audit / "workers.parquet")
    assert column_errors(workers, schema.WORKER_TABLE, "workers.parquet") == []
    assert _csv_header(audit / "workers.csv") == workers.columns
    assert list(json.loads((audit / "workers.json").read_text())[0]) == workers.columns
    for name, declared in (("items.csv", schema.ITEMS), ("history.csv", schema.HISTORY)):
        if not (audit / name).exists():  # history.csv: with several jobs only
            continue
        header = _csv_header(audit / name)
        assert [c for c in header if c not in declared] == [], name
        # The text parses back into the declared dtypes (datetimes are ISO text in CSV).
        dtypes = {c: declared[c] for c in header if not isinstance(declared[c], pl.Datetime)}
        pl.read_csv(audit / name, schema_overrides=dtypes)
    seed = audit / "seed.json"
    if seed.exists():
        assert tuple(get_type_hints(schema.SeedFigures)) == schema.SEED_KEYS
        for worker, figures in json.loads(seed.read_text()).items():
            assert tuple(figures) == schema.SEED_KEYS, worker
            assert type_errors(figures, schema.SeedFigures, worker) == []


@pytest.mark.parametrize("audit", ["audit", "demo"])
def test_summary_json_as_written_is_declared(written: Path, audit: str) -> None:
    summary = json.loads((written / audit / "summary.json").read_text())
    assert type_errors(summary, schema.Summary, "summary.json") == []


def test_the_ledger_counts_answers_and_keeps_the_old_name_for_now(tmp_path: Path) -> None:
    table = tmp_path / "answers.csv"
    # Worker a answers t1 twice (kept: long tables keep repeated answers) and t2 once.
    table.write_text("task,worker,label\nt1,a,x\nt1,a,y\nt2,a,x\nt1,b,x\n")
    ledger = crowdaudit.contributions(table, identities=False).table
    workers = crowdaudit.audit(table).workers
    row = ledger.filter(pl.col(COL.WORKER) == "a").row(0, named=True)
    assert (row[COL.N_ANSWERS], row[COL.N_OBJECTS]) == (3, 3)  # the old name, for one release
    assert workers.filter(pl.col(COL.WORKER) == "a")[COL.N_OBJECTS].item() == 2
    assert schema.DEPRECATED_COLUMNS == {COL.N_OBJECTS: COL.N_ANSWERS}


# ---------------------------------------------------------------------------------------------
# The README's tables

_HEADING = re.compile(r"^(#{2,4}) (.+)$")
_NAME = re.compile(r"`([a-z][a-z0-9_]*)`")

README_COLUMN_TABLES: dict[str, Mapping[str, pl.DataType]] = {
    "The worker table": {**schema.WORKERS, **schema.WORKER_TASK_COLUMNS},
    "Whom to trust and whom to check, without gold": schema.WORKER_SKILL,
    "Who did how much: the contribution ledger": {**LEDGER_COLUMNS, **schema.SEED_CSV},
    "items.csv": schema.ITEMS,
    "history.csv": schema.HISTORY,
    "The answers (Audit.answers)": schema.ANSWERS,
}
"""README section → the columns its ``| column | meaning |`` tables list."""


def readme_tables(text: str) -> Iterator[tuple[str, str, set[str]]]:
    """``(section, first header cell, names in the first cells)`` of each table of the README."""
    section, header, names = "", "", set[str]()
    in_table = False
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if not in_table:
                in_table, header, names = True, cells[0], set()
            elif not set(cells[0]) <= set("-: "):
                names.update(_NAME.findall(cells[0]))
            continue
        if in_table:
            yield section, header, names
            in_table = False
        if match := _HEADING.match(line):
            section = match.group(2)


def _listed(kind: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for section, header, names in readme_tables(README.read_text()):
        if header == kind:
            out.setdefault(section, set()).update(names)
    return out


def test_the_readme_column_tables_list_the_declared_columns() -> None:
    listed = _listed("column")
    assert set(listed) == set(README_COLUMN_TABLES)
    for section, declared in README_COLUMN_TABLES.items():
        assert sorted(listed[section] - set(declared)) == [], f"{section}: listed, not declared"
        assert sorted(set(declared) - listed[section]) == [], f"{section}: declared, not listed"


def test_the_readme_key_tables_list_the_declared_summary_keys() -> None:
    listed = set().union(*_listed("key").values())
    declared = declared_keys(schema.Summary)
    assert sorted(listed - declared) == [], "listed, not declared"
    assert sorted(declared - listed) == [], "declared, not listed"


def test_the_readme_check_sees_a_missing_or_extra_name() -> None:
    text = "## items.csv\n\n| column | meaning |\n|---|---|\n| `label`, `n_spare` | x |\n"
    assert list(readme_tables(text)) == [("items.csv", "column", {"label", "n_spare"})]


def test_the_summary_keys_the_readers_name_are_declared() -> None:
    from crowdaudit.metrics.job_skill import JOB_FIGURES
    from crowdaudit.report import _html_summary

    named = {key for key, *_ in _html_summary._FIGURES}
    named |= set(_html_summary._ACCURACY_KEYS) | set(_html_summary._STRUCTURED)
    top = set(get_type_hints(schema.Summary))
    assert sorted(named - top) == []
    assert sorted(set(_html_summary._JOB_FACTS) - set(get_type_hints(schema.JobSummary))) == []
    assert set(JOB_FIGURES) <= top & set(get_type_hints(schema.SkillFigures))
