"""Utility measures of a released table: information loss, discernibility, AECS, entropy loss."""

from __future__ import annotations

import numpy as np

__all__ = ["aecs", "discernibility", "entropy_loss"]


def discernibility(class_sizes: np.ndarray, suppressed: float, n: int) -> float:
    """Discernibility metric: each record costs its class size; a suppressed record costs ``n``.

    Parameters
    ----------
    class_sizes : numpy.ndarray
        Records per equivalence class of the release.
    suppressed : float
        Number of suppressed records.
    n : int
        Number of records of the original table.

    Returns
    -------
    float
        ``sum(size ** 2) + suppressed * n``: lower is better.

    Examples
    --------
    >>> discernibility(np.array([2, 3]), 1, 6)
    19.0
    """
    sizes = np.asarray(class_sizes, dtype=float)
    return float((sizes**2).sum() + suppressed * n)


def aecs(class_sizes: np.ndarray, k: int) -> float:
    """Normalised average equivalence class size: (records / classes) / k; 1 is the best possible.

    Parameters
    ----------
    class_sizes : numpy.ndarray
        Records per equivalence class of the release.
    k : int
        The k the release was made for.

    Returns
    -------
    float
        ``(records / classes) / k`` over the non-empty classes; NaN when there are none.

    Examples
    --------
    >>> aecs(np.array([2, 4]), 2)
    1.5
    """
    sizes = np.asarray(class_sizes, dtype=float)
    sizes = sizes[sizes > 0]
    return float(sizes.sum() / len(sizes) / max(k, 1)) if len(sizes) else float("nan")


def entropy_loss(original: np.ndarray, released: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Share of a column's entropy lost: ``H(original | released) / H(original)`` (0 = nothing lost, 1 = all).

    ``original`` and ``released`` are integer codes per record (suppressed records: one shared released code).

    Parameters
    ----------
    original : numpy.ndarray
        Integer codes of the original values, one per record.
    released : numpy.ndarray
        Integer codes of the released values, one per record.
    weights : numpy.ndarray, optional
        Record weights (default: every record counts once).

    Returns
    -------
    float
        In [0, 1]; 0 when the column has a single value.

    Examples
    --------
    >>> entropy_loss(np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1]))
    0.5
    """
    original = np.asarray(original, dtype=np.int64)
    released = np.asarray(released, dtype=np.int64)
    released = released - released.min(initial=0)
    w = np.ones(len(original)) if weights is None else np.asarray(weights, dtype=float)
    total = w.sum()
    if total == 0:
        return 0.0
    px = np.bincount(original, weights=w) / total
    h_x = -np.sum(px[px > 0] * np.log(px[px > 0]))
    if h_x <= 0:
        return 0.0
    n_x = int(original.max(initial=0)) + 1
    joint = np.bincount(released * n_x + original, weights=w) / total
    py = np.bincount(released, weights=w) / total
    nz = np.flatnonzero(joint > 0)
    h_xy = -np.sum(joint[nz] * np.log(joint[nz] / py[nz // n_x]))
    return float(np.clip(h_xy / h_x, 0.0, 1.0))
