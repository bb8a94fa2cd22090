"""Turn the worker and responses tables into the compact JSON document the HTML report draws.

Pure: tables in, a JSON-able ``dict`` out. The report never embeds the responses table itself (a
large job has millions of answers); it embeds per-worker aggregates instead, so the page size grows
with the number of workers, not with the number of answers:

* ``columns`` / ``rows``: the worker table, row-major, with a display ``kind`` per column;
* ``detail[i]``: for worker row ``i``, the confusion counts of its labels against the reference
  label (gold where the worker answered gold objects, else the consolidated label), the quantiles
  and a log-scale histogram of its seconds per object, its answers per time bucket, and (``c``)
  up to 20 ``[object, workerComment]`` pairs;
* ``hist`` / ``time``: the shared bins of those histograms and time buckets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import orjson
import polars as pl

from crowdaudit.report._words import describe
from crowdaudit.schema import COL

__all__ = [
    "GOLD_COLUMNS",
    "ColumnKind",
    "build_payload",
    "dump_json_for_html",
    "has_gold",
    "lead_columns",
]

ColumnKind = Literal["text", "int", "float", "rate", "seconds", "datetime", "flag", "bool"]

FLAG_PREFIX: Final = "flag_"
"""Boolean columns whose name starts with this mark a worker for attention."""

_RATE_COLUMNS: Final = frozenset(
    {
        COL.GOLD_ACCURACY,
        COL.GOLD_ACCURACY_LOW,
        COL.GOLD_ACCURACY_HIGH,
        COL.CONSENSUS_AGREEMENT,
        COL.LOO_AGREEMENT,
        COL.SKILL,
        COL.SKILL_LOW,
        COL.SKILL_HIGH,
        COL.DS_ACCURACY,
        COL.ONE_COIN_ACCURACY,
    }
)
_SECONDS_COLUMNS: Final = frozenset({COL.MEDIAN_SECONDS, COL.TOTAL_SECONDS})

_TITLES: Final[Mapping[str, str]] = {
    COL.JOB: "job",
    COL.WORKER: "worker",
    COL.N_OBJECTS: "objects",
    COL.N_GOLD: "gold objects",
    COL.GOLD_CORRECT: "gold correct",
    COL.GOLD_ACCURACY: "gold accuracy (95% CI)",
    COL.N_CONSENSUS: "consensus objects",
    COL.CONSENSUS_AGREEMENT: "agreement with the job's label",
    COL.N_LOO: "objects shared",
    COL.LOO_AGREEMENT: "agreement with the other workers",
    COL.SKILL: "skill (estimated, 90% interval)",
    COL.SKILL_LOW: "skill, low end",
    COL.SKILL_HIGH: "skill, high end",
    COL.VERDICT: "verdict",
    COL.VERDICT_REASON: "why",
    COL.FLAG_REASON: "flag evidence",
    COL.DS_ACCURACY: "Dawid-Skene accuracy",
    COL.ONE_COIN_ACCURACY: "one-coin accuracy",
    COL.KAPPA: "kappa against the other workers",
    COL.SPAM_SCORE: "spam score",
    COL.MEDIAN_SECONDS: "median time / object",
    COL.TOTAL_SECONDS: "total time",
    COL.FIRST_SUBMITTED_AT: "first answer",
    COL.LAST_SUBMITTED_AT: "last answer",
    COL.FLAG_SAME_ANSWER: "same answer",
    COL.FLAG_INVERTED: "inverted",
    COL.FLAG_LOW_SKILL: "low skill",
    COL.FLAG_FAST_AND_DISAGREEING: "fast and disagreeing",
}

_PREFERRED_ORDER: Final[tuple[str, ...]] = (
    COL.JOB,
    COL.WORKER,
    COL.N_OBJECTS,
    COL.N_GOLD,
    COL.GOLD_CORRECT,
    COL.GOLD_ACCURACY,
    COL.GOLD_ACCURACY_LOW,
    COL.GOLD_ACCURACY_HIGH,
    COL.N_CONSENSUS,
    COL.CONSENSUS_AGREEMENT,
    COL.N_LOO,
    COL.LOO_AGREEMENT,
    COL.SKILL,
    COL.SKILL_LOW,
    COL.SKILL_HIGH,
    COL.VERDICT,
    COL.VERDICT_REASON,
    COL.DS_ACCURACY,
    COL.ONE_COIN_ACCURACY,
    COL.KAPPA,
    COL.SPAM_SCORE,
    COL.MEDIAN_SECONDS,
    COL.TOTAL_SECONDS,
    COL.FIRST_SUBMITTED_AT,
    COL.LAST_SUBMITTED_AT,
)

GOLD_COLUMNS: Final = frozenset(
    {
        COL.N_GOLD,
        COL.GOLD_CORRECT,
        COL.GOLD_ACCURACY,
        COL.GOLD_ACCURACY_LOW,
        COL.GOLD_ACCURACY_HIGH,
    }
)
_SKILL_COLUMNS: Final = (COL.SKILL, COL.SKILL_LOW, COL.SKILL_HIGH)


def has_gold(workers: pl.DataFrame) -> bool:
    """Whether any worker has an accuracy on gold (else the job was audited without gold)."""
    return (
        COL.GOLD_ACCURACY in workers.columns
        and workers.get_column(COL.GOLD_ACCURACY).null_count() < workers.height
    )


def lead_columns(names: Sequence[str], workers: pl.DataFrame) -> list[str]:
    """``names`` in the order a reader of ``workers`` wants them: as given with gold; without
    gold, the gold columns (empty for every worker) left out and the skill columns right after
    the worker's objects, so that the gold-free estimate leads."""
    if has_gold(workers):
        return list(names)
    rest = [n for n in names if n not in GOLD_COLUMNS and n not in _SKILL_COLUMNS]
    skill = [n for n in _SKILL_COLUMNS if n in names]
    at = rest.index(COL.N_OBJECTS) + 1 if COL.N_OBJECTS in rest else len(rest)
    return rest[:at] + skill + rest[at:]


