"""Role inference: names, value patterns with checksums, uniqueness, and demographic names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench import Role
from workbench.errors import InvalidParameterError


def test_patients_every_synthetic_identifier_and_no_adult_column(patients, digest):
    before = digest(patients.frame)
    guesses = wb.infer_roles(patients.frame)
    assert digest(patients.frame) == before
    found = {c for c, g in guesses.items() if g.role is Role.IDENTIFIER}
    assert found == {"name", "email", "phone", "date_of_birth", "zip", "ssn"}
    for col, (_role, reason) in guesses.items():
        assert reason, col


def test_adult_guesses_match_the_presets_closely(adult):
    guesses = wb.infer_roles(adult.frame)
    assert not [c for c, g in guesses.items() if g.role is Role.IDENTIFIER]
    quasi = {c for c, g in guesses.items() if g.role is Role.QUASI_IDENTIFIER}
    assert set(adult.quasi_identifiers) <= quasi
    assert guesses["income"].role is Role.SENSITIVE


def test_value_patterns_without_telling_names():
    rng = np.random.default_rng(1)
    n = 50
    frame = pd.DataFrame(
        {
            "contact": [f"user{i}@example.org" for i in range(n)],
            "c2": ["DE89370400440532013000", "GB82WEST12345698765432"] * (n // 2),  # valid IBANs
            "c3": ["4111111111111111", "5500005555555559"] * (n // 2),  # Luhn-valid card numbers
            "c4": [f"{rng.integers(100, 999)}-{rng.integers(10, 99)}-{rng.integers(1000, 9999)}" for _ in range(n)],
            "c5": ["1971-03-02", "1985-11-30"] * (n // 2),
            "level": rng.choice(["a", "b"], n),
        }
    )
    guesses = wb.infer_roles(frame)
    assert "e-mail" in guesses["contact"].reason
    assert "IBAN" in guesses["c2"].reason and guesses["c2"].role is Role.IDENTIFIER
    assert "Luhn" in guesses["c3"].reason
    assert "SSN" in guesses["c4"].reason
    assert guesses["c5"].role is Role.QUASI_IDENTIFIER and "date of birth" in guesses["c5"].reason
    assert guesses["level"].role is Role.INSENSITIVE


def test_invalid_checksums_are_not_taken_for_ibans():
    frame = pd.DataFrame({"code": ["DE00370400440532013000", "GB00WEST12345698765432"] * 10})
    assert "IBAN" not in wb.infer_roles(frame)["code"].reason


def test_near_unique_integers_are_identifiers_but_floats_are_not():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"record": np.arange(100) + 1000, "weight": rng.normal(70, 10, 100)})
    guesses = wb.infer_roles(frame)
    assert guesses["record"].role is Role.IDENTIFIER and "near-unique" in guesses["record"].reason
    assert guesses["weight"].role is Role.INSENSITIVE


def test_bad_input():
    with pytest.raises(InvalidParameterError, match="needs a pandas DataFrame"):
        wb.infer_roles([1, 2, 3])
