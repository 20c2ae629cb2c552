"""DP statistics on OpenDP: noise scales re-derived, 95 % accuracy, the budget refusal, public categories only."""

from __future__ import annotations

import math

import pytest

from workbench.errors import BudgetExceededError, InvalidParameterError, UnknownColumnError


@pytest.fixture()
def session(small):
    from workbench.dp import PrivacyLedger
    from workbench.synthetic import dp_statistics

    ledger = PrivacyLedger()
    return dp_statistics(small, epsilon=1.0, queries=4, public_schema=True, ledger=ledger), ledger


def test_answers_carry_scales_rederived_from_sensitivity_and_epsilon(session, small):
    q, ledger = session
    count = q.count(epsilon=0.2)
    assert count.scale == pytest.approx(1 / 0.2)  # Laplace, sensitivity 1
    assert count.accuracy == pytest.approx(count.scale * math.log(1 / 0.05))
    assert abs(count.value - len(small.frame)) < 5 * count.scale
    mean = q.mean("age", bounds=(17, 90), epsilon=0.2)  # uses the count above (post-processing)
    n = round(count.value)
    assert mean.scale == pytest.approx((90 - 17) / n / 0.2, rel=1e-6)
    assert abs(mean.value - small.frame["age"].mean()) < 10 * mean.scale + 0.05
    hist = q.histogram("education", epsilon=0.2)  # categories from the dtype, declared public
    assert hist.scale == pytest.approx(1 / 0.2)
    assert list(hist.value.index) == ["school", "college", "degree", "(other)"]
    total = q.sum("hours", bounds=(0, 100), epsilon=0.1)
    assert total.scale == pytest.approx(100 / 0.1)
    assert q.remaining == pytest.approx(0.3) and q.spent == pytest.approx(0.7)
    assert ledger.spent(small.fingerprint) == pytest.approx(0.7)
    assert len(q.to_frame()) == 4 and "accuracy_95" in q.to_frame()


def test_query_past_the_budget_is_refused_in_one_line(session):
    q, ledger = session
    for _ in range(3):
        q.count(epsilon=1 / 3)
    with pytest.raises(BudgetExceededError) as info:
        q.count(epsilon=0.1)
    assert "\n" not in str(info.value) and "left" in str(info.value)
    assert len(ledger) == 3


def test_ledger_budget_refuses_too():
    import workbench as wb
    from tests.synthetic.conftest import small_frame
    from workbench.dp import PrivacyLedger
    from workbench.synthetic import dp_statistics

    ds = wb.load_dataset(small_frame(300), target="income", identifiers=["name"], name="tiny")
    q = dp_statistics(ds, epsilon=5.0, ledger=PrivacyLedger(budget=0.5))
    q.count(epsilon=0.4)
    with pytest.raises(BudgetExceededError, match="past its privacy budget"):
        q.count(epsilon=0.2)


def test_identifiers_unknown_columns_and_private_categories_are_refused(session):
    q, _ = session
    with pytest.raises(InvalidParameterError, match="identifier"):
        q.histogram("name", categories=["a"])
    with pytest.raises(UnknownColumnError, match="salary"):
        q.mean("salary", bounds=(0, 1))
    with pytest.raises(InvalidParameterError, match="not numeric"):
        q.mean("sex", bounds=(0, 1))
    with pytest.raises(InvalidParameterError, match="low < high"):
        q.mean("age", bounds=(90, 17))
    assert q.spent == 0


def test_histogram_needs_public_categories(small):
    import workbench as wb
    from workbench.synthetic import dp_statistics

    frame = small.frame.assign(education=small.frame["education"].astype(str))
    q = dp_statistics(wb.load_dataset(frame, name="plain"), epsilon=1.0, ledger=False)
    with pytest.raises(InvalidParameterError, match="public categories"):
        q.histogram("education")
    answer = q.histogram("education", categories=["school", "college", "degree"])
    assert answer.value.drop("(other)").sum() > 0


def test_bad_session_parameters():
    import workbench as wb
    from workbench.synthetic import dp_statistics

    with pytest.raises(InvalidParameterError, match="'epsilon' parameter of dp_statistics"):
        dp_statistics(wb.load_dataset("adult"), epsilon=-1)
    with pytest.raises(InvalidParameterError, match="'delta' parameter"):
        dp_statistics(wb.load_dataset("adult"), epsilon=1, delta=1e-6)
