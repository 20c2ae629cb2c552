"""Pseudonymisation: keyed HMAC tokens, masking, dropping; the key never leaks; the GDPR note is shown."""

from __future__ import annotations

import hashlib
import hmac
import json

import pandas as pd
import pytest

import workbench as wb
from workbench.errors import InvalidParameterError, RoleError, UnknownNameError

KEY1 = b"test-key-one-0123456789"
KEY2 = b"test-key-two-0123456789"


def test_hmac_tokens_are_keyed_deterministic_and_marked(patients, digest):
    before = digest(patients.frame)
    one = wb.pseudonymise(patients, key=KEY1)
    again = wb.pseudonymise(patients, key=KEY1)
    other = wb.pseudonymise(patients, key=KEY2)
    assert digest(patients.frame) == before
    assert one.columns == tuple(patients.identifiers)  # default: the identifier columns
    pd.testing.assert_frame_equal(one.data, again.data)
    for col in patients.identifiers:
        tokens = one.data[col]
        assert tokens.str.startswith("pse_").all()
        assert not tokens.isin(other.data[col]).any()  # another key: unlinkable tokens
        assert not tokens.isin(patients.frame[col].astype(str)).any()
    # the token is HMAC-SHA256 of the value under the key (checked with the standard library)
    email = patients.frame["email"].iloc[0]
    expected = "pse_" + hmac.new(KEY1, email.encode(), hashlib.sha256).hexdigest()[:20]
    assert one.data["email"].iloc[0] == expected
    # equal values map to equal tokens
    same = patients.frame["zip"].duplicated(keep=False)
    if same.any():
        groups = one.data.loc[same, "zip"].groupby(patients.frame.loc[same, "zip"]).nunique()
        assert (groups == 1).all()
    rest = patients.frame.drop(columns=patients.identifiers)
    pd.testing.assert_frame_equal(one.data.drop(columns=patients.identifiers), rest)


def test_generated_key_is_handed_back_but_never_shown(patients):
    result = wb.pseudonymise(patients)
    assert result.generated_key and isinstance(result.key, bytes) and len(result.key) == 32
    shown = repr(result) + result._repr_html_() + json.dumps(result.to_dict())
    assert result.key.hex() not in shown and str(result.key) not in shown
    assert result.key.hex() not in result.data.to_csv()
    assert "still personal data" in repr(result) and "Recital 26" in result._repr_html_()
    assert wb.pseudonymise(patients).key != result.key


def test_mask_and_drop(patients):
    masked = wb.pseudonymise(patients, columns=["ssn", "phone"], method="mask")
    assert masked.data["ssn"].str.match(r"^\*+\d\d$").all()
    assert masked.key is None
    dropped = wb.pseudonymise(patients, method="drop")
    assert not set(patients.identifiers) & set(dropped.data.columns)


def test_dataframe_roles_are_guessed_and_errors_are_one_line():
    frame = pd.DataFrame({"email": ["a@b.org", "c@d.org", None], "age": [30, 40, 50]})
    result = wb.pseudonymise(frame, key="correct horse battery staple")
    assert result.columns == ("email",)
    assert pd.isna(result.data["email"].iloc[2])
    with pytest.raises(RoleError, match="no identifier"):
        wb.pseudonymise(frame[["age"]])
    with pytest.raises(UnknownNameError, match="hmac"):
        wb.pseudonymise(frame, method="hash")
    with pytest.raises(InvalidParameterError, match="too short"):
        wb.pseudonymise(frame, key=b"")
    with pytest.raises(LookupError, match="emial"):
        wb.pseudonymise(frame, columns=["emial"])
