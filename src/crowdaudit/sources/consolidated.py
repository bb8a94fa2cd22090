"""Consolidated labels from consolidation-response files or the output manifest (pure).

Both hold, per data object, a record ``{<attribute>: value, <attribute>-metadata: {...}}``; the
manifest line also keeps the input (``source-ref`` or ``source``). A line can hold several label
attributes (chained, verification and adjustment jobs), so the attribute is chosen by rule, never as
"the last key":

1. the attribute asked for (``--label-attribute``, or DescribeLabelingJob's ``LabelAttributeName``);
2. the only attribute whose metadata ``job-name`` is ``labeling-job/<job folder name>``;
3. the only attribute whose metadata ``type`` starts with ``groundtruth/``;
4. otherwise stop and list the candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

import orjson
import polars as pl

from crowdaudit.errors import LabelAttributeError, ManifestFormatError, SkipLog
from crowdaudit.schema import COL

__all__ = [
    "LabelRecord",
    "build_consolidated",
    "build_sources",
    "find_label_attributes",
    "find_task_type",
    "iter_consolidated",
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
                    f"{where}:{number}",
                    str(exc),
                    code="bad-manifest-line",
                )
            )
        else:
            records.append(LabelRecord(str(index), content))
        index += 1
    return records


def parse_consolidation_response(data: bytes, *, where: str) -> list[LabelRecord]:
    """Parse one ``consolidation-response`` file: a JSON array of Lambda results.

    Raises:
        ManifestFormatError: the file is not such an array.
    """
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ManifestFormatError(
            "cannot parse consolidation response",
            where,
            f"malformed JSON: {exc}",
            code="malformed-json",
        ) from exc
    if not isinstance(document, list):
        raise ManifestFormatError(
            "cannot parse consolidation response",
            where,
            "not a JSON array",
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
                where,
                f"entry {index} lacks datasetObjectId or consolidatedAnnotation.content",
                code="bad-consolidation",
            )
        records.append(LabelRecord(str(task), content))
    return records


def find_label_attributes(records: Iterable[LabelRecord]) -> dict[str, Mapping[str, object]]:
    """Every label attribute seen, with the first metadata found for it, in order of appearance."""
    found: dict[str, Mapping[str, object]] = {}
    for record in records:
        for key, value in record.content.items():
            if key.endswith("-metadata") and isinstance(value, Mapping):
                name = key.removesuffix("-metadata")
                if name not in _RESERVED and name not in found:
                    found[name] = value
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
                "unknown label attribute", where, f"{requested!r}; found: {listed}"
            )
        return requested
    by_job = [
        name
        for name, metadata in candidates.items()
        if str(metadata.get("job-name", "")).removeprefix("labeling-job/") == job_name
    ]
    if len(by_job) == 1:
        return by_job[0]
    by_type = [
        name
        for name, metadata in candidates.items()
        if str(metadata.get("type", "")).lower().startswith("groundtruth/")
    ]
    if len(by_type) == 1:
        return by_type[0]
    if not candidates:
        raise LabelAttributeError("no label attribute found", where, "no '<name>-metadata' key")
    raise LabelAttributeError(
        "ambiguous label attribute",
        where,
        f"candidates: {listed}; choose one with --label-attribute",
    )


def _is_failed(metadata: Mapping[str, object]) -> bool:
    return any("failure" in key.lower() or "error" in key.lower() for key in metadata)


def iter_consolidated(
    records: Iterable[LabelRecord], attribute: str
) -> Iterator[tuple[str, object, Mapping[str, object] | None]]:
    """Yield ``(task, value, metadata)`` for each record; ``None`` metadata means it failed."""
    meta_key = f"{attribute}-metadata"
    for record in records:
        metadata = record.content.get(meta_key)
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
