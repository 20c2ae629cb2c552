"""The steps every DP-SGD run shares, whichever engine trains it (one model, or several stacked in one loop).

Data preparation (encoder fitted on the training rows, tensors), the run's δ, the noise calibration, the per-epoch ε
schedule, the torch threads and the privacy statement: :func:`workbench.dp.train` and
:func:`workbench.dp.train_many` both call these, so their runs are the same runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch

from workbench.dp.accounting import EpsilonCurve, calibrate_noise, compute_epsilon, default_delta, prv_eps_error
from workbench.dp.config import TrainConfig
from workbench.dp.encoding import TabularEncoder, fit_encoder
from workbench.dp.statement import PrivacyStatement
from workbench.errors import EmptyDataError, InvalidParameterError, PrivacyLeakWarning, RoleError, warn_user

__all__ = [
    "HISTORY_COLUMNS",
    "EpsilonSchedule",
    "Prepared",
    "drop_missing_target",
    "noise_multiplier",
    "prepare",
    "result_timings",
    "run_delta",
    "statement",
    "torch_threads",
]

HISTORY_COLUMNS = ["epoch", "steps", "loss", "test_loss", "accuracy", "auc", "epsilon", "seconds", "partial"]


def drop_missing_target(frame: pd.DataFrame, target: str) -> pd.DataFrame:
    """The rows with a target value (the others cannot be trained or scored on); ``frame`` itself when all have one.

    Parameters
    ----------
    frame : DataFrame
        Rows with a ``target`` column; never changed.
    target : str
        The target column.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> drop_missing_target(pd.DataFrame({"x": [1, 2, 3], "y": ["a", None, "b"]}), "y")["x"].tolist()
    [1, 3]
    """
    if frame[target].isna().any():
        frame = frame[frame[target].notna()]
    return frame


@dataclass(frozen=True)
class Prepared:
    """A run's data as the loop needs it: the encoder (fitted on the members only), tensors, rate and δ."""

    encoder: TabularEncoder
    X: torch.Tensor
    y: torch.Tensor
    test: pd.DataFrame
    X_test: torch.Tensor
    y_test: torch.Tensor
    steps_per_epoch: int
    sample_rate: float
    delta: float

    @property
    def n(self) -> int:
        return len(self.y)


def prepare(members: pd.DataFrame, test: pd.DataFrame, target: str, config: TrainConfig) -> Prepared:
    """Check the rows, fit the encoder on ``members``, encode both splits; Poisson rate and δ of the run."""
    if len(members) == 0:
        raise EmptyDataError("There are no training rows (with a target value) to train on.")
    if config.batch_size > len(members):
        raise InvalidParameterError(
            f"batch_size={config.batch_size} is larger than the {len(members)} training rows; use a smaller batch."
        )
    encoder = fit_encoder(members, target=target, features=config.features, bounds=config.bounds,
                          public_schema=config.public_schema, warn=config.private)  # fmt: skip
    X, y = encoder.transform(members)
    if target not in test.columns:
        raise RoleError(f"The test rows lack the target column {target!r}; metrics need it.")
    test = drop_missing_target(test, target)
    X_test, y_test = encoder.transform(test)
    steps_per_epoch = math.ceil(len(y) / config.batch_size)
    return Prepared(encoder, X, y, test, X_test, y_test, steps_per_epoch, 1.0 / steps_per_epoch,
                    run_delta(config, len(y)))  # fmt: skip


def run_delta(config: TrainConfig, n: int) -> float:
    """The run's δ: the one asked for (warned about when not below 1/n), else 1/(10 n) rounded down."""
    if config.delta is None:
        return default_delta(n)
    if config.private and config.delta >= 1.0 / n:
        warn_user(
            f"delta={config.delta:g} is not below 1/n = {1 / n:.2g}: a mechanism that publishes one random row "
            "in full meets it. Use delta < 1/n (default 1/(10 n)).",
            PrivacyLeakWarning,
        )
    return float(config.delta)


def noise_multiplier(config: TrainConfig, sample_rate: float, steps: int, delta: float) -> tuple[float | None, float]:
    """The run's σ (None without DP): the one given, or calibrated to the target ε; and the seconds it took."""
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


class EpsilonSchedule:
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


def statement(config: TrainConfig, prepared: Prepared, sigma: float | None, steps: int) -> PrivacyStatement:
    """The run's statement: ε recomputed by the accountant from σ, rate, the steps taken and δ."""
    encoder, n, sample_rate, delta = prepared.encoder, prepared.n, prepared.sample_rate, prepared.delta
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


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Torch's intra-op threads set to ``threads`` while the block runs, restored after (even on an error).

    Small models train fastest on one thread (more only add synchronisation); a family running several trainings
    at once (clients in threads) limits each to one.

    Parameters
    ----------
    threads : int
        Threads for torch's intra-op parallelism inside the block (``torch.set_num_threads``).

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def result_timings(started: float, calibration_s: float, **extra: Any) -> dict[str, float]:
    """The timings a :class:`~workbench.dp.TrainResult` carries."""
    return {"calibration_s": calibration_s, "total_s": time.perf_counter() - started, **extra}