_Y_PREFERENCE: Final = (
    COL.GOLD_ACCURACY,
    COL.SKILL,
    COL.CONSENSUS_AGREEMENT,
    COL.LOO_AGREEMENT,
)
_X_PREFERENCE: Final = (COL.LOO_AGREEMENT, COL.CONSENSUS_AGREEMENT, COL.KAPPA)

HIST_BINS: Final = 24
"""Number of log-spaced bins of the seconds-per-object histograms."""

MAX_CONFUSION_LABELS: Final = 200
"""Above this many distinct labels (free text, boxes) a confusion matrix says nothing."""

_HOUR_MS: Final = 3_600_000
_DAY_MS: Final = 24 * _HOUR_MS
_ROW: Final = "__row"
_KEY_SEP: Final = "\x1f"


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    kind: ColumnKind
    title: str


def build_payload(
    workers: pl.DataFrame, responses: pl.DataFrame, *, title: str
) -> dict[str, object]:
    """Build the JSON document behind the HTML report.

    Args:
        workers: the worker table (columns of ``schema.WORKERS``, any may be missing or null),
            optionally with skill columns and boolean ``flag_*`` columns; other columns are shown
            generically.
        responses: the responses table (``worker``, ``label``, ``seconds``, ``submitted_at``,
            optionally ``job``, ``gold`` and ``consolidated``); may be empty.
        title: the report's title.

    Returns:
        A JSON-able dict; see the module docstring for its keys.
    """
    columns = _columns(workers)
    keyed = workers.with_row_index(_ROW)
    by_job = COL.JOB in workers.columns and COL.JOB in responses.columns
    answers = _attach_rows(keyed, responses, by_job=by_job)
    labels, confusion, too_many_labels = _confusion(answers)
    hist_edges, hist, quantiles = _seconds(answers)
    time_axis, contribution = _contribution(answers)
    comments = _comments(answers)

    detail: list[dict[str, object]] = []
    for row in range(workers.height):
        ref, cells = confusion.get(row, (None, []))
        detail.append(
            {
                "ref": ref,
                "cm": cells,
                "q": quantiles.get(row),
                "h": hist.get(row, []),
                "t": contribution.get(row, []),
                "c": comments.get(row, []),
            }
        )

    return {
        "title": title,
        "columns": [
            {"name": c.name, "kind": c.kind, "title": c.title, "help": describe(c.name)}
            for c in columns
        ],
        "rows": _rows(workers, columns),
        "flags": [c.name for c in columns if c.kind == "flag"],
        "scatter": _scatter_axes(workers, columns),
        "labels": labels,
        "too_many_labels": too_many_labels,
        "hist": hist_edges,
        "time": time_axis,
        "detail": detail,
    }


