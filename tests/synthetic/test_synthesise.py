"""Real MST fits on a small table: statements re-derived, marginals, determinism, identifiers, errors, budget."""

from __future__ import annotations

import math
import threading
import warnings

import numpy as np
import pandas as pd
import pytest

from tests.conftest import frame_digest
from tests.synthetic.conftest import BOUNDS, small_frame
from workbench.errors import (
    BudgetExceededError,
    InvalidParameterError,
    PrivacyLeakWarning,
    UnknownColumnError,
    UnknownNameError,
)


def test_release_has_the_columns_and_dtypes_and_never_an_identifier(fit, small):
    expected = small.frame.drop(columns=["name"])
    assert list(fit.data.columns) == list(expected.columns)
    assert fit.data.dtypes.equals(expected.dtypes)
    assert "name" not in fit.data.columns
    assert not fit.data.isin(small.frame["name"].tolist()).any().any()
    assert fit.data["age"].between(17, 90).all() and fit.data["hours"].between(1, 99).all()
    assert fit.technique == "dp-synthetic"
    assert set(fit.summary()) >= {"technique", "epsilon", "accuracy", "tv_1way"}


def test_statement_is_rederived_from_its_steps(fit, small):
    s = fit.statement
    gaussian = [st for st in s.steps if st.kind == "gaussian"]
    chosen = [st for st in s.steps if st.kind == "exponential"]
    d = 5  # age, sex, education, hours, income
    assert len(gaussian) == d + (d - 1) and len(chosen) == d - 1  # 1-ways, tree edges; d − 1 selections
    rho = sum(1 / (2 * st.scale**2) for st in gaussian) + sum(st.scale**2 / 8 for st in chosen)
    assert s.rho_spent == pytest.approx(rho, rel=1e-12)
    assert s.rho_spent == pytest.approx(s.rho, rel=1e-9)  # MST spends its whole budget
    # MST's thirds: σ of the 1-ways is √(3d / (2ρ)), of the 2-ways √(3(d−1) / (2ρ))
    assert gaussian[0].scale == pytest.approx(math.sqrt(3 * d / (2 * s.rho)))
    assert gaussian[-1].scale == pytest.approx(math.sqrt(3 * (d - 1) / (2 * s.rho)))
    assert s.epsilon <= 1.0 and s.epsilon == pytest.approx(1.0, abs=1e-6)
    assert s.epsilon == pytest.approx(s.recompute(), rel=1e-12)
    assert s.delta == pytest.approx(1 / (10 * len(small.train)))
    text = s.plain_language()
    assert "ε = 1" in text and "age: 16 bins on [17, 90] (given)" in text and "sex: 2 categories" in text
    assert type(s).from_dict(s.to_dict()) == s


def test_metrics_and_privacy_checks_are_measured(fit):
    m = fit.metrics
    keys = ["tv_1way", "tv_2way", "accuracy", "accuracy_original", "mia_auc", "mia_advantage",
            "dcr_share_closer_to_train", "exact_copy_share", "reidentification_rate", "linkage_advantage"]  # fmt: skip
    for key in keys:
        assert key in m and np.isfinite(m[key]), key
    assert 0 <= m["tv_1way"] <= m["tv_2way"] + 1e-9 <= 1
    assert m["accuracy"] > m["majority_accuracy"] - 0.05
    assert 0.3 < m["mia_auc"] < 0.7 and 0.3 < m["dcr_share_closer_to_train"] < 0.7
    assert set(fit.marginals["sex"]) == {"labels", "real", "synthetic"}


def test_same_seed_same_table_and_sample(small, fit):
    from workbench.synthetic import synthesise

    again = synthesise(small, epsilon=1.0, bounds=BOUNDS, public_schema=True, seed=0, ledger=False, evaluate=False)
    pd.testing.assert_frame_equal(again.data, fit.data)
    pd.testing.assert_frame_equal(again.sample(500), fit.sample(500))
    more = fit.sample(20_000, seed=3)
    assert more.shape == (20_000, fit.data.shape[1]) and more.dtypes.equals(fit.data.dtypes)


def test_marginals_close_at_large_epsilon_noisier_at_small(small):
    seed = 1
    from workbench.synthetic import synthesise

    big = synthesise(small, epsilon=500.0, bounds=BOUNDS, public_schema=True, seed=seed, ledger=False,
                     evaluate=False)  # fmt: skip
    tiny = synthesise(small, epsilon=0.05, bounds=BOUNDS, public_schema=True, seed=seed, ledger=False,
                      evaluate=False)  # fmt: skip
    real = small.train.drop(columns=["name"])
    for col in ("sex", "education", "income"):
        want = real[col].value_counts(normalize=True)
        got = big.data[col].value_counts(normalize=True).reindex(want.index, fill_value=0)
        assert np.abs(got - want).max() < 0.03, col
    # the 2-way structure survives at large ε: income by education
    want = pd.crosstab(real["education"], real["income"], normalize="index")
    got = pd.crosstab(big.data["education"], big.data["income"], normalize="index")
    assert np.abs(got - want).to_numpy().max() < 0.06

    from workbench.synthetic._metrics import fidelity

    rng = np.random.default_rng(0)
    close = fidelity(real, big.data, big.domain, rng)
    noisy = fidelity(real, tiny.data, tiny.domain, rng)
    assert close["tv_1way"] < 0.03 and noisy["tv_2way"] > close["tv_2way"]


