"""Noise for both DP units, fixed before any work, and the epsilon each unit has spent after the run.

Record level: each client runs DP-SGD on its own rows; its noise is calibrated so that ``rounds * local_epochs``
epochs of Poisson-sampled steps cost at most the requested ε (a client is assumed to take part in every round: no
amplification by client sampling is claimed). Client level: Flower's fixed clipping (on the server, or on each client
with ``fixedclipping_mod``) bounds each update to norm ``C`` and the server adds Gaussian noise of standard deviation
``z * C / m`` to the average of ``m`` updates. Replacing everything one client holds moves that average by at most
``2C / m``, so each round is a Gaussian mechanism with noise multiplier ``z / 2``; ``rounds`` of them are composed
with sample rate 1 (clients are sampled without replacement by Flower, for which the accountants claim no
amplification). Under SecAgg+ each client's clipped parameters are also projected onto ``[-8, 8]`` (which moves two
vectors no further apart) and stochastically rounded to a grid of step ``16 / 2**22``, which can move each of ``d``
values by up to one step: the sensitivity becomes ``2(C + sqrt(d) * step) / m``, and the accounting uses that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.dp.accounting import calibrate_noise, compute_epsilon, default_delta, prv_eps_error

__all__ = [
    "SECAGG_CLIPPING_RANGE",
    "SECAGG_QUANTIZATION_RANGE",
    "NoisePlan",
    "client_epsilon",
    "client_sensitivity",
    "local_schedule",
    "plan_noise",
    "record_epsilon",
]

#: SecAgg+'s range for each parameter (values are projected onto ``[-r, r]`` before quantisation)
SECAGG_CLIPPING_RANGE = 8.0
#: SecAgg+'s quantisation levels over that range (Flower's default)
SECAGG_QUANTIZATION_RANGE = 2**22


@dataclass(frozen=True)
class NoisePlan:
    """The noise of a run: per client for DP-SGD (record level), or Flower's multiplier (client level)."""

    delta: float
    client_sigmas: tuple[float | None, ...]
    flower_noise: float | None  # Flower's noise_multiplier z (noise std z*C/m on the average)
    sensitivity: float = 2.0  # how far replacing one client moves the average, in units of C/m

    @property
    def effective_client_sigma(self) -> float | None:
        """Noise multiplier of one round relative to the substitution sensitivity: ``z / sensitivity``."""
        return None if self.flower_noise is None else self.flower_noise / self.sensitivity


def client_sensitivity(clipping_norm: float, secure_aggregation: bool, values: int) -> float:
    """How far replacing one client's data moves the average of ``m`` updates, in units of ``C / m``.

    ``2`` (two updates of norm at most ``C`` differ by at most ``2C``), plus SecAgg+'s rounding slack: each of
    ``values`` parameters moves by less than one quantisation step, i.e. ``sqrt(values) * step`` in norm per client.
    """
    if not secure_aggregation:
        return 2.0
    step = 2 * SECAGG_CLIPPING_RANGE / SECAGG_QUANTIZATION_RANGE
    return 2.0 * (1.0 + math.sqrt(values) * step / clipping_norm)


def local_schedule(rows: int, batch_size: int, local_epochs: int) -> tuple[float, int]:
    """(Poisson sample rate, steps per round) of a client's DP-SGD, as ``workbench.train`` plans one epoch."""
    per_epoch = math.ceil(rows / min(batch_size, rows))
    return 1.0 / per_epoch, per_epoch * local_epochs


def plan_noise(config, client_rows: list[int], values: int = 0) -> NoisePlan:
    """Calibrate the noise of a run before it starts (same config, same noise); ``values``: the model's size."""
    if config.dp == "client":
        delta = config.delta if config.delta is not None else default_delta(len(client_rows))
        sensitivity = client_sensitivity(config.clipping_norm, config.secure_aggregation, values)
        if config.noise_multiplier is not None:
            z = float(config.noise_multiplier)
        else:
            sigma, _ = calibrate_noise(config.epsilon, delta, 1.0, config.rounds, config.accountant)
            z = sensitivity * sigma
        return NoisePlan(delta, tuple(None for _ in client_rows), z, sensitivity)
    delta = config.delta if config.delta is not None else default_delta(int(sum(client_rows)))
    if config.dp != "record":
        return NoisePlan(delta, tuple(None for _ in client_rows), None)
    sigmas = []
    for rows in client_rows:
        rate, per_round = local_schedule(rows, config.batch_size, config.local_epochs)
        if config.noise_multiplier is not None:
            sigmas.append(float(config.noise_multiplier))
        else:
            sigmas.append(calibrate_noise(config.epsilon, delta, rate, per_round * config.rounds, config.accountant)[0])
    return NoisePlan(delta, tuple(sigmas), None)


def record_epsilon(accountant: str, sigma: float, rate: float, steps: int, delta: float) -> tuple[float, float | None]:
    """(ε, PRV error allowance) of one client's DP-SGD steps."""
    eps_error = prv_eps_error(sigma, rate, steps, delta) if accountant == "prv" and steps else None
    return compute_epsilon(accountant, sigma, rate, steps, delta, eps_error=eps_error), eps_error


def client_epsilon(
    accountant: str, flower_noise: float, rounds: int, delta: float, sensitivity: float = 2.0
) -> tuple[float, float | None]:
    """(ε, PRV error allowance) of ``rounds`` rounds of Flower's central DP, unit one client (substitution)."""
    sigma = flower_noise / sensitivity
    eps_error = prv_eps_error(sigma, 1.0, rounds, delta) if accountant == "prv" and rounds else None
    return compute_epsilon(accountant, sigma, 1.0, rounds, delta, eps_error=eps_error), eps_error
