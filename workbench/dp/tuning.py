"""``tune``: private hyperparameter search whose ε covers the whole search (Papernot & Steinke 2022)."""

from __future__ import annotations

import dataclasses
import html
import itertools
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.dp._selection import TruncatedNegativeBinomial, calibrate_trials, search_rdp, selection_epsilon
from workbench.dp._selection import trial_rdp as _trial_rdp
from workbench.dp.ledger import resolve_ledger
from workbench.errors import BudgetExceededError, InvalidParameterError

__all__ = ["TUNABLE", "SearchStatement", "TuneResult", "auto_grid", "tune"]

#: hyperparameters a grid may vary
TUNABLE = ("batch_size", "epochs", "lr", "max_grad_norm")
_PAPER = "Papernot & Steinke 2022, Hyperparameter Tuning with Renyi Differential Privacy, Theorem 2"


@dataclass(frozen=True)
class SearchStatement:
    """The (ε, δ) guarantee of a whole private search, with every parameter needed to re-derive it.

    ``settings`` lists, per grid point, ``(noise_multiplier, sample_rate, steps)`` of its DP-SGD trials; the
    selection's RDP follows from them and from the distribution of the number of trials (:meth:`recompute`).
    A stopped search is no longer covered by the selection theorem (its number of trials was not the random draw):
    its ε is then the larger of the selection bound and the RDP composition of the trials it ran (``ran``).

    Examples
    --------
    >>> s = SearchStatement(epsilon=0.96, delta=1e-5, eta=1.0, gamma=0.25, trials_drawn=3, dataset_size=2000,
    ...                     settings=((4.0, 0.016, 1000),), target_epsilon=1.0)
    >>> s.expected_trials, round(s.recompute(), 3)
    (4.0, 0.958)
    """

    epsilon: float
    delta: float
    eta: float
    gamma: float
    trials_drawn: int
    dataset_size: int
    settings: tuple[tuple[float, float, int], ...]
    target_epsilon: float | None = None
    stopped: bool = False
    ran: tuple[tuple[float, float, int], ...] = ()
    caveats: tuple[str, ...] = ()
    technique: str = "dp-tuning"

    @property
    def private(self) -> bool:
        return True

    @property
    def distribution(self) -> TruncatedNegativeBinomial:
        return TruncatedNegativeBinomial(self.eta, self.gamma)

    @property
    def expected_trials(self) -> float:
        return round(self.distribution.mean, 9)

    @property
    def mechanism(self) -> str:
        return f"best of K DP-SGD trials, K ~ truncated negative binomial (η = {self.eta:g}, γ = {self.gamma:.4g}); "\
            f"{_PAPER}"  # fmt: skip

    @property
    def parameters(self) -> dict[str, Any]:
        return {
            "eta": self.eta, "gamma": self.gamma, "expected_trials": self.expected_trials,
            "trials_drawn": self.trials_drawn, "grid_points": len(self.settings), "stopped": self.stopped,
        }  # fmt: skip

    @property
    def guarantee(self) -> str:
        return f"(ε = {self.epsilon:.3g}, δ = {self.delta:.1e})-DP for the released best run of the whole search"

    def recompute(self) -> float:
        """ε re-derived from the settings, the distribution and δ (``workbench.dp._selection``)."""
        selection = selection_epsilon(search_rdp(self.settings), self.distribution, self.delta)
        if not self.stopped:
            return selection
        return max(selection, _composed(self.ran, self.delta))

    def plain_language(self) -> str:
        text = (
            f"A private hyperparameter search on {self.dataset_size:,} training rows: the number of trials was drawn "
            f"at random (truncated negative binomial, η = {self.eta:g}, expected {self.expected_trials:.3g} trials; "
            f"{self.trials_drawn} drawn), each trial trained one of {len(self.settings)} grid points with DP-SGD, "
            f"and only the best run is released. The whole search, selection included, satisfies differential "
            f"privacy with ε = {self.epsilon:.3g} and δ = {self.delta:.1e} ({_PAPER}; RDP converted to (ε, δ) as "
            "Opacus's RDP accountant does)."
        )
        if self.stopped:
            text += (
                f" The search was stopped after {len(self.ran)} trial(s): ε is the larger of the selection bound "
                "and the composition of the trials run."
            )
        if self.caveats:
            text += " Not covered by the guarantee: " + "; ".join(self.caveats) + "."
        return text

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["settings"] = [list(s) for s in self.settings]
        out["ran"] = [list(s) for s in self.ran]
        out["caveats"] = list(self.caveats)
        out.update(expected_trials=self.expected_trials, mechanism=self.mechanism, private=True)
        return out

    def as_privacy_statement(self, max_grad_norm: float) -> Any:
        """The search as one ledger entry: ε and δ of the search, DP-SGD fields of its least noisy setting."""
        from workbench.dp.statement import PrivacyStatement

        sigma, rate, steps = min(self.settings, key=lambda s: s[0])
        return PrivacyStatement(
            epsilon=self.epsilon, delta=self.delta, accountant="rdp", noise_multiplier=sigma, sample_rate=rate,
            steps=steps, max_grad_norm=max_grad_norm, dataset_size=self.dataset_size, sampling="private-selection",
            target_epsilon=self.target_epsilon, caveats=(f"ε of a private search: {self.mechanism}", *self.caveats),
        )  # fmt: skip


