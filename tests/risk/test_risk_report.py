"""assess_risk and the class measures, checked against pyCANON and hand-computed values; the linkage attack."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import InvalidParameterError, RoleError
from workbench.risk import equivalence_classes, l_entropy, l_recursive, linkage_attack, t_closeness


def _canon(frame, qis, sens):
    out = frame[qis + sens].reset_index(drop=True).copy()
    for col in qis + sens:
        if not pd.api.types.is_numeric_dtype(out[col].dtype):
            out[col] = out[col].astype(object).where(out[col].notna(), "?").astype(str)
    return out


def test_assess_risk_matches_pycanon(adult, digest):
    from pycanon import anonymity

    frame = adult.frame.sample(300, random_state=1)
    before = digest(frame)
    qis, sens = ["age", "sex", "race"], ["income", "relationship"]
    risk = wb.assess_risk(frame, quasi_identifiers=qis, sensitive=sens)
    assert digest(frame) == before
    canon = _canon(frame, qis, sens)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert risk.k == anonymity.k_anonymity(canon, qis)
        assert risk.l == anonymity.l_diversity(canon, qis, sens)
        assert risk.t == pytest.approx(anonymity.t_closeness(canon, qis, sens))
        assert int(risk.l_entropy + 1e-9) == anonymity.entropy_l_diversity(canon, qis, sens)
    sizes = frame.groupby(qis, observed=True).size()
    assert sorted(risk.class_sizes.tolist()) == sorted(sizes.tolist())
    assert risk.sample_uniqueness == pytest.approx((sizes == 1).sum() / len(frame))
    assert risk.prosecutor["highest"] == 1.0 / sizes.min()
    assert risk.prosecutor["average"] == pytest.approx(len(sizes) / len(frame))
    assert risk.prosecutor["records_at_risk"] == pytest.approx(sizes[sizes < 5].sum() / len(frame))


def test_ordered_t_closeness_matches_pycanon(diabetes):
    from pycanon import anonymity

    frame = diabetes.frame
    risk = wb.assess_risk(diabetes, quasi_identifiers=["sex"], sensitive=["bp"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = anonymity.t_closeness(frame.reset_index(drop=True), ["sex"], ["bp"])
    assert risk.t == pytest.approx(expected)


def test_missing_values_form_their_own_class():
    frame = pd.DataFrame({"a": [1, 1, None, None, 2], "s": ["x", "y", "x", "x", "y"]})
    ids, n = equivalence_classes(frame, ["a"])
    assert n == 3 and ids[2] == ids[3]
    risk = wb.assess_risk(frame, quasi_identifiers=["a"], sensitive=["s"])
    assert risk.k == 1 and risk.l == 1 and risk.n_classes == 3


def test_diversity_measures_by_hand():
    dist = np.array([[2.0, 2.0, 0.0], [3.0, 1.0, 1.0]])
    assert l_entropy(dist)[0] == pytest.approx(2.0)
    assert l_recursive(dist, 2.0).tolist() == [2, 2]  # 2 < 2*2 ; 3 < 2*(1+1)
    assert l_recursive(dist, 1.0).tolist() == [1, 1]
    # table distribution (5, 3, 1) / 9: half the L1 distance of each class from it
    assert t_closeness(dist, ordered=False).tolist() == pytest.approx([1 / 6, 2 / 15])


def test_population_risks():
    sample = pd.DataFrame({"zip": ["1", "1", "2"], "sex": ["F", "F", "M"]})
    population = pd.DataFrame({"zip": ["1"] * 4 + ["2"] * 2, "sex": ["F"] * 4 + ["M"] * 2})
    risk = wb.assess_risk(sample, quasi_identifiers=["zip", "sex"], sensitive=[], population=population)
    assert risk.journalist["highest"] == pytest.approx(1 / 2)
    assert risk.marketer == pytest.approx((2 / 4 + 1 / 2) / 3)
    table = risk.to_frame()
    assert "journalist risk, highest" in table.index
    assert risk.to_dict()["class_size_histogram"] == {1: 1, 2: 1}
    assert "Re-identification risk" in risk._repr_html_()


def test_risk_errors():
    frame = pd.DataFrame({"zip": ["1", "2"], "sex": ["F", "M"]})
    with pytest.raises(InvalidParameterError, match="threshold"):
        wb.assess_risk(frame, quasi_identifiers=["zip"], sensitive=[], threshold=2.0)
    with pytest.raises(RoleError, match="both"):
        wb.assess_risk(frame, quasi_identifiers=["zip"], sensitive=["zip"])
    with pytest.raises(InvalidParameterError, match="Dataset or a pandas DataFrame"):
        wb.assess_risk([1, 2, 3])


def test_linkage_on_raw_and_generalised_releases(adult):
    frame = adult.frame.sample(1500, random_state=2)
    qis = ["age", "education", "marital-status", "occupation", "race", "sex", "native-country"]
    known = frame.sample(300, random_state=3)
    raw = linkage_attack(frame, known, quasi_identifiers=qis)
    unique = frame.groupby(qis, observed=True, dropna=False).size()
    assert raw.reidentification_rate > 0.3 and raw.advantage > 0
    # exact expectation: people whose QI combination is unique in the release are re-identified
    combo = frame[qis].astype(object).fillna("?").astype(str).agg("|".join, axis=1)
    expected = combo.map(combo.value_counts()).loc[known.index].eq(1).mean()
    assert raw.reidentification_rate == pytest.approx(expected)
    assert len(unique) > 0
    for method in ("optimal", "mondrian"):
        released = wb.anonymise(frame, k=5, method=method, quasi_identifiers=qis, sensitive=[])
        from pycanon import anonymity

        checked = released.data[qis].reset_index(drop=True).astype(object).fillna("?").astype(str)
        assert anonymity.k_anonymity(checked, qis) >= 5  # re-checked independently
        attack = linkage_attack(released, known)
        assert attack.reidentification_rate == 0.0  # every class holds at least 5 records
        assert attack.mean_candidates >= 5 - 1e-9 or attack.expected_success <= 0.2 + 1e-9
        assert attack.expected_success <= 1 / 5 + 1e-9
        assert attack.to_dict()["n_released"] == len(released.data)


def test_linkage_truth_and_errors():
    people = pd.DataFrame({"age": [31, 35, 52]}, index=["ann", "bob", "cy"])
    release = pd.DataFrame({"age": ["[30, 40)", "[30, 40)", "52"]})
    result = linkage_attack(release, people, quasi_identifiers=["age"], truth=["ann", "bob", "cy"])
    assert result.reidentification_rate == pytest.approx(1 / 3)
    assert result.expected_success == pytest.approx((0.5 + 0.5 + 1) / 3)
    with pytest.raises(InvalidParameterError, match="quasi_identifiers"):
        linkage_attack(release, people)
    with pytest.raises(InvalidParameterError, match="one per row"):
        linkage_attack(release, people, quasi_identifiers=["age"], truth=["ann"])


def test_assess_risk_of_an_anonymisation_result(adult):
    frame = adult.frame.sample(800, random_state=6)
    released = wb.anonymise(frame, k=4, quasi_identifiers=["age", "sex", "race"], sensitive=["income"])
    again = wb.assess_risk(released)
    from pycanon import anonymity

    checked = released.data[["age", "sex", "race"]].reset_index(drop=True).astype(str)
    assert anonymity.k_anonymity(checked, ["age", "sex", "race"]) == again.k
    assert again.k == released.risk.k >= 4
    assert again.quasi_identifiers == ("age", "sex", "race") and again.sensitive == ("income",)
    assert again.to_dict() == released.risk.to_dict()
