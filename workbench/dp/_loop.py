"""The training loop: in-memory Poisson batches, clipped per-example gradients, Gaussian noise, an optimizer."""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from workbench.dp._grads import ClippedGradients


@dataclass(frozen=True)
class LoopPlan:
    """What one run of the DP-SGD loop does: Poisson sample rate, steps, noise, clipping, optimizer and seed.

    Each step every row joins the batch with probability ``sample_rate``; with ``noise_multiplier`` set, the
    per-example gradients are clipped to ``max_grad_norm``, Gaussian noise of standard deviation
    ``noise_multiplier * max_grad_norm`` is added to their sum and the result is divided by the expected batch
    size (as Opacus). ``noise_multiplier=None`` trains without DP through the same batches. The plan states no ε:
    account for ``steps_per_epoch * epochs`` steps at ``sample_rate`` with :func:`~workbench.dp.compute_epsilon`.

    Parameters
    ----------
    sample_rate : float
        Poisson sampling probability of each row at each step.
    steps_per_epoch, epochs : int
        Steps per epoch and epochs (the loop takes ``steps_per_epoch * epochs`` steps).
    noise_multiplier : float or None
        σ of DP-SGD; None for non-private training (no clipping, no noise).
    max_grad_norm : float
        Per-example clipping norm C (private runs only).
    lr : float
        Learning rate.
    optimizer : {"adam", "sgd"}
        Adam (β = 0.9, 0.999) or SGD with momentum 0.9.
    seed : int
        Seed of the stream that draws the batches and the noise: same plan, same numbers.

    Examples
    --------
    >>> plan = LoopPlan(sample_rate=0.1, steps_per_epoch=10, epochs=2, noise_multiplier=1.1, max_grad_norm=1.0,
    ...                 lr=0.01, optimizer="adam", seed=0)
    >>> plan.private, plan.steps_per_epoch * plan.epochs
    (True, 20)
    """

    sample_rate: float
    steps_per_epoch: int
    epochs: int
    noise_multiplier: float | None
    max_grad_norm: float
    lr: float
    optimizer: str
    seed: int

    @property
    def private(self) -> bool:
        """Whether the plan clips and adds noise (DP-SGD)."""
        return self.noise_multiplier is not None


@dataclass(frozen=True)
class LoopOutcome:
    """What a run of the loop did: one history row per epoch, the steps taken, whether ``stop`` ended it, and the
    per-example gradient engine that clipped (``"none"`` without DP).

    Examples
    --------
    >>> LoopOutcome(history=[], steps=0, stopped=False, engine="none").steps
    0
    """

    history: list[dict[str, Any]]
    steps: int
    stopped: bool
    engine: str


def stream_seed(config: Any, noise_multiplier: float | None, sample_rate: float, n_rows: int) -> int:
    """Seed of the generator that draws a run's Poisson batches and DP noise.

    A private run's stream depends on the seed *and* on the requested settings: two runs on the same data that
    differ only in their target ε (or learning rate, model, ...) but share a seed would otherwise draw the same noise
    ``z``, and ``(σ2·o1 − σ1·o2)/(σ2 − σ1)`` would cancel it, so adding up their ε would under-report the loss.
    The key holds what the user asked for (not the calibrated σ, whose last digits may depend on cached accountant
    values), so identical settings give identical runs. Non-private runs use the seed as is.

    Examples
    --------
    >>> from types import SimpleNamespace as C
    >>> c = C(seed=0, epsilon=1.0, delta=None, noise_multiplier=None, accountant="prv", model_name="mlp",
    ...       hidden=(64,), epochs=1, learning_rate=0.01, max_grad_norm=1.0, optimizer="adam", batch_size=256)
    >>> other = C(**{**vars(c), "epsilon": 2.0})
    >>> stream_seed(c, 1.1, 0.01, 1000) == stream_seed(c, 1.1, 0.01, 1000) != stream_seed(other, 0.7, 0.01, 1000)
    True
    >>> stream_seed(c, None, 0.01, 1000)
    0
    """
    if noise_multiplier is None:
        return int(config.seed)
    key = repr(
        (int(config.seed), _number(config.epsilon), _number(config.delta), _number(config.noise_multiplier),
         str(config.accountant),
         float(sample_rate), int(n_rows), config.model_name, tuple(config.hidden), int(config.epochs),
         float(config.learning_rate), float(config.max_grad_norm), config.optimizer, int(config.batch_size))
    )  # fmt: skip
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little") >> 1


def _number(value: Any) -> float | None:
    """A plain float (or None), so numpy scalars and Python floats give the same key."""
    return None if value is None else float(value)


