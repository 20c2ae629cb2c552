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
from workbench.dp._selection import score_rdp as _score_rdp
from workbench.dp._selection import trial_rdp as _trial_rdp
from workbench.dp.ledger import resolve_ledger
from workbench.errors import BudgetExceededError, InvalidParameterError

__all__ = ["RESOLUTION", "TUNABLE", "SearchStatement", "TuneResult", "auto_grid", "tune"]

#: hyperparameters a grid may vary
TUNABLE = ("batch_size", "epochs", "lr", "max_grad_norm")
#: the standard deviation of the noisy score (accuracy) above which ``trials="auto"`` narrows the search: about the
#: spread of the auto grid's accuracies (the best point of the grid is within about a point of the rule's)
RESOLUTION = 0.01
_NARROW_TRIALS = 1.1
_PAPER = "Papernot & Steinke 2022, Hyperparameter Tuning with Renyi Differential Privacy, Theorem 2"
_TABLE_CAVEAT = "the per-trial table and the live view of the search (for the person running it, not for release)"
_NO_SEARCH = (
    "measured in docs/benchmarks.md: from 2,000 rows the auto grid's best point, even chosen for free, is within 0.6 "
    "points of the rule's, while a search gives each of its trials 11–52 % more noise"
)


@dataclass(frozen=True)
class SearchStatement:
    """The (ε, δ) guarantee of a whole private search, with every parameter needed to re-derive it.

    ``settings`` lists, per grid point, ``(noise_multiplier, sample_rate, steps)`` of its DP-SGD trials and
    ``score_noise`` the σ of the Gaussian noise on each trial's count of correct predictions on the training rows
    (its selection score); the selection's RDP follows from them and from the distribution of the number of trials
    (:meth:`recompute`).
    Without a search (``eta`` and ``gamma`` None: ``trials="auto"`` on the auto grid, see :func:`tune`) the
    statement is that of its one DP-SGD run, by ``accountant`` (PRV, with its error allowance ``eps_error``).
    A stopped search is no longer covered by the selection theorem (its number of trials was not the random draw):
    its ε is then the larger of the selection bound and the RDP composition of the trials it ran (``ran``).

    Examples
    --------
    >>> s = SearchStatement(epsilon=0.96, delta=1e-5, eta=1.0, gamma=0.25, trials_drawn=3, dataset_size=2000,
    ...                     settings=((4.0, 0.016, 1000),), score_noise=80.0, target_epsilon=1.0)
    >>> s.expected_trials, round(s.recompute(), 3)
    (4.0, 0.963)
    >>> one = SearchStatement(epsilon=1.0, delta=1e-5, eta=None, gamma=None, trials_drawn=1, dataset_size=2000,
    ...                       settings=((2.06, 0.016, 1000),), accountant="prv")
    >>> one.searched, one.expected_trials, round(one.recompute(), 1)
    (False, 1.0, 1.0)
    """

    epsilon: float
    delta: float
    eta: float | None
    gamma: float | None
    trials_drawn: int
    dataset_size: int
    settings: tuple[tuple[float, float, int], ...]
    score_noise: float = math.inf
    target_epsilon: float | None = None
    stopped: bool = False
    ran: tuple[tuple[float, float, int], ...] = ()
    caveats: tuple[str, ...] = ()
    accountant: str = "rdp"
    eps_error: float | None = None
    technique: str = "dp-tuning"

    @property
    def private(self) -> bool:
        return True

    @property
    def searched(self) -> bool:
        """False when no search ran: one DP-SGD run of the rule's point had the whole ε (no selection term)."""
        return self.eta is not None

    @property
    def distribution(self) -> TruncatedNegativeBinomial | None:
        """The distribution of the number of trials (None without a search)."""
        return TruncatedNegativeBinomial(self.eta, self.gamma) if self.searched else None

    @property
    def expected_trials(self) -> float:
        return round(self.distribution.mean, 9) if self.searched else 1.0

    @property
    def mechanism(self) -> str:
        if not self.searched:
            return f"one DP-SGD run of the size-aware rule's point with the whole ε, no selection; {_NO_SEARCH}"
        return f"best of K DP-SGD trials by a noisy score, K ~ truncated negative binomial (η = {self.eta:g}, "\
            f"γ = {self.gamma:.4g}); {_PAPER}"  # fmt: skip

    @property
    def parameters(self) -> dict[str, Any]:
        return {
            "eta": self.eta, "gamma": self.gamma, "expected_trials": self.expected_trials,
            "trials_drawn": self.trials_drawn, "grid_points": len(self.settings), "score_noise": self.score_noise,
            "stopped": self.stopped,
        }  # fmt: skip

    @property
    def guarantee(self) -> str:
        return f"(ε = {self.epsilon:.3g}, δ = {self.delta:.1e})-DP for the released best run of the whole search"

    def recompute(self) -> float:
        """ε re-derived from the settings, the distribution and δ (``workbench.dp._selection``); without a search,
        from the one run's setting (or the steps it ran, if stopped) by its accountant."""
        if not self.searched:
            from workbench.dp.accounting import compute_epsilon

            sigma, rate, steps = (self.ran or self.settings)[0]
            return compute_epsilon(self.accountant, sigma, rate, steps, self.delta, eps_error=self.eps_error)
        selection = selection_epsilon(search_rdp(self.settings, self.score_noise), self.distribution, self.delta)
        if not self.stopped:
            return selection
        return max(selection, _composed(self.ran, self.score_noise, self.delta))

    def plain_language(self) -> str:
        if not self.searched:
            sigma, rate, steps = (self.ran or self.settings)[0]
            text = (
                f"No search ran: on the auto grid, trials='auto' gives the whole budget to one DP-SGD run of the "
                f"size-aware rule's point ({steps:,} steps, sample rate {rate:.3g}, noise multiplier {sigma:.3g}) on "
                f"{self.dataset_size:,} training rows, because a private search around that point pays more in "
                f"noise than it finds ({_NO_SEARCH}; pass trials=2 or a grid of your own to search). It satisfies "
                f"differential privacy with ε = {self.epsilon:.3g} and δ = {self.delta:.1e} "
                f"({self.accountant.upper()} accountant)."
            )
            return text + self._not_covered()
        text = (
            f"A private hyperparameter search on {self.dataset_size:,} training rows: the number of trials was drawn "
            f"at random (truncated negative binomial, η = {self.eta:g}, expected {self.expected_trials:.3g} trials; "
            f"{self.trials_drawn} drawn), each trial trained one of {len(self.settings)} grid points with DP-SGD "
            f"and was scored by its count of correct predictions on the training rows plus Gaussian noise "
            f"(σ = {self.score_noise:.3g} rows); only the best run is released. The whole search, selection "
            f"included, satisfies differential privacy with ε = {self.epsilon:.3g} and δ = {self.delta:.1e} "
            f"({_PAPER}; RDP converted to (ε, δ) as Opacus's RDP accountant does)."
        )
        if self.stopped:
            text += (
                f" The search was stopped after {len(self.ran)} trial(s): ε is the larger of the selection bound "
                "and the composition of the trials run."
            )
        return text + self._not_covered()

    def _not_covered(self) -> str:
        return " Not covered by the guarantee: " + "; ".join(self.caveats) + "." if self.caveats else ""

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

        if not self.searched:  # one ordinary DP-SGD run: the ledger composes it as such
            sigma, rate, steps = (self.ran or self.settings)[0]
            return PrivacyStatement(
                epsilon=self.epsilon, delta=self.delta, accountant=self.accountant, noise_multiplier=sigma,
                sample_rate=rate, steps=steps, max_grad_norm=max_grad_norm, dataset_size=self.dataset_size,
                target_epsilon=self.target_epsilon, eps_error=self.eps_error, caveats=self.caveats,
            )  # fmt: skip
        sigma, rate, steps = min(self.settings, key=lambda s: s[0])
        return PrivacyStatement(
            epsilon=self.epsilon, delta=self.delta, accountant="rdp", noise_multiplier=sigma, sample_rate=rate,
            steps=steps, max_grad_norm=max_grad_norm, dataset_size=self.dataset_size, sampling="private-selection",
            target_epsilon=self.target_epsilon, caveats=(f"ε of a private search: {self.mechanism}", *self.caveats),
        )  # fmt: skip


