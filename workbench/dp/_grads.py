"""Sum of per-example clipped gradients, computed without materialising per-example gradients where possible.

Three exact engines, fastest first:

* ``SequentialClipper`` for ``nn.Sequential`` stacks of ``nn.Linear`` and elementwise activations (the built-in
  logistic regression and MLP): forward and backward written out with tensor operations, no autograd graph, then
  ghost clipping as below.
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

_ACTIVATIONS = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.LeakyReLU, nn.Identity)


class SequentialClipper:
    """Clipped per-example gradient sums for ``nn.Sequential(Linear, activation, ..., Linear)``, without autograd."""

    def __init__(self, model: nn.Module) -> None:
        self.layers = list(model)

    @staticmethod
    def supports(model: nn.Module) -> bool:
        if type(model) is not nn.Sequential or len(model) == 0:
            return False
        layers = list(model)
        if not all(type(m) in (nn.Linear, *_ACTIVATIONS) for m in layers) or type(layers[-1]) is not nn.Linear:
            return False
        return all(p.requires_grad for p in model.parameters())

    @torch.no_grad()
    def __call__(
        self, X: torch.Tensor, y: torch.Tensor, max_norm: float, scale_by: float = 1.0, x_sq: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, bool]:
        saved: list[tuple[nn.Module, torch.Tensor, torch.Tensor]] = []  # (layer, its input, its output)
        a = X
        for layer in self.layers:
            out = F.linear(a, layer.weight, layer.bias) if type(layer) is nn.Linear else layer(a)
            saved.append((layer, a, out))
            a = out
        log_p = torch.log_softmax(a, 1)
        losses = -log_p.gather(1, y[:, None]).squeeze(1)
        d = log_p.exp()
        d[torch.arange(len(y)), y] -= 1.0  # d loss_i / d logits_i
        linear: list[tuple[nn.Linear, torch.Tensor, torch.Tensor]] = []  # (layer, input, delta)
        for i in range(len(saved) - 1, -1, -1):
            layer, inp, out = saved[i]
            if type(layer) is nn.Linear:
                linear.append((layer, inp, d))
                if i > 0:
                    d = d.mm(layer.weight)
            else:
                d = d * _derivative(layer, inp, out)
        sq = torch.zeros(len(y), dtype=X.dtype)
        for layer, inp, delta in linear:  # |grad_i|^2 = |delta_i|^2 (|a_i|^2 + 1 for the bias)
            a2 = x_sq if (x_sq is not None and inp is X) else inp.square().sum(1)
            sq.addcmul_(delta.square().sum(1), a2 + 1.0 if layer.bias is not None else a2)
        scale = (max_norm / (sq.sqrt_() + 1e-6)).clamp_(max=1.0)
        if scale_by != 1.0:
            scale.mul_(scale_by)
        for layer, inp, delta in linear:
            ds = delta * scale[:, None]
            layer.weight.grad = ds.t().mm(inp)
            if layer.bias is not None:
                layer.bias.grad = ds.sum(0)
        return losses, True

    def close(self) -> None:
        pass


def _derivative(layer: nn.Module, inp: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    if isinstance(layer, nn.ReLU):
        return inp > 0
    if isinstance(layer, nn.Tanh):
        return 1 - out * out
    if isinstance(layer, nn.Sigmoid):
        return out * (1 - out)
    if isinstance(layer, nn.LeakyReLU):
        return torch.where(inp > 0, 1.0, layer.negative_slope).to(inp.dtype)
    return torch.ones_like(inp)  # nn.Identity


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

    def __call__(
        self, X: torch.Tensor, y: torch.Tensor, max_norm: float, scale_by: float = 1.0, x_sq: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, bool]:
        """Set ``p.grad`` to ``scale_by`` times the sum of clipped per-example gradients; return (losses, handled)."""
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
        scale = (max_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0) * scale_by
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

    def __call__(
        self, X: torch.Tensor, y: torch.Tensor, max_norm: float, scale_by: float = 1.0, x_sq: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, bool]:
        named = dict(self.model.named_parameters())
        params = {n: named[n].detach() for n in self.names}
        buffers = {n: b.detach() for n, b in self.model.named_buffers()}
        grads = self._per_example(params, buffers, X, y)
        sq = sum(g.reshape(len(y), -1).pow(2).sum(1) for g in grads.values())
        scale = (max_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0) * scale_by
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
        self.ghost: SequentialClipper | LinearGhostClipper | None = None
        if SequentialClipper.supports(model):
            self.ghost = SequentialClipper(model)
        elif LinearGhostClipper.supports(model):
            self.ghost = LinearGhostClipper(model)
        self._vmap: VmapClipper | None = None
        self.engine = {SequentialClipper: "ghost-sequential", LinearGhostClipper: "ghost"}.get(type(self.ghost), "vmap")

    def __call__(
        self, X: torch.Tensor, y: torch.Tensor, max_norm: float, scale_by: float = 1.0, x_sq: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Set every ``p.grad`` to ``scale_by`` times the sum of per-example gradients clipped to ``max_norm``.

        ``x_sq`` (optional) holds the squared norms of the rows of ``X``, precomputed once for the whole dataset.
        """
        if self.ghost is not None:
            losses, ok = self.ghost(X, y, max_norm, scale_by, x_sq)
            if ok:
                return losses
            self.ghost.close()
            self.ghost = None
            self.engine = "vmap"
        if self._vmap is None:
            self._vmap = VmapClipper(self.model)
        return self._vmap(X, y, max_norm, scale_by)[0]

    def close(self) -> None:
        if self.ghost is not None:
            self.ghost.close()