def flag_columns(workers: pl.DataFrame) -> list[str]:
    """The boolean ``flag_*`` columns (not ``flag_reason``, their words)."""
    return [
        name
        for name, dtype in workers.schema.items()
        if name.startswith(FLAG_PREFIX) and dtype == pl.Boolean
    ]


def _columns(workers: pl.DataFrame) -> list[_Column]:
    names = lead_columns([n for n in _PREFERRED_ORDER if n in workers.columns], workers)
    left_out = set(GOLD_COLUMNS) - set(names)
    names += [
        n
        for n in workers.columns
        if n not in names and n not in left_out and not n.startswith(FLAG_PREFIX)
    ]
    names += [n for n in workers.columns if n not in names and n not in left_out]
    return [_Column(n, _kind(n, workers.schema[n]), _title(n)) for n in names]


def _kind(name: str, dtype: pl.DataType) -> ColumnKind:
    if dtype == pl.Boolean:
        return "flag" if name.startswith(FLAG_PREFIX) else "bool"
    if dtype.is_temporal() and isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype.is_integer():
        return "int"
    if dtype.is_float():
        if name in _RATE_COLUMNS:
            return "rate"
        if name in _SECONDS_COLUMNS or name.endswith("_seconds"):
            return "seconds"
        return "float"
    return "text"


def _title(name: str) -> str:
    if name in _TITLES:
        return _TITLES[name]
    return (name.removeprefix(FLAG_PREFIX) if name.startswith(FLAG_PREFIX) else name).replace(
        "_", " "
    )


