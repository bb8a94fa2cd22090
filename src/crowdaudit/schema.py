"""Column names and dtypes of crowdaudit's tables, declared once.

Code refers to columns through these constants, never through bare strings, so that a rename is one
edit and a typo is an ``AttributeError`` instead of a silently empty column.

Every output is declared here, with its dtypes; ``tests/test_contract.py`` holds what a real
audit writes to these declarations, and the README's column tables to both:

* the **responses** table: one row per worker answer (``RESPONSES``); the **answers**
  (``Audit.answers``) add the consolidated and gold labels (``ANSWERS``);
* the **worker table** (``workers.csv``, ``.parquet``, ``.json``): one row per worker, or per
  worker and job: ``WORKERS``, then ``WORKER_SKILL`` and a task type's ``WORKER_TASK_COLUMNS``
  (all of them: ``WORKER_TABLE``);
* ``items.csv``, one row per object: ``ITEMS_BY_LABEL`` (single-label jobs) or
  ``ITEMS_BY_SIMILARITY`` (the other types), then ``LABEL_DETAILS`` (all of them: ``ITEMS``);
* ``history.csv`` (``HISTORY``) and the **gold** table (``GOLD``);
* the **contribution ledger**, one row per person, or per person and job (``CONTRIBUTIONS``,
  ``CONTRIBUTIONS_BY_JOB``, then ``PAYOUT`` and ``LEDGER_QUALITY``), and the contribution
  notebook's CSV (``SEED_CSV``);
* ``summary.json``: a :class:`Summary` holding one :class:`JobSummary` per job.
"""

from __future__ import annotations

from typing import Final, Required, TypedDict

import polars as pl

__all__ = [
    "ANSWERS",
    "COL",
    "CONTRIBUTIONS",
    "CONTRIBUTIONS_BY_JOB",
    "DEPRECATED_COLUMNS",
    "GOLD",
    "HISTORY",
    "IDENTITY_COLUMNS",
    "ITEMS",
    "ITEMS_BY_LABEL",
    "ITEMS_BY_SIMILARITY",
    "LABEL_DETAILS",
    "LEDGER_QUALITY",
    "PAYOUT",
    "RESPONSES",
    "SEED_CSV",
    "SEED_KEYS",
    "WORKERS",
    "WORKER_COLUMNS",
    "WORKER_SKILL",
    "WORKER_TABLE",
    "WORKER_TASK_COLUMNS",
    "HeldOutLogLikelihood",
    "JobFigures",
    "JobSummary",
    "LabelAccuracy",
    "ReaderFigures",
    "ReadingCounts",
    "SeedFigures",
    "SkillFigures",
    "SkillSummary",
    "SkippedEntry",
    "Summary",
    "UnreadableJobEntry",
    "UnreadableJobs",
]