def evaluate_model(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Loss (cross-entropy), accuracy and ROC AUC of ``model`` on encoded rows, without gradients.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a (rows, features) float tensor to class logits; put it in eval mode first if it has dropout.
    X : torch.Tensor
        Encoded features (float32, one row per example), e.g. from :meth:`~workbench.dp.TabularEncoder.transform`.
    y : torch.Tensor
        Class indices (int64).

    Returns
    -------
    dict
        ``accuracy``, ``auc`` (one-vs-rest macro average for more than two classes; nan with one class present)
        and ``loss``; all nan when there are no rows.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = net.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]])), net.bias.zero_()
    >>> X, y = torch.tensor([[2.0, 0.0], [0.0, 2.0], [1.0, 0.5]]), torch.tensor([0, 1, 0])
    >>> m = evaluate_model(net, X, y)
    >>> m["accuracy"], m["auc"]
    (1.0, 1.0)
    """
    if len(y) == 0:
        return {"accuracy": math.nan, "auc": math.nan, "loss": math.nan}
    with torch.no_grad():
        logits = model(X).double()
        loss = float(F.cross_entropy(logits, y))
        proba = torch.softmax(logits, 1).numpy()
    labels = y.numpy()
    accuracy = float((proba.argmax(1) == labels).mean())
    return {"accuracy": accuracy, "auc": _auc(labels, proba), "loss": loss}


def _auc(labels: np.ndarray, proba: np.ndarray) -> float:
    """ROC AUC from ranks (Mann-Whitney U); one-vs-rest macro average for more than two classes."""
    present = np.unique(labels)
    if len(present) < 2:
        return math.nan
    classes = [1] if proba.shape[1] == 2 else list(present)
    aucs = []
    for c in classes:
        positive = labels == c
        ranks = _average_ranks(proba[:, c])
        n_pos, n_neg = positive.sum(), (~positive).sum()
        aucs.append((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    return float(np.mean(aucs))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their mean rank: ``scipy.stats.rankdata``, without importing ``scipy.stats``
    (over half a second in a fresh process).

    Examples
    --------
    >>> _average_ranks(np.array([0.3, 0.1, 0.3, 0.2]))
    array([3.5, 1. , 3.5, 2. ])
    """
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    first = np.concatenate([[True], ordered[1:] != ordered[:-1]])  # where each run of ties starts
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:], len(values))
    ranks = np.empty(len(values))
    ranks[order] = ((starts + ends + 1) / 2)[np.cumsum(first) - 1]
    return ranks


def adam_update(param: torch.Tensor, grad: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int, lr: float) -> None:
    """One Adam step (Kingma & Ba 2015; β = 0.9, 0.999, ε = 1e-8) in place: the update of every DP-SGD engine.

    ``param``, ``m`` and ``v`` may be one parameter or a flat buffer holding many (the stacked engine).

    Examples
    --------
    >>> p, g = torch.ones(2), torch.tensor([1.0, -1.0])
    >>> adam_update(p, g, torch.zeros(2), torch.zeros(2), 1, 0.1)
    >>> p
    tensor([0.9000, 1.1000])
    """
    b1, b2, eps = 0.9, 0.999, 1e-8
    c1, c2 = 1 - b1**t, 1 - b2**t
    m.mul_(b1).add_(grad, alpha=1 - b1)
    v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
    param.addcdiv_(m, v.div(c2).sqrt_().add_(eps), value=-lr / c1)


class _Optimizer:
    """Adam (Kingma & Ba 2015) or SGD with momentum 0.9 on the parameters' ``.grad``, in place.

    Written out (a few tensor operations) because the first ``torch.optim`` optimizer of a process imports
    ``torch._dynamo``, which takes seconds.
    """

    def __init__(self, params: list[torch.Tensor], kind: str, lr: float) -> None:
        self.params, self.kind, self.lr, self.t = params, kind, lr, 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params] if kind == "adam" else []

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        if self.kind == "sgd":
            for p, m in zip(self.params, self.m, strict=True):
                m.mul_(0.9).add_(p.grad)
                p.sub_(m, alpha=self.lr)
            return
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            adam_update(p, p.grad, m, v, self.t, self.lr)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


