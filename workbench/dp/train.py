"""``train`` and ``train_on_frames``: fit a classifier on tabular data, with DP-SGD (Opacus accounting) or without."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from workbench.dp._loop import Plan, evaluate, run_loop, stream_seed
from workbench.dp.accounting import EpsilonCurve, calibrate_noise, compute_epsilon, default_delta, prv_eps_error
from workbench.dp.config import TrainConfig
from workbench.dp.defaults import resolve_defaults
from workbench.dp.encoding import fit_encoder
from workbench.dp.models import build_model
from workbench.dp.result import TrainResult
from workbench.dp.statement import PrivacyStatement
from workbench.errors import (
    EmptyDataError,
    InvalidParameterError,
    PrivacyLeakWarning,
    RecalibrationWarning,
    RoleError,
    warn_user,
)

__all__ = ["split_audit", "train", "train_on_frames"]


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
        follow the size-aware rule from the number of training rows (:mod:`workbench.dp.defaults`: on Adult's
        32,561 rows batch 256 and 10 epochs; on 800 rows batch 32 and 40 epochs).
    lr : float, optional
        Learning rate (unset: by optimizer and model, see :func:`~workbench.dp.defaults.size_aware_defaults`).
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
        Public bounds for numeric columns (no statistics of private rows needed for them).
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
        Where the run is recorded (default: :func:`workbench.dp.default_ledger`); False records nowhere.

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
    if stop is not None and not callable(getattr(stop, "is_set", None)):
        raise InvalidParameterError(f"stop must be a threading.Event (or have is_set()); got {type(stop).__name__}.")
    config = TrainConfig(
        model=model, epsilon=_num(epsilon), delta=_num(delta), noise_multiplier=_num(noise_multiplier),
        epochs=epochs, batch_size=batch_size, lr=_num(lr), max_grad_norm=_num(max_grad_norm),
        accountant=accountant, hidden=tuple(hidden) if isinstance(hidden, (list, tuple)) else hidden,
        audit_fraction=_num(audit_fraction), seed=seed, optimizer=optimizer, bounds=bounds,
        public_schema=public_schema, threads=threads,
    )  # fmt: skip
    ds = _as_dataset(dataset)
    members, non_members = split_audit(ds.train, target=ds.target, fraction=config.audit_fraction, seed=config.seed)
    if config.features is None:  # identifiers are never features; the list is kept for reference models
        identifiers = set(ds.identifiers)
        config = config.replace(features=tuple(c for c in ds.train.columns if c != ds.target and c not in identifiers))
    target_ledger = _resolve_ledger(ledger)
    if target_ledger is not None:
        _warn_if_spent(target_ledger, ds, config)
    result = _fit(members, non_members, ds.test, ds.target, config, callbacks, stop, progress)
    result = _with_dataset(result, ds.name, ds.fingerprint)
    if target_ledger is not None:
        target_ledger.record(result.statement, dataset_fingerprint=ds.fingerprint, dataset_name=ds.name,
                             label=f"train {config.model_name}")  # fmt: skip
    return result


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
    members = _drop_missing_target(train_frame, target)
    if features is not None:
        config = config.replace(features=tuple(features))
    elif config.features is None:
        config = config.replace(features=tuple(c for c in train_frame.columns if c != target))
    result = _fit(members, members.iloc[:0], test_frame, target, config, callbacks, stop, progress)
    return _with_dataset(result, "frame", "")


def split_audit(frame: pd.DataFrame, *, target: str, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``frame`` into (members, non_members): a seeded ``fraction`` of rows is kept out of training.

    Rows with a missing target are dropped first. Both parts keep their original index.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"x": range(10), "y": [0, 1] * 5})
    >>> members, non_members = split_audit(frame, target="y", fraction=0.3, seed=0)
    >>> len(members), len(non_members), set(members.index) & set(non_members.index)
    (7, 3, set())
    """
    frame = _drop_missing_target(frame, target)
    n_out = round(fraction * len(frame))
    if fraction > 0 and n_out == len(frame):
        raise InvalidParameterError(f"audit_fraction={fraction} leaves no rows to train on; use a smaller one.")
    order = np.random.default_rng(seed).permutation(len(frame))
    out = np.sort(order[:n_out])
    keep = np.sort(order[n_out:])
    return frame.iloc[keep], frame.iloc[out]


