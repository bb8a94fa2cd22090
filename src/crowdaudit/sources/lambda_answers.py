"""Worker answers kept outside the worker-response files (pure).

Two more places hold each worker's answer to an object:

* ``annotations/consolidated-annotation/consolidation-request/iteration-<N>/<timestamp>.json``, the
  payload Ground Truth sent to the post-annotation Lambda: a JSON array of
  ``{"datasetObjectId": "1", "dataObject": {...}, "annotations": [{"workerId": "…",
  "annotationData": {"content": "<the answerContent as JSON text>"}}]}``;
* the label of a pass-through Lambda (AWS's recipe Lambda writes one):
  ``{"annotationsFromAllWorkers": [<the same worker entries>]}``, in a consolidation response or in
  the output manifest.

Neither carries times or identity data. The reader takes answers from them only for objects that
have no worker-response file; an answer found in both is kept once (the responses table drops
answers of the same object and worker with the same, here unknown, submission time).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Final

import orjson

from crowdaudit.errors import ManifestFormatError, SkipLog, SourceError
from crowdaudit.sources.consolidated import load_json
from crowdaudit.sources.responses import AnswerParser, ResponseColumns
from crowdaudit.tasks.base import Fetch
from crowdaudit.tasks.custom import PASS_THROUGH

__all__ = [
    "PASS_THROUGH",
    "entry_contents",
    "iteration_of",
    "parse_request_file",
    "parse_worker_entries",
    "pass_through_entries",
    "request_contents",
]

_ITERATION: Final = re.compile(r"iteration-(\d+)/")


def iteration_of(key: str) -> int:
    """The ``N`` of ``iteration-N/`` in a key; 0 when it has none (an output manifest)."""
    match = _ITERATION.search(key)
    return int(match.group(1)) if match else 0


def pass_through_entries(value: object) -> list[object] | None:
    """The worker entries of a pass-through label, or ``None`` when ``value`` is not one."""
    if isinstance(value, Mapping):
        entries = value.get(PASS_THROUGH)
        if isinstance(entries, list):
            return entries
    return None


def _content(entry: object, fetch: Fetch | None = None) -> tuple[str, object]:
    """``(workerId, answerContent)`` of one worker entry; an answer stored at
    ``annotationData.s3Uri`` is read with ``fetch`` (skipped with the reason without one)."""
    if not isinstance(entry, Mapping):
        raise ValueError("worker entry is not an object")
    worker = entry.get("workerId")
    if not isinstance(worker, str) or not worker:
        raise ValueError("missing key 'workerId'")
    data = entry.get("annotationData")
    content = data.get("content") if isinstance(data, Mapping) else None
    uri = data.get("s3Uri") if isinstance(data, Mapping) else None
    what = "annotationData.content"
    if not isinstance(content, str) and isinstance(uri, str):
        if fetch is None:
            raise ValueError("the answer is stored at annotationData.s3Uri, which is not read")
        # A SourceError here keeps its class: the caller skips it as unreadable.
        content = fetch(uri).decode("utf-8", errors="replace")
        what = f"the answer at {uri}"
    if isinstance(content, str):
        try:
            return worker, orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"{what} is not JSON: {exc}") from exc
    raise ValueError("missing key 'annotationData.content'")


def parse_worker_entries(
    entries: list[object],
    *,
    task: str,
    where: str,
    parse_answer: AnswerParser,
    into: ResponseColumns,
    skips: SkipLog,
    fetch: Fetch | None = None,
) -> int:
    """Append the answers of one object's worker entries, read from ``where`` (its
    ``iteration-N/``, if any, is their iteration), to ``into``; return how many were kept.

    An entry that cannot be used is reported to ``skips`` (code ``bad-answer``); ``fetch`` reads
    answers stored at ``annotationData.s3Uri``, and one it cannot read is skipped as the
    :class:`SourceError` it is (code ``unreadable``).
    """
    file = into.add_file(task, iteration_of(where), where)
    kept = 0
    for index, entry in enumerate(entries):
        try:
            worker, content = _content(entry, fetch)
            label = parse_answer(content)
        except SourceError as exc:
            skips.skip(exc)
            continue
        except ValueError as exc:
            skips.skip(
                ManifestFormatError(
                    "cannot parse worker answer",
                    where=f"{where} (datasetObjectId {task})",
                    why=f"answer {index}: {exc}",
                    code="bad-answer",
                )
            )
            continue
        into.append_answer(file, worker, label, content)
        kept += 1
    return kept


def _request_entries(data: bytes, where: str) -> list[Mapping[str, object]]:
    document = load_json(data, what="cannot parse consolidation request", where=where)
    if not isinstance(document, list) or not all(isinstance(e, Mapping) for e in document):
        raise ManifestFormatError(
            "cannot parse consolidation request",
            where=where,
            why="not a JSON array of objects",
            code="bad-consolidation",
        )
    return document


def parse_request_file(
    data: bytes,
    *,
    where: str,
    parse_answer: AnswerParser,
    into: ResponseColumns,
    skips: SkipLog,
    wanted: Callable[[str], bool],
    fetch: Fetch | None = None,
) -> int:
    """Append the answers of one consolidation-request file to ``into``, for the objects
    ``wanted`` accepts; return how many were kept (``fetch``: see :func:`parse_worker_entries`).

    Raises:
        ManifestFormatError: the file is not a JSON array of objects.
    """
    kept = 0
    for index, entry in enumerate(_request_entries(data, where)):
        task = entry.get("datasetObjectId")
        annotations = entry.get("annotations")
        if not isinstance(task, str | int) or not isinstance(annotations, list):
            skips.skip(
                ManifestFormatError(
                    "cannot parse consolidation request",
                    where=where,
                    why=f"entry {index} lacks datasetObjectId or annotations",
                    code="bad-consolidation",
                )
            )
            continue
        if wanted(str(task)):
            kept += parse_worker_entries(
                annotations,
                task=str(task),
                where=where,
                parse_answer=parse_answer,
                into=into,
                skips=skips,
                fetch=fetch,
            )
    return kept


def entry_contents(entries: list[object]) -> list[object]:
    """The ``answerContent`` of each usable worker entry."""
    contents: list[object] = []
    for entry in entries:
        try:
            contents.append(_content(entry)[1])
        except ValueError:
            continue
    return contents


def request_contents(data: bytes) -> list[object]:
    """The ``answerContent`` values of a consolidation-request file, to recognise their shape;
    empty when the file cannot be read."""
    try:
        entries = _request_entries(data, "")
    except ManifestFormatError:
        return []
    contents: list[object] = []
    for entry in entries:
        annotations = entry.get("annotations")
        contents.extend(entry_contents(annotations if isinstance(annotations, list) else []))
    return contents
