"""The format of generalised values, shared by every package (bottom layer): ``*`` (suppressed), ``?`` (missing),
ranges ``[30, 35)``, value sets ``{a, b}`` and hierarchy nodes, and which raw values a released value covers.

Anonymisation writes these values, risk and utility read them back; both import this one module.

Examples
--------
>>> from workbench.generalised import midpoint, parse_range, parse_set
>>> parse_range("[30, 35)"), parse_set("{a, b}"), midpoint("[30, 40)")
((30.0, 35.0, True, False), ['a', 'b'], 35.0)
"""

from __future__ import annotations

import contextlib
import datetime
import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["MISSING", "SUPPRESSED", "covers", "midpoint", "normalise", "parse_range", "parse_set"]

MISSING = "?"
SUPPRESSED = "*"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf"
_RANGE = re.compile(rf"^([\[\(])\s*({_NUMBER})\s*,\s*({_NUMBER})\s*([\]\)])$")
_SET = re.compile(r"^\{(.*)\}$")


def normalise(value: object) -> str:
    """One string per raw value, so 39, 39.0 and '39' compare equal; missing values become '?'.

    Examples
    --------
    >>> normalise(39.0), normalise("Male"), normalise(float("nan"))
    ('39', 'Male', '?')
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, (pd.Timestamp, np.datetime64, datetime.datetime)):
        return pd.Timestamp(value).isoformat()
    return str(value)


def parse_range(label: object) -> tuple[float, float, bool, bool] | None:
    """``(low, high, low_closed, high_closed)`` for a range label such as ``"[20, 30)"``, else None.

    Examples
    --------
    >>> parse_range("[20, 30)")
    (20.0, 30.0, True, False)
    >>> parse_range("Europe") is None
    True
    """
    if not isinstance(label, str):
        return None
    match = _RANGE.match(label.strip())
    if not match:
        return None
    return float(match.group(2)), float(match.group(3)), match.group(1) == "[", match.group(4) == "]"


def parse_set(label: object) -> list[str] | None:
    """The members of a value-set label such as ``"{Divorced, Widowed}"``, else None."""
    if not isinstance(label, str):
        return None
    match = _SET.match(label.strip())
    return None if not match else [part.strip() for part in match.group(1).split(", ")]


def _as_float(values: np.ndarray) -> np.ndarray:
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        with contextlib.suppress(TypeError, ValueError):
            out[i] = float(v)
    return out


def covers(
    labels: np.ndarray, values: np.ndarray, generalisations: Mapping[str, frozenset[str]] | None = None
) -> np.ndarray:
    """Boolean matrix (len(values), len(labels)): does released label j cover raw value i?

    ``generalisations`` maps hierarchy labels to the raw values (normalised strings) under them; ranges, value
    sets, ``'*'`` and plain values are understood without it.

    Examples
    --------
    >>> covers(np.array(["[20, 30)", "*", "Male"], dtype=object), np.array([25, 30, "Male"], dtype=object)).tolist()
    [[True, True, False], [False, True, False], [False, True, True]]
    """
    generalisations = generalisations or {}
    norm = np.array([normalise(v) for v in values], dtype=object)
    numeric = _as_float(values)
    out = np.zeros((len(values), len(labels)), dtype=bool)
    for j, label in enumerate(labels):
        key = normalise(label)
        if key == SUPPRESSED:
            out[:, j] = True
        elif key in generalisations:
            out[:, j] = np.isin(norm, list(generalisations[key]))
        elif (bounds := parse_range(label)) is not None:
            low, high, low_closed, high_closed = bounds
            above = numeric >= low if low_closed else numeric > low
            below = numeric <= high if high_closed else numeric < high
            out[:, j] = above & below & ~np.isnan(numeric)
        elif (members := parse_set(label)) is not None:
            out[:, j] = np.isin(norm, members)
        else:
            out[:, j] = norm == key
    return out


def midpoint(label: object) -> float:
    """A number for a released value: a range's midpoint, a number itself; NaN for '*', '?', sets and text.

    Examples
    --------
    >>> midpoint("[20, 30)"), midpoint("42"), midpoint("*")
    (25.0, 42.0, nan)
    """
    if label is None or (not isinstance(label, str) and pd.isna(label)):
        return math.nan
    bounds = parse_range(label)
    if bounds is not None:
        low, high = bounds[0], bounds[1]
        return (low + high) / 2 if math.isfinite(low) and math.isfinite(high) else math.nan
    try:
        return float(label)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
