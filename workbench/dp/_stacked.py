"""Train several DP-SGD runs in ONE loop: the same DP-SGD as ``workbench.train``, vectorised across models.

Each model keeps its own seed, hence its own initialisation, Poisson batches and noise (models trained on shared
noise could be combined to cancel it): model k at step t takes its own batch (padded to the longest batch of the
step and masked), and one forward/backward over stacked weights ``[K, out, in]`` gives every model's per-example
clipped gradients (ghost norms); noise and Adam are per model. Each result is a regular
:class:`~workbench.dp.TrainResult` with its own statement, equal to ``workbench.train(..., seed=seed_k)``. Small
models are bound by per-operation overhead, so K models cost far less than K runs.

Only private runs of built-in models (``"logreg"``, ``"mlp"``: ``nn.Linear`` layers and ReLU) with Adam, without
an audit split, that differ only in ε (or noise multiplier) and seed are stacked (:func:`can_train_together`);
:func:`workbench.dp.train_many` trains anything else one by one. Data preparation, calibration, the ε schedule and
the statement are :mod:`workbench.dp._steps`, shared with ``train``; the Adam update is ``_loop.adam_update``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from workbench.dp._loop import adam_update, evaluate_model, stream_seed
from workbench.dp._steps import (
    HISTORY_COLUMNS,
    EpsilonSchedule,
    noise_multiplier,
    prepare,
    result_timings,
    statement,
    torch_threads,
)
from workbench.dp.config import TrainConfig
from workbench.dp.models import build_model
from workbench.dp.result import TrainResult

__all__ = ["can_train_together", "train_stacked"]


def can_train_together(configs: Sequence[TrainConfig]) -> bool:
    """Whether these runs can be trained in one stacked loop: private runs of one built-in model with Adam and no
    audit split, differing only in ε (or noise multiplier) and seed.

    Parameters
    ----------
    configs : Sequence[TrainConfig]
        The runs' configurations.

    Returns
    -------
    bool
        True when they can share one stacked loop (False for an empty sequence).

    Examples
    --------
    >>> from workbench.dp import TrainConfig
    >>> can_train_together([TrainConfig(epsilon=1.0, seed=1), TrainConfig(epsilon=2.0, seed=2)])
    True
    >>> can_train_together([TrainConfig(epsilon=1.0), TrainConfig(epsilon=2.0, epochs=3)])
    False
    """
    if not configs:
        return False
    first = configs[0]
    if not (isinstance(first.model, str) and first.model in ("logreg", "mlp")) or first.optimizer != "adam":
        return False
    shared = [c.replace(epsilon=None, noise_multiplier=None, seed=0) for c in configs]
    return all(c.private and not c.audit_fraction for c in configs) and all(s == shared[0] for s in shared)


class _StackedLinear:
    """The layers of K copies of a Sequential of Linear / ReLU layers, as stacked tensors.

    Every parameter ``[K, ...]`` is a view into one flat buffer (parameter by parameter, model by model), and so is
    every gradient: noise and Adam then take one operation each instead of one per parameter. No autograd: the
    backward pass is written out (as in ``workbench.dp``'s ``SequentialClipper``).
    """

    def __init__(self, nets: Sequence[nn.Sequential]) -> None:
        self.kinds: list[str] = []
        for layer in nets[0]:
            if not isinstance(layer, (nn.Linear, nn.ReLU)):  # pragma: no cover - can_stack() admits built-ins only
                raise TypeError(f"cannot stack a {type(layer).__name__} layer")
            self.kinds.append("linear" if isinstance(layer, nn.Linear) else "relu")
        self.k = len(nets)
        # in net.parameters() order (weight, bias of each Linear), one slice per model
        per_net = [[p.detach() for p in net.parameters()] for net in nets]
        self.flat = torch.cat([torch.stack(ps).reshape(-1) for ps in zip(*per_net, strict=True)])
        self.grad_flat = torch.zeros_like(self.flat)
        self.params = self._views(self.flat, per_net[0])
        self.grads = self._views(self.grad_flat, per_net[0])
        # position in the flat buffers of each model's noise draw (model k's parameters in net.parameters() order)
        sizes = [p.numel() for p in per_net[0]]
        n_params, starts = sum(sizes), np.cumsum([0, *sizes[:-1]])
        order = [np.arange(self.k)[:, None] * n_params + start + np.arange(size) for start, size in zip(starts, sizes,
                 strict=True)]  # fmt: skip
        self.noise_order = torch.from_numpy(np.concatenate([o.reshape(-1) for o in order]))
        self.n_params = n_params
        # per Linear: (bias [K, 1, out], weight transposed, weight), views that follow the in-place updates
        self._layers: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None] = []
        linear = iter(zip(self.params[0::2], self.params[1::2], strict=True))
        for kind in self.kinds:
            weight, bias = next(linear) if kind == "linear" else (None, None)
            self._layers.append(None if weight is None else (bias.unsqueeze(1), weight.transpose(1, 2), weight))
        self._minus_one = torch.tensor(-1.0, dtype=self.flat.dtype)

    def _views(self, flat: torch.Tensor, shapes_of: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        views, offset = [], 0
        for p in shapes_of:
            size = self.k * p.numel()
            views.append(flat[offset : offset + size].view(self.k, *p.shape))
            offset += size
        return views

    def clipped_grads(
        self, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None, max_norm: float, scale_by: float,
        x_sq1: torch.Tensor,
    ) -> torch.Tensor:  # fmt: skip
        """Per model, ``scale_by`` times the sum over its batch of per-example gradients clipped to ``max_norm``,
        written into ``grads``; returns the per-example losses (padding rows: 0).

        ``x`` is ``[K, B, d]`` (each model's batch, padded), ``mask`` ``[K, B]`` marks real rows (None: no padding),
        ``x_sq1`` their squared norms plus one (the bias).
        """
        h = x
        saved: list[tuple[str, torch.Tensor, torch.Tensor | None]] = []  # (kind, input or output, weight)
        for kind, layer in zip(self.kinds, self._layers, strict=True):
            if kind == "relu":
                h = torch.relu_(h)  # in place: the backward needs only the output
                saved.append(("relu", h, None))
                continue
            bias, weight_t, weight = layer
            saved.append(("linear", h, weight))
            h = torch.baddbmm(bias, h, weight_t)
        log_p = torch.log_softmax(h, 2)
        target = y.unsqueeze(2)
        losses = log_p.gather(2, target).squeeze_(2).neg_()
        d = log_p.exp_()  # d loss / d logits = softmax - one-hot (the gradient cross-entropy's backward gives)
        d.scatter_add_(2, target, self._minus_one.expand(target.shape))
        if mask is not None:  # padding rows: no loss, no gradient
            losses.mul_(mask)
            d.mul_(mask.unsqueeze(2))
        inputs, deltas = [], []
        for kind, a, weight in reversed(saved):
            if kind == "relu":
                d = torch.ops.aten.threshold_backward(d, a, 0)  # what autograd does for ReLU
                continue
            inputs.append(a)
            deltas.append(d)
            if a is not x:
                d = d.bmm(weight)
        inputs.reverse()
        deltas.reverse()
        # squared norm of each example's gradient: |delta|^2 (|a|^2 + 1) summed over the layers (ghost clipping)
        sq = deltas[0].pow(2).sum(2).mul_(x_sq1)
        for a, d in zip(inputs[1:], deltas[1:], strict=True):
            sq.add_(d.pow(2).sum(2).mul_(a.pow(2).sum(2).add_(1.0)))
        scale = torch.clamp_(max_norm / sq.sqrt_().add_(1e-6), max=1.0).mul_(scale_by).unsqueeze_(2)
        for j, (a, d) in enumerate(zip(inputs, deltas, strict=True)):
            scaled = d * scale
            torch.bmm(scaled.transpose(1, 2), a, out=self.grads[2 * j])
            torch.sum(scaled, 1, out=self.grads[2 * j + 1])
        return losses

    def add_noise(self, noise: torch.Tensor, scale: torch.Tensor) -> None:
        """Add ``noise`` (``[K, n_params]``, each model's draw in parameter order) times ``scale`` to the gradients;
        ``scale`` holds each model's factor at every position of the flat buffer."""
        self.grad_flat.add_(noise.view(-1).index_select(0, self.noise_order).mul_(scale))

    def load_into(self, net: nn.Sequential, i: int) -> nn.Sequential:
        with torch.no_grad():
            for target, source in zip(net.parameters(), self.params, strict=True):
                target.copy_(source[i])
        return net


class _StackedAdam:
    """Adam as in ``workbench.dp`` (the same element-wise update), on the flat buffer of every stacked parameter."""

    def __init__(self, flat: torch.Tensor, lr: float) -> None:
        self.flat, self.lr, self.t = flat, lr, 0
        self.m = torch.zeros_like(flat)
        self.v = torch.zeros_like(flat)

    @torch.no_grad()
    def step(self, grad: torch.Tensor) -> None:
        self.t += 1
        adam_update(self.flat, grad, self.m, self.v, self.t, self.lr)


def train_stacked(
    members: pd.DataFrame,
    non_members: pd.DataFrame,
    test: pd.DataFrame,
    target: str,
    configs: Sequence[TrainConfig],
    stop: Any = None,
) -> list[TrainResult]:
    """One :class:`~workbench.dp.TrainResult` per config, trained together (see :func:`can_train_together`)."""
    started = time.perf_counter()
    first = configs[0]
    data = prepare(members, test, target, first)
    per_epoch, rate = data.steps_per_epoch, data.sample_rate
    steps_total = per_epoch * first.epochs
    sigmas = [noise_multiplier(c, rate, steps_total, data.delta)[0] for c in configs]
    calibration_s = time.perf_counter() - started
    n_features, n_classes = data.encoder.n_features, data.encoder.n_classes
    nets = [build_model(c.model, n_features, n_classes, hidden=c.hidden, seed=c.seed) for c in configs]
    schedules = [EpsilonSchedule(c.accountant, s, rate, data.delta, per_epoch, c.epochs) for c, s in
                 zip(configs, sigmas, strict=True)]  # fmt: skip
    try:
        with torch_threads(first.threads or 1):  # workbench.dp's default for small models: one thread
            stack, histories, steps, stopped = _loop(nets, data, configs, sigmas, schedules, stop)
    finally:
        for schedule in schedules:
            schedule.close()
    timings = result_timings(started, calibration_s, stacked_with=len(configs))
    results = []
    for i, (config, sigma) in enumerate(zip(configs, sigmas, strict=True)):
        model = stack.load_into(nets[i], i).eval()
        results.append(
            TrainResult(
                model=model,
                encoder=data.encoder,
                members=members,
                non_members=non_members,
                test=data.test,
                target=target,
                config=config,
                statement=statement(config, data, sigma, steps),
                metrics=evaluate_model(model, data.X_test, data.y_test),
                history=pd.DataFrame(histories[i], columns=HISTORY_COLUMNS),
                stopped=stopped,
                dataset_name="",
                dataset_fingerprint="",
                engine="ghost-stacked",
                timings=timings,
            )
        )
    return results


def _loop(nets, data, configs, sigmas, schedules, stop):
    X, y, X_test, y_test = data.X, data.y, data.X_test, data.y_test
    rate, per_epoch = data.sample_rate, data.steps_per_epoch
    k, first = len(configs), configs[0]
    stack = _StackedLinear(nets)
    optimizer = _StackedAdam(stack.flat, first.learning_rate)
    expected_batch = rate * len(y)
    # as in workbench.dp: (sum of clipped gradients + σ C z) / E[B], the 1/E[B] folded into both terms
    noise_scale = torch.tensor([s * first.max_grad_norm / expected_batch for s in sigmas], dtype=X.dtype)
    noise_scale = noise_scale.repeat_interleave(stack.n_params)[stack.noise_order]
    x_sq1 = X.square().sum(1).add_(1.0)  # squared row norms plus one (bias), for the first layer's clipping
    # each model its own batches and noise, from the stream workbench.train would use for it
    seeds = [stream_seed(c, s, rate, len(y)) for c, s in zip(configs, sigmas, strict=True)]
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    histories: list[list[dict[str, Any]]] = [[] for _ in range(k)]
    steps, stopped = 0, False
    probe = build_probe(nets[0])
    with torch.no_grad():
        for epoch in range(1, first.epochs + 1):
            started = time.perf_counter()
            sums, sizes, stopped = _epoch(stack, optimizer, gens, X, y, x_sq1, rate, per_epoch, noise_scale, first,
                                          expected_batch, stop)  # fmt: skip
            steps += len(sizes)
            if stopped and not sizes:
                break
            _record_epoch(histories, stack, probe, sums, sizes, X_test, y_test, schedules, epoch, steps, started,
                          stopped)  # fmt: skip
            if stopped:
                break
    return stack, histories, steps, stopped


def _epoch(stack, optimizer, gens, X, y, x_sq1, rate, per_epoch, noise_scale, first, expected_batch, stop):
    """One epoch of DP-SGD steps for every model; per step, each model's loss sum and batch size."""
    sums: list[torch.Tensor] = []
    sizes: list[list[int]] = []
    threshold = np.float32(rate)
    for _ in range(per_epoch):
        if stop is not None and stop.is_set():
            return sums, sizes, True
        # per model, as its own run would: its Poisson batch, then its noise draw
        # (rows where the uniform draw is below the rate, as torch compares: in float32; numpy finds them 5x faster)
        indexes = [torch.from_numpy(np.flatnonzero(torch.rand(len(y), generator=g).numpy() < threshold)) for g in gens]
        noise = torch.stack([torch.randn(stack.n_params, generator=g) for g in gens])
        counts = [len(i) for i in indexes]
        width = max(counts)
        if width > 0:
            rows = torch.nn.utils.rnn.pad_sequence(indexes, batch_first=True).view(-1)  # padded with row 0
            mask = None
            if min(counts) < width:
                mask = (torch.arange(width).unsqueeze(0) < torch.tensor(counts).unsqueeze(1)).to(X.dtype)
            shape = (len(gens), width)
            losses = stack.clipped_grads(X.index_select(0, rows).view(*shape, -1), y.index_select(0, rows).view(shape),
                                         mask, first.max_grad_norm, 1.0 / expected_batch,
                                         x_sq1.index_select(0, rows).view(shape))  # fmt: skip
            sums.append(losses.sum(1))
        else:  # empty Poisson batches still take a noise-only step, as the accounting counts them
            stack.grad_flat.zero_()
            sums.append(torch.zeros(len(gens), dtype=X.dtype))
        stack.add_noise(noise, noise_scale)
        optimizer.step(stack.grad_flat)
        sizes.append(counts)
    return sums, sizes, False


def _record_epoch(histories, stack, probe, sums, sizes, X_test, y_test, schedules, epoch, steps, started, stopped):
    """Each model's history row for the epoch: mean training loss, test metrics, ε spent so far."""
    seconds = time.perf_counter() - started
    if sums:
        counts = torch.tensor(sizes, dtype=sums[0].dtype)
        table = torch.where(counts > 0, torch.stack(sums) / counts.clamp(min=1), math.nan).numpy()
    else:
        table = np.empty((0, len(histories)))
    for i, history in enumerate(histories):
        model = stack.load_into(probe, i).eval()
        metrics = evaluate_model(model, X_test, y_test)
        finite = table[:, i][~np.isnan(table[:, i])]
        history.append({
            "epoch": epoch, "steps": steps, "loss": float(finite.mean()) if len(finite) else math.nan,
            "test_loss": metrics["loss"], "accuracy": metrics["accuracy"], "auc": metrics["auc"],
            "epsilon": schedules[i](steps), "seconds": seconds, "partial": stopped,
        })  # fmt: skip


def build_probe(net: nn.Module) -> nn.Module:
    """A copy of the network to evaluate each stacked model in turn."""
    import copy

    return copy.deepcopy(net)