class COL:
    """Column names. The first three follow crowd-kit's long table (``task``, ``worker``, ``label``)."""

    JOB: Final = "job"
    TASK: Final = "task"
    WORKER: Final = "worker"
    LABEL: Final = "label"
    ITERATION: Final = "iteration"
    ACCEPTED_AT: Final = "accepted_at"
    SUBMITTED_AT: Final = "submitted_at"
    SECONDS: Final = "seconds"
    IDENTITY_PROVIDER: Final = "identity_provider"
    ISSUER: Final = "issuer"
    SUB: Final = "sub"
    USER_POOL_ID: Final = "user_pool_id"
    SOURCE_KEY: Final = "source_key"
    WORKER_COMMENT: Final = "worker_comment"

    # workers table
    N_OBJECTS: Final = "n_objects"
    N_GOLD: Final = "n_gold"
    GOLD_CORRECT: Final = "gold_correct"
    GOLD_ACCURACY: Final = "gold_accuracy"
    GOLD_ACCURACY_LOW: Final = "gold_accuracy_low"
    GOLD_ACCURACY_HIGH: Final = "gold_accuracy_high"
    N_CONSENSUS: Final = "n_consensus"
    CONSENSUS_AGREEMENT: Final = "consensus_agreement"
    N_LOO: Final = "n_loo"
    LOO_AGREEMENT: Final = "loo_agreement"
    MEDIAN_SECONDS: Final = "median_seconds"
    TOTAL_SECONDS: Final = "total_seconds"
    FIRST_SUBMITTED_AT: Final = "first_submitted_at"
    LAST_SUBMITTED_AT: Final = "last_submitted_at"

    # skill columns of the workers table (crowdaudit.metrics.skill)
    SKILL: Final = "skill"
    SKILL_LOW: Final = "skill_low"
    SKILL_HIGH: Final = "skill_high"
    VERDICT: Final = "verdict"
    VERDICT_REASON: Final = "verdict_reason"
    FLAG_LOW_SKILL: Final = "flag_low_skill"
    FLAG_REASON: Final = "flag_reason"
    DS_ACCURACY: Final = "ds_accuracy"
    ONE_COIN_ACCURACY: Final = "one_coin_accuracy"
    KAPPA: Final = "kappa"
    N_KAPPA: Final = "n_kappa"
    SPAM_SCORE: Final = "spam_score"
    FLAG_SAME_ANSWER: Final = "flag_same_answer"
    FLAG_INVERTED: Final = "flag_inverted"
    FLAG_FAST_AND_DISAGREEING: Final = "flag_fast_and_disagreeing"

    # worker columns some task types add (crowdaudit.tasks)
    LABEL_PRECISION: Final = "label_precision"
    LABEL_RECALL: Final = "label_recall"
    MEAN_IOU: Final = "mean_iou"
    N_BOXES: Final = "n_boxes"
    SHARE_ADJUSTED: Final = "share_adjusted"

    # items table (crowdaudit.metrics.skill); N_ANSWERS is declared with the similarity items
    LABEL_PROBABILITY: Final = "label_probability"
    LABEL_VOTES: Final = "label_votes"
    LABEL_SHARE: Final = "label_share"
    VOTES: Final = "votes"
    MAJORITY_VOTE: Final = "majority_vote"
    ONE_COIN_LABEL: Final = "one_coin_label"
    DS_LABEL: Final = "ds_label"
    POOLED_LABEL: Final = "pooled_label"
    DS_POSTERIOR: Final = "ds_posterior"
    DIFFERS_FROM_CONSOLIDATED: Final = "differs_from_consolidated"

    # history table (crowdaudit.metrics.history); SKILL is declared with the skill columns
    JOB_STARTED_AT: Final = "job_started_at"
    JOB_ORDER: Final = "job_order"
    QUALITY: Final = "quality"
    QUALITY_MEASURE: Final = "quality_measure"

    # contributions table
    USERNAME: Final = "username"
    EMAIL: Final = "email"
    N_JOBS: Final = "n_jobs"
    JOBS: Final = "jobs"
    ACTIVE_DAYS: Final = "active_days"
    PAYOUT_USD: Final = "payout_usd"

    # the contribution notebook's CSV (--seed-csv); its username is USERNAME
    USER_SUB: Final = "user_sub"
    LABEL_COUNT: Final = "label_count"

    # consolidated / gold labels joined onto responses, and how close each answer is to them
    CONSOLIDATED: Final = "consolidated"
    GOLD: Final = "gold"
    GOLD_SIMILARITY: Final = "gold_similarity"
    CONSENSUS_SIMILARITY: Final = "consensus_similarity"

    # what a consolidated label's metadata says of it (items.csv)
    CONFIDENCE: Final = "confidence"
    CONFIDENCE_MAP: Final = "confidence_map"
    ADJUSTMENT_STATUS: Final = "adjustment_status"
    WORKER_FEEDBACK: Final = "worker_feedback"

    # items.csv for types compared by similarity
    N_ANSWERS: Final = "n_answers"
    WORKERS: Final = "workers"
    MEAN_CONSENSUS_SIMILARITY: Final = "mean_consensus_similarity"
    MEAN_GOLD_SIMILARITY: Final = "mean_gold_similarity"
    MEAN_PEER_SIMILARITY: Final = "mean_peer_similarity"
    SOURCE_REF: Final = "source_ref"


_UTC = pl.Datetime("us", "UTC")

IDENTITY_COLUMNS: Final[tuple[str, ...]] = (
    COL.IDENTITY_PROVIDER,
    COL.ISSUER,
    COL.SUB,
    COL.USER_POOL_ID,
)
"""The responses' identity columns: null for answers from sources without identity data."""

