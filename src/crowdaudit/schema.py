"""Column names and dtypes of crowdaudit's tables, declared once.

Code refers to columns through these constants, never through bare strings, so that a rename is one
edit and a typo is an ``AttributeError`` instead of a silently empty column.

Three tables flow through the package:

* the **responses** table: one row per worker answer (``RESPONSES``);
* the **workers** table: one row per worker, or per worker and job (``WORKERS``);
* the **gold** table: one row per task with a known true label (``GOLD``);
* the **contributions** ledger: one row per person, or per person and job (``CONTRIBUTIONS``).
"""

from __future__ import annotations

from typing import Final

import polars as pl

__all__ = [
    "COL",
    "CONTRIBUTIONS",
    "CONTRIBUTIONS_BY_JOB",
    "GOLD",
    "HISTORY",
    "IDENTITY_COLUMNS",
    "ITEMS_BY_SIMILARITY",
    "LABEL_DETAILS",
    "RESPONSES",
    "SEED_KEYS",
    "WORKERS",
    "WORKER_COLUMNS",
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
    COL.N_OBJECTS: pl.Int64(),
    COL.N_JOBS: pl.Int64(),
    COL.JOBS: pl.String(),
    **_ACTIVITY,
}
"""The contribution ledger, one row per person; ``payout_usd`` (Float64) is appended when a rate
is given. ``worker`` holds the person's worker ids, ``;``-joined."""

CONTRIBUTIONS_BY_JOB: Final[dict[str, pl.DataType]] = {
    COL.JOB: pl.String(),
    **_PERSON,
    COL.N_OBJECTS: pl.Int64(),
    **_ACTIVITY,
}
"""The contribution ledger, one row per person and job (``--by-job``)."""

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
