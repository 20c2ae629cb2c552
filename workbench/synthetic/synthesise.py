"""``synthesise``: a differentially private synthetic copy of a table (MST or AIM on private-pgm)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench._validation import EventLike, InstanceOf, Interval, OneOf, Optional, validate_params
from workbench.errors import InvalidParameterError, PrivacyLeakWarning, warn_user
from workbench.synthetic import _metrics
from workbench.synthetic._domain import TableDomain, build_domain
from workbench.synthetic._measure import Fit, Stopped
from workbench.synthetic._schema import BUNDLED_EDGES, is_bundled
from workbench.synthetic.accounting import rho_from_epsilon
from workbench.synthetic.result import SyntheticResult
from workbench.synthetic.statement import SyntheticStatement

__all__ = ["evaluate_release", "synthesise"]

_CONSTRAINTS = {
    "epsilon": Interval(float, 0, None, closed="neither"),
    "delta": Optional(Interval(float, 0, 1, closed="neither")),
    "method": OneOf(("mst", "aim")),
    "bins": Interval(int, 2, 1000),
    "rows": Optional(Interval(int, 1, None)),
    "seed": Interval(int, 0, None),
    "max_iters": Interval(int, 50, None),
    "rounds": Optional(Interval(int, 1, None)),
    "public_schema": InstanceOf((bool,), "a bool"),
    "evaluate": InstanceOf((bool,), "a bool"),
    "stop": Optional(EventLike()),
}
_TOL = 1e-4  # relative loss change per 50-iteration block at which estimation stops


def synthesise(
    data: Any,
    *,
    epsilon: float,
    delta: float | None = None,
    method: str = "mst",
    bounds: Mapping[str, tuple[float, float]] | None = None,
    categories: Mapping[str, Sequence] | None = None,
    public_schema: bool = False,
    bins: int = 16,
    rows: int | None = None,
    seed: int = 0,
    evaluate: bool = True,
    max_iters: int = 1000,
    rounds: int | None = None,
    progress: bool | Callable[[float, str], None] = False,
    stop: Any = None,
    ledger: Any = None,
) -> SyntheticResult:
    """A differentially private synthetic table of ``data``'s training split.

    The table is discretised on a public domain (categories; numeric columns cut into bins on public bounds),
    noisy marginals are measured (MST: every 1-way marginal and a maximum spanning tree of 2-way marginals chosen
    privately; AIM: marginals chosen adaptively, round by round), a graphical model is fitted to them with
    private-pgm, and rows are drawn from it (numbers uniformly within their bin). Identifier columns are never
    used or released.

    Parameters
    ----------
    data : Dataset or pandas.DataFrame
        The table; a DataFrame is loaded with :func:`workbench.load_dataset`.
    epsilon : float
        Target ε; the statement's ε (from the zCDP spent) is at most this.
    delta : float, optional
        δ of the guarantee (default 1 / (10 n)).
    method : {"mst", "aim"}, default="mst"
        AIM is adaptive and slower: each round refits the model (``rounds`` caps them; default 2 × columns).
    bounds : mapping column -> (low, high), optional
        Public bounds of numeric columns, cut into ``bins`` equal bins (integers: one bin per value when they fit).
    categories : mapping column -> list, optional
        Public categories of a column.
    public_schema : bool, default=False
        Declare the categories in the columns' dtypes (pandas Categorical) public knowledge. Bundled datasets use
        their published schema without it.
    bins : int, default=16
        Bins per numeric column with ``bounds``.
    rows : int, optional
        Synthetic rows to draw (default: the noisy estimate of the training rows).
    seed : int, default=0
        Same seed, same data and settings: same table.
    evaluate : bool, default=True
        Measure fidelity, ML utility and the privacy checks (a few seconds on Adult).
    max_iters : int, default=1000
        Most iterations of private-pgm's mirror descent (it stops earlier once converged).
    rounds : int, optional
        AIM only: most rounds.
    progress : bool or callable, default=False
        True shows a tqdm bar; a callable gets ``(fraction, message)``.
    stop : threading.Event, optional
        Set it to stop the fit early: the model of the last completed block of iterations is used (``stopped``).
    ledger : PrivacyLedger or False, optional
        Where the release is recorded (default: the session ledger); with a budget set, a release that would pass
        it is refused before any work with :class:`~workbench.errors.BudgetExceededError`.

    Returns
    -------
    SyntheticResult

    Examples
    --------
    >>> import workbench as wb
    >>> syn = wb.synthesise(wb.load_dataset("adult"), epsilon=1.0, seed=0)  # doctest: +SKIP
    >>> syn.statement.epsilon <= 1.0, list(syn.data.columns) == list(wb.load_dataset("adult").frame.columns)
    ... # doctest: +SKIP
    (True, True)
    """
    values = {"epsilon": epsilon, "delta": delta, "method": method, "bins": bins, "rows": rows, "seed": seed,
              "max_iters": max_iters, "rounds": rounds, "public_schema": public_schema, "evaluate": evaluate,
              "stop": stop}  # fmt: skip
    validate_params("synthesise", _CONSTRAINTS, values)
    started = time.perf_counter()
    ds = _dataset(data)
    columns = [c for c in ds.frame.columns if c not in ds.identifiers]
    if not columns:
        raise InvalidParameterError("Every column of the dataset is an identifier: nothing to synthesise.")
    domain = _domain(ds, columns, bounds, categories, public_schema, bins)
    train = ds.train[columns]
    if len(train) < 2:
        raise InvalidParameterError(f"synthesise needs at least 2 training rows; the dataset has {len(train)}.")
    delta = _delta(delta, len(train))
    rho = rho_from_epsilon(float(epsilon), delta)
    ledger = _ledger(ledger)
    _refuse_over_budget(ledger, ds, float(epsilon))
    report = _reporter(progress, method)
    rng = np.random.default_rng([seed, 0])
    fit = Fit(domain.encode(train), domain.sizes, rng, report, stop, [])
    model = _fit(fit, method, rho, max_iters, rounds)
    statement = SyntheticStatement.from_steps(
        method.upper(), fit.steps, delta=delta, target_epsilon=float(epsilon), rho=rho,
        public=domain.public_parts(), caveats=domain.leaks(), dataset_name=ds.name,
        rows=int(rows or model.rows),
    )  # fmt: skip
    report("drawing rows", 0.92)

    def draw(n: int, generator: np.random.Generator) -> pd.DataFrame:
        return domain.decode(model.draw(n, generator), generator)

    table = draw(statement.rows, np.random.default_rng([seed, 3]))
    metrics = {"seconds": time.perf_counter() - started, "iterations": float(model.iterations)}
    if evaluate:
        report("measuring fidelity, utility and privacy", 0.95)
        metrics.update(evaluate_release(table, ds, columns, seed, domain))
    result = SyntheticResult(
        table, statement, metrics, domain, _marginals(train, table, domain), ds.name, ds.fingerprint, seed,
        model.stopped, draw,
    )  # fmt: skip
    if ledger is not None:
        ledger.record(statement, dataset_fingerprint=ds.fingerprint, dataset_name=ds.name,
                      label=f"synthesise {method} ε={float(epsilon):g}")  # fmt: skip
    report("done", 1.0)
    return result


def _dataset(data: Any):
    from workbench.datasets import Dataset, load_dataset

    if isinstance(data, Dataset):
        return data
    if isinstance(data, pd.DataFrame):
        return load_dataset(data)
    raise InvalidParameterError(f"synthesise takes a Dataset or a DataFrame; got {type(data).__name__}.")


def _domain(ds, columns, bounds, categories, public_schema: bool, bins: int) -> TableDomain:
    bundled = is_bundled(ds)
    return build_domain(
        ds.frame, columns, bounds=dict(bounds or {}), categories=dict(categories or {}),
        schema_edges=BUNDLED_EDGES.get(ds.name, {}) if bundled else {}, public_schema=public_schema,
        schema_categorical=bundled, bins=bins,
    )  # fmt: skip


def _delta(delta: float | None, n: int) -> float:
    if delta is None:
        return 1.0 / (10 * n)
    if delta >= 1.0 / n:
        warn_user(
            f"delta={delta:g} is not below 1/n = {1 / n:.2g}: a mechanism that publishes one random row in full "
            "meets it. Use delta < 1/n (default 1/(10 n)).",
            PrivacyLeakWarning,
        )
    return float(delta)


def _ledger(ledger: Any):
    if ledger is False:
        return None
    if ledger is None:
        from workbench.dp import default_ledger

        return default_ledger()
    return ledger


def _refuse_over_budget(ledger, ds, epsilon: float) -> None:
    """A set budget refuses before any work (the ledger's one rule: the release may spend its whole ε)."""
    if ledger is not None:
        ledger.check_budget([epsilon], dataset_fingerprint=ds.fingerprint, dataset_name=ds.name)


def _reporter(progress, method: str) -> Callable[[str, float], None]:
    if callable(progress):
        return lambda message, fraction: progress(fraction, message)
    if not progress:
        return lambda message, fraction: None
    from tqdm.auto import tqdm

    bar = tqdm(total=100, desc=f"synthesise ({method.upper()})", leave=False)

    def report(message: str, fraction: float) -> None:
        bar.n = round(100 * fraction)
        bar.set_postfix_str(message, refresh=True)
        if fraction >= 1.0:
            bar.close()

    return report


def _fit(fit: Fit, method: str, rho: float, max_iters: int, rounds: int | None):
    from workbench.synthetic._model import fit_model

    try:
        return fit_model(fit, method, rho, max_iters=max_iters, tol=_TOL, rounds=rounds)
    except Stopped:
        raise InvalidParameterError("synthesise was stopped before a model was fitted.") from None


def evaluate_release(
    table: pd.DataFrame, ds, columns: list[str], seed: int, domain: TableDomain | None = None
) -> dict[str, float]:
    """Fidelity, ML utility and privacy checks of a released table (synthetic, or the real rows as a baseline)."""
    if domain is None:  # measuring only (nothing of it is released): the rows' own ranges are fine here
        domain = build_domain(ds.frame, columns, bounds={}, categories={}, schema_edges={}, public_schema=True,
                              schema_categorical=True, bins=16, warn=False)  # fmt: skip
    rng = np.random.default_rng([seed, 4])
    train, test = ds.train[columns], ds.test[columns]
    out = _metrics.fidelity(train, table, domain, rng)
    out.update(_metrics.utility(table, train, test, ds.target if ds.target in columns else None, seed))
    if len(test) >= 2:
        out.update(_metrics.privacy_checks(table, train, test, domain, rng))
    return {k: float(v) for k, v in out.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _marginals(train: pd.DataFrame, table: pd.DataFrame, domain: TableDomain) -> dict[str, dict]:
    out = {}
    for col in domain.columns:
        labels = list(map(str, col.categories)) if col.kind == "categorical" else [
            f"[{lo:g}, {hi:g})" for lo, hi in zip(col.edges[:-1], col.edges[1:], strict=True)
        ]  # fmt: skip
        if col.missing:
            labels.append("missing")
        out[col.name] = {
            "labels": labels,
            "real": _metrics.marginal_table(train, domain, col.name).tolist(),
            "synthetic": _metrics.marginal_table(table, domain, col.name).tolist(),
        }
    return out