def _rows(workers: pl.DataFrame, columns: Sequence[_Column]) -> list[list[object]]:
    if not columns:
        return [[] for _ in range(workers.height)]
    exprs: list[pl.Expr] = []
    for column in columns:
        col = pl.col(column.name)
        if column.kind == "datetime":
            dtype = workers.schema[column.name]
            if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
                col = col.dt.convert_time_zone("UTC")
            exprs.append(col.dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        elif column.kind in ("rate", "float", "seconds"):
            exprs.append(
                pl.when(col.is_finite())
                .then(col.round_sig_figs(6))
                .otherwise(None)
                .alias(column.name)
            )
        elif column.kind in ("int", "flag", "bool"):
            exprs.append(col)
        else:
            exprs.append(col.cast(pl.String))
    table = workers.select(exprs)
    return [list(row) for row in table.iter_rows()]


def _scatter_axes(workers: pl.DataFrame, columns: Sequence[_Column]) -> dict[str, object]:
    rates = [
        c.name
        for c in columns
        if c.kind in ("rate", "float")
        and not c.name.endswith(("_low", "_high"))
        and c.name != COL.GOLD_CORRECT  # a count (a sum of similarities), not a rate
        and workers.get_column(c.name).drop_nulls().len() > 0
    ]

    def first(preference: Sequence[str], avoid: str | None) -> str | None:
        for name in preference:
            if name in rates and name != avoid:
                return name
        rest = [n for n in rates if n != avoid]
        return rest[0] if rest else None

    y = first(_Y_PREFERENCE, None)
    x = first(_X_PREFERENCE, y)
    return {"x": x, "y": y, "options": rates}


def _worker_key(job: pl.Expr, worker: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [job.cast(pl.String).fill_null(""), worker.cast(pl.String)], separator=_KEY_SEP
    )


def _attach_rows(keyed: pl.DataFrame, responses: pl.DataFrame, *, by_job: bool) -> pl.DataFrame:
    """Responses with the worker-table row they belong to (answers of unknown workers dropped)."""
    empty = pl.DataFrame(
        schema={
            _ROW: pl.UInt32,
            COL.LABEL: pl.String,
            "__ref": pl.String,
            COL.SECONDS: pl.Float64,
            "__ms": pl.Int64,
            "__gold": pl.Boolean,
            COL.TASK: pl.String,
            COL.WORKER_COMMENT: pl.String,
        }
    )
    if COL.WORKER not in keyed.columns or COL.WORKER not in responses.columns:
        return empty

    def optional(name: str, dtype: pl.DataType) -> pl.Expr:
        if name in responses.columns:
            return pl.col(name).cast(dtype)
        return pl.lit(None, dtype=dtype).alias(name)

    if by_job:
        left = keyed.select(_ROW, _worker_key(pl.col(COL.JOB), pl.col(COL.WORKER)).alias("__key"))
        right_key = _worker_key(pl.col(COL.JOB), pl.col(COL.WORKER))
    else:
        left = keyed.select(_ROW, pl.col(COL.WORKER).cast(pl.String).alias("__key"))
        right_key = pl.col(COL.WORKER).cast(pl.String)
    left = left.unique("__key", keep="first")

    submitted = optional(COL.SUBMITTED_AT, pl.Datetime("us", "UTC"))
    answers = responses.select(
        right_key.alias("__key"),
        optional(COL.LABEL, pl.String()).alias(COL.LABEL),
        optional(COL.GOLD, pl.String()).alias("__goldlabel"),
        optional(COL.CONSOLIDATED, pl.String()).alias("__consolidated"),
        optional(COL.SECONDS, pl.Float64()).alias(COL.SECONDS),
        submitted.dt.epoch("ms").alias("__ms"),
        optional(COL.TASK, pl.String()).alias(COL.TASK),
        optional(COL.WORKER_COMMENT, pl.String()).alias(COL.WORKER_COMMENT),
    ).join(left, on="__key", how="inner")
    has_gold = pl.col("__goldlabel").is_not_null().any().over(_ROW)
    return answers.select(
        _ROW,
        COL.LABEL,
        pl.when(has_gold)
        .then(pl.col("__goldlabel"))
        .otherwise(pl.col("__consolidated"))
        .alias("__ref"),
        COL.SECONDS,
        "__ms",
        has_gold.alias("__gold"),
        COL.TASK,
        COL.WORKER_COMMENT,
    )


MAX_COMMENTS: Final = 20
"""Comments shown per worker in the report (the answers table has them all)."""


def _comments(answers: pl.DataFrame) -> dict[int, list[list[str]]]:
    """Per worker row, up to :data:`MAX_COMMENTS` ``[object, workerComment]`` pairs."""
    if COL.WORKER_COMMENT not in answers.columns:
        return {}
    rows = answers.filter(pl.col(COL.WORKER_COMMENT).is_not_null())
    found: dict[int, list[list[str]]] = {}
    for row, task, comment in rows.select(_ROW, COL.TASK, COL.WORKER_COMMENT).rows():
        shown = found.setdefault(int(row), [])
        if len(shown) < MAX_COMMENTS:
            shown.append([str(task), str(comment)])
    return found


def _confusion(
    answers: pl.DataFrame,
) -> tuple[list[str], dict[int, tuple[str, list[list[int]]]], bool]:
    """Labels, per worker row ``(reference kind, [[label index, reference index, count]])``, and
    whether there were too many distinct labels to make confusion matrices."""
    pairs = answers.filter(pl.col(COL.LABEL).is_not_null() & pl.col("__ref").is_not_null())
    labels = (
        pl.concat([pairs.get_column(COL.LABEL), pairs.get_column("__ref")])
        .unique()
        .sort()
        .to_list()
    )
    if not labels or len(labels) > MAX_CONFUSION_LABELS:
        return [], {}, len(labels) > MAX_CONFUSION_LABELS
    index = pl.DataFrame(
        {"__l": labels, "__i": range(len(labels))}, schema_overrides={"__i": pl.Int32}
    )
    counts = (
        pairs.group_by(_ROW, COL.LABEL, "__ref", "__gold")
        .len()
        .join(index.rename({"__l": COL.LABEL, "__i": "__li"}), on=COL.LABEL)
        .join(index.rename({"__l": "__ref", "__i": "__ri"}), on="__ref")
        .sort(_ROW, "__li", "__ri")
    )
    out: dict[int, tuple[str, list[list[int]]]] = {}
    for row, li, ri, n, gold in counts.select(_ROW, "__li", "__ri", "len", "__gold").iter_rows():
        entry = out.setdefault(row, ("gold" if gold else "consolidated", []))
        entry[1].append([li, ri, n])
    return labels, out, False


def _seconds(
    answers: pl.DataFrame,
) -> tuple[list[float], dict[int, list[list[int]]], dict[int, list[float]]]:
    """Histogram edges, per-row sparse histogram ``[[bin, count]]`` and per-row quantiles.

    The bins are spaced on a log scale because time per object is skewed: most answers take
    seconds, a few take many minutes (a worker who left the tab open).
    """
    timed = answers.filter(pl.col(COL.SECONDS).is_not_null() & pl.col(COL.SECONDS).is_finite())
    timed = timed.filter(pl.col(COL.SECONDS) >= 0)
    if timed.height == 0:
        return [], {}, {}
    positive = timed.filter(pl.col(COL.SECONDS) > 0).get_column(COL.SECONDS)
    low = max(float(positive.min()) if positive.len() else 1.0, 0.1)  # type: ignore[arg-type]
    high = float(timed.get_column(COL.SECONDS).max())  # type: ignore[arg-type]
    high = max(high, low * 2)
    log_low, log_high = math.log(low), math.log(high)
    edges = [
        _sig(math.exp(log_low + (log_high - log_low) * i / HIST_BINS)) for i in range(HIST_BINS + 1)
    ]
    position = (pl.col(COL.SECONDS).clip(lower_bound=low).log() - log_low) / (log_high - log_low)
    binned = timed.with_columns(
        (position * HIST_BINS).floor().cast(pl.Int32).clip(0, HIST_BINS - 1).alias("__bin")
    )
    hist: dict[int, list[list[int]]] = {}
    for row, bin_, n in binned.group_by(_ROW, "__bin").len().sort(_ROW, "__bin").iter_rows():
        hist.setdefault(row, []).append([bin_, n])
    seconds = pl.col(COL.SECONDS)
    stats = timed.group_by(_ROW).agg(
        seconds.quantile(0.05, "linear").alias("p05"),
        seconds.quantile(0.25, "linear").alias("q1"),
        seconds.median().alias("median"),
        seconds.quantile(0.75, "linear").alias("q3"),
        seconds.quantile(0.95, "linear").alias("p95"),
        seconds.len().alias("n"),
    )
    quantiles = {
        row: [_sig(v) for v in values[:-1]] + [float(values[-1])]
        for row, *values in stats.iter_rows()
    }
    return edges, hist, quantiles


def _contribution(
    answers: pl.DataFrame,
) -> tuple[dict[str, object] | None, dict[int, list[list[int]]]]:
    """The time axis (bucket width, start, answers per bucket) and per-row ``[[bucket, n]]``.

    Buckets are minutes for a job done within six hours, hours for one shorter than four days,
    weeks beyond two years, days otherwise.
    """
    dated = answers.filter(pl.col("__ms").is_not_null())
    if dated.height == 0:
        return None, {}
    first = int(dated.get_column("__ms").min())  # type: ignore[arg-type]
    last = int(dated.get_column("__ms").max())  # type: ignore[arg-type]
    span = last - first
    unit, width = ("hour", _HOUR_MS) if span <= 4 * _DAY_MS else ("day", _DAY_MS)
    if span <= 6 * _HOUR_MS:
        unit, width = "minute", _HOUR_MS // 60
    if span > 730 * _DAY_MS:
        unit, width = "week", 7 * _DAY_MS
    start = first // width * width
    count = (last - start) // width + 1
    bucketed = dated.with_columns(((pl.col("__ms") - start) // width).cast(pl.Int32).alias("__b"))
    totals = [0] * count
    for bucket, n in bucketed.group_by("__b").len().iter_rows():
        totals[bucket] = n
    per_row: dict[int, list[list[int]]] = {}
    for row, bucket, n in bucketed.group_by(_ROW, "__b").len().sort(_ROW, "__b").iter_rows():
        per_row.setdefault(row, []).append([bucket, n])
    axis: dict[str, object] = {"unit": unit, "start": start, "width": width, "totals": totals}
    return axis, per_row


def _sig(value: float, digits: int = 4) -> float:
    """``value`` rounded to ``digits`` significant digits (shorter JSON, same picture)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


_HTML_UNSAFE: Final = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def dump_json_for_html(value: object) -> str:
    """Serialise ``value`` as JSON that is safe inside a ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026``, so no string in the data
    can close the script element (``</script>``) or open a comment (``<!--``); U+2028 and U+2029
    are escaped for older JavaScript parsers. The result parses back to the same value.
    """
    text = orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    # One replace per character: no replacement holds another unsafe character, so this is
    # str.translate's result, many times faster on a long text.
    for char, escaped in _HTML_UNSAFE.items():
        text = text.replace(chr(char), escaped)
    return text
