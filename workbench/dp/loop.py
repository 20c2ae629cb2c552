"""The DP-SGD loop as a building block for other families: train a model in place on given rows.

:func:`workbench.dp.train` prepares a run (encoder, δ, noise calibrated to ε, statement, ledger) around one loop; a
family that runs the loop itself (federated clients, each training on its own rows from the global weights) needs
only the loop and its small helpers, which this module names:

- :class:`LoopPlan`: the sample rate, steps, noise multiplier, clipping norm, optimizer and seed of one run;
- :func:`train_local`: one run of the loop over given encoded rows, from the model's current weights;
- :func:`evaluate_model`: loss, accuracy and AUC on encoded rows;
- :func:`torch_threads`: torch's threads limited while a block runs;
- :func:`drop_missing_target`: the rows that can be trained and scored on.

The loop states no ε: the caller accounts for the steps it ran (:func:`~workbench.dp.compute_epsilon`,
:func:`~workbench.dp.calibrate_noise`) and writes the statement. Everything here is exported by
:mod:`workbench.dp` too.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from workbench.dp._loop import LoopOutcome, LoopPlan, evaluate_model, run_loop
from workbench.dp._steps import drop_missing_target, torch_threads
from workbench.errors import InvalidParameterError

__all__ = ["LoopOutcome", "LoopPlan", "drop_missing_target", "evaluate_model", "torch_threads", "train_local"]


def train_local(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    plan: LoopPlan,
    *,
    on_step: Sequence[Callable[[dict], Any]] = (),
    stop: threading.Event | None = None,
) -> LoopOutcome:
    """Train ``model`` in place on the rows ``X``, ``y`` from its current weights, as ``plan`` says.

    The loop of :func:`workbench.dp.train`, and nothing around it: Poisson batches at ``plan.sample_rate``,
    per-example gradients clipped to ``plan.max_grad_norm`` and Gaussian noise ``plan.noise_multiplier *
    plan.max_grad_norm`` on their sum (without noise when ``plan.noise_multiplier`` is None), for
    ``plan.steps_per_epoch * plan.epochs`` steps drawn from a stream seeded by ``plan.seed`` (same plan, rows and
    weights: same result). No test rows are scored and no ε is computed: account for ``outcome.steps`` steps at
    ``plan.sample_rate`` yourself.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (rows, features) to class logits; its current parameters are the starting weights, changed in place.
        It is left in eval mode.
    X : torch.Tensor
        Encoded features of the rows to train on (float32), e.g. from :meth:`~workbench.dp.TabularEncoder.transform`.
    y : torch.Tensor
        Their class indices (int64), one per row of ``X``.
    plan : LoopPlan
        Sample rate, steps, noise multiplier, clipping norm, learning rate, optimizer and seed.
    on_step : sequence of callables, default=()
        Each called after every step with ``{"step", "epoch", "batch_size", "loss"}`` (e.g. a proximal update).
    stop : threading.Event, optional
        Checked before each step; when set the loop ends and the outcome says ``stopped``.

    Returns
    -------
    LoopOutcome
        One history row per epoch (``loss``: mean training loss of its steps, ``seconds``; the test columns and
        ``epsilon`` are nan), the steps taken, whether ``stop`` ended the run, the gradient engine.

    Raises
    ------
    InvalidParameterError
        ``X`` and ``y`` of different lengths, or ``plan`` not a :class:`~workbench.dp.LoopPlan`.

    Examples
    --------
    >>> import torch
    >>> from workbench.dp import LoopPlan, build_model, train_local
    >>> X, y = torch.randn(200, 3, generator=torch.Generator().manual_seed(0)), torch.arange(200) % 2
    >>> net = build_model("logreg", 3, 2, seed=0)
    >>> plan = LoopPlan(sample_rate=0.1, steps_per_epoch=10, epochs=2, noise_multiplier=1.0, max_grad_norm=1.0,
    ...                 lr=0.05, optimizer="adam", seed=0)
    >>> outcome = train_local(net, X, y, plan)
    >>> outcome.steps, len(outcome.history), outcome.stopped
    (20, 2, False)
    """
    if not isinstance(plan, LoopPlan):
        raise InvalidParameterError(f"plan must be a workbench.dp.LoopPlan; got {type(plan).__name__}.")
    if len(X) != len(y):
        raise InvalidParameterError(f"X has {len(X)} rows but y has {len(y)} labels; give one label per row.")
    return run_loop(model, (X, y, X[:0], y[:0]), plan, epsilon_at=_no_epsilon, on_step=list(on_step), stop=stop)


def _no_epsilon(_steps: int) -> float:
    """The loop's per-epoch ε column: nan, the caller accounts."""
    return math.nan