def _composed(ran: tuple[tuple[float, float, int], ...], delta: float) -> float:
    from workbench.dp._rdp import rdp_epsilons
    from workbench.dp._selection import ORDERS

    if not ran:
        return 0.0
    rdp = np.sum([_trial_rdp(s, q, t) for s, q, t in ran], axis=0)
    return max(float(np.nanmin(rdp_epsilons(rdp, np.asarray(ORDERS, dtype=float), delta))), 0.0)


@dataclass(frozen=True)
class TuneResult:
    """The best run of a private search, the search's statement, and every trial (for the person who ran it).

    ``best`` is a :class:`~workbench.dp.TrainResult` whose ``statement`` is the search's (ε of the whole search,
    not of the one trial). ``trials`` has one row per trial: its grid point, noise, its own ε and its score. The
    guarantee covers the released best run; publishing the table of every trial is not covered by it.
    """

    best: Any
    statement: SearchStatement
    trials: pd.DataFrame = field(compare=False)
    metric: str = "accuracy"
    technique: str = "dp-tuning"

    @property
    def metrics(self) -> Mapping[str, float]:
        return self.best.metrics

    @property
    def config(self) -> Any:
        return self.best.config

    def summary(self) -> dict[str, Any]:
        return {
            "technique": self.technique, "epsilon": self.statement.epsilon, "delta": self.statement.delta,
            "trials_drawn": self.statement.trials_drawn, "expected_trials": self.statement.expected_trials,
            "best": {k: getattr(self.best.config, k) for k in TUNABLE}, "metric": self.metric,
            "metrics": dict(self.best.metrics),
        }  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "statement": self.statement.to_dict(), "trials": self.trials.to_dict("records")}

    def __repr__(self) -> str:
        return (
            f"TuneResult(epsilon={self.statement.epsilon:.3g}, trials={self.statement.trials_drawn}, "
            f"{self.metric}={self.best.metrics.get(self.metric, math.nan):.4g})"
        )

    def _repr_html_(self) -> str:
        table = self.trials.to_html(index=False, float_format=lambda v: f"{v:.4g}")
        return (
            f"<div class='wb-tune'><h4 style='margin:4px 0'>Private search: best {html.escape(self.metric)} = "
            f"{self.best.metrics.get(self.metric, math.nan):.4g}</h4><p>{html.escape(self.statement.plain_language())}"
            f"</p>{table}</div>"
        )


