"""The bundled datasets load offline with the documented sizes, dtypes and roles."""

from __future__ import annotations

import hashlib
from importlib import resources

import pandas as pd
import pytest

import workbench as wb
from workbench import Role
from workbench.datasets._bundled import SHIPPED_SHA256


def test_available_datasets_lists_the_bundled_ones():
    table = wb.available_datasets()
    assert list(table.index) == ["adult", "diabetes", "patients"]
    assert table.loc["adult", "licence"] == "CC BY 4.0"


@pytest.mark.parametrize("filename", sorted(SHIPPED_SHA256))
def test_shipped_files_match_their_checksums(filename):
    data = resources.files("workbench.datasets").joinpath("data", filename).read_bytes()
    assert hashlib.sha256(data).hexdigest() == SHIPPED_SHA256[filename]


def test_adult_rows_split_and_labels(adult):
    assert len(adult.train) == 32561 and len(adult.test) == 16281
    assert len(adult.frame) == 48842
    assert set(adult.train.index).isdisjoint(adult.test.index)
    assert set(adult.frame["income"].cat.categories) == {"<=50K", ">50K"}
    assert set(adult.test["income"].unique()) == {"<=50K", ">50K"}  # no trailing dot in test labels
    assert "split" not in adult.frame.columns


def test_adult_dtypes_and_missing_values(adult):
    frame = adult.frame
    for col in ("workclass", "education", "occupation", "native-country", "sex", "race"):
        assert isinstance(frame[col].dtype, pd.CategoricalDtype), col
    for col in ("age", "fnlwgt", "capital-gain", "hours-per-week"):
        assert pd.api.types.is_integer_dtype(frame[col]), col
    assert "?" not in frame["workclass"].cat.categories
    assert frame["workclass"].isna().sum() > 0  # "?" became missing
    assert frame["occupation"].isna().sum() == 2809


def test_adult_preset_roles(adult):
    assert adult.target == "income"
    assert set(adult.quasi_identifiers) == {
        "age", "sex", "race", "marital-status", "education", "native-country", "workclass", "occupation",
    }  # fmt: skip
    assert adult.roles["income"] is Role.TARGET
    assert "income" in adult.sensitive
    assert adult.roles["fnlwgt"] is Role.INSENSITIVE
    assert adult.identifiers == []
    assert adult.source.licence == "CC BY 4.0" and "10.24432/C5XW20" in adult.source.citation


def test_diabetes_is_unscaled_with_roles(diabetes):
    frame = diabetes.frame
    assert frame.shape == (442, 11)
    assert list(frame.columns) == ["age", "sex", "bmi", "bp", *[f"s{i}" for i in range(1, 7)], "progression"]
    assert frame["age"].between(19, 79).all()  # years, not scaled values
    assert diabetes.target == "progression"
    assert set(diabetes.quasi_identifiers) == {"age", "sex", "bmi", "bp"}
    assert {f"s{i}" for i in range(1, 7)} <= set(diabetes.sensitive)
    assert len(diabetes.train) + len(diabetes.test) == 442 and len(diabetes.test) == 88


def test_patients_has_synthetic_identifiers(patients):
    frame = patients.frame
    assert len(frame) == 5000
    assert set(patients.identifiers) == {"name", "email", "phone", "date_of_birth", "zip", "ssn"}
    assert "SYNTHETIC" in patients.description
    assert frame["email"].str.contains("@").all()
    assert frame["ssn"].str.fullmatch(r"\d{3}-\d{2}-\d{4}").all()


def test_patients_date_of_birth_is_consistent_with_age(patients):
    frame = patients.frame
    census = pd.Timestamp("1994-07-01")
    computed = (census - frame["date_of_birth"]).dt.days // 365.25
    assert ((computed - frame["age"]).abs() <= 1).all()


def test_loading_twice_gives_equal_independent_frames():
    first, second = wb.load_dataset("adult"), wb.load_dataset("adult")
    assert first.fingerprint == second.fingerprint
    first.frame.loc[0, "age"] = 999
    assert wb.load_dataset("adult").frame.loc[0, "age"] != 999


def test_repr_html_shows_roles_and_missing(adult):
    page = adult._repr_html_()
    assert "quasi_identifier" in page and "income" in page and "48,842 rows" in page
    assert adult.summary().loc["occupation", "missing"] == 2809
