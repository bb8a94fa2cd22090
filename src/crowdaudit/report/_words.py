"""Column and summary keys in the words the report shows, and what each measures (tooltips).

The files keep their keys (a contract); a reader of the page sees words. A key without an entry
here is still shown in words (``n_response_files`` → "number of response files"), never raw.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["describe", "words"]

_WORDS: Final[dict[str, tuple[str, str]]] = {
    # key: (label, what it measures and how)
    "job": ("job", "The labeling job."),
    "worker": ("worker", "The worker's id, as the labeling platform gives it."),
    "n_objects": ("objects", "Objects (images, texts…) this worker answered."),
    "n_answers": ("answers", "Answers given, one per worker and object."),
    "n_workers": ("workers", "Workers who answered at least one object."),
    "n_gold": ("objects with gold", "Answered objects that have a gold label."),
    "gold_correct": ("right on gold", "Answers equal to the gold label."),
    "gold_accuracy": (
        "accuracy on gold",
        "Share of this worker's answers on gold objects that equal the gold label.",
    ),
    "gold_accuracy_low": ("accuracy on gold, low end", "Low end of the 95% Wilson interval."),
    "gold_accuracy_high": ("accuracy on gold, high end", "High end of the 95% Wilson interval."),
    "n_consensus": ("objects with a consolidated label", "Objects compared with the job's label."),
    "consensus_agreement": (
        "agreement with the job's label",
        "Share of answers equal to the consolidated label the job produced (that label is "
        "partly made of this worker's own answer).",
    ),
    "n_loo": ("objects with other answers", "Objects that other workers answered too."),
    "loo_agreement": (
        "agreement with the other workers",
        "Share of answers equal to the majority of the other workers on the same object; a tie "
        "among the others counts as a disagreement, so with 3 answers per object good workers "
        "score below 100%.",
    ),
    "skill": (
        "skill (estimated)",
        "Estimated share of this worker's answers that are right, from a model of all answers "
        "together; needs no gold.",
    ),
    "skill_low": ("skill, low end", "Low end of the 90% range of the skill estimate."),
    "skill_high": ("skill, high end", "High end of the 90% range of the skill estimate."),
    "verdict": (
        "verdict",
        "check: the evidence says look at this worker's answers; ok or trusted: nothing stands "
        "out; not enough data: too few answers to tell.",
    ),
    "verdict_reason": ("why", "The reason for the verdict, in words."),
    "flag_reason": ("why flagged", "The evidence behind the flags, in words."),
    "ds_accuracy": (
        "accuracy estimated by Dawid-Skene",
        "Share of answers right according to a Dawid-Skene model of all answers (no gold).",
    ),
    "one_coin_accuracy": (
        "accuracy estimated by the one-coin model",
        "Share of answers right according to a one-coin model of all answers (no gold).",
    ),
    "kappa": (
        "kappa against the other workers",
        "Cohen's kappa between this worker's answers and the other workers' majority on the same "
        "objects: agreement beyond chance, 1 perfect, 0 no better than chance.",
    ),
    "n_kappa": ("objects in the kappa", "Objects the kappa is computed on."),
    "spam_score": (
        "spam score",
        "How close the answers are to random or always the same label: 0 good, 1 spam-like.",
    ),
    "median_seconds": ("median seconds per object", "Median time spent on one object."),
    "total_seconds": ("total time", "Time spent on all objects."),
    "first_submitted_at": ("first answer", "When the first answer was submitted."),
    "last_submitted_at": ("last answer", "When the last answer was submitted."),
    "flag_same_answer": ("same answer every time", "Gave one label to nearly every object."),
    "flag_inverted": ("labels swapped", "Answers systematically swapped between labels."),
    "flag_low_skill": ("low skill", "Estimated skill well below the job's."),
    "flag_fast_and_disagreeing": (
        "fast and disagreeing",
        "Much faster than the others and often disagreeing with them.",
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