# -- private steps ------------------------------------------------------------------------------------------------
def _num(value: Any) -> Any:
    """Accept ints where floats are meant (epsilon=1), keep everything else for the validator to judge."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return float(value)
    return value


def _as_dataset(dataset: Any):
    from workbench.datasets import Dataset, load_dataset

    if not isinstance(dataset, Dataset):
        if not isinstance(dataset, pd.DataFrame):
            raise InvalidParameterError(
                f"train takes a Dataset (wb.load_dataset(...)) or a DataFrame; got {type(dataset).__name__}."
            )
        dataset = load_dataset(dataset)
    if dataset.target is None:
        raise RoleError(
            f"The dataset {dataset.name!r} has no target column; load it with target='<column>' to train a model."
        )
    return dataset


def _drop_missing_target(frame: pd.DataFrame, target: str) -> pd.DataFrame:
    if frame[target].isna().any():
        frame = frame[frame[target].notna()]
    return frame


def _fit(members, non_members, test, target, config, callbacks, stop, progress) -> TrainResult:
    started = time.perf_counter()
    if len(members) == 0:
        raise EmptyDataError("There are no training rows (with a target value) to train on.")
    config = resolve_defaults(config, len(members))
    if config.batch_size > len(members):
        raise InvalidParameterError(
            f"batch_size={config.batch_size} is larger than the {len(members)} training rows; use a smaller batch."
        )
    encoder = fit_encoder(members, target=target, features=config.features, bounds=config.bounds,
                          public_schema=config.public_schema, warn=config.private)  # fmt: skip
    X, y = encoder.transform(members)
    if target not in test.columns:
        raise RoleError(f"The test rows lack the target column {target!r}; metrics need it.")
    test = _drop_missing_target(test, target)
    X_test, y_test = encoder.transform(test)
    n = len(y)
    steps_per_epoch = math.ceil(n / config.batch_size)
    sample_rate = 1.0 / steps_per_epoch
    delta = _delta(config, n)
    sigma, calibration_s = _noise(config, sample_rate, steps_per_epoch * config.epochs, delta)
    plan = Plan(sample_rate, steps_per_epoch, config.epochs, sigma, config.max_grad_norm, config.learning_rate,
                config.optimizer, stream_seed(config, sigma, sample_rate, n))  # fmt: skip
    net = build_model(config.model, encoder.n_features, encoder.n_classes, hidden=config.hidden, seed=config.seed)

    on_step, on_epoch = _split_callbacks(callbacks)
    schedule = _EpsilonSchedule(config.accountant, sigma, sample_rate, delta, steps_per_epoch, config.epochs)
    try:
        # layers that draw random numbers themselves (dropout) use the global generator: seed it, then restore it
        with _threads(config.threads or _default_threads(net)), torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed + 1)
            outcome = run_loop(net, (X, y, X_test, y_test), plan, epsilon_at=schedule, on_step=on_step,
                               on_epoch=on_epoch, stop=stop, progress=progress)  # fmt: skip
    finally:
        schedule.close()
    statement = _statement(config, encoder, n, sample_rate, sigma, outcome.steps, delta)
    return TrainResult(
        model=net, encoder=encoder, members=members, non_members=non_members, test=test, target=target,
        config=config, statement=statement, metrics=evaluate(net, X_test, y_test),
        history=pd.DataFrame(outcome.history, columns=_HISTORY_COLUMNS), stopped=outcome.stopped,
        dataset_name="", dataset_fingerprint="", engine=outcome.engine,
        timings={"calibration_s": calibration_s, "total_s": time.perf_counter() - started},
    )  # fmt: skip


class _EpsilonSchedule:
    """Epsilon spent after each epoch, by the chosen accountant (see :class:`~workbench.dp.accounting.EpsilonCurve`).

    Computed in the training thread at each epoch end: a helper thread would hold the GIL in Opacus's pure-Python
    RDP code and slow every training step down.
    """

    def __init__(self, accountant: str, sigma: float | None, rate: float, delta: float, per_epoch: int, epochs: int):
        self.curve = None if sigma is None else EpsilonCurve(accountant, sigma, rate, delta, per_epoch * epochs)
        self.args, self.per_epoch = (accountant, sigma, rate, delta), per_epoch

    def __call__(self, steps: int) -> float:
        if self.curve is None:
            return math.inf
        if steps % self.per_epoch:  # a stopped run's last, partial epoch: what its statement will say
            accountant, sigma, rate, delta = self.args
            return compute_epsilon(accountant, sigma, rate, steps, delta)
        return self.curve(steps)

    def close(self) -> None:
        self.curve = None


_HISTORY_COLUMNS = ["epoch", "steps", "loss", "test_loss", "accuracy", "auc", "epsilon", "seconds", "partial"]


def _delta(config: TrainConfig, n: int) -> float:
    if config.delta is None:
        return default_delta(n)
    if config.private and config.delta >= 1.0 / n:
        warn_user(
            f"delta={config.delta:g} is not below 1/n = {1 / n:.2g}: a mechanism that publishes one random row "
            "in full meets it. Use delta < 1/n (default 1/(10 n)).",
            PrivacyLeakWarning,
        )
    return float(config.delta)


def _noise(config: TrainConfig, sample_rate: float, steps: int, delta: float) -> tuple[float | None, float]:
    started = time.perf_counter()
    if config.accountant == "gdp" and config.private:
        warn_user(
            "The GDP accountant is a central-limit approximation that can under-estimate epsilon; use 'prv' or "
            "'rdp' for a guarantee.",
            PrivacyLeakWarning,
        )
    if config.noise_multiplier is not None:
        return float(config.noise_multiplier), 0.0
    if config.epsilon is None:
        return None, 0.0
    sigma, _ = calibrate_noise(config.epsilon, delta, sample_rate, steps, config.accountant)
    return sigma, time.perf_counter() - started


def _statement(config, encoder, n, sample_rate, sigma, steps, delta) -> PrivacyStatement:
    caveats = tuple(encoder.leaks and [f"{len(encoder.leaks)} encoding statistics of the training rows"])
    caveats += ("noise from torch's pseudo-random generator, not a cryptographically secure one",)
    if sigma is None:
        statement = PrivacyStatement.non_private(dataset_size=n, steps=steps, sample_rate=sample_rate)
        return dataclasses.replace(statement, defaults_rule=config.defaults_rule)
    eps_error = prv_eps_error(sigma, sample_rate, steps, delta) if config.accountant == "prv" and steps else None
    epsilon = compute_epsilon(config.accountant, sigma, sample_rate, steps, delta, eps_error=eps_error)
    return PrivacyStatement(
        epsilon=epsilon, delta=delta, accountant=config.accountant, noise_multiplier=sigma, sample_rate=sample_rate,
        steps=steps, max_grad_norm=config.max_grad_norm, dataset_size=n, sampling="poisson",
        target_epsilon=config.epsilon, caveats=caveats, eps_error=eps_error, defaults_rule=config.defaults_rule,
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


@contextlib.contextmanager
def _threads(threads: int) -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _default_threads(model: nn.Module) -> int:
    """One thread for small models (more only add synchronisation: measured here for MLP(64, 64), batch 256);
    up to 4 of this process's torch threads for models with many parameters (a pool worker's share is its ceiling:
    workers do not oversubscribe the cores, and a forked worker kept to one thread does not hang in OpenMP)."""
    if sum(p.numel() for p in model.parameters()) < 200_000:
        return 1
    return max(1, min(4, torch.get_num_threads()))


def _with_dataset(result: TrainResult, name: str, fingerprint: str) -> TrainResult:
    return dataclasses.replace(result, dataset_name=name, dataset_fingerprint=fingerprint)


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


def _resolve_ledger(ledger: Any):
    if ledger is False:
        return None
    if ledger is None:
        from workbench.dp.ledger import default_ledger

        return default_ledger()
    from workbench.dp.ledger import PrivacyLedger

    if not isinstance(ledger, PrivacyLedger):
        raise InvalidParameterError(f"ledger must be a PrivacyLedger, None or False; got {type(ledger).__name__}.")
    return ledger
