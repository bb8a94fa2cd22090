"""A synthetic Ground Truth job with two planted spammers, for the report's and the verdicts'
tests: 12 workers, 300 objects, gold for every object."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from tests.account_support import write_job

__all__ = ["HONEST", "LABELS", "SPAMMERS", "planted_job"]

SPAMMERS = ("public.us-east-1.SPAMMERAAAA1", "public.us-east-1.SPAMMERBBBB2")
HONEST = tuple(f"public.us-east-1.HONEST{i:02d}" for i in range(10))
LABELS = ("cat", "dog", "bird", "fish")


def planted_job(root: Path, *, errors_meet: bool = False) -> tuple[Path, Path]:
    """300 objects, 3 answers each; every honest worker is wrong on exactly 1 in 10 of their
    answers (8 of 80), never on an object where another honest worker is wrong (independent
    errors over 4 labels seldom meet on one object with the same wrong label); the two spammers
    answer "cat" to everything at once, each sharing every sixth object with two honest
    workers. Gold for every object.

    ``errors_meet``: each honest worker is wrong on their 10th, 20th, ... answer instead, so that
    neighbours in the rotation are often wrong together, with the same label: the others'
    majority is then wrong and the worker who was right seems to disagree.
    """
    answers = []
    truth = {str(t): LABELS[(t * 7) % len(LABELS)] for t in range(300)}
    answered = dict.fromkeys(HONEST, 0)
    owed = dict.fromkeys(HONEST, 0)  # errors due (one per 10 answers) and not yet made
    for t in range(300):
        spammer = SPAMMERS[t % 2] if t % 3 == 0 else None
        honest = [HONEST[(t + k) % len(HONEST)] for k in range(3 if spammer is None else 2)]
        wrong_here = False
        for worker in honest:
            answered[worker] += 1
            owed[worker] += answered[worker] % 10 == 5
            wrong = owed[worker] > 0 and not wrong_here
            if errors_meet:
                wrong, owed[worker] = answered[worker] % 10 == 0, 0
            if wrong:
                owed[worker] -= 1
                wrong_here = True
            right = truth[str(t)]
            label = LABELS[(LABELS.index(right) + 1) % len(LABELS)] if wrong else right
            answers.append((str(t), worker, label, t))
        if spammer is not None:
            answers.append((str(t), spammer, "cat", t))
    folder = write_job(root, "planted", answers, start=datetime(2026, 6, 1, tzinfo=UTC))
    gold = root / "gold.csv"
    pl.DataFrame({"task": list(truth), "label": list(truth.values())}).write_csv(gold)
    return folder, gold
