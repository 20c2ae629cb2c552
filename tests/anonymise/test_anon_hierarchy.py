"""Hierarchy builders, the validator, the bundled Adult hierarchies and missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from anon_checks import pycanon_check

import workbench as wb
from workbench.anonymise import (
    Hierarchy,
    HierarchyError,
    adult_hierarchies,
    auto_hierarchy,
    date_hierarchy,
    flat_hierarchy,
    interval_hierarchy,
    masking_hierarchy,
    tree_hierarchy,
    validate_hierarchy,
)
from workbench.anonymise.hierarchy import encode
from workbench.errors import InvalidParameterError, PrivacyLeakWarning


def test_interval_hierarchy_nests_bands():
    h = interval_hierarchy([17, 23, 37, 90], widths=(5, 10, 20), start=0)
    assert h.n_levels == 5
    assert [h.mapping(j)[23] for j in range(1, 5)] == ["[20, 25)", "[20, 30)", "[20, 40)", "*"]
    validate_hierarchy(h, [17, 23, 37, 90])


def test_interval_widths_must_nest():
    with pytest.raises(InvalidParameterError, match="multiple"):
        interval_hierarchy([1, 2], widths=(5, 7))


def test_date_and_masking_hierarchies():
    dates = pd.to_datetime(pd.Series(["1970-03-04", "1971-12-31"]))
    h = date_hierarchy(dates, levels=("month", "year"))
    assert h.mapping(1)[pd.Timestamp("1971-12-31")] == "1971-12"
    assert h.mapping(2)[pd.Timestamp("1970-03-04")] == "1970"
    m = masking_hierarchy(["81675", "81677", "10115"])
    assert [m.mapping(j)["81675"] for j in range(1, m.n_levels)] == ["8167*", "816**", "81***", "8****", "*"]
    validate_hierarchy(m, ["81675", "10115"])


def test_tree_hierarchy_pads_uneven_depth():
    h = tree_hierarchy({"*": {"Europe": {"West": ["France"], "East": ["Poland"]}, "Peru": None}})
    assert h.n_levels == 4
    assert h.mapping(1)["Peru"] == "Peru" and h.mapping(3)["Peru"] == "*"
    validate_hierarchy(h, ["France", "Poland", "Peru"])


def test_validator_collects_every_problem_and_names_values():
    table = pd.DataFrame(
        [
            ["France", "Europe", "*"],
            ["France", "Europa", "*"],  # a value with two parents
            ["Spain", "Europa", "*"],
            ["Peru", "America", "*"],
            ["Chile", "America", "World"],  # 'America' has two parents on level 2
        ]
    )
    h = Hierarchy.from_frame(table, name="country")
    with pytest.raises(HierarchyError) as info:
        validate_hierarchy(h, ["France", "Spain", "Peru", "Chile", "Italy", "Japan"])
    message = str(info.value)
    assert "\n" not in message
    assert "4 problem(s)" in message
    for fragment in ("'Italy'", "'Japan'", "two parents: 'France'", "'America'", "'Europa'/'Europe'"):
        assert fragment in message
    assert isinstance(info.value, ValueError)


def test_adult_hierarchies_fit_adult_and_have_arx_depths(adult):
    hierarchies = adult_hierarchies()
    depths = {name: h.n_levels for name, h in hierarchies.items()}
    assert depths == {
        "age": 5,
        "education": 4,
        "marital-status": 3,
        "native-country": 3,
        "workclass": 3,
        "occupation": 3,
        "sex": 2,
        "race": 2,
    }
    for name, h in hierarchies.items():
        validate_hierarchy(h, adult.frame[name])  # every value covered, consistent, no look-alike labels


def test_missing_values_get_their_own_branch(adult):
    col = encode(adult.frame["workclass"], adult_hierarchies()["workclass"])
    missing = int(np.flatnonzero(pd.isna(col.uniques))[0])
    assert col.level_labels[1][col.level_codes[1][missing]] == "?"
    assert col.level_labels[2][col.level_codes[2][missing]] == "*"
    assert col.level_loss[0][missing] == 0 and col.level_loss[2][missing] == 1


def test_auto_hierarchies(adult):
    with pytest.warns(PrivacyLeakWarning, match="hours-per-week"):
        h = auto_hierarchy(adult.frame["hours-per-week"])
    assert h.n_levels >= 4 and h.labels(h.n_levels - 1) == ["*"]
    validate_hierarchy(h, adult.frame["hours-per-week"])
    small = auto_hierarchy(adult.frame["relationship"])
    assert small.n_levels == 2
    many = auto_hierarchy(adult.frame["native-country"])
    assert "Other" in many.labels(1)
    validate_hierarchy(many, adult.frame["native-country"])


def test_flat_and_from_csv(tmp_path):
    path = tmp_path / "sex.csv"
    path.write_text("Male;*\nFemale;*\n")
    h = Hierarchy.from_csv(path, name="sex")
    assert h.mapping(1) == {"Male": "*", "Female": "*"}
    assert flat_hierarchy(["a", "b"]).n_levels == 2
    assert "sex" in repr(h)
    assert set(h.to_anjana()) == {0, 1}


def test_auto_hierarchies_for_dates_and_zip_codes(patients):
    dates = auto_hierarchy(patients.frame["date_of_birth"])
    assert dates.kind == "date" and dates.labels(dates.n_levels - 1) == ["*"]
    zips = auto_hierarchy(patients.frame["zip"])
    assert zips.kind == "masking" and zips.mapping(1)[patients.frame["zip"].iloc[0]].endswith("*")
    result = wb.anonymise(patients.frame, k=5, quasi_identifiers=["zip", "date_of_birth", "sex"], sensitive=[])
    pycanon_check(result, k=5)
    released = result.data["date_of_birth"].astype(str)
    assert not released.eq("?").any()  # every date found its place in the hierarchy
    stamps = patients.frame.loc[result.source_index, "date_of_birth"]
    gens = result.generalisations["date_of_birth"]
    for label, stamp in zip(released, stamps, strict=True):  # each released value covers the true date
        assert label == "*" or label.startswith(str(stamp.year)) or stamp.isoformat() in gens.get(label, ())
