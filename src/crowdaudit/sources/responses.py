"""Parsing Ground Truth worker-response files into the normalised responses table (pure).

A file ``annotations/worker-response/iteration-<N>/<datasetObjectId>/<timestamp>.json`` holds
``{"answers": [...]}``, every worker's answer for one data object. Answers from 2019 carry only
``workerId``, ``submissionTime`` and ``answerContent``; newer ones add ``acceptanceTime``,
``timeSpentInSeconds`` and, for private workforces, ``workerMetadata.identityData``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import orjson
import polars as pl

from crowdaudit.errors import ResponseFormatError, SkipLog
from crowdaudit.schema import COL, RESPONSES

__all__ = [
    "RAW",
    "AnswerParser",
    "ResponseColumns",
    "ResponseFile",
    "build_raw",
    "build_responses",
    "find_worker_comment",
    "match_response_key",
    "parse_response_file",
    "parse_timestamps",
]

# At most nine digits: an iteration number must fit the Int32 column; a longer one is an
# unexpected key, counted as such.
_KEY_PATTERN: Final = re.compile(r"(?:^|/)iteration-(\d{1,9})/([^/]+)/[^/]+\.json$")

_NO_IDENTITY: Final[dict[str, str]] = {}

AnswerParser = Callable[[object], str | None]
"""Turns an ``answerContent`` into a label; raises ``ValueError`` for a shape it cannot read."""


def match_response_key(relative_key: str) -> tuple[int, str] | None:
    """``iteration-12/345/2020-01-01_00:00:00.json`` → ``(12, "345")``; ``None`` if not that shape."""
    match = _KEY_PATTERN.search(relative_key)
    if match is None:
        return None
    return int(match.group(1)), match.group(2)


@dataclass(frozen=True, slots=True)
class ResponseFile:
    """A listed worker-response file: its store key, what its key says (iteration and
    ``datasetObjectId``) and its ETag."""

    key: str
    iteration: int
    task: str
    etag: str | None


@dataclass(slots=True)
class ResponseColumns:
    """Column-wise accumulator: appending to lists is much cheaper than building row dicts.

    What is the same for every answer of a file (object, iteration, key) is kept once per file;
    each answer holds the index of its file.
    """

    file_task: list[str] = field(default_factory=list)
    file_iteration: list[int] = field(default_factory=list)
    file_key: list[str] = field(default_factory=list)
    file: list[int] = field(default_factory=list)
    worker: list[str] = field(default_factory=list)
    label: list[str | None] = field(default_factory=list)
    accepted: list[str | None] = field(default_factory=list)
    submitted: list[str | None] = field(default_factory=list)
    seconds: list[float | None] = field(default_factory=list)
    provider: list[str | None] = field(default_factory=list)
    issuer: list[str | None] = field(default_factory=list)
    sub: list[str | None] = field(default_factory=list)
    comment: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.file)

    def add_file(self, task: str, iteration: int, where: str) -> int:
        """Start a group of answers to one object from one file; return its index."""
        self.file_task.append(task)
        self.file_iteration.append(iteration)
        self.file_key.append(where)
        return len(self.file_task) - 1

    def append_answer(self, file: int, worker: str, label: str | None, content: object) -> None:
        """Append an answer that carries no times and no identity (one read from a
        consolidation request or a pass-through label)."""
        self.file.append(file)
        self.worker.append(worker)
        self.label.append(label)
        self.comment.append(find_worker_comment(content))
        for column in (self.accepted, self.submitted, self.provider, self.issuer, self.sub):
            column.append(None)
        self.seconds.append(None)


def find_worker_comment(content: object) -> str | None:
    """The ``workerComment`` a worker typed with the answer: a key of ``answerContent`` or of one
    of its elements (templates place it either way); ``None`` when there is none."""
    if type(content) is not dict:
        return None
    comment = content.get("workerComment")
    if type(comment) is str:
        return comment or None
    for element in content.values():
        if type(element) is dict:
            comment = element.get("workerComment")
            if type(comment) is str and comment:
                return comment
    return None


def _text(value: object) -> str | None:
    # orjson gives plain dicts, lists, str, int and float: exact type checks are several times
    # cheaper than isinstance against ABCs, which matters at a million answers.
    return value if type(value) is str and value else None


def _seconds(value: object) -> float | None:
    # Negative or huge values are kept: sources.times counts them and leaves them out.
    if type(value) is float or type(value) is int:
        return float(value)
    return None


def parse_response_file(
    data: bytes,
    *,
    where: str,
    task: str,
    iteration: int,
    parse_answer: AnswerParser,
    into: ResponseColumns,
    skips: SkipLog,
) -> int:
    """Append the answers of one worker-response file to ``into``; return how many were kept.

    Raises:
        ResponseFormatError: the file as a whole cannot be used (malformed or truncated JSON, not
            UTF-8, no ``answers`` list). A single bad answer is reported to ``skips`` instead.
    """
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        reason = "not valid UTF-8" if "UTF-8" in str(exc) else f"malformed JSON: {exc}"
        code = "not-utf8" if "UTF-8" in str(exc) else "malformed-json"
        raise ResponseFormatError(
            "cannot parse worker response", where=where, why=reason, code=code
        ) from exc
    if type(document) is not dict or "answers" not in document:
        raise ResponseFormatError(
            "cannot parse worker response",
            where=where,
            why="missing key 'answers'",
            code="missing-answers",
        )
    answers = document["answers"]
    if type(answers) is not list:
        raise ResponseFormatError(
            "cannot parse worker response",
            where=where,
            why="'answers' is not a list",
            code="missing-answers",
        )
    file = into.add_file(task, iteration, where)
    kept = 0
    for index, answer in enumerate(answers):
        try:
            if type(answer) is not dict:
                raise ValueError("answer is not an object")
            worker = answer.get("workerId")
            if type(worker) is not str or not worker:
                raise ValueError("missing key 'workerId'")
            if "answerContent" not in answer:
                raise ValueError("missing key 'answerContent'")
            label = parse_answer(answer["answerContent"])
        except ValueError as exc:
            skips.skip(
                ResponseFormatError(
                    "cannot parse worker response",
                    where=where,
                    why=f"answer {index}: {exc}",
                    code="bad-answer",
                )
            )
            continue
        identity = answer.get("workerMetadata")
        identity = identity.get("identityData") if type(identity) is dict else None
        identity = identity if type(identity) is dict else _NO_IDENTITY
        into.file.append(file)
        into.worker.append(worker)
        into.label.append(label)
        into.accepted.append(_text(answer.get("acceptanceTime")))
        into.submitted.append(_text(answer.get("submissionTime")))
        into.seconds.append(_seconds(answer.get("timeSpentInSeconds")))
        into.provider.append(_text(identity.get("identityProviderType")))
        into.issuer.append(_text(identity.get("issuer")))
        into.sub.append(_text(identity.get("sub")))
        into.comment.append(find_worker_comment(answer["answerContent"]))
        kept += 1
    return kept


def parse_timestamps(column: pl.Expr) -> pl.Expr:
    """Parse ISO 8601 timestamps into UTC: Ground Truth's ``…Z`` with or without fractions, a
    numeric offset, or no zone at all (taken as UTC), with ``T`` or a space between date and time.
    """
    zoned = [
        column.str.to_datetime(pattern, time_zone="UTC", time_unit="us", strict=False)
        for pattern in ("%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z")
    ]
    naive = [
        column.str.to_datetime(pattern, time_unit="us", strict=False).dt.replace_time_zone("UTC")
        for pattern in ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f")
    ]
    return pl.coalesce(*zoned, *naive)


RAW: Final[dict[str, pl.DataType]] = {
    COL.TASK: pl.String(),
    COL.ITERATION: pl.Int32(),
    COL.SOURCE_KEY: pl.String(),
    COL.WORKER: pl.String(),
    COL.LABEL: pl.String(),
    "_accepted": pl.String(),
    "_submitted": pl.String(),
    "_seconds": pl.Float64(),
    COL.IDENTITY_PROVIDER: pl.String(),
    COL.ISSUER: pl.String(),
    COL.SUB: pl.String(),
    COL.WORKER_COMMENT: pl.String(),
}
"""Answers as parsed from the files, before timestamps are read and duplicates dropped; this is
what the incremental cache keeps."""


def build_raw(columns: ResponseColumns) -> pl.DataFrame:
    """The accumulated answers as a table (``RAW``)."""
    per_file = {
        COL.TASK: columns.file_task,
        COL.ITERATION: columns.file_iteration,
        COL.SOURCE_KEY: columns.file_key,
    }
    per_answer = {
        COL.WORKER: columns.worker,
        COL.LABEL: columns.label,
        "_accepted": columns.accepted,
        "_submitted": columns.submitted,
        "_seconds": columns.seconds,
        COL.IDENTITY_PROVIDER: columns.provider,
        COL.ISSUER: columns.issuer,
        COL.SUB: columns.sub,
        COL.WORKER_COMMENT: columns.comment,
    }
    files = pl.DataFrame(per_file, schema={name: RAW[name] for name in per_file})
    answers = pl.DataFrame(per_answer, schema={name: RAW[name] for name in per_answer})
    index = pl.Series("_file", columns.file, dtype=pl.UInt32)
    return pl.concat([files[index], answers], how="horizontal").select(*RAW)


def _same_answer() -> pl.Expr:
    """What makes two answers of one worker on one object the same answer: the submission time;
    without one, only the label, acceptance time and seconds all alike do."""
    parts = [pl.col(name).cast(pl.String).fill_null("\0") for name in (COL.LABEL, "_accepted")]
    parts.append(pl.col("_seconds").cast(pl.String).fill_null("\0"))
    return (
        pl.when(pl.col("_submitted").is_not_null())
        .then(pl.col("_submitted"))
        .otherwise(pl.concat_str(parts, separator="\x1f") + "\x1f(no submission time)")
        .alias("_same")
    )


def build_responses(raw: pl.DataFrame, *, job: str) -> tuple[pl.DataFrame, int, int]:
    """Turn parsed answers (``RAW``) into the responses table (``schema.RESPONSES``).

    Exact duplicates — the same object, worker and submission time, e.g. one answer stored in two
    files — are dropped; answers without a submission time only when everything else is equal.
    Returns the table, the number of duplicates dropped and the number of timestamps that could
    not be parsed (left null).
    """
    parsed = raw.with_columns(
        parse_timestamps(pl.col("_accepted")).alias(COL.ACCEPTED_AT),
        parse_timestamps(pl.col("_submitted")).alias(COL.SUBMITTED_AT),
    )
    bad_times = parsed.select(
        (pl.col("_accepted").is_not_null() & pl.col(COL.ACCEPTED_AT).is_null()).sum()
        + (pl.col("_submitted").is_not_null() & pl.col(COL.SUBMITTED_AT).is_null()).sum()
    ).item()
    elapsed = (pl.col(COL.SUBMITTED_AT) - pl.col(COL.ACCEPTED_AT)).dt.total_microseconds() / 1e6
    is_cognito = pl.col(COL.IDENTITY_PROVIDER).str.to_lowercase() == "cognito"
    table = (
        parsed.with_columns(
            pl.lit(job, pl.String()).alias(COL.JOB),
            pl.coalesce(pl.col("_seconds"), elapsed).alias(COL.SECONDS),
            pl.when(is_cognito)
            .then(pl.col(COL.ISSUER).str.split("/").list.last())
            .alias(COL.USER_POOL_ID),
        )
        .sort(COL.SOURCE_KEY, maintain_order=True)
        .with_columns(_same_answer())
        .unique(subset=[COL.TASK, COL.WORKER, "_same"], keep="first", maintain_order=True)
        .select([pl.col(name).cast(dtype) for name, dtype in RESPONSES.items()])
    )
    return table, raw.height - table.height, int(bad_times)
