"""ML utility (release vs original on the real test split) and the utility measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import InvalidParameterError
from workbench.utility import aecs, discernibility, entropy_loss, ml_utility

QIS = ["age", "education", "marital-status", "occupation", "race", "sex", "native-country"]


def _pycanon_k(result) -> int:
    """k of a release by pyCANON (independent of our code), on a fresh RangeIndex with missing values as text."""
    from pycanon import anonymity

    frame = result.data[list(result.quasi_identifiers)].reset_index(drop=True).astype(object).fillna("?").astype(str)
    return anonymity.k_anonymity(frame, list(result.quasi_identifiers))


@pytest.fixture(scope="module")
def split(adult):
    return adult.train.sample(3000, random_state=0), adult.test.sample(1500, random_state=0)


@pytest.mark.parametrize("method", ["optimal", "mondrian"])
def test_ml_utility_release_vs_original(split, method, digest):
    train, test = split
    released = wb.anonymise(train, k=10, method=method, quasi_identifiers=QIS, sensitive=["income"])
    assert _pycanon_k(released) >= 10
    before = digest(test)
    scores = ml_utility(released, test, target="income", max_iter=30)
    assert digest(test) == before
    for key in ("accuracy_released", "accuracy_original", "auc_released", "auc_original"):
        assert 0.5 < scores[key] <= 1.0
    majority = (test["income"] == "<=50K").mean()
    assert scores["accuracy_original"] > majority and scores["accuracy_released"] > majority
    assert scores["n_train_released"] == len(released.data)
    assert scores["n_train_original"] == len(train)


def test_ml_utility_on_dataframe_and_test_rows_left_out(adult):
    frame = adult.frame.sample(3000, random_state=4)
    released = wb.anonymise(frame, k=5, method="mondrian", quasi_identifiers=QIS, sensitive=[])
    assert _pycanon_k(released) >= 5
    test = frame.iloc[:500]
    scores = ml_utility(released, test, target="income", max_iter=20)
    assert scores["n_train_released"] == 2500 and scores["n_train_original"] == 2500
    plain = ml_utility(released.data, test, target="income", max_iter=20)
    assert np.isnan(plain["accuracy_original"]) and plain["accuracy_released"] > 0.6


def test_ml_utility_errors(adult, diabetes):
    with pytest.raises(InvalidParameterError, match="numeric"):
        ml_utility(diabetes.frame, diabetes.frame, target="progression")
    with pytest.raises(LookupError, match="incme"):
        ml_utility(adult.frame.head(50), adult.frame.head(50), target="incme")
    with pytest.raises(InvalidParameterError, match="test DataFrame"):
        ml_utility(adult.frame.head(50), adult.frame.head(0), target="income")


def test_measures_by_hand():
    assert discernibility(np.array([2, 3]), 1, 6) == 4 + 9 + 6
    assert aecs(np.array([2, 4]), 2) == 1.5
    assert entropy_loss(np.array([0, 1, 2, 3]), np.array([0, 1, 2, 3])) == 0.0
    assert entropy_loss(np.array([0, 1, 2, 3]), np.zeros(4, dtype=int)) == 1.0
    assert entropy_loss(np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1])) == pytest.approx(0.5)


def test_metrics_of_a_release_are_consistent(adult):
    frame = adult.frame.sample(1000, random_state=9)
    result = wb.anonymise(frame, k=5, quasi_identifiers=QIS, sensitive=[])
    assert _pycanon_k(result) == result.statement.k >= 5
    sizes = result.risk.class_sizes.to_numpy()
    m = result.metrics
    assert m["discernibility"] == pytest.approx((sizes**2).sum() + result.statement.suppressed * len(frame))
    assert m["aecs"] == pytest.approx(sizes.sum() / len(sizes) / 5)
    assert 0 < m["entropy_loss"] < 1 and 0 < m["information_loss"] < 1
    assert isinstance(pd.Series(m), pd.Series)


def test_ml_utility_on_text_columns_with_missing_test_categories(patients):
    """Arrow-backed string columns (pandas 3) with values unseen in training map to missing, not to an error."""
    train = patients.train.drop(columns=["date_of_birth"]).sample(600, random_state=1)
    test = patients.test.drop(columns=["date_of_birth"]).sample(300, random_state=1)
    scores = ml_utility(train, test, target="income", max_iter=20)
    assert 0.6 < scores["accuracy_released"] <= 1