RESPONSES: Final[dict[str, pl.DataType]] = {
    COL.JOB: pl.String(),
    COL.TASK: pl.String(),
    COL.ITERATION: pl.Int32(),
    COL.WORKER: pl.String(),
    COL.LABEL: pl.String(),
    COL.ACCEPTED_AT: _UTC,
    COL.SUBMITTED_AT: _UTC,
    COL.SECONDS: pl.Float64(),
    COL.IDENTITY_PROVIDER: pl.String(),
    COL.ISSUER: pl.String(),
    COL.SUB: pl.String(),
    COL.USER_POOL_ID: pl.String(),
    COL.SOURCE_KEY: pl.String(),
    COL.WORKER_COMMENT: pl.String(),
}
"""The normalised responses table: one row per answer a worker submitted for a data object.

``task`` is Ground Truth's ``datasetObjectId``; ``seconds`` is ``timeSpentInSeconds`` when the answer
has it, else submission minus acceptance, else null; ``source_key`` is the file or S3 key it came from;
``worker_comment`` is the ``workerComment`` the worker typed with the answer, if any.
"""

WORKERS: Final[dict[str, pl.DataType]] = {
    COL.JOB: pl.String(),
    COL.WORKER: pl.String(),
    COL.N_OBJECTS: pl.Int64(),
    COL.N_GOLD: pl.Int64(),
    COL.GOLD_CORRECT: pl.Float64(),
    COL.GOLD_ACCURACY: pl.Float64(),
    COL.GOLD_ACCURACY_LOW: pl.Float64(),
    COL.GOLD_ACCURACY_HIGH: pl.Float64(),
    COL.N_CONSENSUS: pl.Int64(),
    COL.CONSENSUS_AGREEMENT: pl.Float64(),
    COL.N_LOO: pl.Int64(),
    COL.LOO_AGREEMENT: pl.Float64(),
    COL.MEDIAN_SECONDS: pl.Float64(),
    COL.TOTAL_SECONDS: pl.Float64(),
    COL.FIRST_SUBMITTED_AT: _UTC,
    COL.LAST_SUBMITTED_AT: _UTC,
}
"""The worker table (README, "The worker table"), plus ``job`` and ``n_loo`` (the denominator of
``loo_agreement``)."""

WORKER_COLUMNS: Final[tuple[str, ...]] = tuple(WORKERS)

WORKER_SKILL: Final[dict[str, pl.DataType]] = {
    COL.SKILL: pl.Float64(),
    COL.SKILL_LOW: pl.Float64(),
    COL.SKILL_HIGH: pl.Float64(),
    COL.VERDICT: pl.String(),
    COL.VERDICT_REASON: pl.String(),
    COL.DS_ACCURACY: pl.Float64(),
    COL.ONE_COIN_ACCURACY: pl.Float64(),
    COL.KAPPA: pl.Float64(),
    COL.N_KAPPA: pl.Int64(),
    COL.SPAM_SCORE: pl.Float64(),
    COL.FLAG_SAME_ANSWER: pl.Boolean(),
    COL.FLAG_INVERTED: pl.Boolean(),
    COL.FLAG_LOW_SKILL: pl.Boolean(),
    COL.FLAG_FAST_AND_DISAGREEING: pl.Boolean(),
    COL.FLAG_REASON: pl.String(),
}
"""The skill columns of the worker table, after ``WORKERS``: single-label jobs only (null in the
rows of other jobs); ``flag_fast_and_disagreeing`` is null without times."""

WORKER_TASK_COLUMNS: Final[dict[str, pl.DataType]] = {
    COL.LABEL_PRECISION: pl.Float64(),
    COL.LABEL_RECALL: pl.Float64(),
    COL.MEAN_IOU: pl.Float64(),
    COL.N_BOXES: pl.Float64(),
    COL.SHARE_ADJUSTED: pl.Float64(),
}
"""Worker columns a task type adds: ``label_precision`` and ``label_recall`` (multi-label),
``mean_iou`` and ``n_boxes`` (boxes; mean boxes per answer), ``share_adjusted`` (boxes and masks
of adjustment jobs)."""

WORKER_TABLE: Final[dict[str, pl.DataType]] = {**WORKERS, **WORKER_SKILL, **WORKER_TASK_COLUMNS}
"""Every column the worker table may hold, with the dtype it is written with."""

_PERSON: Final[dict[str, pl.DataType]] = {
    COL.WORKER: pl.String(),
    COL.SUB: pl.String(),
    COL.USER_POOL_ID: pl.String(),
    COL.ISSUER: pl.String(),
    COL.IDENTITY_PROVIDER: pl.String(),
    COL.USERNAME: pl.String(),
    COL.EMAIL: pl.String(),
}
_ACTIVITY: Final[dict[str, pl.DataType]] = {
    COL.TOTAL_SECONDS: pl.Float64(),
    COL.MEDIAN_SECONDS: pl.Float64(),
    COL.FIRST_SUBMITTED_AT: _UTC,
    COL.LAST_SUBMITTED_AT: _UTC,
    COL.ACTIVE_DAYS: pl.Int64(),
}

