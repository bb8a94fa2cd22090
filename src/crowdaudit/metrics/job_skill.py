"""Skill estimates for every job of an audit: the worker columns, the items table and the job
figures of :func:`crowdaudit.metrics.skill.compute_skill`, fitted one job at a time (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, cast

import polars as pl

from crowdaudit.metrics.accuracy import compute_label_accuracy
from crowdaudit.metrics.skill import compute_skill
from crowdaudit.metrics.workers import latest_answers
from crowdaudit.schema import COL, JobFigures, JobSummary, SkillFigures, SkillSummary

__all__ = ["JOB_FIGURES", "JobSkill", "compute_job_skill", "single_job_figures"]

JOB_FIGURES: Final[tuple[str, ...]] = tuple(JobFigures.__annotations__)
"""Figures copied to the top of ``summary.json`` when the audit has a single job
(``schema.JobFigures``)."""

_NOT_PER_JOB: Final = frozenset(SkillSummary.__annotations__) - set(SkillFigures.__annotations__)
"""The size of the fit (``n_answers``, ``n_tasks``, ``n_workers``): the job's own counts stand."""


@dataclass(frozen=True, slots=True)
class JobSkill:
    """Skill results of all jobs.

    Attributes:
        workers: ``job``, ``worker`` and the skill columns (``ds_accuracy``, ``spam_score``, flags…).
        items: one row per job and object, most likely wrong first: ``job`` and the items table of
            :mod:`.skill`, then ``consolidated``, ``gold`` and ``differs_from_consolidated``
            (the consolidated label is not the recommended one; null without consolidation).
        summaries: job name → its figures (Krippendorff's alpha, Fleiss' kappa, estimated label
            accuracy, ``label_accuracy`` per method including ``consolidated``…).
    """

    workers: pl.DataFrame
    items: pl.DataFrame
    summaries: dict[str, SkillFigures] = field(default_factory=dict)


def compute_job_skill(answers: pl.DataFrame) -> JobSkill:
    """Fit the skill estimators on each job of ``answers`` (responses with ``consolidated`` and
    ``gold``), using each worker's last answer per object. Jobs without labels are left out."""
    workers, items, summaries = [], [], {}
    for (job,), rows in answers.group_by(COL.JOB, maintain_order=True):
        latest = latest_answers(rows).filter(pl.col(COL.LABEL).is_not_null())
        if latest.height == 0:
            continue
        objects = latest.select(COL.TASK, COL.CONSOLIDATED, COL.GOLD).unique(COL.TASK)
        gold = objects.select(COL.TASK, pl.col(COL.GOLD).alias(COL.LABEL)).drop_nulls()
        report = compute_skill(
            latest.select(COL.TASK, COL.WORKER, COL.LABEL, COL.SECONDS),
            gold=gold if gold.height else None,
        )
        workers.append(report.workers.with_columns(pl.lit(job, pl.String).alias(COL.JOB)))
        job_items = report.items.join(objects, on=COL.TASK, how="left", maintain_order="left")
        job_items = job_items.with_columns(
            pl.when(pl.col(COL.CONSOLIDATED).is_not_null())
            .then(pl.col(COL.CONSOLIDATED) != pl.col(COL.LABEL))
            .alias(COL.DIFFERS_FROM_CONSOLIDATED)
        )
        items.append(job_items.with_columns(pl.lit(job, pl.String).alias(COL.JOB)))
        summaries[str(job)] = _job_figures(report.summary, objects)
    if not workers:
        return JobSkill(pl.DataFrame(), pl.DataFrame())
    item_table = pl.concat(items, how="vertical_relaxed")
    item_table = item_table.select(COL.JOB, *(c for c in item_table.columns if c != COL.JOB)).sort(
        COL.LABEL_PROBABILITY, COL.JOB, COL.TASK, nulls_last=True
    )
    return JobSkill(pl.concat(workers, how="vertical_relaxed"), item_table, summaries)


def _job_figures(fitted: SkillSummary, objects: pl.DataFrame) -> SkillFigures:
    """The fit's figures without its size (the job's own counts stand in ``summary.json``), and
    the consolidated labels' accuracy on gold first in ``label_accuracy``."""
    figures = cast(SkillFigures, {k: v for k, v in fitted.items() if k not in _NOT_PER_JOB})
    by_method = figures.get("label_accuracy")
    if by_method is not None:
        consolidated = compute_label_accuracy(objects, label=COL.CONSOLIDATED)
        figures["label_accuracy"] = {"consolidated": consolidated, **by_method}
    return figures


def single_job_figures(jobs: Sequence[JobSummary]) -> JobFigures:
    """The :data:`JOB_FIGURES` of an audit's only job, in that order; nothing for several jobs."""
    if len(jobs) != 1:
        return {}
    entry: dict[str, object] = dict(jobs[0])
    return cast(JobFigures, {key: entry[key] for key in JOB_FIGURES if key in entry})
