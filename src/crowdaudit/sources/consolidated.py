"""Consolidated labels from consolidation-response files or the output manifest (pure).

Both hold, per data object, a record ``{<attribute>: value, <attribute>-metadata: {...}}``; the
manifest line also keeps the input (``source-ref`` or ``source``). A line can hold several label
attributes (chained, verification and adjustment jobs), so the attribute is chosen by rule, never as
"the last key":

1. the attribute asked for (``--label-attribute``, or DescribeLabelingJob's ``LabelAttributeName``);
2. the only attribute whose metadata ``job-name`` is ``labeling-job/<job folder name>``;
3. the attribute named like the job folder;
4. the only attribute whose metadata ``type`` starts with ``groundtruth/``;
5. the only attribute there is;
6. otherwise stop and list the candidates.

A custom post-annotation Lambda returns only ``{<attribute>: value}``: Ground Truth adds the
``-metadata`` in the output manifest, later. In consolidation-response files every top-level key is
therefore a candidate, with or without its ``-metadata`` (``bare=True``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

import orjson
import polars as pl

from crowdaudit.errors import InputFormatError, LabelAttributeError, ManifestFormatError, SkipLog
from crowdaudit.schema import COL, LABEL_DETAILS

__all__ = [
    "LabelRecord",
    "build_consolidated",
    "build_label_details",
    "build_sources",
    "find_label_attributes",
    "find_task_type",
    "iter_consolidated",
    "load_json",
    "load_json_array",
    "parse_consolidation_response",
    "parse_manifest",
    "resolve_label_attribute",
]

_RESERVED: Final = frozenset({"source", "source-ref"})
SOURCE: Final = "source"


@dataclass(frozen=True, slots=True)
class LabelRecord:
    """One data object's consolidated record, keyed by its ``datasetObjectId``."""

    task: str
    content: Mapping[str, object]
    where: str = ""


def parse_manifest(data: bytes, *, where: str, skips: SkipLog) -> list[LabelRecord]:
    """Parse a JSON Lines manifest; the object on the i-th non-empty line is ``datasetObjectId`` i.

    A line that is not a JSON object is reported and still takes its index, so later lines keep
    their ids.
    """
    records: list[LabelRecord] = []
    index = 0
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            content = orjson.loads(line)
            if not isinstance(content, dict):
                raise ValueError("line is not a JSON object")
        except ValueError as exc:
            skips.skip(
                ManifestFormatError(
                    "cannot parse manifest line",
                    where=f"{where}:{number}",
                    why=str(exc),
                    code="bad-manifest-line",
                )
            )
        else:
            records.append(LabelRecord(str(index), content, f"{where}:{number}"))
        index += 1
    return records


def load_json(
    data: bytes,
    *,
    what: str,
    where: str,
    error: type[InputFormatError] = ManifestFormatError,
) -> object:
    """The JSON document in ``data``.

    Raises:
        InputFormatError: (``error``, code ``malformed-json``) it is not JSON.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise error(what, where=where, why=f"malformed JSON: {exc}", code="malformed-json") from exc


def load_json_array(
    data: bytes,
    *,
    what: str,
    where: str,
    why: str,
    code: str | None = None,
    error: type[InputFormatError] = ManifestFormatError,
) -> list[object]:
    """The JSON array in ``data``.

    Raises:
        InputFormatError: (``error``) it is not JSON, or (with ``why`` and ``code``) not an array.
    """
    document = load_json(data, what=what, where=where, error=error)
    if not isinstance(document, list):
        raise error(what, where=where, why=why, code=code)
    return document


def parse_consolidation_response(data: bytes, *, where: str) -> list[LabelRecord]:
    """Parse one ``consolidation-response`` file: a JSON array of Lambda results.

    Raises:
        ManifestFormatError: the file is not such an array.
    """
    document = load_json_array(
        data,
        what="cannot parse consolidation response",
        where=where,
        why="not a JSON array",
        code="bad-consolidation",
    )
    records = []
    for index, entry in enumerate(document):
        task = entry.get("datasetObjectId") if isinstance(entry, Mapping) else None
        annotation = entry.get("consolidatedAnnotation") if isinstance(entry, Mapping) else None
        content = annotation.get("content") if isinstance(annotation, Mapping) else None
        if isinstance(content, str | bytes):
            try:
                content = orjson.loads(content)
            except orjson.JSONDecodeError:
                content = None
        if not isinstance(task, str | int) or not isinstance(content, Mapping):
            raise ManifestFormatError(
                "cannot parse consolidation response",
                where=where,
                why=f"entry {index} lacks datasetObjectId or consolidatedAnnotation.content",
                code="bad-consolidation",
            )
        records.append(LabelRecord(str(task), content, where))
    return records


def find_label_attributes(
    records: Iterable[LabelRecord], *, bare: bool = False
) -> dict[str, Mapping[str, object]]:
    """Every label attribute seen, with the first metadata found for it, in order of appearance.

    With ``bare`` (consolidation responses of a custom Lambda), a key without ``-metadata`` is an
    attribute too, with empty metadata until some record gives it one.
    """
    found: dict[str, Mapping[str, object]] = {}
    for record in records:
        for key, value in record.content.items():
            if key.endswith("-metadata") and isinstance(value, Mapping):
                name = key.removesuffix("-metadata")
                if name not in _RESERVED and not found.get(name):
                    found[name] = value
            elif bare and key not in _RESERVED and not key.endswith("-metadata"):
                found.setdefault(key, {})
    return found


def resolve_label_attribute(
    candidates: Mapping[str, Mapping[str, object]],
    *,
    job_name: str,
    requested: str | None,
    where: str,
) -> str:
    """Choose the label attribute by the rules in this module's docstring."""
    listed = ", ".join(sorted(candidates)) or "none"
    if requested is not None:
        if requested not in candidates:
            raise LabelAttributeError(
                "unknown label attribute", where=where, why=f"{requested!r}; found: {listed}"
            )
        return requested
    by_job = [
        name
        for name, metadata in candidates.items()
        if str(metadata.get("job-name", "")).removeprefix("labeling-job/") == job_name
    ]
    if len(by_job) == 1:
        return by_job[0]
    if job_name in candidates:
        return job_name
    by_type = [
        name
        for name, metadata in candidates.items()
        if str(metadata.get("type", "")).lower().startswith("groundtruth/")
    ]
    if len(by_type) == 1:
        return by_type[0]
    if len(candidates) == 1:
        return next(iter(candidates))
    if not candidates:
        raise LabelAttributeError(
            "no label attribute found", where=where, why="no '<name>-metadata' key"
        )
    raise LabelAttributeError(
        "ambiguous label attribute",
        where=where,
        why=f"candidates: {listed}; choose one with --label-attribute",
    )