class _Stepper:
    """One optimisation step on a batch of indices; private steps clip, add noise and average like Opacus."""

    def __init__(self, model: nn.Module, X: torch.Tensor, y: torch.Tensor, plan: LoopPlan, gen: torch.Generator):
        self.model, self.X, self.y, self.plan, self.gen = model, X, y, plan, gen
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = _Optimizer(self.params, plan.optimizer, plan.lr)
        self.clipper = ClippedGradients(model) if plan.private else None
        self.expected_batch = plan.sample_rate * len(y)
        self.x_sq = X.square().sum(1) if plan.private else None  # row norms, used by the clipping of layer 1
        self.n_params = sum(p.numel() for p in self.params)

    def __call__(self, index: torch.Tensor) -> float:
        if self.clipper is None:
            return self._plain(index)
        return self._private(index)

    def _plain(self, index: torch.Tensor) -> float:
        if len(index) == 0:
            return math.nan
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.model(self.X[index]), self.y[index])
        loss.backward()
        self.optimizer.step()
        return float(loss.detach())

    def _private(self, index: torch.Tensor) -> float:
        plan = self.plan
        scale = 1.0 / self.expected_batch  # Opacus (Poisson, mean reduction): sum of clipped grads + noise, / E[B]
        if len(index) > 0:
            X = self.X[index]
            losses = self.clipper(X, self.y[index], plan.max_grad_norm, scale, self.x_sq[index])
            loss = float(losses.mean())
        else:  # an empty Poisson batch still takes a (noise-only) step, as the accounting counts it
            for p in self.params:
                p.grad = torch.zeros_like(p)
            loss = math.nan
        with torch.no_grad():
            noise = torch.randn(self.n_params, generator=self.gen)
            noise.mul_(plan.noise_multiplier * plan.max_grad_norm * scale)
            offset = 0
            for p in self.params:
                p.grad.add_(noise[offset : offset + p.numel()].view_as(p))
                offset += p.numel()
        self.optimizer.step()
        return loss

    def close(self) -> None:
        if self.clipper is not None:
            self.clipper.close()

    @property
    def engine(self) -> str:
        return "none" if self.clipper is None else self.clipper.engine


def run_loop(
    model: nn.Module,
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    plan: LoopPlan,
    *,
    epsilon_at: Callable[[int], float],
    on_step: Sequence[Callable[[dict], Any]] = (),
    on_epoch: Sequence[Callable[[dict], Any]] = (),
    stop: threading.Event | None = None,
    progress: bool = False,
) -> LoopOutcome:
    """Train ``model`` in place; return the per-epoch history, the steps taken and whether ``stop`` ended it."""
    X, y, X_test, y_test = data
    n = len(y)
    gen = torch.Generator().manual_seed(plan.seed)
    stepper = _Stepper(model, X, y, plan, gen)
    bar = _progress_bar(plan, progress)
    history: list[dict[str, Any]] = []
    steps, stopped = 0, False
    model.train()
    try:
        for epoch in range(1, plan.epochs + 1):
            started, losses = time.perf_counter(), []
            for _ in range(plan.steps_per_epoch):
                if stop is not None and stop.is_set():
                    stopped = True
                    break
                index = torch.nonzero(torch.rand(n, generator=gen) < plan.sample_rate).squeeze(1)
                loss = stepper(index)
                steps += 1
                losses.append(loss)
                if bar is not None:
                    bar.update(1)
                for cb in on_step:
                    cb({"step": steps, "epoch": epoch, "batch_size": len(index), "loss": loss})
            if stopped and not losses:
                break
            row = _epoch_row(model, epoch, steps, losses, X_test, y_test, started, epsilon_at, stopped)
            history.append(row)
            if bar is not None:
                bar.set_postfix(loss=f"{row['loss']:.3f}", acc=f"{row['accuracy']:.3f}", eps=f"{row['epsilon']:.3g}")
            for cb in on_epoch:
                cb(dict(row))
            if stopped:
                break
    finally:
        stepper.close()
        if bar is not None:
            bar.close()
    model.eval()
    return LoopOutcome(history, steps, stopped, stepper.engine)


def _epoch_row(model, epoch, steps, losses, X_test, y_test, started, epsilon_at, partial) -> dict[str, Any]:
    seconds = time.perf_counter() - started
    model.eval()
    metrics = evaluate_model(model, X_test, y_test)
    model.train()
    finite = [x for x in losses if not math.isnan(x)]
    return {
        "epoch": epoch,
        "steps": steps,
        "loss": float(np.mean(finite)) if finite else math.nan,
        "test_loss": metrics["loss"],
        "accuracy": metrics["accuracy"],
        "auc": metrics["auc"],
        "epsilon": epsilon_at(steps),
        "seconds": seconds,
        "partial": partial,
    }


def _progress_bar(plan: LoopPlan, progress: bool):
    if not progress:
        return None
    from tqdm.auto import tqdm

    desc = "DP-SGD" if plan.private else "training"
    return tqdm(total=plan.steps_per_epoch * plan.epochs, desc=desc, unit="step", leave=False)
