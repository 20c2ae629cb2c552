"""Mondrian local recoding, and property tests of both algorithms over random tables (re-checked by pyCANON)."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from anon_checks import ADULT_QIS, canon_frame, pycanon_check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.errors import InfeasibleError
from workbench.generalised import parse_range


@pytest.mark.parametrize("k", [2, 10])
def test_mondrian_k_on_adult_sample(adult_small, k, digest):
    before = digest(adult_small)
    result = wb.anonymise(adult_small, k=k, method="mondrian", quasi_identifiers=ADULT_QIS, sensitive=["income"])
    assert digest(adult_small) == before
    pycanon_check(result, k=k)
    assert result.statement.suppressed == 0 and len(result.data) == len(adult_small)
    assert result.statement.transformation["partitions"] >= len(adult_small) // (4 * k)


def test_mondrian_releases_ranges_that_hold_the_true_values(adult_small):
    result = wb.anonymise(adult_small, k=5, method="mondrian", quasi_identifiers=ADULT_QIS, sensitive=[])
    pycanon_check(result, k=5)
    truth = adult_small.loc[result.source_index, "age"].to_numpy()
    for label, age in zip(result.data["age"].astype(str), truth, strict=True):
        bounds = parse_range(label)
        if bounds is None:
            assert float(label) == age
        else:
            assert bounds[0] <= age <= bounds[1] and bounds[2] and bounds[3]
    # categories: every released label covers the record's true value (node, set or the value itself)
    gens = result.generalisations["education"]
    true_education = adult_small.loc[result.source_index, "education"].astype(str).to_numpy()
    for label, value in zip(result.data["education"].astype(str), true_education, strict=True):
        if label.startswith("{"):
            assert value in label[1:-1].split(", ")
        elif label != value:
            assert label == "*" or value in gens[label]


def test_mondrian_keeps_more_information_than_optimal(adult_small):
    local = wb.anonymise(adult_small, k=5, method="mondrian", quasi_identifiers=ADULT_QIS, sensitive=[])
    glob = wb.anonymise(adult_small, k=5, quasi_identifiers=ADULT_QIS, sensitive=[])
    pycanon_check(local, k=5)
    pycanon_check(glob, k=5)
    assert local.metrics["information_loss"] < glob.metrics["information_loss"]


def test_mondrian_l_and_t_checked_on_every_cut(adult_tiny):
    diverse = wb.anonymise(adult_tiny, k=3, l=2, method="mondrian", quasi_identifiers=ADULT_QIS, sensitive=["income"])
    pycanon_check(diverse, k=3, l=2)
    close = wb.anonymise(
        adult_tiny, k=3, t=0.2, method="mondrian", quasi_identifiers=ADULT_QIS, sensitive=["income", "relationship"]
    )
    pycanon_check(close, k=3, t=0.2)
    entropy = wb.anonymise(
        adult_tiny, l=1.8, l_kind="entropy", method="mondrian", quasi_identifiers=ADULT_QIS, sensitive=["relationship"]
    )
    assert entropy.statement.l_entropy >= 1.8
    pycanon_check(entropy, entropy_l=1)


def test_mondrian_on_diabetes_numeric_sensitive(diabetes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = wb.anonymise(diabetes, k=15, t=0.15, method="mondrian", sensitive=["progression"])
    pycanon_check(result, k=15, t=0.15)


def test_mondrian_infeasible_and_stop(adult_tiny):
    with pytest.raises(InfeasibleError, match="distinct l=2"):
        wb.anonymise(adult_tiny, l=3, method="mondrian", quasi_identifiers=ADULT_QIS, sensitive=["income"])
    stop = threading.Event()
    stop.set()
    stopped = wb.anonymise(adult_tiny, k=4, method="mondrian", quasi_identifiers=ADULT_QIS, sensitive=[], stop=stop)
    assert stopped.statement.optimal is False
    assert stopped.statement.k >= 4  # a stopped run still releases a valid (coarser) table
    pycanon_check(stopped, k=4)


# -- property tests: random small tables, both algorithms, independent re-check ---------------------------------
@st.composite
def tables(draw):
    n = draw(st.integers(min_value=8, max_value=60))
    seed = draw(st.integers(min_value=0, max_value=10_000))
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "city": rng.choice(["a", "b", "c", "d", "e"], n),
            "sex": rng.choice(["F", "M"], n),
            "disease": rng.choice(["x", "y", "z"], n),
        }
    )
    if draw(st.booleans()):
        frame.loc[rng.random(n) < 0.1, "city"] = None
    return frame


def _independent_k(frame: pd.DataFrame, qis: list[str]) -> int:
    return int(
        frame[qis].astype(str).groupby(qis, dropna=False, observed=True).size().min()
    )  # a missing value is a class of its own


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=tables(), k=st.integers(min_value=2, max_value=6), method=st.sampled_from(["optimal", "mondrian"]))
def test_property_k_always_holds_or_infeasible(frame, k, method):
    qis = ["age", "city", "sex"]
    before = frame.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = wb.anonymise(frame, k=k, method=method, quasi_identifiers=qis, sensitive=["disease"])
        except InfeasibleError:
            assert method == "optimal" or k > len(frame)
            return
    pd.testing.assert_frame_equal(frame, before)
    assert len(result.data) + result.statement.suppressed == len(frame)
    assert result.statement.suppressed <= 0.05 * len(frame) + 1e-9
    if len(result.data):
        assert _independent_k(result.data, qis) >= k
        assert result.statement.k == _independent_k(result.data, qis)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=tables(), l=st.integers(min_value=2, max_value=3), method=st.sampled_from(["optimal", "mondrian"]))
def test_property_l_diversity_rechecked_by_pycanon(frame, l, method):  # noqa: E741
    from pycanon import anonymity

    qis = ["age", "city", "sex"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = wb.anonymise(frame, k=2, l=l, method=method, quasi_identifiers=qis, sensitive=["disease"])
        except InfeasibleError:
            return
        if len(result.data) == 0:
            return
        checked = canon_frame(result.data, qis, ["disease"])
        assert anonymity.k_anonymity(checked, qis) >= 2
        assert anonymity.l_diversity(checked, qis, ["disease"]) >= l


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=tables(), t=st.sampled_from([0.2, 0.35, 0.5]), method=st.sampled_from(["optimal", "mondrian"]))
def test_property_t_closeness_rechecked_by_pycanon(frame, t, method):
    from pycanon import anonymity

    qis = ["age", "city", "sex"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = wb.anonymise(frame, k=2, t=t, method=method, quasi_identifiers=qis, sensitive=["disease"])
        except InfeasibleError:
            return
        if len(result.data) == 0:
            return
        checked = canon_frame(result.data, qis, ["disease"])
        assert anonymity.t_closeness(checked, qis, ["disease"]) <= t + 1e-9
        assert anonymity.k_anonymity(checked, qis) >= 2