CONTRIBUTIONS: Final[dict[str, pl.DataType]] = {
    **_PERSON,
    COL.N_ANSWERS: pl.Int64(),
    COL.N_OBJECTS: pl.Int64(),
    COL.N_JOBS: pl.Int64(),
    COL.JOBS: pl.String(),
    **_ACTIVITY,
}
"""The contribution ledger, one row per person; ``PAYOUT`` is appended when a rate is given, then
``LEDGER_QUALITY`` with ``--with-audit``. ``worker`` holds the person's worker ids, ``;``-joined.
``n_answers`` counts answers submitted; ``n_objects`` is the same count under its old name, written
for one more release (``DEPRECATED_COLUMNS``)."""

CONTRIBUTIONS_BY_JOB: Final[dict[str, pl.DataType]] = {
    COL.JOB: pl.String(),
    **_PERSON,
    COL.N_ANSWERS: pl.Int64(),
    COL.N_OBJECTS: pl.Int64(),
    **_ACTIVITY,
}
"""The contribution ledger, one row per person and job (``--by-job``)."""

PAYOUT: Final[dict[str, pl.DataType]] = {COL.PAYOUT_USD: pl.Float64()}
"""The ledger's payout column, when a rate is given."""

LEDGER_QUALITY: Final[dict[str, pl.DataType]] = {
    COL.VERDICT: pl.String(),
    COL.VERDICT_REASON: pl.String(),
    COL.SKILL: pl.Float64(),
}
"""The audit's columns the ledger gets last with ``--with-audit``."""

DEPRECATED_COLUMNS: Final[dict[str, str]] = {COL.N_OBJECTS: COL.N_ANSWERS}
"""Ledger columns written under an old name for one more release: old name → the name to use.
The ledger's ``n_objects`` counts answers, where the worker table's counts distinct objects."""

SEED_CSV: Final[dict[str, pl.DataType]] = {
    COL.USERNAME: pl.String(),
    COL.USER_SUB: pl.String(),
    COL.LABEL_COUNT: pl.Int64(),
}
"""The contribution notebook's CSV (``--seed-csv``): ``user_sub`` is the Cognito sub, else the
worker id, and ``label_count`` the answers."""

HISTORY: Final[dict[str, pl.DataType]] = {
    COL.JOB_ORDER: pl.Int64(),
    COL.JOB: pl.String(),
    COL.JOB_STARTED_AT: _UTC,
    COL.WORKER: pl.String(),
    COL.N_OBJECTS: pl.Int64(),
    COL.QUALITY: pl.Float64(),
    COL.QUALITY_MEASURE: pl.String(),
    COL.SKILL: pl.Float64(),
    COL.DS_ACCURACY: pl.Float64(),
    COL.CONSENSUS_AGREEMENT: pl.Float64(),
    COL.LOO_AGREEMENT: pl.Float64(),
    COL.N_GOLD: pl.Int64(),
    COL.GOLD_ACCURACY: pl.Float64(),
    COL.MEDIAN_SECONDS: pl.Float64(),
    COL.FIRST_SUBMITTED_AT: _UTC,
    COL.LAST_SUBMITTED_AT: _UTC,
}
"""``history.csv``: one row per worker and job, jobs in the order they started (first answer)."""

LABEL_DETAILS: Final[dict[str, pl.DataType]] = {
    COL.TASK: pl.String(),
    COL.CONFIDENCE: pl.Float64(),
    COL.CONFIDENCE_MAP: pl.String(),
    COL.ADJUSTMENT_STATUS: pl.String(),
    COL.WORKER_FEEDBACK: pl.String(),
}
"""Per object, from its label's metadata: ``confidence``; ``confidence_map``, JSON of the
per-class (``confidence-map``, ``internal-color-map``) or per-item (``objects``, ``entities``)
confidences; ``adjustment_status`` (``adjusted``/``unadjusted``, adjustment jobs);
``worker_feedback``, JSON list of the comments of a verification job."""

ITEMS_BY_SIMILARITY: Final[dict[str, pl.DataType]] = {
    COL.JOB: pl.String(),
    COL.TASK: pl.String(),
    COL.N_ANSWERS: pl.Int64(),
    COL.WORKERS: pl.String(),
    COL.MEAN_CONSENSUS_SIMILARITY: pl.Float64(),
    COL.MEAN_GOLD_SIMILARITY: pl.Float64(),
    COL.MEAN_PEER_SIMILARITY: pl.Float64(),
    COL.CONSOLIDATED: pl.String(),
    COL.GOLD: pl.String(),
    COL.SOURCE_REF: pl.String(),
}
"""``items.csv`` of a job whose type is compared by a similarity (not single labels): one row per
object, least agreed first. ``workers`` is ``;``-joined; the means are over the object's answers
(peer: each answer's mean similarity to the other answers); the label details follow."""

