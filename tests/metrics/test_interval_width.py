"""More answers that agree with the others should not widen a worker's skill interval.

The property below covers workers wrong on at most 1 in 5 of their answers (400 random jobs of its
kind, searched without a fixed seed, gave no counterexample). Outside it, hypothesis found two kinds:

* a worker who is mostly wrong: their skill's Beta posterior moves toward one half when a right
  answer comes in, and a Beta interval is widest there (``Beta(1, 10)`` to ``Beta(2, 10)`` widens
  the 90 % interval from 0.25 to 0.33). That is the statistics, not a defect;
* a worker right on 3 of 5 on a tiny job, whose one agreeing answer made the job's fitted pooling
  strength jump: a defect, fixed, and kept below as a test.
"""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdaudit.metrics.pooled import PooledDawidSkene
from crowdaudit.metrics.skill import compute_skill

Rows = list[tuple[str, str, str]]


@st.composite
def jobs_with_a_mostly_right_worker(draw: st.DrawFn) -> tuple[Rows, int]:
    """8-16 objects, 4 workers wrong on about 1 in 5 of them; "steady" answers the first 5-10,
    wrong on at most 1 in 5 of those; and how many more objects steady will answer."""
    classes = ["a", "b", "c"][: draw(st.integers(2, 3))]
    truth = draw(st.lists(st.sampled_from(classes), min_size=8, max_size=16))
    rows: Rows = []
    for t, label in enumerate(truth):
        for w in range(4):
            wrong = draw(st.integers(0, 9)) < 2
            rows.append((f"t{t:02d}", f"w{w}", draw(st.sampled_from(classes)) if wrong else label))
    n_steady = draw(st.integers(5, min(10, len(truth) - 1)))
    wrong_ones = draw(st.sets(st.integers(0, n_steady - 1), max_size=n_steady // 5))
    for t in range(n_steady):
        others = [c for c in classes if c != truth[t]]
        label = draw(st.sampled_from(others)) if t in wrong_ones else truth[t]
        rows.append((f"t{t:02d}", "steady", label))
    return rows, draw(st.integers(1, len(truth) - n_steady))


def _width(rows: Rows) -> float:
    job = pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row", strict=False)
    row = compute_skill(job).workers.filter(pl.col("worker") == "steady").row(0, named=True)
    return float(row["skill_high"] - row["skill_low"])


def _agreeing_answers(rows: Rows, n_more: int) -> Rows:
    """Steady's next ``n_more`` objects, answered with the others' label there (objects where the
    others tie are skipped)."""
    answered = {task for task, worker, _ in rows if worker == "steady"}
    fresh = sorted({task for task, _, _ in rows} - answered)[:n_more]
    extra: Rows = []
    for task in fresh:
        votes: dict[str, int] = {}
        for t, _, label in rows:
            if t == task:
                votes[label] = votes.get(label, 0) + 1
        top = sorted(votes.values(), reverse=True)
        if len(top) > 1 and top[0] == top[1]:
            continue
        extra.append((task, "steady", max(votes, key=lambda label: votes[label])))
    return extra


@settings(max_examples=40, deadline=None)
@given(jobs_with_a_mostly_right_worker())
def test_agreeing_answers_never_widen_a_mostly_right_worker_s_interval(
    job: tuple[Rows, int],
) -> None:
    rows, n_more = job
    before = _width(rows)
    after = _width(rows + _agreeing_answers(rows, n_more))
    assert after <= before + 1e-9


_TINY_JOB: Rows = [
    (f"t{t:02d}", f"w{w}", "b" if (t, w) in {(6, 1), (8, 2)} else "a")
    for t in range(12)
    for w in range(4)
] + [(f"t{t:02d}", "steady", label) for t, label in enumerate("aaabb")]
"""Four workers say "a" on 12 objects (two slips to "b"); steady says "b" on 2 of their 5."""


def test_one_agreeing_answer_does_not_widen_the_interval_on_a_tiny_job() -> None:
    # Found by the property test above: with the pooling strength taken as the grid's single
    # best, this one agreeing answer moved it from 31.6 to 2000 across an evidence flat to
    # 0.05 nats, every worker's skill dropped by about 0.05 and steady's interval widened from
    # 0.225 to 0.246. The strength is now averaged over the grid by its evidence.
    more = _agreeing_answers(_TINY_JOB, 1)
    assert more == [("t05", "steady", "a")]
    assert _width(_TINY_JOB + more) <= _width(_TINY_JOB) + 1e-9
    before, after = (_pooling(rows) for rows in (_TINY_JOB, _TINY_JOB + more))
    assert 0.5 < after / before < 2.0


def _pooling(rows: Rows) -> float:
    answers = pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row")
    return PooledDawidSkene().fit(answers).pooling_
