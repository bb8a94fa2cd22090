"""Skill estimates for every job of an audit: the worker columns, the items table and the job
figures of :func:`crowdaudit.metrics.skill.compute_skill`, fitted one job at a time (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from crowdaudit.metrics.accuracy import compute_label_accuracy
from crowdaudit.metrics.skill import compute_skill
from crowdaudit.metrics.workers import latest_answers
from crowdaudit.schema import COL

__all__ = ["JOB_FIGURES", "JobSkill", "compute_job_skill"]

JOB_FIGURES: Final = (
    "krippendorff_alpha",
    "fleiss_kappa",
    "fleiss_kappa_reason",
    "estimated_label_accuracy",
    "estimated_label_accuracy_low",
    "estimated_label_accuracy_high",
    "recommended_model",
    "skill_reason",
    "label_accuracy",
)
"""Figures copied to the top of ``summary.json`` when the audit has a single job."""

_NOT_PER_JOB: Final = frozenset({"n_answers", "n_tasks", "n_workers"})


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
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)


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
        summary: dict[str, Any] = {k: v for k, v in report.summary.items() if k not in _NOT_PER_JOB}
        by_method = summary.get("label_accuracy")
        if isinstance(by_method, dict):
            consolidated = compute_label_accuracy(objects, label=COL.CONSOLIDATED)
            summary["label_accuracy"] = {"consolidated": consolidated, **by_method}
        summaries[str(job)] = summary
    if not workers:
        return JobSkill(pl.DataFrame(), pl.DataFrame())
    item_table = pl.concat(items, how="vertical_relaxed")
    item_table = item_table.select(COL.JOB, *(c for c in item_table.columns if c != COL.JOB)).sort(
        COL.LABEL_PROBABILITY, COL.JOB, COL.TASK, nulls_last=True
    )
    return JobSkill(pl.concat(workers, how="vertical_relaxed"), item_table, summaries)
