"""The label side of a Ground Truth job folder: where its consolidated labels are and how they
are read, once the label attribute and the task type are known.

Consolidated labels come from ``annotations/consolidated-annotation/consolidation-response/``
when the job has such files (joined by ``datasetObjectId``), else from the output manifest by
line index (``manifests/output/output.manifest``, or the newest ``manifests/intermediate/N/``
one while the job runs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from crowdaudit.errors import (
    InputFormatError,
    ManifestFormatError,
    SkipLog,
    SourceError,
    SourceNotFoundError,
)
from crowdaudit.sources.consolidated import (
    LabelRecord,
    build_label_details,
    find_label_attributes,
    find_task_type,
    iter_consolidated,
    parse_consolidation_response,
    parse_manifest,
    resolve_label_attribute,
)
from crowdaudit.sources.fetch import FolderRead
from crowdaudit.sources.store import ObjectStore, join_key
from crowdaudit.tasks.base import Fetch, TaskType

__all__ = [
    "ConsolidatedLabels",
    "Consolidation",
    "job_fetcher",
    "parse_consolidated_labels",
    "read_consolidation",
    "read_manifest",
]

CONSOLIDATION_RESPONSE = "annotations/consolidated-annotation/consolidation-response/"
OUTPUT_MANIFEST = "manifests/output/output.manifest"
INTERMEDIATE_MANIFESTS = "manifests/intermediate/"
_INTERMEDIATE = re.compile(r"manifests/intermediate/(\d+)/output\.manifest$")


def _find_manifest(store: ObjectStore, prefix: str) -> tuple[str | None, str | None]:
    """The final output manifest, else the newest intermediate one (job still running)."""
    final = join_key(prefix, OUTPUT_MANIFEST)
    if any(obj.key == final for obj in store.list_objects(final)):
        return final, "output-manifest"
    newest: tuple[int, str] | None = None
    for obj in store.list_objects(join_key(prefix, INTERMEDIATE_MANIFESTS) + "/"):
        match = _INTERMEDIATE.search(obj.key)
        if match and (newest is None or int(match.group(1)) > newest[0]):
            newest = (int(match.group(1)), obj.key)
    return (newest[1], "intermediate-manifest") if newest else (None, None)


def read_manifest(
    store: ObjectStore, prefix: str, *, skips: SkipLog
) -> tuple[list[LabelRecord], str | None]:
    """The lines of the job's output manifest (else the newest intermediate one), and which kind
    it is (``output-manifest``, ``intermediate-manifest``; ``None`` when there is none)."""
    manifest_key, manifest_kind = _find_manifest(store, prefix)
    if manifest_key is None:
        return [], None
    data = store.read_bytes(manifest_key)
    return parse_manifest(data, where=store.uri(manifest_key), skips=skips), manifest_kind


def _read_label_records(
    folder: FolderRead,
) -> tuple[list[LabelRecord], list[LabelRecord], str | None, list[LabelRecord]]:
    """Return (consolidation records, manifest records, where the consolidation came from, the
    final manifest's lines of objects the consolidation responses lack)."""
    store, skips = folder.store, folder.skips
    manifest, manifest_kind = read_manifest(store, folder.prefix, skips=skips)
    root = join_key(folder.prefix, CONSOLIDATION_RESPONSE) + "/"
    keys = sorted(obj.key for obj in store.list_objects(root) if obj.key.endswith(".json"))
    consolidation: list[LabelRecord] = []
    for key, data in folder.fetch(keys, stage="reading consolidation"):
        if isinstance(data, SourceError):
            skips.skip(data)
            continue
        try:
            consolidation.extend(parse_consolidation_response(data, where=store.uri(key)))
        except InputFormatError as exc:
            skips.skip(exc)
    if consolidation:
        if manifest_kind == "output-manifest":
            # An object the responses lack keeps its final manifest line: its label, or why it
            # failed.
            answered = {record.task for record in consolidation}
            extra = [record for record in manifest if record.task not in answered]
            return consolidation, manifest, "consolidation-response", extra
        return consolidation, manifest, "consolidation-response", []
    return manifest, manifest, manifest_kind, []


def job_fetcher(store: ObjectStore, prefix: str, external: Fetch | None = None) -> Fetch:
    """Reads a file named in the job's own labels (a segmentation mask, an ``annotation-ref``).

    A relative path is a path inside the job folder. In a URI, the part from ``annotations/`` on
    is read from the store the job is read from, wherever the folder has been copied since; any
    other URI (or one the job folder does not hold) is read with ``external``, when given.
    """

    def fetch(uri: str) -> bytes:
        if "://" not in uri and not uri.startswith("/"):
            return store.read_bytes(join_key(prefix, uri))
        at = uri.find("/annotations/")
        if at >= 0:
            try:
                return store.read_bytes(join_key(prefix, uri[at + 1 :]))
            except SourceNotFoundError:
                if external is None:
                    raise
        if external is None:
            raise SourceError(
                "cannot read label file", where=uri, why="not inside the job's annotations/"
            )
        return external(uri)

    return fetch


@dataclass(frozen=True, slots=True)
class Consolidation:
    attribute: str | None
    metadata_type: str | None
    records: list[LabelRecord]
    manifest: list[LabelRecord]
    source: str | None


def read_consolidation(
    folder: FolderRead, *, job: str, label_attribute: str | None, warnings: list[str]
) -> Consolidation:
    where = folder.store.uri(folder.prefix)
    records, manifest, source, missing = _read_label_records(folder)
    if records:
        candidates = find_label_attributes(records, bare=source == "consolidation-response")
        attribute = resolve_label_attribute(
            candidates, job_name=job, requested=label_attribute, where=where
        )
        # A custom Lambda's responses carry no -metadata; the output manifest has it.
        kind = find_task_type(records, attribute) or find_task_type(manifest, attribute)
        return Consolidation(attribute, kind, [*records, *missing], manifest, source)
    if label_attribute is not None:
        raise InputFormatError(
            "cannot check label attribute",
            where=where,
            why=f"{label_attribute!r}: no output manifest or consolidation response found",
            code="missing-manifest",
        )
    message = "no consolidated labels found (no output manifest or consolidation response)"
    if folder.skips.strict:
        raise InputFormatError(
            message, where=where, why="the job may still be running", code="missing-manifest"
        )
    warnings.append(f"{message}: {where}")
    return Consolidation(None, None, [], manifest, None)


@dataclass(frozen=True, slots=True)
class ConsolidatedLabels:
    """The consolidated labels of a job, and what kept some objects from having one.

    Attributes:
        labels: ``datasetObjectId`` → canonical label, ``None`` where the object has none.
        failed: objects whose record says they failed (a failure key in the metadata, or, in a
            final manifest or consolidation response, no value).
        unusable: objects whose consolidated value does not fit the task type (each also in the
            skip log).
        details: what the metadata says of each label (:data:`LABEL_DETAILS`), or ``None`` when
            no object's metadata says any of it.
    """

    labels: dict[str, str | None]
    failed: frozenset[str]
    unusable: frozenset[str]
    details: pl.DataFrame | None = None


def parse_consolidated_labels(
    consolidation: Consolidation, task: TaskType, fetch: Fetch, skips: SkipLog
) -> ConsolidatedLabels:
    labels: dict[str, str | None] = {}
    failed: set[str] = set()
    unusable: set[str] = set()
    if consolidation.attribute is None:
        return ConsolidatedLabels(labels, frozenset(), frozenset())
    # While a job runs, an intermediate manifest writes unlabelled objects as their input line.
    running = consolidation.source == "intermediate-manifest"
    # A custom Lambda's responses have no -metadata: the output manifest's line has it.
    meta_key = f"{consolidation.attribute}-metadata"
    manifest_metadata = {
        record.task: record.content.get(meta_key)
        for record in consolidation.manifest
        if consolidation.records is not consolidation.manifest
    }
    details: list[tuple[str, Mapping[str, object]]] = []
    for object_id, value, metadata in iter_consolidated(
        consolidation.records, consolidation.attribute
    ):
        if metadata is None:
            labels[object_id] = None
            if not running:
                failed.add(object_id)
            continue
        if not metadata:
            found = manifest_metadata.get(object_id)
            metadata = found if isinstance(found, Mapping) else metadata
        details.append((object_id, metadata))
        try:
            labels[object_id] = task.parse_consolidated(value, metadata, fetch=fetch)
        except (ValueError, SourceError) as exc:
            reason = exc.message if isinstance(exc, SourceError) else str(exc)
            skips.skip(
                ManifestFormatError(
                    "cannot use consolidated label",
                    where=f"{consolidation.source}: datasetObjectId {object_id}",
                    why=reason,
                    code="bad-consolidated",
                )
            )
            labels[object_id] = None
            unusable.add(object_id)
    return ConsolidatedLabels(
        labels, frozenset(failed), frozenset(unusable), build_label_details(details)
    )
