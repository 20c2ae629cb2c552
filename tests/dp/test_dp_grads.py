"""Per-example clipping engines agree with Opacus's per-sample gradients, clipped and summed by hand."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from opacus import GradSampleModule
from torch import nn

from workbench.dp._grads import ClippedGradients, LinearGhostClipper, SequentialClipper, VmapClipper

pytestmark = pytest.mark.filterwarnings("ignore:Full backward hook:UserWarning")


def _reference(model: nn.Module, X, y, max_norm):
    """Opacus hooks give per-sample gradients; clip each to max_norm (Opacus's factor) and sum."""
    gsm = GradSampleModule(model, loss_reduction="sum")
    loss = F.cross_entropy(gsm(X), y, reduction="sum")
    loss.backward()
    params = [p for p in model.parameters() if p.requires_grad]
    norms = torch.stack([p.grad_sample.reshape(len(y), -1).norm(dim=1) for p in params]).norm(dim=0)
    factor = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    sums = [torch.einsum("i,i...->...", factor, p.grad_sample) for p in params]
    gsm._close()
    for p in params:
        p.grad, p.grad_sample = None, None
    return sums


def _model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 5), nn.LeakyReLU(0.1), nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 4),
        nn.Sigmoid(), nn.Linear(4, 3),
    )  # fmt: skip


@pytest.mark.parametrize("engine", [SequentialClipper, LinearGhostClipper, VmapClipper])
@pytest.mark.parametrize("max_norm", [0.05, 1.0, 100.0])
def test_clipped_sums_match_opacus(engine, max_norm):
    torch.manual_seed(1)
    X, y = torch.randn(32, 6) * 3, torch.randint(0, 3, (32,))
    model = _model()
    expected = _reference(model, X, y, max_norm)
    clipper = engine(model)
    losses, handled = clipper(X, y, max_norm)
    assert handled
    torch.testing.assert_close(losses, F.cross_entropy(model(X), y, reduction="none"))
    got = [p.grad for p in model.parameters()]
    for g, e in zip(got, expected, strict=True):
        torch.testing.assert_close(g, e, rtol=1e-4, atol=1e-6)


def test_each_example_contributes_at_most_the_clipping_norm():
    torch.manual_seed(2)
    model = _model()
    x, t = torch.randn(1, 6) * 50, torch.tensor([2])
    ClippedGradients(model)(x, t, 0.5)
    total = torch.cat([p.grad.flatten() for p in model.parameters()]).norm()
    assert total <= 0.5 + 1e-4


def test_a_reused_layer_falls_back_to_vmap_and_stays_exact():
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(4, 4)
            self.out = nn.Linear(4, 2)

        def forward(self, x):
            return self.out(torch.relu(self.inner(torch.relu(self.inner(x)))))

    torch.manual_seed(3)
    model = Shared()
    X, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    clipper = ClippedGradients(model)
    assert clipper.engine == "ghost"
    clipper(X, y, 0.3)
    assert clipper.engine == "vmap"
    got = [p.grad.clone() for p in model.parameters()]
    for p in model.parameters():
        p.grad = None
    VmapClipper(model)(X, y, 0.3)
    for g, p in zip(got, model.parameters(), strict=True):
        torch.testing.assert_close(g, p.grad)


@pytest.mark.parametrize("engine", [SequentialClipper, LinearGhostClipper, VmapClipper])
def test_scale_and_precomputed_row_norms_give_the_same_gradients(engine):
    torch.manual_seed(4)
    X, y = torch.randn(20, 6) * 2, torch.randint(0, 3, (20,))
    model = _model()
    expected = _reference(model, X, y, 0.7)
    engine(model)(X, y, 0.7, 0.25, X.square().sum(1))
    for p, e in zip(model.parameters(), expected, strict=True):
        torch.testing.assert_close(p.grad, 0.25 * e, rtol=1e-4, atol=1e-6)
