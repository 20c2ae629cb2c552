"""ROC, AUC, advantage, TPR at low FPR and the empirical epsilon lower bound, checked against independent code."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta, binomtest
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from workbench.audit import metrics
from workbench.errors import EmptyDataError, InvalidParameterError


def _randomized_response(epsilon: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores of an epsilon-DP mechanism: each record says "member" with probability e^ε/(1+e^ε) if it is one."""
    rng = np.random.default_rng(seed)
    labels = np.r_[np.ones(n, bool), np.zeros(n, bool)]
    p = math.exp(epsilon) / (1.0 + math.exp(epsilon))
    truthful = rng.random(2 * n) < p
    said_member = np.where(truthful, labels, ~labels)
    return said_member.astype(float), labels


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_and_auc_match_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    labels = rng.random(500) < 0.4
    scores = np.round(rng.normal(labels * 0.7, 1.0), 1)  # rounding makes many ties
    fpr, tpr, _ = metrics.roc_curve(scores, labels)
    sk_fpr, sk_tpr, _ = sk_roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)
    assert metrics.auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert metrics.advantage(scores, labels) == pytest.approx(np.max(sk_tpr - sk_fpr))


def test_tpr_at_fpr_never_interpolates():
    # non-members 0..999 (one per FPR step of 0.1 %), members: ten above all non-members, the rest in between
    non = np.arange(1000, dtype=float)
    members = np.r_[np.full(10, 2000.0), np.full(90, 998.5)]
    scores, labels = np.r_[members, non], np.r_[np.ones(100, bool), np.zeros(1000, bool)]
    assert metrics.tpr_at_fpr(scores, labels, 0.0) == pytest.approx(0.10)
    assert metrics.tpr_at_fpr(scores, labels, 0.0005) == pytest.approx(0.10)  # would be 0.55 if interpolated
    assert metrics.tpr_at_fpr(scores, labels, 0.000999) == pytest.approx(0.10)
    assert metrics.tpr_at_fpr(scores, labels, 0.001) == pytest.approx(1.0)  # 998.5 beats one non-member (999)


def test_clopper_pearson_matches_scipy_exact_interval():
    for k, n in [(0, 50), (3, 50), (25, 50), (50, 50), (17, 1000)]:
        ci = binomtest(k, n).proportion_ci(confidence_level=0.9, method="exact")
        assert float(metrics.clopper_pearson(k, n, 0.05, "lower")) == pytest.approx(ci.low, abs=1e-9)
        assert float(metrics.clopper_pearson(k, n, 0.05, "upper")) == pytest.approx(ci.high, abs=1e-9)
    assert float(metrics.clopper_pearson(5, 10, 0.025, "upper")) == pytest.approx(beta.ppf(0.975, 6, 5))


def test_bound_never_exceeds_true_epsilon_of_a_dp_mechanism():
    """Randomized response is exactly ε-DP; at 95 % confidence the bound may exceed ε in ≤ 5 % of runs."""
    epsilon = 1.0
    bounds = [metrics.epsilon_lower_bound(*_randomized_response(epsilon, 2000, s), seed=s).epsilon for s in range(40)]
    violations = sum(b > epsilon for b in bounds)
    assert violations <= 4  # expected ≤ 2; binomial(40, 0.05) exceeds 4 with probability ≈ 0.05
    assert np.median(bounds) > 0.6  # and it is not vacuous: close to the truth with 2,000 records each side


def test_bound_is_zero_for_a_blind_attack_and_honours_delta():
    rng = np.random.default_rng(3)
    labels = np.r_[np.ones(3000, bool), np.zeros(3000, bool)]
    assert metrics.epsilon_lower_bound(rng.random(6000), labels).epsilon == 0.0
    scores, labels = _randomized_response(2.0, 3000, 5)
    plain = metrics.epsilon_lower_bound(scores, labels, delta=0.0)
    with_delta = metrics.epsilon_lower_bound(scores, labels, delta=0.1)
    assert with_delta.epsilon < plain.epsilon
    assert plain.tp + plain.fn == 1500 and plain.fp + plain.tn == 1500  # evaluated on the held-out half


def test_bound_is_deterministic_and_depends_on_seed_only_through_the_split():
    scores, labels = _randomized_response(1.5, 1000, 0)
    a = metrics.epsilon_lower_bound(scores, labels, seed=4)
    b = metrics.epsilon_lower_bound(scores, labels, seed=4)
    assert a == b
    assert (
        metrics.epsilon_lower_bound(scores, labels, confidence=0.99).epsilon
        <= metrics.epsilon_lower_bound(scores, labels, confidence=0.5).epsilon
    )


@pytest.mark.parametrize(
    ("scores", "labels", "error"),
    [
        ([1.0, 2.0], [True], InvalidParameterError),
        ([1.0, float("nan")], [True, False], InvalidParameterError),
        ([1.0, 2.0], [True, True], EmptyDataError),
        ([1.0, 2.0], [2, 0], InvalidParameterError),
        (["a", "b"], [True, False], InvalidParameterError),
    ],
)
def test_bad_scores_or_labels_give_one_line_errors(scores, labels, error):
    with pytest.raises(error) as info:
        metrics.auc(scores, labels)
    assert "\n" not in str(info.value)


def test_bad_parameters_are_rejected():
    scores, labels = _randomized_response(1.0, 50, 0)
    with pytest.raises(InvalidParameterError, match="confidence"):
        metrics.epsilon_lower_bound(scores, labels, confidence=1.5)
    with pytest.raises(InvalidParameterError, match="delta"):
        metrics.epsilon_lower_bound(scores, labels, delta=-0.1)
    with pytest.raises(InvalidParameterError, match="fpr"):
        metrics.tpr_at_fpr(scores, labels, 2)
    with pytest.raises(EmptyDataError):
        metrics.epsilon_lower_bound([1.0, 0.0], [True, False])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-5, 5), min_size=4, max_size=60),
    st.lists(st.booleans(), min_size=4, max_size=60),
    st.floats(0.0, 1.0),
)
def test_metric_invariants(raw_scores, raw_labels, fpr):
    n = min(len(raw_scores), len(raw_labels))
    scores, labels = np.asarray(raw_scores[:n], float), np.asarray(raw_labels[:n])
    if labels.all() or not labels.any():
        return
    f, t, _ = metrics.roc_curve(scores, labels)
    assert np.all(np.diff(f) >= 0) and np.all(np.diff(t) >= 0)
    area = metrics.auc(scores, labels)
    assert area == pytest.approx(1.0 - metrics.auc(-scores, labels))  # flipping the scores mirrors the AUC
    assert 0.0 <= metrics.advantage(scores, labels) <= 1.0
    assert metrics.tpr_at_fpr(scores, labels, fpr) <= metrics.tpr_at_fpr(scores, labels, min(1.0, fpr + 0.1))
    if labels.sum() >= 2 and (~labels).sum() >= 2:
        assert metrics.epsilon_lower_bound(scores, labels).epsilon >= 0.0