def auto_grid(n_rows: int, *, model: Any = "logreg", optimizer: str = "adam") -> dict[str, list]:
    """The grid of ``grid="auto"``: the size-aware rule's learning rate ×⅓, ×1, ×3 and epochs ×½, ×1, ×2.

    Examples
    --------
    >>> auto_grid(2000)
    {'lr': [0.00333, 0.01, 0.03], 'epochs': [8, 16, 32]}
    """
    from workbench.dp.defaults import size_aware_defaults

    rule = size_aware_defaults(n_rows, model=model, optimizer=optimizer)
    lr, epochs = rule["lr"], rule["epochs"]
    return {"lr": [float(f"{lr / 3:.3g}"), lr, float(f"{lr * 3:.3g}")], "epochs": [max(1, epochs // 2), epochs,
            2 * epochs]}  # fmt: skip


def tune(
    dataset: Any,
    *,
    epsilon: float,
    grid: Mapping[str, list] | str = "auto",
    trials: float = 4.0,
    eta: float = 0.0,
    model: Any = "logreg",
    delta: float | None = None,
    metric: str = "accuracy",
    seed: int = 0,
    public_schema: bool = False,
    stop: threading.Event | None = None,
    progress: bool = False,
    on_trial: Callable[[dict[str, Any], dict[str, Any]], Any] | None = None,
    ledger: Any = None,
    **fixed: Any,
) -> TuneResult:
    """Search hyperparameters privately: the ε of the result covers the whole search, selection included.

    The number of trials K is drawn from a truncated negative binomial distribution (mean ``trials``, shape
    ``eta``: 0 logarithmic, 1 geometric); each trial picks a grid point at random, trains it with DP-SGD and scores
    it (``metric`` on the dataset's test split, as every run is scored); only the best run is released. By
    Papernot & Steinke (2022), "Hyperparameter Tuning with Renyi Differential Privacy" (ICLR), Theorem 2, the
    selection's Rényi DP is that of one trial plus terms of the distribution; the noise of every grid point is
    calibrated so that this bound, converted to (ε, δ), is at most ``epsilon``. The ledger records the search once,
    at its total ε. A stopped search states the larger of the selection bound and the composition of its trials.

    Parameters
    ----------
    dataset : Dataset or DataFrame
    epsilon : float
        Total ε of the search (> 0).
    grid : dict or "auto", default="auto"
        Hyperparameter -> list of values, over ``batch_size``, ``epochs``, ``lr``, ``max_grad_norm``; the others
        follow the size-aware rule. ``"auto"``: :func:`auto_grid` (learning rate and epochs around the rule's).
    trials : float, default=4.0
        Expected number of trials (> 1); more trials explore more but each gets less of ``epsilon``.
    eta : float, default=0.0
        Shape of the distribution of the number of trials (≥ 0).
    model, delta, seed, public_schema, **fixed
        As in :func:`workbench.train` (``fixed``: ``hidden``, ``optimizer``, ``bounds``, ``threads``).
    metric : str, default="accuracy"
        Test metric to maximise (``accuracy`` or ``auc``).
    stop : threading.Event, optional
        Checked between and inside trials; a stopped search returns the best trial finished so far.
    progress : bool, default=False
        A tqdm progress bar over the trials.
    on_trial : callable, optional
        Called after each trial with its row (a dict; ``of``: the number of trials drawn) and the best row so far.
    ledger : PrivacyLedger or False, optional
        Where the search is recorded (default :func:`workbench.dp.default_ledger`); with a budget, a search that
        would exceed it is refused before any training.

    Returns
    -------
    TuneResult

    Examples
    --------
    >>> import workbench as wb
    >>> raw = wb.load_dataset("diabetes").frame
    >>> ds = wb.load_dataset(raw.assign(progression=raw["progression"] > 140), target="progression")
    >>> result = wb.tune(ds, epsilon=2.0, grid={"lr": [0.01, 0.03], "epochs": [3]}, trials=2, public_schema=True,
    ...                  ledger=False)
    >>> result.statement.epsilon <= 2.0, result.statement.trials_drawn == len(result.trials)
    (True, True)
    """
    from workbench.dp._steps import drop_missing_target
    from workbench.dp.accounting import default_delta
    from workbench.dp.training import training_dataset

    epsilon = _check(epsilon, trials, eta, metric, fixed)
    ds = training_dataset(dataset)
    n = len(drop_missing_target(ds.train, ds.target))
    points = _points(grid, n, model, fixed.get("optimizer", "adam"))
    delta = default_delta(n) if delta is None else float(delta)
    settings = [(1.0 / math.ceil(n / p["batch_size"]), p["epochs"] * math.ceil(n / p["batch_size"])) for p in points]
    distribution = TruncatedNegativeBinomial.with_mean(float(trials), float(eta))
    sigmas, _, total = calibrate_trials(epsilon, delta, settings, distribution)
    rng = np.random.default_rng(seed)
    k = distribution.sample(rng)
    chosen = rng.integers(len(points), size=k)
    triples = tuple((s, q, t) for s, (q, t) in zip(sigmas, settings, strict=True))
    statement = SearchStatement(epsilon=total, delta=delta, eta=distribution.eta, gamma=distribution.gamma,
                                trials_drawn=k, dataset_size=n, settings=triples, target_epsilon=epsilon)  # fmt: skip
    target_ledger = resolve_ledger(ledger)
    clip = max(p["max_grad_norm"] for p in points)
    if target_ledger is not None and not target_ledger.can_spend(statement.as_privacy_statement(clip),
                                                                 dataset_fingerprint=ds.fingerprint):  # fmt: skip
        raise BudgetExceededError(
            f"A search at ε = {total:.3g} would take dataset {ds.name!r} past the budget of {target_ledger.budget:g} "
            f"(remaining {target_ledger.remaining(ds.fingerprint):.3g}); ask for a smaller epsilon."
        )
    runs, rows, best = _run_trials(ds, points, sigmas, chosen, model, delta, metric, seed, public_schema, fixed, stop,
                                   progress, on_trial)  # fmt: skip
    stopped = len(rows) < k or (bool(rows) and rows[-1]["stopped"])
    if not runs:
        raise InvalidParameterError("The search was stopped before its first trial finished; nothing to return.")
    if stopped:
        ran = tuple((r["noise_multiplier"], r["sample_rate"], r["steps"]) for r in rows)
        statement = dataclasses.replace(statement, stopped=True, ran=ran)
        statement = dataclasses.replace(statement, epsilon=statement.recompute())
    caveats = tuple(c for c in runs[best].statement.caveats if "torch" not in c)
    caveats += ("the per-trial table and the live view of the search (for the person running it, not for release)",)
    statement = dataclasses.replace(statement, caveats=caveats)
    ledger_statement = statement.as_privacy_statement(clip)
    winner = dataclasses.replace(runs[best], statement=ledger_statement)
    if target_ledger is not None:
        target_ledger.record(ledger_statement, dataset_fingerprint=ds.fingerprint, dataset_name=ds.name,
                             label=f"tune {winner.config.model_name} ({len(rows)} trials)")  # fmt: skip
    return TuneResult(best=winner, statement=statement, trials=pd.DataFrame(rows), metric=metric)


def _check(epsilon: Any, trials: Any, eta: Any, metric: Any, fixed: Mapping[str, Any]) -> float:
    ok = isinstance(epsilon, (int, float)) and not isinstance(epsilon, bool)
    if not ok or not (epsilon > 0 and math.isfinite(epsilon)):
        raise InvalidParameterError(f"tune needs a finite epsilon > 0 (the whole search's budget); got {epsilon!r}.")
    if isinstance(trials, bool) or not isinstance(trials, (int, float)) or not trials > 1:
        raise InvalidParameterError(f"trials (the expected number of trials) must be a number > 1; got {trials!r}.")
    if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not eta >= 0:
        raise InvalidParameterError(f"eta must be a number ≥ 0 (0: logarithmic, 1: geometric); got {eta!r}.")
    if metric not in ("accuracy", "auc"):
        raise InvalidParameterError(f"metric must be 'accuracy' or 'auc'; got {metric!r}.")
    allowed = {"hidden", "optimizer", "bounds", "threads"}
    unknown = sorted(set(fixed) - allowed)
    if unknown:
        tuned = f"; put hyperparameters to search in grid={{...}} ({', '.join(TUNABLE)})"
        raise InvalidParameterError(f"tune got unexpected argument(s) {unknown}: fixed settings are {sorted(allowed)}"
                                    f"{tuned}.")  # fmt: skip
    return float(epsilon)


def _points(grid: Any, n: int, model: Any, optimizer: str) -> list[dict[str, Any]]:
    """Every grid point, with the size-aware rule filling what the grid does not set."""
    from workbench.dp.config import TrainConfig
    from workbench.dp.defaults import resolve_defaults

    if isinstance(grid, str):
        if grid != "auto":
            raise InvalidParameterError(f"grid must be a dict of hyperparameter -> values or 'auto'; got {grid!r}.")
        grid = auto_grid(n, model=model, optimizer=optimizer)
    if not isinstance(grid, Mapping) or not grid:
        example = "{'lr': [0.003, 0.01]}"
        raise InvalidParameterError(f"grid must be a non-empty dict, e.g. {example}, or 'auto'; got {grid!r}.")
    unknown = sorted(set(grid) - set(TUNABLE))
    if unknown:
        raise InvalidParameterError(f"Cannot tune {unknown}: the grid may vary {list(TUNABLE)}.")
    values = {}
    for name, options in grid.items():
        options = list(options) if isinstance(options, (list, tuple)) else [options]
        if not options:
            raise InvalidParameterError(f"The grid's values for {name!r} are empty; give at least one.")
        values[name] = options
    points = []
    for combo in itertools.product(*values.values()):
        chosen = dict(zip(values, combo, strict=True))
        if "max_grad_norm" in chosen or "lr" in chosen:
            chosen = {k: (float(v) if k in ("lr", "max_grad_norm") and isinstance(v, int) else v) for k, v in
                      chosen.items()}  # fmt: skip
        config = resolve_defaults(TrainConfig(model=model, epsilon=1.0, optimizer=optimizer, **chosen), n)
        if config.batch_size > n:
            raise InvalidParameterError(f"batch_size={config.batch_size} is larger than the {n} training rows.")
        points.append({k: getattr(config, k) for k in TUNABLE})
    return points


def _run_trials(ds, points, sigmas, chosen, model, delta, metric, seed, public_schema, fixed, stop, progress,
                on_trial):  # fmt: skip
    from tqdm.auto import tqdm

    from workbench.dp.training import train

    runs: list[Any] = []
    rows: list[dict[str, Any]] = []
    best = -1
    bar = tqdm(total=len(chosen), desc="private search", unit="trial", disable=not progress, leave=False)
    try:
        for i, g in enumerate(chosen):
            if stop is not None and stop.is_set():
                break
            point = points[int(g)]
            run = train(ds, model=model, noise_multiplier=sigmas[int(g)], accountant="rdp", delta=delta,
                        seed=seed + i, public_schema=public_schema, stop=stop, ledger=False, **point,
                        **fixed)  # fmt: skip
            score = float(run.metrics[metric])
            row = {"trial": i + 1, "grid_point": int(g), **point, "noise_multiplier": sigmas[int(g)],
                   "sample_rate": run.statement.sample_rate, "steps": run.statement.steps,
                   "trial_epsilon": run.statement.epsilon, metric: score, "stopped": run.stopped}  # fmt: skip
            runs.append(run)
            rows.append(row)
            if best < 0 or score > rows[best][metric]:
                best = i
            bar.update(1)
            bar.set_postfix({f"best {metric}": f"{rows[best][metric]:.4f}"})
            if on_trial is not None:  # "of": the number of trials drawn, for progress
                on_trial({**row, "of": len(chosen)}, dict(rows[best]))
            if run.stopped:
                break
    finally:
        bar.close()
    return runs, rows, best
