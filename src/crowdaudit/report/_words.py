"""Column and summary keys in the words the report shows, and what each measures (tooltips).

The files keep their keys (a contract); a reader of the page sees words. A key without an entry
here is still shown in words (``n_response_files`` → "number of response files"), never raw.
"""

from __future__ import annotations

import re
from typing import Final

from crowdaudit.metrics.verdicts import FlagThresholds
from crowdaudit.schema import COL

__all__ = ["describe", "words"]

_T: Final = FlagThresholds()
"""The default thresholds, quoted in the words of the flags and verdicts."""

_WORDS: Final[dict[str, tuple[str, str]]] = {
    # key: (label, what it measures and how)
    COL.JOB: ("job", "The labeling job."),
    COL.WORKER: ("worker", "The worker's id, as the labeling platform gives it."),
    COL.N_OBJECTS: ("objects", "Objects (images, texts…) this worker answered."),
    "n_answers": ("answers", "Answers given, one per worker and object."),
    "n_workers": ("workers", "Workers who answered at least one object."),
    COL.N_GOLD: ("objects with gold", "Answered objects that have a gold label."),
    COL.GOLD_CORRECT: ("right on gold", "Answers equal to the gold label."),
    COL.GOLD_ACCURACY: (
        "accuracy on gold",
        "Share of this worker's answers on gold objects that equal the gold label.",
    ),
    COL.GOLD_ACCURACY_LOW: ("accuracy on gold, low end", "Low end of the 95% Wilson interval."),
    COL.GOLD_ACCURACY_HIGH: ("accuracy on gold, high end", "High end of the 95% Wilson interval."),
    COL.N_CONSENSUS: (
        "objects with a consolidated label",
        "Objects compared with the job's label.",
    ),
    COL.CONSENSUS_AGREEMENT: (
        "agreement with the job's label",
        "Share of answers equal to the consolidated label the job produced (that label is "
        "partly made of this worker's own answer).",
    ),
    COL.N_LOO: ("objects with other answers", "Objects that other workers answered too."),
    COL.LOO_AGREEMENT: (
        "agreement with the other workers",
        "Share of answers equal to the majority of the other workers on the same object; a tie "
        "among the others counts as a disagreement, so good workers score below 100%: compare "
        "with the job's median.",
    ),
    COL.SKILL: (
        "skill (estimated)",
        "Estimated share of this worker's answers that are right, from a model of all answers "
        "together; needs no gold.",
    ),
    COL.SKILL_LOW: ("skill, low end", "Low end of the 90% range of the skill estimate."),
    COL.SKILL_HIGH: ("skill, high end", "High end of the 90% range of the skill estimate."),
    COL.VERDICT: (
        "verdict",
        "check: the evidence says look at this worker's answers; trusted: at least "
        f"{_T.min_answers} answers and the whole skill range at or above the job's median skill; "
        "ok: nothing stands out; not enough data: too few answers to tell.",
    ),
    COL.VERDICT_REASON: ("why", "The reason for the verdict, in words."),
    COL.FLAG_REASON: ("why flagged", "The evidence behind the flags, in words."),
    COL.DS_ACCURACY: (
        "accuracy estimated by Dawid-Skene",
        "Share of answers right according to a Dawid-Skene model of all answers (no gold).",
    ),
    COL.ONE_COIN_ACCURACY: (
        "accuracy estimated by the one-coin model",
        "Share of answers right according to a one-coin model of all answers (no gold).",
    ),
    COL.KAPPA: (
        "kappa against the other workers",
        "Cohen's kappa between this worker's answers and the other workers' majority on the same "
        "objects: agreement beyond chance, 1 perfect, 0 no better than chance.",
    ),
    COL.N_KAPPA: ("objects in the kappa", "Objects the kappa is computed on."),
    COL.SPAM_SCORE: (
        "spam score",
        "How close the answers are to random or always the same label: 0 good, 1 spam-like.",
    ),
    COL.MEDIAN_SECONDS: ("median seconds per object", "Median time spent on one object."),
    COL.TOTAL_SECONDS: ("total time", "Time spent on all objects."),
    COL.FIRST_SUBMITTED_AT: ("first answer", "When the first answer was submitted."),
    COL.LAST_SUBMITTED_AT: ("last answer", "When the last answer was submitted."),
    COL.FLAG_SAME_ANSWER: (
        "same answer every time",
        f"Gave one label to at least {_T.same_answer_share:.0%} of the objects, far more often "
        "than the recommended labels of those objects are that label.",
    ),
    COL.FLAG_INVERTED: (
        "consistently wrong",
        f"Most answers wrong, and not at random: the whole skill range is below "
        f"{_T.inverted_max_skill:.0%} while the spam score is at most {_T.inverted_max_spam}.",
    ),
    COL.FLAG_LOW_SKILL: (
        "low skill",
        "The whole skill range is below halfway between chance and the job's median skill.",
    ),
    COL.FLAG_FAST_AND_DISAGREEING: (
        "fast and disagreeing",
        f"Median time under {_T.fast_ratio:.0%} of the job's, kappa with the others under "
        f"{_T.fast_max_kappa}, and the whole skill range below the job's median.",
    ),
    "majority_vote": ("majority vote", "The label most workers gave."),
    "dawid_skene": ("Dawid-Skene", "The label a Dawid-Skene model of all answers finds likeliest."),
    "one_coin": ("one-coin model", "A model giving each worker one chance of being right."),
    "pooled": ("pooled skill model", "The model the skills and verdicts come from."),
    "recommended": (
        "recommended label",
        "The label items.csv recommends: the four models' average vote.",
    ),
    "consolidated": ("the job's consolidated label", "The label the labeling job produced."),
    "class_priors": (
        "share of each label",
        "How common each label is, estimated from all answers.",
    ),
    "fleiss_kappa": ("Fleiss' kappa", "Agreement among all workers beyond chance."),
    "fleiss_kappa_reason": ("why no Fleiss' kappa", "Why Fleiss' kappa could not be computed."),
    "krippendorff_alpha": ("Krippendorff's alpha", "Agreement among all workers beyond chance."),
    "task_type": ("task type", "What kind of labeling task this is."),
    "label_attribute": ("label attribute", "Where the output manifest holds the job's labels."),
    "crowdaudit_version": ("crowdaudit version", "The version that wrote this report."),
}

_PARTS: Final[dict[str, str]] = {
    "n": "number of",
    "ds": "Dawid-Skene",
    "loo": "other workers'",
    "at": "at",
    "usd": "USD",
}
_KEY: Final = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def words(key: str) -> str:
    """``key`` as the page shows it: its label, or its parts in words."""
    if key in _WORDS:
        return _WORDS[key][0]
    if not _KEY.match(key):
        return key
    parts = key.split("_")
    if parts[0] == "n" and parts[1:2] == ["flag"]:
        return "workers flagged " + words("flag_" + "_".join(parts[2:]))
    if parts[0] == "n" and parts[1:2] == ["verdict"]:
        return "workers with verdict " + " ".join(parts[2:])
    return " ".join(_PARTS.get(part, part) for part in parts)


def describe(key: str) -> str:
    """What ``key`` measures and how, for a tooltip; its words when nothing more is known."""
    return _WORDS[key][1] if key in _WORDS else words(key)
