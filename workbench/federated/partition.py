"""Split a training table into clients: IID shards, Dirichlet label skew, or one client per value of a column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import EmptyDataError, InvalidParameterError, UnknownColumnError

__all__ = ["partition_rows", "partition_table"]


def partition_rows(
    frame: pd.DataFrame, *, clients: int, partition: str, target: str, alpha: float = 0.5, seed: int = 0
) -> list[np.ndarray]:
    """Positions (into ``frame``) of each client's rows; every row goes to exactly one client.

    ``"iid"``: a seeded shuffle cut into ``clients`` near-equal shards. ``"dirichlet"``: label skew, each class's
    rows spread over the clients by proportions drawn from Dirichlet(``alpha``) (smaller alpha, more skew; redrawn
    until every client has at least one row). A column name: one client per value of that column (natural silos,
    e.g. a hospital id), ``clients`` ignored; missing values form a client of their own.

    Parameters
    ----------
    frame : DataFrame
        The training rows to split.
    clients : int
        Number of clients for ``"iid"`` and ``"dirichlet"`` (at most the number of rows); ignored for a column.
    partition : {"iid", "dirichlet"} or str
        How to split: IID shards, Dirichlet label skew, or the name of a column of ``frame``.
    target : str
        The label column (the classes the Dirichlet split skews; may not be the partition column).
    alpha : float, default=0.5
        Concentration of the Dirichlet split (smaller, more skew).
    seed : int, default=0
        Seed of the shuffle and the Dirichlet draws.

    Returns
    -------
    list of ndarray
        One array of row positions per client.

    Examples
    --------
    >>> frame = pd.DataFrame({"x": range(10), "y": [0, 1] * 5, "site": list("aabbbccccc")})
    >>> [len(p) for p in partition_rows(frame, clients=3, partition="iid", target="y")]
    [4, 3, 3]
    >>> [len(p) for p in partition_rows(frame, clients=0, partition="site", target="y")]
    [2, 3, 5]
    """
    n = len(frame)
    rng = np.random.default_rng(seed)
    if partition == "iid":
        _check_clients(clients, n)
        return [np.sort(part) for part in np.array_split(rng.permutation(n), clients)]
    if partition == "dirichlet":
        _check_clients(clients, n)
        return _dirichlet(frame[target].to_numpy(), clients, alpha, rng)
    if partition not in frame.columns:
        raise UnknownColumnError(
            f"partition must be 'iid', 'dirichlet' or a column name; {partition!r} is not a column of the table."
        )
    if partition == target:
        raise InvalidParameterError("Partitioning by the target puts each label in its own client; use 'dirichlet'.")
    codes, _ = pd.factorize(frame[partition], sort=True, use_na_sentinel=False)
    return [np.flatnonzero(codes == c) for c in range(codes.max() + 1)]


def partition_table(parts: list[np.ndarray], labels: np.ndarray, names: list[str] | None = None) -> pd.DataFrame:
    """Rows and label rate per client (the label rate is the share of the last class, e.g. income >50K).

    Parameters
    ----------
    parts : list of ndarray
        Each client's row positions into ``labels`` (as :func:`partition_rows` returns).
    labels : ndarray
        The label of every row.
    names : list of str, optional
        The clients' names (default: 0, 1, ...).

    Returns
    -------
    DataFrame
        Columns ``client``, ``rows`` and ``label_rate`` (NaN for a client without rows), one row per client.

    Examples
    --------
    >>> partition_table([np.array([0, 1]), np.array([2])], np.array([0, 1, 1]))
       client  rows  label_rate
    0       0     2         0.5
    1       1     1         1.0
    """
    labels = np.asarray(labels)
    positive = labels.max() if labels.size else 0
    return pd.DataFrame(
        {
            "client": names if names is not None else list(range(len(parts))),
            "rows": [len(p) for p in parts],
            "label_rate": [float((labels[p] == positive).mean()) if len(p) else np.nan for p in parts],
        }
    )


def _check_clients(clients: int, n: int) -> None:
    if clients > n:
        raise EmptyDataError(f"clients={clients} is more than the {n} training rows; use at most {n} clients.")


def _dirichlet(labels: np.ndarray, clients: int, alpha: float, rng: np.random.Generator) -> list[np.ndarray]:
    classes = pd.factorize(labels, sort=True)[0]
    for _ in range(100):
        owner = np.empty(len(labels), dtype=np.int64)
        for c in range(classes.max() + 1):
            rows = rng.permutation(np.flatnonzero(classes == c))
            cuts = (np.cumsum(rng.dirichlet(np.full(clients, alpha))) * len(rows)).astype(int)[:-1]
            for client, part in enumerate(np.split(rows, cuts)):
                owner[part] = client
        parts = [np.flatnonzero(owner == k) for k in range(clients)]
        if all(len(p) for p in parts):
            return parts
    raise InfeasibleSplit(clients, alpha)


class InfeasibleSplit(EmptyDataError):
    """A Dirichlet split left a client without rows 100 times in a row."""

    def __init__(self, clients: int, alpha: float) -> None:
        super().__init__(
            f"A Dirichlet(alpha={alpha:g}) split over {clients} clients left a client empty 100 times; use a larger "
            "alpha or fewer clients."
        )
