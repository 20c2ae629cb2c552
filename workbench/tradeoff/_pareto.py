"""The Pareto frontier of a sweep: points no other point beats on both utility and leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.columns import check_columns

__all__ = ["pareto_frontier"]


def pareto_frontier(
    results: pd.DataFrame, *, utility: str = "accuracy", leakage: str = "epsilon", maximise_utility: bool = True
) -> pd.DataFrame:
    """Rows of ``results`` on the Pareto frontier: higher ``utility`` and lower ``leakage`` are better.

    A row is dropped when another row is at least as good on both columns and strictly better on one. Rows with
    a missing value in either column are left out. The frontier is sorted by ``leakage``.

    Parameters
    ----------
    results : pandas.DataFrame
        A sweep's tidy results (``TradeoffResult.results``) or any table with the two columns.
    utility : str, default="accuracy"
        Column where higher is better (``maximise_utility=False`` flips it, e.g. for information loss).
    leakage : str, default="epsilon"
        Column where lower is better (claimed ε, MIA advantage, re-identification rate, ...).
    maximise_utility : bool, default=True
        False when lower ``utility`` is better (information loss).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"epsilon": [0.5, 1, 2, 4], "accuracy": [0.80, 0.83, 0.82, 0.85]})
    >>> pareto_frontier(frame)["epsilon"].tolist()
    [0.5, 1.0, 4.0]
    """
    check_columns(results, [utility, leakage], "pareto_frontier")
    frame = results.dropna(subset=[utility, leakage])
    u = frame[utility].to_numpy(dtype=float) * (1.0 if maximise_utility else -1.0)
    leak = frame[leakage].to_numpy(dtype=float)
    keep = np.ones(len(frame), dtype=bool)
    for i in range(len(frame)):
        at_least_as_good = (u >= u[i]) & (leak <= leak[i])
        strictly_better = (u > u[i]) | (leak < leak[i])
        keep[i] = not np.any(at_least_as_good & strictly_better)
    return frame[keep].sort_values(leakage, kind="stable")