def _composed(ran: tuple[tuple[float, float, int], ...], score_noise: float, delta: float) -> float:
    from workbench.dp._rdp import rdp_epsilons
    from workbench.dp._selection import ORDERS

    if not ran:
        return 0.0
    rdp = np.sum([_trial_rdp(s, q, t) + _score_rdp(score_noise) for s, q, t in ran], axis=0)
    return max(float(np.nanmin(rdp_epsilons(rdp, np.asarray(ORDERS, dtype=float), delta))), 0.0)


@dataclass(frozen=True)
class TuneResult:
    """The best run of a private search, the search's statement, and every trial (for the person who ran it).

    ``best`` is a :class:`~workbench.dp.TrainResult` whose ``statement`` is the search's (ε of the whole search,
    not of the one trial). ``trials`` has one row per trial: its grid point, noise, its own ε, its noisy score (the
    selection's), its exact training accuracy and its test accuracy. The guarantee covers the released best run;
    publishing the table of every trial is not covered by it. ``narrowed``: ``trials="auto"`` found the noisy score
    too coarse to rank candidates on this table at this ε and explored less (:data:`RESOLUTION`). ``searched``:
    False when ``trials="auto"`` on the auto grid trained the rule's point once with the whole ε instead.
    """

    best: Any
    statement: SearchStatement
    trials: pd.DataFrame = field(compare=False)
    narrowed: bool = False
    technique: str = "dp-tuning"

    @property
    def metrics(self) -> Mapping[str, float]:
        return self.best.metrics

    @property
    def searched(self) -> bool:
        return self.statement.searched

    @property
    def config(self) -> Any:
        return self.best.config

    def summary(self) -> dict[str, Any]:
        s = self.statement
        per_trial = float(self.trials["trial_epsilon"].max()) if len(self.trials) else math.nan
        return {
            "technique": self.technique, "epsilon": s.epsilon, "delta": s.delta, "trials_drawn": s.trials_drawn,
            "expected_trials": s.expected_trials, "eta": s.eta, "gamma": s.gamma, "grid_points": len(s.settings),
            "trial_epsilon": per_trial, "score_noise": s.score_noise, "stopped": s.stopped,
            "best": {k: getattr(self.best.config, k) for k in TUNABLE}, "metrics": dict(self.best.metrics),
            "selection": "noisy count of correct predictions on the training rows" if s.searched else "none",
            "method": _PAPER if s.searched else s.mechanism, "narrowed": self.narrowed, "searched": s.searched,
        }  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "statement": self.statement.to_dict(), "trials": self.trials.to_dict("records")}

    def __repr__(self) -> str:
        return (
            f"TuneResult(epsilon={self.statement.epsilon:.3g}, trials={self.statement.trials_drawn}, "
            f"accuracy={self.best.metrics.get('accuracy', math.nan):.4g})"
        )

    def _repr_html_(self) -> str:
        table = self.trials.to_html(index=False, float_format=lambda v: f"{v:.4g}")
        return (
            f"<div class='wb-tune'><h4 style='margin:4px 0'>{'Private search' if self.searched else 'No search'}: "
            f"test accuracy of the released run = "
            f"{self.best.metrics.get('accuracy', math.nan):.4g}</h4><p>"
            f"{html.escape(self.statement.plain_language())}</p>{table}</div>"
        )


