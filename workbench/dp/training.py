"""``train``, ``train_config``, ``train_many`` and ``train_on_frames``: fit classifiers on tabular data, with DP-SGD
(Opacus accounting) or without. (The module is ``workbench.dp.training``; ``workbench.dp.train`` is the function.)"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from workbench._validation import check_finite, int_as_float
from workbench.dp._loop import LoopPlan, evaluate_model, run_loop, stream_seed
from workbench.dp._stacked import can_train_together, train_stacked
from workbench.dp._steps import (
    HISTORY_COLUMNS,
    EpsilonSchedule,
    drop_missing_target,
    noise_multiplier,
    prepare,
    result_timings,
    statement,
    torch_threads,
)
from workbench.dp.accounting import compute_epsilon, default_delta
from workbench.dp.config import TrainConfig
from workbench.dp.defaults import resolve_defaults
from workbench.dp.encoding import FINITE_HINT
from workbench.dp.ledger import resolve_ledger
from workbench.dp.models import build_model
from workbench.dp.result import TrainResult
from workbench.errors import (
    InvalidParameterError,
    RecalibrationWarning,
    RoleError,
    warn_user,
)

__all__ = [
    "planned_epsilon",
    "split_audit",
    "train",
    "train_config",
    "train_many",
    "train_on_frames",
    "training_dataset",
]


def train(
    dataset: Any,
    *,
    model: str | nn.Module = "logreg",
    epsilon: float | None = None,
    delta: float | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    max_grad_norm: float | None = None,
    accountant: str = "prv",
    hidden: Sequence[int] = (64, 64),
    audit_fraction: float = 0.0,
    seed: int = 0,
    noise_multiplier: float | None = None,
    optimizer: str = "adam",
    bounds: Mapping[str, tuple[float, float]] | None = None,
    public_schema: bool = False,
    threads: int | None = None,
    callbacks: Sequence[Any] | None = None,
    stop: threading.Event | None = None,
    progress: bool = False,
    ledger: Any = None,
) -> TrainResult:
    """Train a classifier on a dataset's training split, with differential privacy (DP-SGD) or without.

    With ``epsilon`` set, the noise is calibrated so that the chosen accountant's epsilon for the whole run is at
    most ``epsilon``; each row joins each batch with probability ``batch_size / n`` (Poisson sampling, as the
    accounting assumes), per-example gradients are clipped to ``max_grad_norm`` and Gaussian noise of standard
    deviation ``noise_multiplier * max_grad_norm`` is added to their sum. ``epsilon=None`` trains without DP
    through the same loop (same batches, no clipping or noise): a fair baseline.

    Parameters
    ----------
    dataset : Dataset or DataFrame
        A :class:`~workbench.Dataset` (its ``train`` split is trained on, ``test`` evaluated on) or a DataFrame
        with a target (loaded with :func:`workbench.load_dataset`). Identifier columns are never features.
    model : {"logreg", "mlp"} or torch.nn.Module, default="logreg"
        A built-in model, or your own module mapping (batch, features) to class logits; it is copied, never
        changed, and checked for layers DP-SGD cannot train (BatchNorm, ...).
    epsilon : float, optional
        Target epsilon (> 0). None (or inf) trains without DP, unless ``noise_multiplier`` is given.
    delta : float, optional
        Delta in (0, 1); default ``1/(10 n)`` rounded down to a power of ten (below 1/n), stated in the result.
    epochs, batch_size : int, optional
        Passes over the data, and the expected batch size (sample rate = 1 / ceil(n / batch_size)). Unset, they
        follow the size-aware rule from the number of training rows (``workbench.dp.defaults``: on Adult's
        32,561 rows batch 256 and 10 epochs; on 800 rows batch 32 and 40 epochs).
    lr : float, optional
        Learning rate (unset: by optimizer and model, see ``workbench.dp.defaults.size_aware_defaults``).
    max_grad_norm : float, optional
        Per-example clipping norm (unset: 1.0). The values the rule chose are in ``run.config`` (with
        ``config.defaults_rule`` and ``config.defaulted``) and in the statement (``defaults_rule``).
    accountant : {"prv", "rdp", "gdp"}, default="prv"
        Opacus accountant computing epsilon (GDP is an approximation and may under-estimate it).
    hidden : tuple of int, default=(64, 64)
        Hidden layer widths of the MLP.
    audit_fraction : float, default=0.0
        Share of the training split kept out of training (seeded) as ``non_members`` for membership audits.
    seed : int, default=0
        Seeds the audit split, model initialisation, batches and noise: same seed, same numbers.
    noise_multiplier : float, optional
        Use this noise instead of calibrating to ``epsilon``; the statement reports the epsilon it gives.
    optimizer : {"adam", "sgd"}, default="adam"
    bounds : mapping column -> (low, high), optional
        Public bounds for numeric columns (no statistics of private rows needed for them). Values are clipped into
        them, ±inf included: the explicit way to train on columns holding non-finite values. Without bounds, ±inf
        or numbers beyond ±1e150 in a feature raise :class:`~workbench.errors.InvalidParameterError` naming the
        column and the count, before any work (and so does ``predict_proba`` on such rows).
    public_schema : bool, default=False
        Declare the columns' categories and statistics public (suppresses the PrivacyLeakWarning).
    threads : int, optional
        Torch threads while training (default: 1 for small models, where more only add overhead; for large ones up
        to 4, never more than ``torch.get_num_threads()``).
    callbacks : list, optional
        Callables called with each epoch's history row (a dict), or objects with ``on_step(info)`` and/or
        ``on_epoch(row)`` methods; ``info`` has step, epoch, batch_size, loss.
    stop : threading.Event, optional
        Checked between steps; when set, training ends and a valid partial result is returned.
    progress : bool, default=False
        Show a tqdm progress bar.
    ledger : PrivacyLedger or False, optional
        Where the run is recorded (default: :func:`workbench.dp.default_ledger`); False records nowhere. When it
        has a budget, a run whose ε could exceed what is left is refused before any work.

    Returns
    -------
    TrainResult

    Raises
    ------
    InvalidParameterError
        Bad parameter values (epsilon ≤ 0, delta outside (0, 1), a batch larger than the data, ...).
    RoleError
        No target, or a target with one class.
    UnsupportedModelError
        A module with layers DP-SGD cannot train privately.
    BudgetExceededError
        The ledger has a budget and this run could exceed it (see ``PrivacyLedger.check_budget``).

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.load_dataset("adult")
    >>> run = wb.train(ds, epsilon=1.0, epochs=1, public_schema=True, ledger=False)
    >>> run.statement.epsilon <= 1.0, run.statement.accountant, run.metrics["accuracy"] > 0.8
    (True, 'prv', True)
    """
    if isinstance(epsilon, (int, float)) and math.isinf(epsilon) and epsilon > 0:
        epsilon = None  # epsilon = inf means no privacy: train without DP
    _check_stop(stop)
    config = TrainConfig(
        model=model, epsilon=int_as_float(epsilon), delta=int_as_float(delta),
        noise_multiplier=int_as_float(noise_multiplier), epochs=epochs, batch_size=batch_size, lr=int_as_float(lr),
        max_grad_norm=int_as_float(max_grad_norm), accountant=accountant,
        hidden=tuple(hidden) if isinstance(hidden, (list, tuple)) else hidden,
        audit_fraction=int_as_float(audit_fraction), seed=seed, optimizer=optimizer, bounds=bounds,
        public_schema=public_schema, threads=threads,
    )  # fmt: skip
    return train_config(dataset, config, callbacks=callbacks, stop=stop, progress=progress, ledger=ledger)


def train_many(
    dataset: Any,
    configs: Sequence[TrainConfig],
    *,
    stop: threading.Event | None = None,
    ledger: Any = None,
) -> list[TrainResult]:
    """Train several runs on one dataset: in ONE vectorised DP-SGD loop when they can be, else one after another.

    Runs that differ only in ε (or noise multiplier) and seed, private, of a built-in model with Adam and no audit
    split (:func:`can_train_together`), are trained together: one forward/backward over stacked weights gives
    every model's clipped per-example gradients, each model keeping its own initialisation, Poisson batches, noise
    and Adam state, so each result equals ``train`` with its config (up to float rounding) at a fraction of the
    cost. Data preparation, calibration, the statement and the Adam update are the ones ``train`` uses.

    Parameters
    ----------
    dataset : Dataset or DataFrame
        As for :func:`train`.
    configs : sequence of TrainConfig
        One per run (e.g. ``TrainConfig(epsilon=e, seed=s, ...)``).
    stop : threading.Event, optional
        Checked between steps; set, it ends every run with a valid partial result.
    ledger : PrivacyLedger or False, optional
        Where the runs are recorded (default: the session ledger); False records nowhere. With a budget, runs
        whose ε together could exceed what is left are refused before any work.

    Returns
    -------
    list of TrainResult
        In the order of ``configs``.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.dp import TrainConfig, train_many
    >>> ds = wb.load_dataset("adult")
    >>> configs = [TrainConfig(epsilon=e, epochs=1, seed=s, public_schema=True) for e, s in [(1.0, 1), (4.0, 2)]]
    >>> runs = train_many(ds, configs, ledger=False)
    >>> [r.statement.epsilon <= c.epsilon for r, c in zip(runs, configs)], runs[0].engine
    ([True, True], 'ghost-stacked')
    """
    if isinstance(configs, TrainConfig) or not isinstance(configs, Sequence) or not configs:
        raise InvalidParameterError(f"train_many takes a non-empty list of TrainConfig; got {configs!r}.")
    for config in configs:
        if not isinstance(config, TrainConfig):
            raise InvalidParameterError(f"train_many takes TrainConfig objects; got {type(config).__name__}.")
    _check_stop(stop)
    ds = training_dataset(dataset)
    configs = [_with_features(c, ds) for c in configs]
    target_ledger = resolve_ledger(ledger)
    if not can_train_together(configs):
        _check_budget(target_ledger, ds, configs, len(drop_missing_target(ds.train, ds.target)))
        return [train_config(ds, c, stop=stop, ledger=target_ledger or False) for c in configs]
    members, non_members = split_audit(ds.train, target=ds.target, fraction=0.0, seed=configs[0].seed)
    configs = [resolve_defaults(c, len(members)) for c in configs]
    _check_budget(target_ledger, ds, configs, len(members))
    results = train_stacked(members, non_members, ds.test, ds.target, configs, stop)
    return [_recorded(target_ledger, _with_dataset(r, ds.name, ds.fingerprint)) for r in results]


def train_config(
    dataset: Any,
    config: TrainConfig,
    *,
    callbacks: Sequence[Any] | None = None,
    stop: threading.Event | None = None,
    progress: bool = False,
    ledger: Any = None,
) -> TrainResult:
    """:func:`train` with a ready :class:`TrainConfig` (what ``train`` builds from its keyword arguments).

    Parameters
    ----------
    dataset : Dataset or str
        The dataset (or a bundled dataset's name) to train on.
    config : TrainConfig
        The run's configuration.
    callbacks : sequence, optional
        Called with each epoch's history row (objects may define ``on_step`` / ``on_epoch``), as in :func:`train`.
    stop : threading.Event, optional
        Checked between steps; when set, training ends and a valid partial result is returned.
    progress : bool, default=False
        Show a tqdm progress bar.
    ledger : PrivacyLedger or False, optional
        Where the run is recorded (default: :func:`workbench.dp.default_ledger`); False records nowhere. When it
        has a budget, a run whose ε could exceed what is left is refused before any work.

    Returns
    -------
    TrainResult
        The trained model, its history and its privacy statement.

    Raises
    ------
    InvalidParameterError
        When ``config`` is not a :class:`TrainConfig`.
    BudgetExceededError
        When the ledger's budget cannot cover the run.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.dp import TrainConfig, train_config
    >>> run = train_config(wb.load_dataset("adult"), TrainConfig(epochs=1, public_schema=True), ledger=False)
    >>> run.statement.private
    False
    """
    if not isinstance(config, TrainConfig):
        raise InvalidParameterError(f"config must be a TrainConfig; got {type(config).__name__}.")
    _check_stop(stop)
    ds = training_dataset(dataset)
    config = _with_features(config, ds)
    members, non_members = split_audit(ds.train, target=ds.target, fraction=config.audit_fraction, seed=config.seed)
    config = resolve_defaults(config, len(members))
    target_ledger = resolve_ledger(ledger)
    _check_budget(target_ledger, ds, [config], len(members))
    result = _fit(members, non_members, ds.test, ds.target, config, callbacks, stop, progress)
    return _recorded(target_ledger, _with_dataset(result, ds.name, ds.fingerprint))


def train_on_frames(
    train_frame: pd.DataFrame,
    test_frame: pd.DataFrame,
    *,
    target: str,
    config: TrainConfig,
    features: Sequence[str] | None = None,
    stop: threading.Event | None = None,
    progress: bool = False,
    callbacks: Sequence[Any] | None = None,
) -> TrainResult:
    """The trainer of :func:`train` on explicit frames; records into no ledger (used for audit reference models).

    ``config.audit_fraction`` is ignored here: every row of ``train_frame`` is trained on. The feature columns are
    ``features``, else ``config.features`` (a run's ``result.config`` holds the columns it used), else every column
    but the target.

    Parameters
    ----------
    train_frame : pandas.DataFrame
        The rows to train on (not modified).
    test_frame : pandas.DataFrame
        The rows the metrics are measured on.
    target : str
        The label column.
    config : TrainConfig
        Every training setting (``run.config`` of an earlier run repeats it).
    features : sequence of str, optional
        Feature columns (see above).
    stop : threading.Event, optional
        Set it to stop between steps; the statement covers the steps taken.
    progress : bool, default=False
        Show a progress bar.
    callbacks : sequence, optional
        Called with each epoch's row (objects may define ``on_step`` / ``on_epoch``), as in :func:`train`.

    Returns
    -------
    TrainResult
        The model, metrics, history and privacy statement.

    Raises
    ------
    InvalidParameterError
        For a ``config`` that is not a :class:`TrainConfig`, or a bad ``stop``.
    RoleError
        When the target is missing from the rows.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.dp import TrainConfig, train_on_frames
    >>> ds = wb.load_dataset("adult")
    >>> run = train_on_frames(ds.train.iloc[:2000], ds.test.iloc[:500], target="income",
    ...                       config=TrainConfig(epochs=2, public_schema=True))
    >>> run.statement.private, len(run.members)
    (False, 2000)
    """
    if not isinstance(config, TrainConfig):
        raise InvalidParameterError(f"config must be a TrainConfig; got {type(config).__name__}.")
    if target not in train_frame.columns:
        raise RoleError(f"The target column {target!r} is not in the table; name one of {list(train_frame.columns)}.")
    members = drop_missing_target(train_frame, target)
    if features is not None:
        config = config.replace(features=tuple(features))
    elif config.features is None:
        config = config.replace(features=tuple(c for c in train_frame.columns if c != target))
    result = _fit(members, members.iloc[:0], test_frame, target, config, callbacks, stop, progress)
    return _with_dataset(result, "frame", "")


def split_audit(frame: pd.DataFrame, *, target: str, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``frame`` into (members, non_members): a seeded ``fraction`` of rows is kept out of training.

    Rows with a missing target are dropped first. Both parts keep their original index.

    Parameters
    ----------
    frame : pandas.DataFrame
        The training split (not modified).
    target : str
        The label column.
    fraction : float
        Share of rows kept out, in (0, 1).
    seed : int
        Seeds the choice of rows.

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.DataFrame)
        ``(members, non_members)``.

    Raises
    ------
    InvalidParameterError
        When ``fraction`` leaves no rows to train on.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"x": range(10), "y": [0, 1] * 5})
    >>> members, non_members = split_audit(frame, target="y", fraction=0.3, seed=0)
    >>> len(members), len(non_members), set(members.index) & set(non_members.index)
    (7, 3, set())
    """
    frame = drop_missing_target(frame, target)
    n_out = round(fraction * len(frame))
    if fraction > 0 and n_out == len(frame):
        raise InvalidParameterError(f"audit_fraction={fraction} leaves no rows to train on; use a smaller one.")
    order = np.random.default_rng(seed).permutation(len(frame))
    out = np.sort(order[:n_out])
    keep = np.sort(order[n_out:])
    return frame.iloc[keep], frame.iloc[out]


def training_dataset(dataset: Any, *, caller: str = "train") -> Any:
    """The :class:`~workbench.Dataset` a trainer works on: ``dataset`` itself, or a DataFrame loaded as one; it
    must have a target.

    Parameters
    ----------
    dataset : Dataset or DataFrame
        A :class:`~workbench.Dataset`, or a DataFrame (loaded with :func:`workbench.load_dataset`, whose roles and
        split it then gets).
    caller : str, default="train"
        The function named in the error message (``"federate"``, ...).

    Returns
    -------
    Dataset

    Raises
    ------
    InvalidParameterError
        Neither a Dataset nor a DataFrame.
    RoleError
        The dataset has no target column.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.load_dataset("adult")
    >>> training_dataset(ds) is ds
    True
    >>> training_dataset([1, 2], caller="federate")
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: federate takes a Dataset (wb.load_dataset(...)) or a DataFrame; got list.
    """
    from workbench.datasets import Dataset, load_dataset

    if not isinstance(dataset, Dataset):
        if not isinstance(dataset, pd.DataFrame):
            raise InvalidParameterError(
                f"{caller} takes a Dataset (wb.load_dataset(...)) or a DataFrame; got {type(dataset).__name__}."
            )
        dataset = load_dataset(dataset)
    if dataset.target is None:
        raise RoleError(
            f"The dataset {dataset.name!r} has no target column; load it with target='<column>' to train a model."
        )
    return dataset


def planned_epsilon(config: TrainConfig, n: int) -> float:
    """The ε a run of ``config`` on ``n`` rows will state, known before training (``inf`` without DP).

    The target ε when the noise is calibrated to it; the accountant's ε of the given noise multiplier otherwise.

    Parameters
    ----------
    config : TrainConfig
        The run's configuration.
    n : int
        The number of training rows (sets the sample rate and the default δ).

    Returns
    -------
    float
        The ε the run will state; ``math.inf`` for a run without DP.

    Examples
    --------
    >>> from workbench.dp import TrainConfig
    >>> planned_epsilon(TrainConfig(epsilon=2.0), 1000), planned_epsilon(TrainConfig(), 1000)
    (2.0, inf)
    """
    if not config.private:
        return math.inf
    if config.noise_multiplier is None:
        return float(config.epsilon)
    config = resolve_defaults(config, n)
    steps_per_epoch = math.ceil(n / config.batch_size)
    delta = default_delta(n) if config.delta is None else float(config.delta)
    steps = steps_per_epoch * config.epochs
    return compute_epsilon(config.accountant, config.noise_multiplier, 1.0 / steps_per_epoch, steps, delta)


# -- private steps ------------------------------------------------------------------------------------------------


def _fit(members, non_members, test, target, config, callbacks, stop, progress) -> TrainResult:
    started = time.perf_counter()
    config = resolve_defaults(config, len(members))
    data = prepare(members, test, target, config)
    steps = data.steps_per_epoch * config.epochs
    sigma, calibration_s = noise_multiplier(config, data.sample_rate, steps, data.delta)
    seed = stream_seed(config, sigma, data.sample_rate, data.n)
    plan = LoopPlan(data.sample_rate, data.steps_per_epoch, config.epochs, sigma, config.max_grad_norm,
                config.learning_rate, config.optimizer, seed)  # fmt: skip
    net = build_model(config.model, data.encoder.n_features, data.encoder.n_classes, hidden=config.hidden,
                      seed=config.seed)  # fmt: skip
    on_step, on_epoch = _split_callbacks(callbacks)
    schedule = EpsilonSchedule(config.accountant, sigma, data.sample_rate, data.delta, data.steps_per_epoch,
                               config.epochs)  # fmt: skip
    try:
        # layers that draw random numbers themselves (dropout) use the global generator: seed it, then restore it
        with torch_threads(config.threads or _default_threads(net)), torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed + 1)
            outcome = run_loop(net, (data.X, data.y, data.X_test, data.y_test), plan, epsilon_at=schedule,
                               on_step=on_step, on_epoch=on_epoch, stop=stop, progress=progress)  # fmt: skip
    finally:
        schedule.close()
    return TrainResult(
        model=net, encoder=data.encoder, members=members, non_members=non_members, test=data.test, target=target,
        config=config, statement=statement(config, data, sigma, outcome.steps),
        metrics=evaluate_model(net, data.X_test, data.y_test),
        history=pd.DataFrame(outcome.history, columns=HISTORY_COLUMNS), stopped=outcome.stopped,
        dataset_name="", dataset_fingerprint="", engine=outcome.engine,
        timings=result_timings(started, calibration_s),
    )  # fmt: skip


def _split_callbacks(callbacks) -> tuple[list[Callable], list[Callable]]:
    on_step: list[Callable] = []
    on_epoch: list[Callable] = []
    for cb in callbacks or ():
        has_methods = hasattr(cb, "on_step") or hasattr(cb, "on_epoch")
        if hasattr(cb, "on_step"):
            on_step.append(cb.on_step)
        if hasattr(cb, "on_epoch"):
            on_epoch.append(cb.on_epoch)
        if not has_methods:
            if not callable(cb):
                raise InvalidParameterError(
                    f"A callback must be callable or have on_step/on_epoch methods; got {type(cb).__name__}."
                )
            on_epoch.append(cb)
    return on_step, on_epoch


def _default_threads(model: nn.Module) -> int:
    """One thread for small models (more only add synchronisation: measured here for MLP(64, 64), batch 256);
    up to 4 of this process's torch threads for models with many parameters (a pool worker's share is its ceiling:
    workers do not oversubscribe the cores, and a forked worker kept to one thread does not hang in OpenMP)."""
    if sum(p.numel() for p in model.parameters()) < 200_000:
        return 1
    return max(1, min(4, torch.get_num_threads()))


def _with_dataset(result: TrainResult, name: str, fingerprint: str) -> TrainResult:
    return dataclasses.replace(result, dataset_name=name, dataset_fingerprint=fingerprint)


def _check_stop(stop: Any) -> None:
    if stop is not None and not callable(getattr(stop, "is_set", None)):
        raise InvalidParameterError(f"stop must be a threading.Event (or have is_set()); got {type(stop).__name__}.")


def _with_features(config: TrainConfig, ds: Any) -> TrainConfig:
    """Identifiers are never features; the list is kept in the config (reference models reuse it).

    Non-finite or overflowing values of the features that have no public bounds are refused here, counted over the
    whole table, before any work.
    """
    if config.features is None:
        identifiers = set(ds.identifiers)
        config = config.replace(features=tuple(c for c in ds.train.columns if c != ds.target and c not in identifiers))
    unbounded = [c for c in config.features if c in ds.frame.columns and c not in (config.bounds or {})]
    check_finite(ds.frame, unbounded, "train", FINITE_HINT)
    return config


def _check_budget(ledger: Any, ds: Any, configs: Sequence[TrainConfig], n: int) -> None:
    """Refuse before any work when the ledger's budget could be exceeded; else warn what is already spent."""
    if ledger is None:
        return
    planned = [planned_epsilon(c, n) for c in configs]
    ledger.check_budget(planned, dataset_fingerprint=ds.fingerprint, dataset_name=ds.name)
    _warn_if_spent(ledger, ds, configs[0])


def _recorded(ledger: Any, result: TrainResult) -> TrainResult:
    if ledger is not None:
        ledger.record(result.statement, dataset_fingerprint=result.dataset_fingerprint,
                      dataset_name=result.dataset_name, label=f"train {result.config.model_name}")  # fmt: skip
    return result


def _warn_if_spent(ledger: Any, ds: Any, config: TrainConfig) -> None:
    """Before calibrating against a ledger with a budget: say what this dataset has already spent."""
    if ledger.budget is None or not config.private:
        return
    spent = ledger.spent(ds.fingerprint)
    if spent > 0:
        warn_user(
            f"ε = {spent:.3g} of the budget {ledger.budget:g} is already spent on dataset {ds.name!r}; this run's "
            f"noise is calibrated to its own ε and adds to it (remaining {ledger.remaining(ds.fingerprint):.3g}). "
            "Check ledger.can_spend(...) or lower epsilon.",
            RecalibrationWarning,
        )
