"""Builders for generalisation hierarchies: intervals, dates, masking, categorical trees, automatic ones."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from workbench._validation import check_finite
from workbench.anonymise.hierarchy import Hierarchy
from workbench.errors import InvalidParameterError, PrivacyLeakWarning, warn_user
from workbench.generalised import SUPPRESSED

__all__ = [
    "auto_hierarchy",
    "date_hierarchy",
    "flat_hierarchy",
    "interval_hierarchy",
    "masking_hierarchy",
    "tree_hierarchy",
]


def _distinct(values: Iterable) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(list(values))
    return pd.Series(pd.unique(series.dropna()))


def _num(x: float) -> str:
    return f"{x:g}"


def interval_hierarchy(
    values: Iterable[float],
    widths: Sequence[float] = (5, 10, 20),
    *,
    start: float | None = None,
    name: str | None = None,
) -> Hierarchy:
    """Numeric bands of growing width, then ``'*'``: e.g. age 37 → ``[35, 40)`` → ``[30, 40)`` → ``[20, 40)`` → ``*``.

    Each width must be a multiple of the one before, so the bands nest.

    Parameters
    ----------
    values : iterable of float
        The column's values (numbers).
    widths : sequence of float, default=(5, 10, 20)
        Band widths, level by level.
    start : float, optional
        Where the bands start (default: the smallest value rounded down to a multiple of the widest band).
    name : str, optional
        The column the hierarchy is for (default: the values' ``name``).

    Returns
    -------
    Hierarchy

    Raises
    ------
    InvalidParameterError
        For widths that are not positive nested multiples, or values that are not numbers.

    Examples
    --------
    >>> from workbench.anonymise import interval_hierarchy
    >>> h = interval_hierarchy([17, 37, 90], widths=(5, 10))
    >>> h.mapping(1)[37], h.mapping(2)[37], h.mapping(3)[37]
    ('[35, 40)', '[30, 40)', '*')
    """
    widths = [float(w) for w in widths]
    if any(w <= 0 for w in widths) or any(not math.isclose(b / a, round(b / a)) for a, b in itertools.pairwise(widths)):
        raise InvalidParameterError(f"Interval widths must be positive and each a multiple of the last; got {widths}.")
    distinct = _distinct(values)
    numbers = pd.to_numeric(distinct, errors="coerce")
    if numbers.isna().any():
        raise InvalidParameterError(f"interval_hierarchy needs numbers; got {distinct[numbers.isna()].tolist()[:3]}.")
    check_finite(numbers.astype(float).to_frame("values"), ["values"], "interval_hierarchy", "give finite numbers")
    if start is None:
        start = math.floor(numbers.min() / widths[-1]) * widths[-1] if len(numbers) else 0.0
    rows = []
    for value, x in zip(distinct, numbers, strict=True):
        row = [value]
        for w in widths:
            low = start + math.floor((x - start) / w) * w
            row.append(f"[{_num(low)}, {_num(low + w)})")
        rows.append([*row, SUPPRESSED])
    return Hierarchy.from_frame(pd.DataFrame(rows), name=name or getattr(values, "name", None), kind="interval")


_DATE_LEVELS = {
    "month": lambda t: t.strftime("%Y-%m"),
    "quarter": lambda t: f"{t.year}-Q{(t.month - 1) // 3 + 1}",
    "year": lambda t: str(t.year),
    "decade": lambda t: f"{t.year // 10 * 10}s",
}


def date_hierarchy(
    values: Iterable, levels: Sequence[str] = ("month", "year", "decade"), *, name: str | None = None
) -> Hierarchy:
    """Dates: day → month → year → decade → ``'*'`` (choose levels from month, quarter, year, decade).

    Parameters
    ----------
    values : iterable
        The dates (anything :func:`pandas.to_datetime` reads).
    levels : sequence of str, default=("month", "year", "decade")
        The levels above the day, in order.
    name : str, optional
        The column the hierarchy is for.

    Returns
    -------
    Hierarchy

    Raises
    ------
    InvalidParameterError
        For an unknown level or a value that is not a date.

    Examples
    --------
    >>> from workbench.anonymise import date_hierarchy
    >>> h = date_hierarchy(pd.to_datetime(["1966-01-31", "1948-09-15"]))
    >>> [h.mapping(j)[pd.Timestamp("1966-01-31")] for j in range(1, 5)]
    ['1966-01', '1966', '1960s', '*']
    """
    unknown = [lv for lv in levels if lv not in _DATE_LEVELS]
    if unknown:
        raise InvalidParameterError(f"Unknown date level(s) {unknown}; use some of {list(_DATE_LEVELS)}.")
    distinct = _distinct(values)
    stamps = pd.to_datetime(distinct, errors="coerce")
    if stamps.isna().any():
        raise InvalidParameterError(f"date_hierarchy needs dates; got {distinct[stamps.isna()].tolist()[:3]}.")
    rows = [[v, *(_DATE_LEVELS[lv](t) for lv in levels), SUPPRESSED] for v, t in zip(distinct, stamps, strict=True)]
    return Hierarchy.from_frame(pd.DataFrame(rows), name=name or getattr(values, "name", None), kind="date")


def masking_hierarchy(values: Iterable[str], *, levels: int | None = None, name: str | None = None) -> Hierarchy:
    """Mask characters from the right, one per level, then ``'*'``: ZIP 81675 → 8167* → 816** → … → ``*``.

    Parameters
    ----------
    values : iterable of str
        The codes (ZIP codes, phone prefixes...).
    levels : int, optional
        Number of masking levels below ``'*'`` (default: the longest code's length minus one).
    name : str, optional
        The column the hierarchy is for.

    Returns
    -------
    Hierarchy

    Raises
    ------
    InvalidParameterError
        When ``levels`` is negative or longer than the codes.

    Examples
    --------
    >>> from workbench.anonymise import masking_hierarchy
    >>> h = masking_hierarchy(["81675", "81677"], levels=2)
    >>> h.mapping(1)["81675"], h.mapping(2)["81675"], h.mapping(3)["81675"]
    ('8167*', '816**', '*')
    """
    distinct = _distinct(values).astype(str)
    longest = int(distinct.str.len().max()) if len(distinct) else 0
    steps = longest - 1 if levels is None else int(levels)
    if steps < 0 or steps >= max(longest, 1) + 1:
        raise InvalidParameterError(f"masking levels must be between 0 and {longest}; got {levels}.")
    rows = []
    for value in distinct:
        row = [value]
        for j in range(1, steps + 1):
            cut = max(len(value) - j, 0)
            row.append(value[:cut] + "*" * (len(value) - cut))
        rows.append([*row, SUPPRESSED])
    return Hierarchy.from_frame(pd.DataFrame(rows), name=name or getattr(values, "name", None), kind="masking")


def tree_hierarchy(tree: Mapping, *, name: str | None = None) -> Hierarchy:
    """A categorical tree from a nested dict; the outer key is the top label, lists hold the original values.

    Leaves at different depths are padded by repeating their lowest label, so every value has every level.

    Parameters
    ----------
    tree : mapping
        ``{top label: {label: [values], ...}}``, nested to any depth.
    name : str, optional
        The column the hierarchy is for.

    Returns
    -------
    Hierarchy

    Raises
    ------
    InvalidParameterError
        When ``tree`` is not a non-empty mapping.

    Examples
    --------
    >>> from workbench.anonymise import tree_hierarchy
    >>> h = tree_hierarchy({"*": {"Spouse present": ["Married-civ-spouse"], "Spouse absent": ["Divorced", "Widowed"]}})
    >>> h.mapping(1)["Widowed"], h.n_levels
    ('Spouse absent', 3)
    """
    paths: list[list] = []

    def walk(node: object, trail: list) -> None:
        if isinstance(node, Mapping):
            for label, child in node.items():
                if child is None:
                    paths.append([label, *trail])
                else:
                    walk(child, [label, *trail])
        elif isinstance(node, (list, tuple, set, frozenset)):
            for leaf in node:
                paths.append([leaf, *trail])
        else:
            paths.append([node, *trail])

    if not isinstance(tree, Mapping) or not tree:
        raise InvalidParameterError("tree_hierarchy takes a non-empty nested dict such as {'*': {'A': ['a1', 'a2']}}.")
    walk(tree, [])
    depth = max(len(p) for p in paths)
    rows = [[p[0]] * (depth - len(p) + 1) + p[1:] for p in paths]
    return Hierarchy.from_frame(pd.DataFrame(rows), name=name, kind="tree")


def flat_hierarchy(values: Iterable, *, name: str | None = None) -> Hierarchy:
    """Two levels: the value, or ``'*'``.

    Parameters
    ----------
    values : iterable
        The column's values.
    name : str, optional
        The column the hierarchy is for.

    Returns
    -------
    Hierarchy

    Examples
    --------
    >>> from workbench.anonymise import flat_hierarchy
    >>> h = flat_hierarchy(["Male", "Female"], name="sex")
    >>> h.n_levels, h.mapping(1)["Female"]
    (2, '*')
    """
    distinct = _distinct(values)
    return Hierarchy.from_frame(
        pd.DataFrame({0: distinct, 1: SUPPRESSED}), name=name or getattr(values, "name", None), kind="flat"
    )


def auto_hierarchy(series: pd.Series, *, bands: int = 8, warn: bool = True) -> Hierarchy:
    """A hierarchy for a column nobody wrote one for.

    Dates get day → month → year → decade; equal-length digit codes (ZIP codes) are masked from the right.
    Numeric columns with more than 10 values get nested quantile bands (``bands``, then half as many, ... then
    ``'*'``); categorical columns with more than 12 values keep the values holding at least 1 % of the records and
    group the rest as ``'Other'``; everything else goes straight to ``'*'``. Band edges come from the data, so a
    :class:`~workbench.errors.PrivacyLeakWarning` says so (pass your own hierarchy to avoid it).

    Parameters
    ----------
    series : pandas.Series
        The column (its name names the hierarchy).
    bands : int, default=8
        Number of quantile bands on the first level of a numeric column.
    warn : bool, default=True
        Warn (:class:`~workbench.errors.PrivacyLeakWarning`) when the hierarchy's edges come from the data.

    Returns
    -------
    Hierarchy

    Examples
    --------
    >>> from workbench.anonymise import auto_hierarchy
    >>> auto_hierarchy(pd.Series(["a", "b", "a"], name="x")).n_levels
    2
    """
    distinct = _distinct(series)
    if pd.api.types.is_datetime64_any_dtype(series.dtype) and len(distinct) > 1:
        return date_hierarchy(series, name=series.name)
    text = distinct.astype(str)
    if len(distinct) > 12 and text.str.fullmatch(r"\d{3,}").all() and text.str.len().nunique() == 1:
        return masking_hierarchy(series.dropna().astype(str), name=series.name)  # ZIP- or code-like digits
    numeric = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    if numeric and len(distinct) > 10:
        if warn:
            warn_user(
                f"The hierarchy for {series.name!r} uses quantiles of the private data as band edges; "
                "pass hierarchies={...} built from public knowledge to avoid this.",
                PrivacyLeakWarning,
            )
        return _quantile_hierarchy(series, distinct, bands)
    if len(distinct) > 12:
        share = series.value_counts(normalize=True, dropna=True)
        keep = set(share[share >= 0.01].index)
        rows = [[v, v if v in keep else "Other", SUPPRESSED] for v in distinct]
        if len(keep) not in (0, len(distinct)):
            return Hierarchy.from_frame(pd.DataFrame(rows), name=series.name, kind="auto")
    return Hierarchy.from_frame(pd.DataFrame({0: distinct, 1: SUPPRESSED}), name=series.name, kind="auto")


def _quantile_hierarchy(series: pd.Series, distinct: pd.Series, bands: int) -> Hierarchy:
    numbers = pd.to_numeric(series, errors="coerce").dropna().to_numpy(dtype=float)
    check_finite(pd.DataFrame({series.name: numbers}), [series.name], "auto_hierarchy", "drop or fix those rows")
    lo, hi = float(numbers.min()), float(numbers.max())
    edges = np.unique(np.quantile(numbers, np.linspace(0, 1, bands + 1)))
    edges[0], edges[-1] = lo, hi
    levels = []
    while len(edges) > 2:
        levels.append(edges)
        edges = np.unique(np.concatenate([edges[::2], [hi]]))
    values = pd.to_numeric(distinct, errors="coerce").to_numpy(dtype=float)
    rows = [list(distinct)]
    for e in levels:
        idx = np.clip(np.searchsorted(e, values, side="right") - 1, 0, len(e) - 2)
        labels = [f"[{_num(e[i])}, {_num(e[i + 1])}" + ("]" if i == len(e) - 2 else ")") for i in range(len(e) - 1)]
        rows.append([labels[i] for i in idx])
    rows.append([SUPPRESSED] * len(distinct))
    return Hierarchy.from_frame(pd.DataFrame(np.array(rows, dtype=object).T), name=series.name, kind="auto")
