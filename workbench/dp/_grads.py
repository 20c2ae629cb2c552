"""Sum of per-example clipped gradients, computed without materialising per-example gradients where possible.

Two exact engines:

* ``LinearGhostClipper`` for models whose trainable parameters all sit in ``nn.Linear`` layers applied once to a
  2-D batch (logistic regression, MLPs): the per-example gradient of a linear layer is the outer product
  ``delta_i a_i^T``, so its norm is ``|delta_i| |a_i|`` ("ghost clipping", Goodfellow 2015; Li et al. 2022) and the
  clipped sum is ``(c * delta)^T a``: one extra matrix product per layer.
* ``VmapClipper`` for any other module: per-example gradients with ``torch.func.vmap(grad(...))``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class LinearGhostClipper:
    """Clipped per-example gradient sums for models made of ``nn.Linear`` layers and parameter-free layers."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        self._records: list[tuple[nn.Linear, torch.Tensor, torch.Tensor]] = []
        self._recording = False
        self._handles = [lin.register_forward_hook(self._hook) for lin in self.linears]

    @staticmethod
    def supports(model: nn.Module) -> bool:
        linear_params = {id(p) for m in model.modules() if isinstance(m, nn.Linear) for p in m.parameters()}
        trainable = [p for p in model.parameters() if p.requires_grad]
        return bool(trainable) and all(id(p) in linear_params for p in trainable)

    def _hook(self, module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        if self._recording:
            self._records.append((module, inputs[0], output))

    def close(self) -> None:
        for h in self._handles:
            h.remove()

    def __call__(self, X: torch.Tensor, y: torch.Tensor, max_norm: float) -> tuple[torch.Tensor, bool]:
        """Set ``p.grad`` to the sum of clipped per-example gradients; return (per-example losses, handled)."""
        self._records = []
        self._recording = True
        try:
            logits = self.model(X)
        finally:
            self._recording = False
        records = self._records
        self._records = []
        if len(records) != len(self.linears) or any(a.dim() != 2 for _, a, _ in records):
            return logits, False  # a layer reused or applied to a sequence: the caller falls back to vmap
        losses = F.cross_entropy(logits, y, reduction="none")
        outputs = [out for _, _, out in records]
        deltas = torch.autograd.grad(losses.sum(), outputs)
        sq = torch.zeros(len(y), dtype=logits.dtype)
        for (lin, a, _), d in zip(records, deltas, strict=True):
            d2 = d.pow(2).sum(1)
            if lin.weight.requires_grad:
                sq = sq + d2 * a.pow(2).sum(1)
            if lin.bias is not None and lin.bias.requires_grad:
                sq = sq + d2
        scale = (max_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0)
        for (lin, a, _), d in zip(records, deltas, strict=True):
            ds = d * scale[:, None]
            if lin.weight.requires_grad:
                lin.weight.grad = ds.t().mm(a.detach())
            if lin.bias is not None and lin.bias.requires_grad:
                lin.bias.grad = ds.sum(0)
        return losses.detach(), True


class VmapClipper:
    """Clipped per-example gradient sums for any functional module, via ``torch.func``."""

    def __init__(self, model: nn.Module) -> None:
        from torch.func import functional_call, grad, vmap

        self.model = model
        self.names = [n for n, p in model.named_parameters() if p.requires_grad]

        def loss_one(params, buffers, x, t):
            out = functional_call(model, (params, buffers), (x.unsqueeze(0),))
            return F.cross_entropy(out, t.unsqueeze(0))

        self._per_example = vmap(grad(loss_one), in_dims=(None, None, 0, 0))

    def __call__(self, X: torch.Tensor, y: torch.Tensor, max_norm: float) -> tuple[torch.Tensor, bool]:
        named = dict(self.model.named_parameters())
        params = {n: named[n].detach() for n in self.names}
        buffers = {n: b.detach() for n, b in self.model.named_buffers()}
        grads = self._per_example(params, buffers, X, y)
        sq = sum(g.reshape(len(y), -1).pow(2).sum(1) for g in grads.values())
        scale = (max_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0)
        for n in self.names:
            g = grads[n]
            named[n].grad = torch.einsum("b,b...->...", scale, g)
        with torch.no_grad():
            losses = F.cross_entropy(self.model(X), y, reduction="none")
        return losses, True


class ClippedGradients:
    """Pick the fastest exact engine for ``model``; fall back to vmap when the fast one cannot handle a batch."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.ghost = LinearGhostClipper(model) if LinearGhostClipper.supports(model) else None
        self._vmap: VmapClipper | None = None
        self.engine = "ghost" if self.ghost is not None else "vmap"

    def __call__(self, X: torch.Tensor, y: torch.Tensor, max_norm: float) -> torch.Tensor:
        if self.ghost is not None:
            losses, ok = self.ghost(X, y, max_norm)
            if ok:
                return losses
            self.ghost.close()
            self.ghost = None
            self.engine = "vmap"
        if self._vmap is None:
            self._vmap = VmapClipper(self.model)
        return self._vmap(X, y, max_norm)[0]

    def close(self) -> None:
        if self.ghost is not None:
            self.ghost.close()