def _is_failed(metadata: Mapping[str, object]) -> bool:
    return any("failure" in key.lower() or "error" in key.lower() for key in metadata)


def iter_consolidated(
    records: Iterable[LabelRecord], attribute: str
) -> Iterator[tuple[str, object, Mapping[str, object] | None]]:
    """Yield ``(task, value, metadata)`` for each record; ``None`` metadata means it failed (no
    value, or a failure key in the metadata). A value without ``-metadata`` (a custom Lambda's
    consolidation response) has empty metadata."""
    meta_key = f"{attribute}-metadata"
    for record in records:
        metadata = record.content.get(meta_key, {})
        if (
            attribute not in record.content
            or not isinstance(metadata, Mapping)
            or _is_failed(metadata)
        ):
            yield record.task, None, None
            continue
        yield record.task, record.content[attribute], metadata


def find_task_type(records: Iterable[LabelRecord], attribute: str) -> str | None:
    """The lower-cased metadata ``type`` of ``attribute``, from the first record that has one."""
    meta_key = f"{attribute}-metadata"
    for record in records:
        metadata = record.content.get(meta_key)
        kind = metadata.get("type") if isinstance(metadata, Mapping) else None
        if isinstance(kind, str) and kind:
            return kind.lower()
    return None


def build_consolidated(labels: Mapping[str, str | None]) -> pl.DataFrame:
    """Table ``task, consolidated`` (null for objects whose consolidation failed)."""
    return pl.DataFrame(
        {COL.TASK: list(labels), COL.CONSOLIDATED: list(labels.values())},
        schema={COL.TASK: pl.String(), COL.CONSOLIDATED: pl.String()},
    )


def build_sources(records: Iterable[LabelRecord]) -> pl.DataFrame:
    """Table ``task, source``: the data object each id stands for (``source-ref`` or ``source``)."""
    tasks: list[str] = []
    sources: list[str] = []
    for record in records:
        value = record.content.get("source-ref", record.content.get("source"))
        if isinstance(value, str):
            tasks.append(record.task)
            sources.append(value)
    return pl.DataFrame(
        {COL.TASK: tasks, SOURCE: sources}, schema={COL.TASK: pl.String(), SOURCE: pl.String()}
    )


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _confidence_map(metadata: Mapping[str, object]) -> str | None:
    """Per-class or per-item confidences, as JSON keyed by class name where the metadata names
    the classes."""
    names = metadata.get("class-map")
    names = names if isinstance(names, Mapping) else {}
    by_class = metadata.get("confidence-map")
    if isinstance(by_class, Mapping):
        return orjson.dumps({str(names.get(k, k)): v for k, v in by_class.items()}).decode()
    colours = metadata.get("internal-color-map")
    if isinstance(colours, Mapping):
        found = {
            str(entry.get("class-name", key)): entry.get("confidence")
            for key, entry in colours.items()
            if isinstance(entry, Mapping) and "confidence" in entry
        }
        return orjson.dumps(found).decode() if found else None
    for key in ("objects", "entities"):
        items = metadata.get(key)
        if isinstance(items, list):
            scores = [i.get("confidence") for i in items if isinstance(i, Mapping)]
            return orjson.dumps(scores).decode()
    return None


def _feedback(metadata: Mapping[str, object]) -> str | None:
    entries = metadata.get("worker-feedback")
    if not isinstance(entries, list):
        return None
    comments = [e.get("comment") for e in entries if isinstance(e, Mapping)]
    return orjson.dumps([c for c in comments if isinstance(c, str)]).decode()


def build_label_details(
    metadata_by_task: Iterable[tuple[str, Mapping[str, object]]],
) -> pl.DataFrame | None:
    """Table ``schema.LABEL_DETAILS`` from each object's label metadata; ``None`` when no
    metadata has any of those fields."""
    rows = []
    for task, metadata in metadata_by_task:
        status = metadata.get("adjustment-status")
        row = (
            task,
            _number(metadata.get("confidence")),
            _confidence_map(metadata),
            status if isinstance(status, str) else None,
            _feedback(metadata),
        )
        if any(value is not None for value in row[1:]):
            rows.append(row)
    if not rows:
        return None
    return pl.DataFrame(rows, schema=LABEL_DETAILS, orient="row")