ITEMS_BY_LABEL: Final[dict[str, pl.DataType]] = {
    COL.JOB: pl.String(),
    COL.TASK: pl.String(),
    COL.N_ANSWERS: pl.Int64(),
    COL.LABEL: pl.String(),
    COL.LABEL_PROBABILITY: pl.Float64(),
    COL.LABEL_VOTES: pl.Int64(),
    COL.LABEL_SHARE: pl.Float64(),
    COL.MAJORITY_VOTE: pl.String(),
    COL.ONE_COIN_LABEL: pl.String(),
    COL.DS_LABEL: pl.String(),
    COL.POOLED_LABEL: pl.String(),
    COL.DS_POSTERIOR: pl.Float64(),
    COL.CONSOLIDATED: pl.String(),
    COL.GOLD: pl.String(),
    COL.DIFFERS_FROM_CONSOLIDATED: pl.Boolean(),
    COL.VOTES: pl.String(),
    COL.WORKERS: pl.String(),
    COL.SOURCE_REF: pl.String(),
}
"""``items.csv`` of single-label jobs, most likely wrong first: the recommended ``label`` and each
model's; ``votes`` is ``label=count; …``, most voted first; the label details follow."""

ITEMS: Final[dict[str, pl.DataType]] = {
    **ITEMS_BY_LABEL,
    **ITEMS_BY_SIMILARITY,
    **{name: dtype for name, dtype in LABEL_DETAILS.items() if name != COL.TASK},
}
"""Every column ``items.csv`` may hold; a label-detail column is there when some object's metadata
fills it."""

ANSWERS: Final[dict[str, pl.DataType]] = {
    **RESPONSES,
    COL.CONSOLIDATED: pl.String(),
    COL.GOLD: pl.String(),
    COL.GOLD_SIMILARITY: pl.Float64(),
    COL.CONSENSUS_SIMILARITY: pl.Float64(),
}
"""``Audit.answers``: the responses with their object's consolidated and gold labels and each
answer's similarity to them (null where there is no label to compare with)."""

GOLD: Final[dict[str, pl.DataType]] = {
    COL.TASK: pl.String(),
    COL.LABEL: pl.String(),
}

SEED_KEYS: Final[tuple[str, str, str, str]] = (
    "Total Number Of Objects Annotated",
    "Number Of Golden Standard Objects Annotated",
    "Average Accuracy Compared To Other Workers",
    "Average Golden Standard Accuracy",
)
"""The keys of the seed notebook's per-worker JSON, in its order."""

SeedFigures = TypedDict(
    "SeedFigures",
    {
        "Total Number Of Objects Annotated": int,
        "Number Of Golden Standard Objects Annotated": int,
        "Average Accuracy Compared To Other Workers": float | None,
        "Average Golden Standard Accuracy": float | None,
    },
)
"""One worker's entry of the seed notebook's JSON (``--seed-json``), keys as :data:`SEED_KEYS`."""


# summary.json. Each class is one object of the file; keys marked NotRequired are there only for
# some sources or task types.


class SkippedEntry(TypedDict):
    """A file or record read but not used (``skipped``): what, where, why and its ``code``."""

    what: str
    where: str
    why: str
    code: str


class UnreadableJobEntry(TypedDict):
    """A job ``--all-jobs`` found but could not read (``unreadable_jobs``)."""

    job: str
    status: str | None
    reason: str | None


class LabelAccuracy(TypedDict, total=False):
    """Share of objects whose label is right on gold, per way of labelling (``label_accuracy``);
    ``consolidated`` is added per job, beside the models of :mod:`crowdaudit.metrics.skill`."""

    consolidated: float | None
    majority_vote: float | None
    dawid_skene: float | None
    one_coin: float | None
    pooled: float | None
    recommended: float | None


class HeldOutLogLikelihood(TypedDict):
    """Mean log-likelihood of the hidden answers, per model (the recommendation's score)."""

    majority_vote: float
    one_coin: float
    dawid_skene: float
    pooled: float


