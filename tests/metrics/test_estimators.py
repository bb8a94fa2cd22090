"""Majority vote, Dawid-Skene and one-coin Dawid-Skene: hand-checked and against crowd-kit."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from crowdkit.aggregation import DawidSkene as CKDawidSkene
from crowdkit.aggregation import MajorityVote as CKMajorityVote
from crowdkit.aggregation import OneCoinDawidSkene as CKOneCoin
from skill_fixtures import (
    GAL_TOY,
    GAL_TOY_GOLD,
    accuracy,
    crowdkit_labels,
    gold_series,
    load_dataset,
    run_crowdkit,
)

from crowdaudit.errors import EmptyJobError, GoldFormatError
from crowdaudit.metrics._encoding import encode_answers
from crowdaudit.metrics.estimators import DawidSkene, MajorityVote, OneCoinDawidSkene


def _labels(estimator: MajorityVote | DawidSkene | OneCoinDawidSkene) -> dict[str, str]:
    return dict(estimator.labels_.iter_rows())


def test_majority_vote_gal_toy_by_hand() -> None:
    mv = MajorityVote().fit(GAL_TOY)
    # url1: 3 notporn / 2 porn; url5: worker1, 2, 5 say porn.
    assert _labels(mv) == {
        "url1": "notporn",
        "url2": "porn",
        "url3": "notporn",
        "url4": "porn",
        "url5": "porn",
    }
    assert mv.probas_[0].tolist() == [0.6, 0.4]
    assert accuracy(_labels(mv), GAL_TOY_GOLD) == pytest.approx(0.4)


def test_majority_vote_tie_goes_to_smallest_label() -> None:
    answers = pl.DataFrame(
        {
            "task": ["t", "t", "u", "u"],
            "worker": ["a", "b", "a", "b"],
            "label": ["z", "b", "b", "z"],
        }
    )
    assert _labels(MajorityVote().fit(answers)) == {"t": "b", "u": "b"}


def test_encoding_is_sorted_and_unicode_safe() -> None:
    answers = pl.DataFrame(
        {"task": ["é", "a", "é"], "worker": ["w2", "w1", "w1"], "label": ["chat", "小狗", "chat"]}
    )
    enc = encode_answers(answers)
    assert enc.tasks.to_list() == ["a", "é"]
    assert enc.workers.to_list() == ["w1", "w2"]
    assert enc.classes == ("chat", "小狗")
    assert enc.task.tolist() == [1, 0, 1]
    assert enc.label.tolist() == [0, 1, 0]
    assert _labels(DawidSkene().fit(answers)) == {"a": "小狗", "é": "chat"}


@pytest.mark.parametrize("column", ["task", "worker", "label"])
def test_missing_or_null_column_is_rejected(column: str) -> None:
    with pytest.raises(ValueError, match=column):
        encode_answers(GAL_TOY.drop(column))
    with pytest.raises(ValueError, match=column):
        encode_answers(GAL_TOY.with_columns(pl.lit(None, dtype=pl.String).alias(column)))


@pytest.mark.parametrize("options", [{"max_iter": 0}, {"tol": -1.0}, {"smoothing": -0.1}], ids=str)
def test_bad_hyper_parameters(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="max_iter"):
        DawidSkene(**options)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_iter"):
        OneCoinDawidSkene(**options)  # type: ignore[arg-type]


def test_dawid_skene_matches_crowdkit_on_gal_toy() -> None:
    # Same model, same start, same number of iterations: the same posteriors and confusion.
    ours = DawidSkene(max_iter=6, tol=0.0, smoothing=0.0).fit(GAL_TOY)
    theirs = run_crowdkit(CKDawidSkene(n_iter=6, tol=-np.inf), GAL_TOY)
    assert _labels(ours) == crowdkit_labels(theirs)
    probas = theirs.probas_.loc[list(ours.tasks_), list(ours.classes_)].to_numpy()
    np.testing.assert_allclose(ours.probas_, probas, atol=1e-6)
    np.testing.assert_allclose(ours.priors_, theirs.priors_[list(ours.classes_)], atol=1e-6)
    errors = theirs.errors_
    for w, worker in enumerate(ours.workers_):
        for k, true in enumerate(ours.classes_):
            for answered in errors.loc[worker].index:
                expected = errors.loc[(worker, answered), true]
                got = ours.confusion_[w, k, ours.classes_.index(str(answered))]
                assert got == pytest.approx(expected, abs=1e-6)


def test_dawid_skene_gal_toy_by_hand() -> None:
    ds = DawidSkene(smoothing=0.0).fit(GAL_TOY)
    # Workers 3 and 4 agree on everything and outweigh the rest; worker5 is their mirror image.
    assert _labels(ds) == {
        "url1": "notporn",
        "url2": "porn",
        "url3": "notporn",
        "url4": "porn",
        "url5": "notporn",
    }
    assert ds.converged_
    accuracy_by_worker = dict(zip(ds.workers_.to_list(), ds.accuracy_.tolist(), strict=True))
    assert accuracy_by_worker["worker3"] == pytest.approx(1.0, abs=1e-6)
    assert accuracy_by_worker["worker5"] == pytest.approx(0.0, abs=1e-6)
    # worker1 answers "porn" always: right on the 2 porn tasks of 5.
    assert accuracy_by_worker["worker1"] == pytest.approx(0.4, abs=1e-6)
    np.testing.assert_allclose(ds.confusion_.sum(axis=2), 1.0)


def test_dawid_skene_gold_clamping_matches_crowdkit() -> None:
    gold = GAL_TOY_GOLD.head(3)
    ours = DawidSkene(max_iter=6, tol=0.0, smoothing=0.0).fit(GAL_TOY, gold=gold)
    theirs = run_crowdkit(CKDawidSkene(n_iter=6, tol=-np.inf), GAL_TOY, gold_series(gold))
    assert _labels(ours) == crowdkit_labels(theirs)
    probas = theirs.probas_.loc[list(ours.tasks_), list(ours.classes_)].to_numpy()
    np.testing.assert_allclose(ours.probas_, probas, atol=1e-6)
    assert ours.probas_[:3].tolist() == [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]


def test_conflicting_gold_is_an_error() -> None:
    gold = pl.DataFrame({"task": ["url1", "url1"], "label": ["porn", "notporn"]})
    with pytest.raises(GoldFormatError, match="url1"):
        DawidSkene().fit(GAL_TOY, gold=gold)


def test_one_coin_matches_crowdkit_on_gal_toy() -> None:
    ours = OneCoinDawidSkene(max_iter=6, tol=0.0, smoothing=0.0).fit(GAL_TOY)
    theirs = run_crowdkit(CKOneCoin(n_iter=6, tol=-np.inf), GAL_TOY)
    assert _labels(ours) == crowdkit_labels(theirs)
    skills = theirs.skills_.loc[ours.workers_.to_list()].to_numpy()
    np.testing.assert_allclose(ours.skills_, skills, atol=1e-6)
    probas = theirs.probas_.loc[list(ours.tasks_), list(ours.classes_)].to_numpy()
    np.testing.assert_allclose(ours.probas_, probas, atol=1e-6)


def test_estimators_are_deterministic() -> None:
    first = DawidSkene().fit(GAL_TOY)
    second = DawidSkene().fit(GAL_TOY.reverse())
    np.testing.assert_allclose(first.probas_, second.probas_, atol=1e-12)
    np.testing.assert_allclose(first.confusion_, second.confusion_, atol=1e-12)


def test_sparse_workers_stay_finite() -> None:
    # 3,000 workers answering one task each next to two regular workers: no NaN, no warning.
    rng = np.random.default_rng(7)
    tasks = [f"t{i}" for i in range(1000)]
    truth = rng.integers(0, 3, size=1000)
    rows = []
    for worker in ("regular1", "regular2"):
        rows += [(t, worker, f"c{y}") for t, y in zip(tasks, truth, strict=True)]
    for j in range(3000):
        t = int(rng.integers(0, 1000))
        rows.append((tasks[t], f"once{j}", f"c{int(rng.integers(0, 3))}"))
    answers = pl.DataFrame(rows, schema=["task", "worker", "label"], orient="row")
    answers = answers.unique(["task", "worker"], keep="first")
    for estimator in (DawidSkene(smoothing=0.0), DawidSkene(), OneCoinDawidSkene()):
        estimator.fit(answers)
        assert np.isfinite(estimator.probas_).all()
        np.testing.assert_allclose(estimator.probas_.sum(axis=1), 1.0)
        truth_labels = {t: f"c{y}" for t, y in zip(tasks, truth, strict=True)}
        assert np.mean([truth_labels[t] == y for t, y in _labels(estimator).items()]) > 0.99


@pytest.mark.parametrize("estimator", [MajorityVote(), DawidSkene(), OneCoinDawidSkene()])
def test_empty_table(estimator: MajorityVote | DawidSkene | OneCoinDawidSkene) -> None:
    empty = pl.DataFrame(schema={"task": pl.String, "worker": pl.String, "label": pl.String})
    with pytest.raises(EmptyJobError, match="no answers"):
        estimator.fit(empty)


def test_single_class_job() -> None:
    answers = pl.DataFrame({"task": ["a", "b", "a"], "worker": ["x", "x", "y"], "label": ["n"] * 3})
    for estimator in (MajorityVote(), DawidSkene(), OneCoinDawidSkene()):
        estimator.fit(answers)
        assert _labels(estimator) == {"a": "n", "b": "n"}
        assert estimator.probas_.tolist() == [[1.0], [1.0]]


@pytest.mark.datasets
@pytest.mark.parametrize("name", ["bluebirds", "sp-amt"])
def test_dawid_skene_matches_crowdkit_on_real_data(name: str) -> None:
    answers, gold = load_dataset(name)
    ours = DawidSkene(max_iter=4, tol=0.0, smoothing=0.0).fit(answers)
    theirs = run_crowdkit(CKDawidSkene(n_iter=4, tol=-np.inf), answers)
    assert _labels(ours) == crowdkit_labels(theirs)
    probas = theirs.probas_.loc[list(ours.tasks_), list(ours.classes_)].to_numpy()
    np.testing.assert_allclose(ours.probas_, probas, atol=1e-6)
    # And with each library's own stopping rule, accuracy on gold within one point.
    ours_default = DawidSkene().fit(answers)
    theirs_default = run_crowdkit(CKDawidSkene(n_iter=100, tol=1e-5), answers)
    ours_accuracy = accuracy(_labels(ours_default), gold)
    assert ours_accuracy == pytest.approx(accuracy(crowdkit_labels(theirs_default), gold), abs=0.01)


@pytest.mark.datasets
@pytest.mark.parametrize("name", ["rte"])
def test_majority_vote_and_one_coin_match_crowdkit_on_real_data(name: str) -> None:
    answers, _ = load_dataset(name)
    mv = MajorityVote().fit(answers)
    theirs = crowdkit_labels(run_crowdkit(CKMajorityVote(), answers))
    top = mv.probas_.max(axis=1, keepdims=True)
    clear = (mv.probas_ == top).sum(axis=1) == 1
    ours = _labels(mv)
    for task in mv.tasks_.filter(pl.Series(clear)).to_list():
        assert ours[task] == theirs[task]
    one_coin = OneCoinDawidSkene(max_iter=4, tol=0.0, smoothing=0.0).fit(answers)
    ck_one_coin = run_crowdkit(CKOneCoin(n_iter=4, tol=-np.inf), answers)
    skills = ck_one_coin.skills_.loc[one_coin.workers_.to_list()].to_numpy()
    np.testing.assert_allclose(one_coin.skills_, skills, atol=1e-6)
    assert _labels(one_coin) == crowdkit_labels(ck_one_coin)
