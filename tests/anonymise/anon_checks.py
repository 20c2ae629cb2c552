"""Helpers for the anonymisation tests: the independent pyCANON re-check (a uniquely named module, so test files
import it safely whatever other conftest modules are loaded)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

ADULT_QIS = ["age", "education", "marital-status", "occupation", "race", "sex", "native-country"]


def canon_frame(frame: pd.DataFrame, qis: list[str], sensitive: list[str]) -> pd.DataFrame:
    """A fresh-RangeIndex copy pyCANON reads correctly: QIs as text (missing as '?'), categories as text."""
    out = frame[qis + sensitive].reset_index(drop=True).copy()
    for col in qis:
        out[col] = out[col].astype(object).where(out[col].notna(), "?").astype(str)
    for col in sensitive:
        if not pd.api.types.is_numeric_dtype(out[col].dtype):
            out[col] = out[col].astype(object).where(out[col].notna(), "?").astype(str)
    return out


def pycanon_check(result, *, k=None, l=None, t=None, entropy_l=None):  # noqa: E741
    """Re-check a released table with pyCANON (independent of our code): k, l, t at least what was asked."""
    from pycanon import anonymity

    qis, sens = list(result.quasi_identifiers), list(result.sensitive)
    frame = canon_frame(result.data, qis, sens)
    assert len(frame) > 0
    found = {"k": anonymity.k_anonymity(frame, qis)}
    assert found["k"] == result.statement.k
    if k is not None:
        assert found["k"] >= k
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if l is not None:
            found["l"] = anonymity.l_diversity(frame, qis, sens)
            assert found["l"] >= l
        if entropy_l is not None:
            found["entropy_l"] = anonymity.entropy_l_diversity(frame, qis, sens)
            # pyCANON truncates exp(H) to an int; allow the float rounding of exp(log l)
            assert found["entropy_l"] >= entropy_l or result.statement.l_entropy >= entropy_l * (1 - 1e-9)
        if t is not None:
            found["t"] = anonymity.t_closeness(frame, qis, sens)
            assert found["t"] <= t + 1e-9
            assert np.isclose(found["t"], result.statement.t)
    return found
