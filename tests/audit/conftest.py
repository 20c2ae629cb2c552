"""Fixtures for the audit tests: a tiny torch model trained here, deliberately overfit."""

from __future__ import annotations

import pytest
import torch


def _fit(x: torch.Tensor, y: torch.Tensor, *, hidden: int, steps: int, seed: int) -> torch.nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 2))
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        for _ in range(steps):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    return model.eval()


@pytest.fixture(scope="session")
def noisy_data() -> tuple[torch.Tensor, torch.Tensor]:
    """600 records whose label is only partly predictable, so memorising the training set shows."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(600, 10, generator=g)
    y = ((x[:, 0] + 1.0 * torch.randn(600, generator=g)) > 0).long()
    return x, y


@pytest.fixture(scope="session")
def overfit_model(noisy_data):
    """A wide MLP trained for many steps on 100 records (members); records 100.. are non-members."""
    x, y = noisy_data
    torch.set_num_threads(1)
    return _fit(x[:100], y[:100], hidden=128, steps=300, seed=0)