def test_domain_from_private_rows_warns_and_public_bounds_do_not(small):
    from workbench.synthetic.synthesise import _domain

    columns = ["age", "sex", "education", "hours", "income"]
    with pytest.warns(PrivacyLeakWarning, match="range of 'age'"):
        _domain(small, columns, None, None, False, 16)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrivacyLeakWarning)
        domain = _domain(small, columns, BOUNDS, None, True, 16)
    assert domain.leaks() == ()


def test_bundled_adult_domain_is_public(adult):
    from workbench.synthetic.synthesise import _domain

    with warnings.catch_warnings():
        warnings.simplefilter("error", PrivacyLeakWarning)
        domain = _domain(adult, list(adult.frame.columns), None, None, False, 16)
    assert {c.source for c in domain.columns} == {"schema"}


def test_bad_inputs_are_one_line_errors(small):
    from workbench.synthetic import synthesise

    digest = frame_digest(small.frame)
    cases = [
        ({"epsilon": 0.0}, InvalidParameterError, "'epsilon' parameter of synthesise"),
        ({"epsilon": 1.0, "method": "gan"}, UnknownNameError, "mst"),
        ({"epsilon": 1.0, "bounds": {"salary": (0, 1)}}, UnknownColumnError, "salary"),
        ({"epsilon": 1.0, "bounds": {"age": (90, 17)}}, InvalidParameterError, "low < high"),
        ({"epsilon": 1.0, "delta": 2.0}, InvalidParameterError, "'delta' parameter"),
        ({"epsilon": 1.0, "categories": {"sex": ["F"]}}, InvalidParameterError, "outside its declared categories"),
    ]
    for kwargs, error, text in cases:
        with pytest.raises(error, match=text) as info:
            synthesise(small, ledger=False, bounds=kwargs.pop("bounds", BOUNDS), public_schema=True, **kwargs)
        assert "\n" not in str(info.value)
    with pytest.raises(InvalidParameterError, match="Dataset or a DataFrame"):
        synthesise([1, 2], epsilon=1.0)
    assert frame_digest(small.frame) == digest


@pytest.mark.parametrize(("value", "text"), [(np.inf, "3 infinite"), (1e300, "3 beyond")])
def test_infinite_or_overflowing_numbers_are_refused_unless_bounds_clip_them(small, value, text):
    """Without bounds the domain would come from the rows: inf (or 1e300) would make every other value one bin."""
    from workbench.synthetic import synthesise

    frame = small.frame.astype({"age": float})
    frame.loc[:2, "age"] = value
    digest = frame_digest(frame)
    with pytest.raises(InvalidParameterError, match=f"column 'age' has {text}.*bounds=") as info:
        synthesise(frame, epsilon=1.0, ledger=False, evaluate=False, max_iters=50)
    assert "\n" not in str(info.value) and frame_digest(frame) == digest


def test_budget_refused_before_any_work(small):
    from workbench.dp import PrivacyLedger
    from workbench.synthetic import synthesise

    ledger = PrivacyLedger(budget=0.5)
    with pytest.raises(BudgetExceededError, match="past its privacy budget"):
        synthesise(small, epsilon=1.0, bounds=BOUNDS, public_schema=True, ledger=ledger)
    assert len(ledger) == 0


def test_recorded_in_the_ledger_and_replayable(small):
    from workbench.dp import PrivacyLedger
    from workbench.synthetic import synthesise

    ledger = PrivacyLedger()
    stop = threading.Event()
    stop.set()  # stopped at the first block of iterations: a valid (early) release, still recorded
    result = synthesise(small, epsilon=0.5, bounds=BOUNDS, public_schema=True, seed=0, ledger=ledger, stop=stop,
                        evaluate=False)  # fmt: skip
    assert result.stopped and result.metrics["iterations"] == 50
    assert ledger.spent(small.fingerprint) == pytest.approx(result.statement.epsilon)
    again = PrivacyLedger.from_dict(ledger.to_dict())
    assert again.spent(small.fingerprint) == pytest.approx(result.statement.epsilon)
    assert ledger.to_frame()["accountant"].tolist() == ["dp-synthetic"]


def test_dataframe_input_and_datetime_column_error():
    from workbench.synthetic import synthesise

    frame = small_frame(200).drop(columns=["name"])
    frame["when"] = pd.Timestamp("2020-01-01")
    with pytest.raises(InvalidParameterError, match="holds dates"):
        synthesise(frame, epsilon=1.0, ledger=False)
