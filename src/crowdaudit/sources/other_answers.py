"""Reading the answers a job keeps outside its worker-response files.

Sources of answers, in the order they are used (:mod:`crowdaudit.sources.lambda_answers` describes
their shapes):

1. ``annotations/worker-response/`` files: every object that has one takes its answers from there;
2. ``annotations/consolidated-annotation/consolidation-request/`` files, for the other objects;
3. a pass-through label (``annotationsFromAllWorkers``), for the other objects too.

An answer found in both 2 and 3 is kept once.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

import polars as pl

from crowdaudit.errors import InputFormatError, SourceError
from crowdaudit.sources.consolidated import LabelRecord
from crowdaudit.sources.fetch import FolderRead
from crowdaudit.sources.job_labels import Consolidation
from crowdaudit.sources.lambda_answers import (
    entry_contents,
    parse_request_file,
    parse_worker_entries,
    pass_through_entries,
    request_contents,
)
from crowdaudit.sources.responses import AnswerParser, ResponseColumns, build_raw
from crowdaudit.sources.store import ObjectStore, join_key
from crowdaudit.tasks.base import Fetch

__all__ = ["CONSOLIDATION_REQUEST", "OtherAnswers", "read_other_answers", "sample_other_answers"]

CONSOLIDATION_REQUEST = "annotations/consolidated-annotation/consolidation-request/"


@dataclass(frozen=True, slots=True)
class OtherAnswers:
    """Answers from consolidation requests and pass-through labels (``responses.RAW``).

    Attributes:
        raw: the answers, before duplicates are dropped.
        request_keys: the ``source_key`` of answers read from consolidation requests.
        pass_through_keys: the ``source_key`` of answers read from pass-through labels.
    """

    raw: pl.DataFrame
    request_keys: frozenset[str]
    pass_through_keys: frozenset[str]


def _pass_through_of(record: LabelRecord, attribute: str | None) -> list[object] | None:
    """The pass-through entries of the label attribute, or, when it is not known (answers read
    without labels), of the first attribute holding some."""
    if attribute is not None:
        return pass_through_entries(record.content.get(attribute))
    for value in record.content.values():
        entries = pass_through_entries(value)
        if entries is not None:
            return entries
    return None


def _request_keys(store: ObjectStore, prefix: str) -> list[str]:
    root = join_key(prefix, CONSOLIDATION_REQUEST) + "/"
    return sorted(obj.key for obj in store.list_objects(root) if obj.key.endswith(".json"))


def _known_tasks(consolidation: Consolidation) -> set[str]:
    """Objects the job's labels know of, but those labelled by the model (automated labeling:
    ``human-annotated`` is ``no``), which no worker answered."""
    meta_key = f"{consolidation.attribute}-metadata"
    known: set[str] = set()
    for record in (*consolidation.records, *consolidation.manifest):
        metadata = record.content.get(meta_key)
        if (
            isinstance(metadata, Mapping)
            and str(metadata.get("human-annotated", "")).lower() == "no"
        ):
            continue
        known.add(record.task)
    return known


def read_other_answers(
    folder: FolderRead,
    *,
    consolidation: Consolidation,
    answered: Set[str],
    parse_answer: AnswerParser,
    fetch: Fetch | None = None,
) -> OtherAnswers:
    """The answers of objects missing from ``answered`` (those with a worker-response file);
    ``fetch`` reads answers a request stores at ``annotationData.s3Uri``.

    Consolidation requests are listed and read only when some object the labels know of lacks
    worker-response answers (or none has any): a job with complete worker responses reads nothing
    more.
    """
    columns = ResponseColumns()
    skips = folder.skips
    request_sources: set[str] = set()
    missing = _known_tasks(consolidation) - answered
    if not answered or missing:
        keys = _request_keys(folder.store, folder.prefix)
        for key, data in folder.fetch(keys, stage="reading requests"):
            if isinstance(data, SourceError):
                skips.skip(data)
                continue
            where = folder.store.uri(key)
            try:
                if parse_request_file(
                    data,
                    where=where,
                    parse_answer=parse_answer,
                    into=columns,
                    skips=skips,
                    wanted=lambda task: task not in answered,
                    fetch=fetch,
                ):
                    request_sources.add(where)
            except InputFormatError as exc:
                skips.skip(exc)
    pass_sources: set[str] = set()
    for record in consolidation.records or consolidation.manifest:
        entries = _pass_through_of(record, consolidation.attribute)
        if entries is None or record.task in answered:
            continue
        where = record.where or (consolidation.source or "")
        if parse_worker_entries(
            entries,
            task=record.task,
            where=where,
            parse_answer=parse_answer,
            into=columns,
            skips=skips,
            fetch=fetch,
        ):
            pass_sources.add(where)
    return OtherAnswers(build_raw(columns), frozenset(request_sources), frozenset(pass_sources))


def sample_other_answers(
    store: ObjectStore, prefix: str, consolidation: Consolidation
) -> list[object]:
    """Some workers' ``answerContent`` from pass-through labels, else from the first readable
    consolidation request: to recognise the answers' shape when there are no worker responses."""
    for record in consolidation.records or consolidation.manifest:
        entries = _pass_through_of(record, consolidation.attribute)
        if entries:
            return entry_contents(entries)
    for key in _request_keys(store, prefix)[:1]:
        try:
            return request_contents(store.read_bytes(key))
        except SourceError:
            return []
    return []
