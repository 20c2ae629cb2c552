"""linkage_audit: the linkage attack of workbench.risk on a release, on the same leakage axis as MIA."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.audit import linkage_audit
from workbench.errors import InvalidParameterError


@pytest.fixture
def people() -> pd.DataFrame:
    return pd.DataFrame({"age": [31, 35, 52, 58, 60], "zip": ["123", "123", "456", "999", "999"]})


def test_raw_release_is_fully_reidentified(people, digest):
    before = digest(people)
    res = linkage_audit(people, people, quasi_identifiers=["age", "zip"])
    assert res.reidentification_rate == 1.0
    assert res.advantage == pytest.approx(1.0 - 1.0 / 5)  # certain match vs a blind guess among 5 records
    assert res.leakage == res.advantage and res.n_auxiliary == 5
    assert digest(people) == before
    assert res.to_dict()["attack"] == "linkage" and "Linkage audit" in res._repr_html_()


def test_generalised_release_leaks_less(people):
    release = pd.DataFrame(
        {"age": ["[30, 40)", "[30, 40)", "[50, 60)", "[50, 60)", "[60, 70)"], "zip": ["123", "123", "*", "*", "999"]}
    )
    res = linkage_audit(release, people, quasi_identifiers=["age", "zip"])
    raw = linkage_audit(people, people, quasi_identifiers=["age", "zip"])
    assert res.reidentification_rate == pytest.approx(1 / 5)  # only the 60-year-old is unique
    assert 0 <= res.advantage < raw.advantage


def test_bad_input(people):
    with pytest.raises(InvalidParameterError, match="quasi-identifiers"):
        linkage_audit(people, people)
    with pytest.raises(InvalidParameterError, match="auxiliary"):
        linkage_audit(people, [1, 2], quasi_identifiers=["age"])
    with pytest.raises(InvalidParameterError, match="anonymise"):
        linkage_audit("table", people, quasi_identifiers=["age"])


def test_anonymised_release_leaks_less_as_k_grows(adult, digest):
    import workbench as wb

    small = wb.load_dataset(
        adult.frame.sample(2000, random_state=0).reset_index(drop=True),
        target="income",
        quasi_identifiers=adult.quasi_identifiers,
    )
    before = digest(small.frame)
    raw = linkage_audit(small.frame, small.frame, quasi_identifiers=adult.quasi_identifiers)
    results = {k: linkage_audit(wb.anonymise(small, k=k, method="mondrian"), small.frame) for k in (2, 10)}
    assert raw.reidentification_rate > 0.5
    for k, res in results.items():
        assert res.k == k
        assert res.reidentification_rate <= 1 / k  # a k-anonymous release: at most 1/k of people singled out
    assert raw.advantage > results[2].advantage > results[10].advantage
    assert digest(small.frame) == before
