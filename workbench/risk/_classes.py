"""Equivalence classes and the privacy measures over them (k, l, t), vectorised with numpy.

Every function works on integer class ids (one per record) and integer codes of a sensitive column, so the
anonymisation algorithms can use them as constraints on compressed tables (``weights`` = records per row).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "class_sizes",
    "combine_codes",
    "distribution_matrix",
    "encode_column",
    "equivalence_classes",
    "l_distinct",
    "l_entropy",
    "l_recursive",
    "t_closeness",
]

_INT64_LIMIT = 2**62


def encode_column(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for a column, missing values included as their own code; returns (codes, uniques).

    For numeric and ordered categorical columns the codes follow the order of the values (missing last), so the
    ordered distance of t-closeness can use them directly.

    Parameters
    ----------
    values : pandas.Series or numpy.ndarray
        One column of the table.

    Returns
    -------
    tuple of (numpy.ndarray, numpy.ndarray)
        The int64 code of every value, and the distinct values in code order.

    Examples
    --------
    >>> codes, uniques = encode_column(pd.Series([3, 1, None, 3]))
    >>> codes.tolist(), uniques.tolist()
    ([1, 0, 2, 1], [1.0, 3.0, nan])
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    ordered = isinstance(series.dtype, pd.CategoricalDtype) and series.dtype.ordered
    sort = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    if ordered:
        codes = series.cat.codes.to_numpy().astype(np.int64)
        uniques = np.asarray(series.cat.categories, dtype=object)
        if (codes < 0).any():
            codes = np.where(codes < 0, len(uniques), codes)
            uniques = np.append(uniques, np.nan)
        return codes, uniques
    codes, uniques = pd.factorize(series, sort=sort, use_na_sentinel=False)
    uniques = np.asarray(uniques)
    if sort and len(uniques) and pd.isna(uniques).any():  # factorize puts NaN first or last: force last
        na = int(np.flatnonzero(pd.isna(uniques))[0])
        order = [i for i in range(len(uniques)) if i != na] + [na]
        remap = np.empty(len(uniques), dtype=np.int64)
        remap[order] = np.arange(len(uniques))
        codes, uniques = remap[codes], uniques[order]
    return codes.astype(np.int64), uniques


def combine_codes(codes: Sequence[np.ndarray], cards: Sequence[int]) -> tuple[np.ndarray, int]:
    """Combine several code arrays into one dense class id per row; returns (ids, number of ids).

    Ids are dense (0..n-1) when the product of the cardinalities is small, otherwise compacted by hashing, so
    ``np.bincount(ids)`` stays small.

    Parameters
    ----------
    codes : sequence of numpy.ndarray
        Integer codes of each column (same length), e.g. from :func:`encode_column`.
    cards : sequence of int
        Number of distinct codes of each column.

    Returns
    -------
    tuple of (numpy.ndarray, int)
        One id per row, and the number of ids.

    Examples
    --------
    >>> ids, n = combine_codes([np.array([0, 1, 0]), np.array([2, 2, 2])], [2, 3])
    >>> ids.tolist(), n
    ([2, 5, 2], 6)
    """
    length = len(codes[0]) if len(codes) else 0
    key = np.zeros(length, dtype=np.int64)
    size = 1
    for code, card in zip(codes, cards, strict=True):
        card = max(int(card), 1)
        if size * card >= _INT64_LIMIT:
            key, size = _compact(key)
        key = key * card + code
        size *= card
    if size > 4 * length + 1024:
        key, size = _compact(key)
    return key, size


def _compact(key: np.ndarray) -> tuple[np.ndarray, int]:
    ids, uniques = pd.factorize(key)
    return ids.astype(np.int64), len(uniques)


def equivalence_classes(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, int]:
    """Class id of every row for the equivalence classes over ``columns`` (missing values form their own value).

    Returns dense ids ``0..n_classes-1`` and ``n_classes``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (not modified).
    columns : sequence of str
        The quasi-identifiers.

    Examples
    --------
    >>> frame = pd.DataFrame({"age": [30, 30, 40], "sex": ["F", "F", None]})
    >>> ids, n = equivalence_classes(frame, ["age", "sex"])
    >>> ids.tolist(), n
    ([0, 0, 1], 2)
    """
    if not columns:
        return np.zeros(len(frame), dtype=np.int64), min(1, len(frame))
    encoded = [encode_column(frame[c]) for c in columns]
    key, _ = combine_codes([c for c, _ in encoded], [len(u) for _, u in encoded])
    ids, uniques = pd.factorize(key)
    return ids.astype(np.int64), len(uniques)


def class_sizes(ids: np.ndarray, n_classes: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Records per class (float when weighted).

    Parameters
    ----------
    ids : numpy.ndarray
        Class id of every record (``0..n_classes-1``), as :func:`equivalence_classes` returns them.
    n_classes : int
        Number of classes (empty classes get size 0).
    weights : numpy.ndarray, optional
        Record weights (default: every record counts once).

    Returns
    -------
    numpy.ndarray
        ``n_classes`` sizes: integers, or floats when weighted.

    Examples
    --------
    >>> import numpy as np
    >>> class_sizes(np.array([0, 0, 1, 1, 1]), 2).tolist()
    [2, 3]
    """
    sizes = np.bincount(ids, weights=weights, minlength=n_classes)
    return sizes if weights is not None else sizes.astype(np.int64)