class SkillFigures(TypedDict, total=False):
    """The figures of one job's skill fit that ``summary.json`` keeps (:mod:`.metrics.skill`);
    every one is there when the job was fitted."""

    n_classes: int
    classes: list[str]
    class_priors: dict[str, float]
    krippendorff_alpha: float | None
    fleiss_kappa: float | None
    fleiss_kappa_reason: str | None
    skill_reason: str | None
    median_skill: float | None
    pooling_strength: float
    recommended_model: str
    best_held_out_model: str
    held_out_log_likelihood: HeldOutLogLikelihood
    label_temperature: float
    ds_iterations: int
    ds_converged: bool
    one_coin_iterations: int
    one_coin_converged: bool
    skill_prior_strength: float
    skill_model_agreement: float | None
    estimated_label_accuracy: float | None
    estimated_label_accuracy_low: float | None
    estimated_label_accuracy_high: float | None
    gold_clamped: bool
    n_gold_tasks: int | None
    label_accuracy: LabelAccuracy | None
    n_flag_same_answer: int | None
    n_flag_inverted: int | None
    n_flag_low_skill: int | None
    n_flag_fast_and_disagreeing: int | None
    n_verdict_trusted: int
    n_verdict_ok: int
    n_verdict_check: int
    n_verdict_not_enough_data: int


class SkillSummary(SkillFigures):
    """What :func:`crowdaudit.metrics.skill.compute_skill` returns: the figures and the size of the
    fit (the job's own counts take their place in ``summary.json``)."""

    n_answers: Required[int]
    n_tasks: Required[int]
    n_workers: Required[int]


class ReadingCounts(TypedDict, total=False):
    """What a reader counted while reading (``Job.stats``; each reader has its own), and the
    adjustment status of an adjustment job's objects."""

    n_response_files: int
    n_response_files_used: int
    n_answers_from_consolidation_requests: int
    n_answers_from_pass_through: int
    n_duplicate_answers: int
    n_unparsed_timestamps: int
    n_future_timestamps: int
    n_implausible_seconds: int
    n_unusable_consolidated_labels: int
    n_manifest_objects: int
    n_objects_beyond_manifest: int
    n_rows: int
    n_rows_skipped: int
    n_answers_repeated: int
    n_gold_in_export: int
    n_tasks: int
    n_annotations: int
    n_cancelled: int
    n_ground_truth: int
    n_assignments: int
    n_rejected: int
    n_training: int
    n_objects_adjusted: int
    n_objects_unadjusted: int


class ReaderFigures(ReadingCounts, total=False):
    """One job as read (:func:`crowdaudit.sources.groundtruth.describe`)."""

    job: Required[str]
    source: Required[str]
    label_attribute: Required[str | None]
    task_type: Required[str | None]
    consolidated_from: Required[str | None]
    n_objects: Required[int]
    n_answers: Required[int]
    n_workers: Required[int]
    n_consolidated_objects: Required[int]
    n_failed_objects: Required[int | None]
    failed_objects: Required[list[str]]
    n_objects_without_consolidated_label: Required[int | None]
    n_files_skipped: Required[int]


class JobSummary(ReaderFigures, SkillFigures):
    """One entry of ``jobs``: the job as read, then its skill figures (single-label jobs only)."""


class JobFigures(TypedDict, total=False):
    """The skill figures of an audit's single job, copied to the top of ``summary.json``."""

    krippendorff_alpha: float | None
    fleiss_kappa: float | None
    fleiss_kappa_reason: str | None
    estimated_label_accuracy: float | None
    estimated_label_accuracy_low: float | None
    estimated_label_accuracy_high: float | None
    recommended_model: str
    skill_reason: str | None
    label_accuracy: LabelAccuracy | None


class UnreadableJobs(TypedDict, total=False):
    """With ``--all-jobs``: the jobs found but not read, and how many."""

    n_unreadable_jobs: int
    unreadable_jobs: list[UnreadableJobEntry]


class Summary(JobFigures, UnreadableJobs):
    """``summary.json``: the audit's figures, the :class:`JobFigures` of a single job, one entry per
    job, and with ``--all-jobs`` the jobs left out."""

    crowdaudit_version: str
    n_jobs: int
    n_objects: int
    n_answers: int
    n_workers: int
    n_failed_objects: int | None
    n_objects_without_consolidated_label: int | None
    n_gold_labels: int
    n_gold_objects: int
    n_gold_labels_unused: int
    consolidated_gold_accuracy: float | None
    n_files_skipped: int
    skipped: list[SkippedEntry]
    warnings: list[str]
    jobs: list[JobSummary]
