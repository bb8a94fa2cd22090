"""Label Studio's JSON export ("JSON" in the Export dialog) as an audit source (pure).

The export is a list of tasks (one task object alone is accepted too)::

    [{"id": 1, "data": {"text": "…"}, "annotations": [
        {"id": 10, "completed_by": 3, "result": [{"from_name": "sentiment", "to_name": "text",
          "type": "choices", "value": {"choices": ["Positive"]}}],
         "was_cancelled": false, "ground_truth": false, "lead_time": 12.5,
         "created_at": "2024-03-01T10:00:00.000000Z", "updated_at": "…"}],
      "drafts": [], "predictions": []}]

* task = the task ``id``; worker = ``completed_by``: an integer user id, or an object
  ``{id, email, first_name, last_name}`` (or ``{email}`` alone) whose e-mail is the worker id,
  as Label Studio's own converters name annotators; the name and e-mail go to the contributions;
* seconds = ``lead_time`` (measured by the annotator's browser); submitted = ``created_at``, else
  ``updated_at``;
* ``was_cancelled`` (skipped) annotations are counted and left out; drafts and predictions are
  not answers;
* ``ground_truth: true`` annotations are the task's gold label and are not scored as answers.

Labels come from one control (:mod:`crowdaudit.sources.labelstudio_controls`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from crowdaudit.errors import InputFormatError, SkipLog
from crowdaudit.model import Job
from crowdaudit.sources.export_job import ExportOptions
from crowdaudit.sources.labelstudio_controls import (
    LsAnswer,
    LsFound,
    build_label_studio_job,
    choose_answer_control,
    load_export,
)

__all__ = ["NAME", "looks_like_label_studio_json", "parse_label_studio_json"]

NAME: Final = "label-studio"


def looks_like_label_studio_json(data: bytes, where: str) -> bool:
    """A JSON array or object that holds ``"annotations"`` lists."""
    return data.lstrip()[:1] in (b"[", b"{") and b'"annotations"' in data


def _load(data: bytes, where: str) -> list[object]:
    document = load_export(data, where)
    if isinstance(document, dict):
        return [document]
    if not isinstance(document, list):
        raise InputFormatError(
            "cannot parse Label Studio export",
            where=where,
            why="not a list of tasks",
            code="not-tasks",
        )
    return document


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _worker(annotation: Mapping[str, object]) -> tuple[str, str | None, str | None] | None:
    """``(worker id, name, e-mail)`` of an annotation's author.

    An integer ``completed_by`` is the worker id; some versions add ``created_username``,
    ``" ann@example.com, 3"``, which gives the e-mail.
    """
    completed_by = annotation.get("completed_by")
    if isinstance(completed_by, int) and not isinstance(completed_by, bool):
        created = _text(annotation.get("created_username"))
        email = created.rsplit(",", 1)[0].strip() if created else None
        return str(completed_by), None, email if email and "@" in email else None
    if not isinstance(completed_by, Mapping):
        return None
    email = _text(completed_by.get("email"))
    name = " ".join(
        part for part in (_text(completed_by.get(k)) for k in ("first_name", "last_name")) if part
    )
    ident = completed_by.get("id")
    if email is None and not isinstance(ident, int | str):
        return None
    return email or str(ident), name or None, email


def _seconds(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _annotations(
    tasks: list[object], where: str, skips: SkipLog, counts: dict[str, int]
) -> list[tuple[str, Mapping[str, object], str]]:
    """``(task id, annotation, where)`` of every annotation not cancelled."""
    found: list[tuple[str, Mapping[str, object], str]] = []
    for index, task in enumerate(tasks):
        if not isinstance(task, Mapping) or not isinstance(task.get("annotations", []), list):
            skips.skip(
                InputFormatError(
                    "cannot read task", where=f"{where}: task #{index}", why="not a task"
                )
            )
            continue
        ident = task.get("id")
        if not isinstance(ident, int | str) or isinstance(ident, bool):
            skips.skip(
                InputFormatError(
                    "cannot read task", where=f"{where}: task #{index}", why="no task id"
                )
            )
            continue
        counts["n_tasks"] += 1
        for number, annotation in enumerate(task.get("annotations") or []):
            place = f"{where}: task {ident} annotation {number}"
            if not isinstance(annotation, Mapping):
                skips.skip(
                    InputFormatError("cannot read annotation", where=place, why="not an object")
                )
                continue
            counts["n_annotations"] += 1
            if annotation.get("was_cancelled") is True:
                counts["n_cancelled"] += 1
                continue
            if not isinstance(annotation.get("result", []), list):
                skips.skip(
                    InputFormatError("cannot read annotation", where=place, why="result not a list")
                )
                continue
            found.append((str(ident), annotation, place))
    return found


def _results(annotation: Mapping[str, object]) -> list[object]:
    result = annotation.get("result")
    return result if isinstance(result, list) else []


def _controls(annotations: list[tuple[str, Mapping[str, object], str]]) -> dict[str, set[str]]:
    controls: dict[str, set[str]] = {}
    for _, annotation, _ in annotations:
        for item in _results(annotation):
            # orjson gives plain dicts: an exact type test is much cheaper than an ABC check.
            if type(item) is dict and type(item.get("from_name")) is str:
                kind = str(item.get("type", "")).lower()
                controls.setdefault(str(item["from_name"]), set()).add(kind)
    return controls


def parse_label_studio_json(
    data: bytes, *, where: str, name: str, strict: bool, options: ExportOptions
) -> Job:
    """Read a Label Studio JSON export into a :class:`Job`.

    Raises:
        InputFormatError: malformed JSON, no usable control, or an unsupported control type.
        EmptyJobError: no annotation is usable.
    """
    skips = SkipLog(strict=strict)
    counts = {"n_tasks": 0, "n_annotations": 0, "n_cancelled": 0, "n_ground_truth": 0}
    annotations = _annotations(_load(data, where), where, skips, counts)
    controls = _controls(annotations)
    control, kind = choose_answer_control(controls, options, where)
    answers: list[LsAnswer] = []
    people: dict[str, tuple[str | None, str | None]] = {}
    for task, annotation, place in annotations:
        author = _worker(annotation)
        ground_truth = annotation.get("ground_truth") is True
        counts["n_ground_truth"] += ground_truth
        if author is None and not ground_truth:
            skips.skip(
                InputFormatError("cannot read annotation", where=place, why="no completed_by")
            )
            continue
        worker, person, email = author or ("", None, None)
        if person or email:
            people[worker] = (person, email)
        values = tuple(
            [
                item["value"]
                for item in _results(annotation)
                if type(item) is dict
                and item.get("from_name") == control
                and type(item.get("value")) is dict
            ]
        )
        answers.append(
            LsAnswer(
                task=task,
                worker=worker,
                values=values,
                where=place,
                ground_truth=ground_truth,
                seconds=_seconds(annotation.get("lead_time")),
                submitted=_text(annotation.get("created_at"))
                or _text(annotation.get("updated_at")),
            )
        )
    warnings = (
        (f"{counts['n_cancelled']} cancelled (skipped) annotation(s) left out",)
        if counts["n_cancelled"]
        else ()
    )
    found = LsFound(answers, kind, people, counts, warnings)
    return build_label_studio_job(found, name=name, where=where, options=options, skips=skips)