def distribution_matrix(
    ids: np.ndarray, n_classes: int, sensitive: np.ndarray, n_values: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Counts of each sensitive value in each class: an array of shape (n_classes, n_values).

    Parameters
    ----------
    ids : numpy.ndarray
        Class id of every record.
    n_classes : int
        Number of classes.
    sensitive : numpy.ndarray
        Integer code of every record's sensitive value (``0..n_values-1``).
    n_values : int
        Number of distinct sensitive values.
    weights : numpy.ndarray, optional
        Record weights (default: every record counts once).

    Returns
    -------
    numpy.ndarray
        float64 counts, shape ``(n_classes, n_values)``.

    Examples
    --------
    >>> import numpy as np
    >>> distribution_matrix(np.array([0, 0, 1, 1, 1]), 2, np.array([0, 1, 0, 0, 1]), 2).tolist()
    [[1.0, 1.0], [2.0, 1.0]]
    """
    flat = np.bincount(ids * n_values + sensitive, weights=weights, minlength=n_classes * n_values)
    return flat.reshape(n_classes, n_values).astype(np.float64)


def l_distinct(dist: np.ndarray) -> np.ndarray:
    """Distinct sensitive values per class.

    Parameters
    ----------
    dist : numpy.ndarray
        Sensitive value counts per class, shape ``(n_classes, n_values)`` (see :func:`distribution_matrix`).

    Returns
    -------
    numpy.ndarray
        The number of sensitive values present in each class; the table's distinct l is the minimum.

    Examples
    --------
    >>> import numpy as np
    >>> l_distinct(np.array([[1.0, 1.0], [3.0, 0.0]])).tolist()
    [2, 1]
    """
    return (dist > 0).sum(axis=1)


def l_entropy(dist: np.ndarray) -> np.ndarray:
    """Entropy l per class: ``exp(H)`` of the class's sensitive distribution (natural log).

    Parameters
    ----------
    dist : numpy.ndarray
        Sensitive value counts per class, shape ``(n_classes, n_values)``.

    Returns
    -------
    numpy.ndarray
        ``exp(H)`` per class: the number of equally frequent values with the same entropy; the table's entropy l is
        the minimum.

    Examples
    --------
    >>> import numpy as np
    >>> l_entropy(np.array([[1.0, 1.0], [2.0, 1.0]])).round(3).tolist()
    [2.0, 1.89]
    """
    totals = dist.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(totals > 0, dist / totals, 0.0)
        terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return np.exp(-terms.sum(axis=1))


def l_recursive(dist: np.ndarray, c: float) -> np.ndarray:
    """Largest l per class for which the class is recursive (c, l)-diverse: ``r1 < c (r_l + ... + r_m)``.

    ``r1 ≥ r2 ≥ ...`` are the class's sensitive value counts, sorted.

    Parameters
    ----------
    dist : numpy.ndarray
        Sensitive value counts per class, shape ``(n_classes, n_values)``.
    c : float
        The constant of recursive (c, l)-diversity.

    Returns
    -------
    numpy.ndarray
        The largest such l per class (0 for an empty class).

    Examples
    --------
    >>> import numpy as np
    >>> l_recursive(np.array([[1.0, 1.0], [2.0, 1.0]]), 2.0).tolist()
    [2, 1]
    """
    ordered = -np.sort(-dist, axis=1)
    suffix = np.cumsum(ordered[:, ::-1], axis=1)[:, ::-1]  # suffix[:, j] = r_{j+1} + ... + r_m
    ok = (ordered[:, :1] < c * suffix) & (ordered > 0)
    return ok.sum(axis=1)


def t_closeness(dist: np.ndarray, ordered: bool, reference: np.ndarray | None = None) -> np.ndarray:
    """Earth mover's distance between each class's sensitive distribution and the table's (or ``reference``).

    ``ordered=False``: equal ground distance (half the L1 distance). ``ordered=True``: ordered distance over the
    sorted values, ``sum_i |sum_{j<=i} (p_j - q_j)| / (m - 1)`` (Li et al. 2007), as ARX and pyCANON use.
    Values that never occur are ignored, as they are in pyCANON.

    Parameters
    ----------
    dist : numpy.ndarray
        Sensitive value counts per class, shape ``(n_classes, n_values)``; for the ordered distance the values are in
        their order (as :func:`encode_column` codes them).
    ordered : bool
        Use the ordered distance (numeric or ordered categorical values) instead of the equal one.
    reference : numpy.ndarray, optional
        Counts of the reference distribution (default: the whole table, the sum of ``dist``'s rows).

    Returns
    -------
    numpy.ndarray
        The distance of each class, in [0, 1]; the table's t is the maximum.

    Examples
    --------
    >>> import numpy as np
    >>> t_closeness(np.array([[1.0, 1.0], [2.0, 1.0]]), ordered=False).round(3).tolist()
    [0.1, 0.067]
    >>> t_closeness(np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 1.0]]), ordered=True).tolist()
    [0.375, 0.375]
    """
    present = dist.sum(axis=0) > 0 if reference is None else np.asarray(reference) > 0
    dist = dist[:, present]
    ref = dist.sum(axis=0) if reference is None else np.asarray(reference, dtype=np.float64)[present]
    q = ref / ref.sum()
    totals = dist.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(totals > 0, dist / totals, q)
    diff = p - q
    if not ordered:
        return 0.5 * np.abs(diff).sum(axis=1)
    m = diff.shape[1]
    if m < 2:
        return np.zeros(len(dist))
    return np.abs(np.cumsum(diff, axis=1)).sum(axis=1) / (m - 1)