def auto_grid(n_rows: int, *, model: Any = "logreg", optimizer: str = "adam") -> list[dict[str, Any]]:
    """The grid of ``grid="auto"``: the size-aware rule's point first, then one neighbour at a time around it.

    Neighbours: learning rate ×⅓ and ×3; epochs ×½ and ×2 (half and twice the steps); batch size ×½ and ×2 (where
    at most a quarter of the rows), with the rule's epochs for that batch (about the same number of steps). A search
    on this grid draws the rule's point with probability ½ at every trial and each neighbour with the same share of
    the other half, so it can lose to the defaults only by the selection's ε overhead and the noise of its score.

    Examples
    --------
    >>> grid = auto_grid(2000)
    >>> grid[0], len(grid)
    ({'batch_size': 32, 'epochs': 16, 'lr': 0.01}, 7)
    >>> grid[5:]
    [{'batch_size': 16, 'epochs': 10, 'lr': 0.01}, {'batch_size': 64, 'epochs': 32, 'lr': 0.01}]
    """
    from workbench.dp.defaults import size_aware_defaults

    rule = size_aware_defaults(n_rows, model=model, optimizer=optimizer)
    batch, epochs, lr = rule["batch_size"], rule["epochs"], rule["lr"]
    points = [{"batch_size": batch, "epochs": epochs, "lr": lr}]
    points += [{"batch_size": batch, "epochs": epochs, "lr": float(f"{lr * f:.3g}")} for f in (1 / 3, 3)]
    points += [{"batch_size": batch, "epochs": e, "lr": lr} for e in (max(1, epochs // 2), 2 * epochs)]
    for other in (batch // 2, batch * 2):
        if 1 <= other <= max(n_rows // 4, 1) and other != batch:
            other_epochs = size_aware_defaults(n_rows, model=model, optimizer=optimizer, batch_size=other)["epochs"]
            points.append({"batch_size": other, "epochs": other_epochs, "lr": lr})
    unique = list({tuple(p.items()): p for p in points}.values())
    return unique


def tune(
    dataset: Any,
    *,
    epsilon: float,
    grid: Mapping[str, list] | list[Mapping[str, Any]] | str = "auto",
    trials: float | str = "auto",
    eta: float = -0.5,
    model: Any = "logreg",
    delta: float | None = None,
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
    ``eta``: −0.5 by default, 0 logarithmic, 1 geometric); each trial picks a grid point at random (independently of
    the data), trains it with DP-SGD on the training rows and scores it by its count of correct predictions on
    those rows plus Gaussian noise (sensitivity one row; never the test rows); only the best-scored run is
    released. By Papernot & Steinke (2022), "Hyperparameter Tuning with Renyi Differential Privacy" (ICLR),
    Theorem 2, the selection's Rényi DP is that of one trial (training and score, composed) plus terms of the
    distribution; the noise of every grid point is calibrated so that this bound, converted to (ε, δ), is at most
    ``epsilon``. The ledger records the search once, at its total ε. A stopped search states the larger of the
    selection bound and the composition of its trials.

    Parameters
    ----------
    dataset : Dataset or DataFrame
    epsilon : float
        Total ε of the search (> 0).
    grid : dict, list of dicts or "auto", default="auto"
        Hyperparameter -> list of values (every combination is a grid point), or a list of points, over
        ``batch_size``, ``epochs``, ``lr``, ``max_grad_norm``; the others follow the size-aware rule. ``"auto"``:
        :func:`auto_grid` (the rule's point, drawn with probability ½, and its neighbours); other grids are drawn
        uniformly.
    trials : float or "auto", default="auto"
        Expected number of trials (> 1); more trials explore more but each gets less of ``epsilon``. ``"auto"``
        with ``grid="auto"``: **no search**; the rule's point is trained once with the whole ``epsilon`` (PRV
        accountant, no selection term), because on every table measured a private search around it lost more to
        the selection's noise than its neighbours could gain (``docs/benchmarks.md``; the statement says so and
        ``TuneResult.searched`` is False). ``"auto"`` with a grid of your own: 2, unless the noisy score is too
        coarse to rank the candidates (its standard deviation, σ / rows, above :data:`RESOLUTION`, a public
        function of the number of rows, ε and δ): then 1.1 expected trials (``TuneResult.narrowed``).
    eta : float, default=-0.5
        Shape of the distribution of the number of trials (> −1). Lower values leave each trial more of ``epsilon``
        (at 2 expected trials, 72–88 % at η = −0.5 against 64–85 % at η = 0) with more searches of a single
        trial and a heavier tail.
    model, delta, seed, public_schema, **fixed
        As in :func:`workbench.train` (``fixed``: ``hidden``, ``optimizer``, ``bounds``, ``threads``).
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
    >>> result = wb.tune(ds, epsilon=2.0, grid={"lr": [0.01, 0.03], "epochs": [3]}, public_schema=True,
    ...                  ledger=False)
    >>> result.statement.epsilon <= 2.0, result.statement.trials_drawn == len(result.trials)
    (True, True)
    >>> wb.tune(ds, epsilon=2.0, public_schema=True, ledger=False).searched  # auto: the rule's point, whole ε
    False
    """
    from workbench.dp._steps import drop_missing_target
    from workbench.dp.accounting import default_delta
    from workbench.dp.training import training_dataset

    epsilon = _check(epsilon, 2.0 if trials == "auto" else trials, eta, fixed)
    ds = training_dataset(dataset)
    rows_scored = drop_missing_target(ds.train, ds.target)
    n = len(rows_scored)
    points, weights = _points(grid, n, model, fixed.get("optimizer", "adam"))
    asked_delta, delta = delta, default_delta(n) if delta is None else float(delta)
    settings = [(1.0 / math.ceil(n / p["batch_size"]), p["epochs"] * math.ceil(n / p["batch_size"])) for p in points]
    if grid == "auto" and trials == "auto":  # no search pays around the rule: its point gets the whole ε
        clip = points[0]["max_grad_norm"]
        return _single_run(ds, rows_scored, clip, settings[0], epsilon, (delta, asked_delta), model, seed,
                           public_schema, fixed, stop, progress, on_trial, resolve_ledger(ledger))  # fmt: skip
    distribution = TruncatedNegativeBinomial.with_mean(2.0 if trials == "auto" else float(trials), float(eta))
    sigmas, _, total, score_noise = calibrate_trials(epsilon, delta, settings, distribution)
    narrowed = trials == "auto" and score_noise / n > RESOLUTION
    if narrowed:  # the score cannot tell the candidates apart: explore less, give each trial more of epsilon
        distribution = TruncatedNegativeBinomial.with_mean(_NARROW_TRIALS, float(eta))
        sigmas, _, total, score_noise = calibrate_trials(epsilon, delta, settings, distribution)
    rng = np.random.default_rng(seed)
    k = distribution.sample(rng)
    chosen = rng.choice(len(points), size=k, p=weights)
    triples = tuple((s, q, t) for s, (q, t) in zip(sigmas, settings, strict=True))
    statement = SearchStatement(epsilon=total, delta=delta, eta=distribution.eta, gamma=distribution.gamma,
                                trials_drawn=k, dataset_size=n, settings=triples, score_noise=score_noise,
                                target_epsilon=epsilon)  # fmt: skip
    target_ledger = resolve_ledger(ledger)
    clip = max(p["max_grad_norm"] for p in points)
    if target_ledger is not None and not target_ledger.can_spend(statement.as_privacy_statement(clip),
                                                                 dataset_fingerprint=ds.fingerprint):  # fmt: skip
        raise BudgetExceededError(
            f"A search at ε = {total:.3g} would take dataset {ds.name!r} past the budget of {target_ledger.budget:g} "
            f"(remaining {target_ledger.remaining(ds.fingerprint):.3g}); ask for a smaller epsilon."
        )
    scoring = _Scoring(rows_scored, ds.target, score_noise, rng)
    runs, rows, best = _run_trials(ds, points, sigmas, chosen, model, delta, scoring, seed, public_schema, fixed, stop,
                                   progress, on_trial)  # fmt: skip
    stopped = len(rows) < k or (bool(rows) and rows[-1]["stopped"])
    if not runs:
        raise InvalidParameterError("The search was stopped before its first trial finished; nothing to return.")
    if stopped:
        ran = tuple((r["noise_multiplier"], r["sample_rate"], r["steps"]) for r in rows)
        statement = dataclasses.replace(statement, stopped=True, ran=ran)
        statement = dataclasses.replace(statement, epsilon=statement.recompute())
    caveats = tuple(c for c in runs[best].statement.caveats if "torch" not in c)
    caveats += (_TABLE_CAVEAT,)
    statement = dataclasses.replace(statement, caveats=caveats)
    ledger_statement = statement.as_privacy_statement(clip)
    winner = dataclasses.replace(runs[best], statement=ledger_statement)
    if target_ledger is not None:
        target_ledger.record(ledger_statement, dataset_fingerprint=ds.fingerprint, dataset_name=ds.name,
                             label=f"tune {winner.config.model_name} ({len(rows)} trials)")  # fmt: skip
    return TuneResult(best=winner, statement=statement, trials=pd.DataFrame(rows), narrowed=narrowed)


def _single_run(ds, rows_scored, clip, setting, epsilon, deltas, model, seed, public_schema, fixed, stop, progress,
                on_trial, target_ledger) -> TuneResult:  # fmt: skip
    """``trials="auto"`` on the auto grid: ``wb.train``'s run with the size-aware defaults and the whole ε (PRV), no
    selection; ``setting`` (the rule's sample rate and steps) plans it, for the budget check before training."""
    from workbench.dp.accounting import calibrate_noise
    from workbench.dp.training import train

    rate, steps = setting
    delta, asked_delta = deltas  # the same δ; the run gets it as the user gave it, so it is wb.train's run
    sigma, planned = calibrate_noise(epsilon, delta, rate, steps, "prv")
    statement = SearchStatement(epsilon=planned, delta=delta, eta=None, gamma=None, trials_drawn=1,
                                dataset_size=len(rows_scored),
                                settings=((sigma, rate, steps),), target_epsilon=epsilon, accountant="prv")  # fmt: skip
    if target_ledger is not None and not target_ledger.can_spend(statement.as_privacy_statement(clip),
                                                                 dataset_fingerprint=ds.fingerprint):  # fmt: skip
        raise BudgetExceededError(
            f"A run at ε = {planned:.3g} would take dataset {ds.name!r} past the budget of {target_ledger.budget:g} "
            f"(remaining {target_ledger.remaining(ds.fingerprint):.3g}); ask for a smaller epsilon."
        )
    # the rule fills what tune's auto grid would: the run and its statement name the rule, as wb.train's do
    run = train(ds, model=model, epsilon=epsilon, delta=asked_delta, accountant="prv", seed=seed,
                public_schema=public_schema, stop=stop, progress=progress, ledger=False, **fixed)  # fmt: skip
    done = run.statement
    caveats = (*(c for c in done.caveats if "torch" not in c), _TABLE_CAVEAT)
    statement = dataclasses.replace(
        statement, epsilon=done.epsilon, settings=((done.noise_multiplier, done.sample_rate, steps),),
        eps_error=done.eps_error, stopped=bool(run.stopped), caveats=caveats,
        ran=((done.noise_multiplier, done.sample_rate, done.steps),) if run.stopped else (),
    )  # fmt: skip
    correct = (run.predict(rows_scored) == rows_scored[ds.target].to_numpy(dtype=object)).mean()
    point = {name: getattr(run.config, name) for name in TUNABLE}
    row = {"trial": 1, "grid_point": 0, **point, "noise_multiplier": done.noise_multiplier,
           "sample_rate": done.sample_rate, "steps": done.steps, "trial_epsilon": done.epsilon, "score": math.nan,
           "train_accuracy": float(correct), "accuracy": float(run.metrics["accuracy"]),
           "stopped": bool(run.stopped)}  # fmt: skip
    if on_trial is not None:
        on_trial({**row, "of": 1}, dict(row))
    ledger_statement = dataclasses.replace(done, caveats=caveats)  # the run's own, PRV error allowance included
    winner = dataclasses.replace(run, statement=ledger_statement)
    if target_ledger is not None:
        target_ledger.record(ledger_statement, dataset_fingerprint=ds.fingerprint, dataset_name=ds.name,
                             label=f"tune {winner.config.model_name} (no search: the rule's point)")  # fmt: skip
    return TuneResult(best=winner, statement=statement, trials=pd.DataFrame([row]))


def _check(epsilon: Any, trials: Any, eta: Any, fixed: Mapping[str, Any]) -> float:
    ok = isinstance(epsilon, (int, float)) and not isinstance(epsilon, bool)
    if not ok or not (epsilon > 0 and math.isfinite(epsilon)):
        raise InvalidParameterError(f"tune needs a finite epsilon > 0 (the whole search's budget); got {epsilon!r}.")
    if isinstance(trials, bool) or not isinstance(trials, (int, float)) or not trials > 1:
        raise InvalidParameterError(f"trials (the expected number of trials) must be a number > 1; got {trials!r}.")
    if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not (eta > -1 and math.isfinite(eta)):
        raise InvalidParameterError(f"eta must be a number > −1 (−0.5: default, 0: logarithmic); got {eta!r}.")
    allowed = {"hidden", "optimizer", "bounds", "threads"}
    unknown = sorted(set(fixed) - allowed)
    if unknown:
        tuned = f"; put hyperparameters to search in grid={{...}} ({', '.join(TUNABLE)})"
        raise InvalidParameterError(f"tune got unexpected argument(s) {unknown}: fixed settings are {sorted(allowed)}"
                                    f"{tuned}.")  # fmt: skip
    return float(epsilon)


def _points(grid: Any, n: int, model: Any, optimizer: str) -> tuple[list[dict[str, Any]], list[float]]:
    """Every grid point, with the size-aware rule filling what the grid does not set, and its draw probability."""
    from workbench.dp.config import TrainConfig
    from workbench.dp.defaults import resolve_defaults

    example = "{'lr': [0.003, 0.01]}"
    if isinstance(grid, str):
        if grid != "auto":
            raise InvalidParameterError(f"grid must be a dict of hyperparameter -> values or 'auto'; got {grid!r}.")
        combos = auto_grid(n, model=model, optimizer=optimizer)
    elif isinstance(grid, Mapping) and grid:
        values = {}
        for name, options in grid.items():
            options = list(options) if isinstance(options, (list, tuple)) else [options]
            if not options:
                raise InvalidParameterError(f"The grid's values for {name!r} are empty; give at least one.")
            values[name] = options
        combos = [dict(zip(values, combo, strict=True)) for combo in itertools.product(*values.values())]
    elif isinstance(grid, (list, tuple)) and grid and all(isinstance(p, Mapping) for p in grid):
        combos = [dict(p) for p in grid]
    else:
        raise InvalidParameterError(f"grid must be a non-empty dict, e.g. {example}, a list of such points (one value "
                                    f"each), or 'auto'; got {grid!r}.")  # fmt: skip
    unknown = sorted({name for combo in combos for name in combo} - set(TUNABLE))
    if unknown:
        raise InvalidParameterError(f"Cannot tune {unknown}: the grid may vary {list(TUNABLE)}.")
    points = []
    for chosen in combos:
        chosen = {k: (float(v) if k in ("lr", "max_grad_norm") and isinstance(v, int) else v) for k, v in
                  chosen.items()}  # fmt: skip
        config = resolve_defaults(TrainConfig(model=model, epsilon=1.0, optimizer=optimizer, **chosen), n)
        if config.batch_size > n:
            raise InvalidParameterError(f"batch_size={config.batch_size} is larger than the {n} training rows.")
        points.append({k: getattr(config, k) for k in TUNABLE})
    if grid == "auto" and len(points) > 1:  # the rule's point with probability 1/2
        return points, [0.5] + [0.5 / (len(points) - 1)] * (len(points) - 1)
    return points, [1.0 / len(points)] * len(points)


@dataclass
class _Scoring:
    """A trial's selection score: (correct predictions on the training rows + N(0, σ²)) / rows."""

    rows: pd.DataFrame
    target: str
    noise: float
    rng: np.random.Generator

    def __call__(self, run: Any) -> tuple[float, float]:
        """(noisy score, exact training accuracy); only the first may be used to select."""
        correct = float((run.predict(self.rows) == self.rows[self.target].to_numpy(dtype=object)).sum())
        noisy = correct + float(self.rng.normal(0.0, self.noise))
        return noisy / len(self.rows), correct / len(self.rows)


def _run_trials(ds, points, sigmas, chosen, model, delta, scoring, seed, public_schema, fixed, stop, progress,
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
            score, train_accuracy = scoring(run)
            row = {"trial": i + 1, "grid_point": int(g), **point, "noise_multiplier": sigmas[int(g)],
                   "sample_rate": run.statement.sample_rate, "steps": run.statement.steps,
                   "trial_epsilon": run.statement.epsilon, "score": score, "train_accuracy": train_accuracy,
                   "accuracy": float(run.metrics["accuracy"]), "stopped": run.stopped}  # fmt: skip
            runs.append(run)
            rows.append(row)
            if best < 0 or score > rows[best]["score"]:
                best = i
            bar.update(1)
            bar.set_postfix({"best score": f"{rows[best]['score']:.4f}"})
            if on_trial is not None:  # "of": the number of trials drawn, for progress
                on_trial({**row, "of": len(chosen)}, dict(rows[best]))
            if run.stopped:
                break
    finally:
        bar.close()
    return runs, rows, best
