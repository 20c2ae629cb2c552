"""Models: built-ins, seeded initialisation, user modules checked with Opacus's ModuleValidator."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from workbench.dp.models import build_model, check_module
from workbench.errors import InvalidParameterError, UnknownNameError, UnsupportedModelError


def test_builtins_have_the_right_shapes_and_seeded_weights():
    a = build_model("mlp", 7, 3, hidden=(5, 4), seed=3)
    b = build_model("mlp", 7, 3, hidden=(5, 4), seed=3)
    c = build_model("mlp", 7, 3, hidden=(5, 4), seed=4)
    assert a(torch.zeros(2, 7)).shape == (2, 3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters(), strict=True))
    assert len([m for m in build_model("logreg", 7, 2).modules() if isinstance(m, nn.Linear)]) == 1


def test_global_random_state_is_left_alone():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    build_model("mlp", 4, 2, seed=9)
    assert torch.equal(torch.rand(1), expected)


def test_batchnorm_is_refused_in_one_line_naming_the_layer_and_the_fix():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    with pytest.raises(UnsupportedModelError) as info:
        build_model(model, 4, 2)
    message = str(info.value)
    assert "\n" not in message and "BatchNorm" in message and "GroupNorm" in message and "fix" in message
    assert isinstance(info.value, ValueError)


def test_user_module_is_copied_not_changed():
    model = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.Linear(8, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    built = build_model(model, 4, 2, seed=1)
    assert built is not model
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_wrong_shapes_and_names_are_clear_errors():
    with pytest.raises(InvalidParameterError, match=r"\(2, 3\)"):
        build_model(nn.Sequential(nn.Linear(4, 5)), 4, 3)
    with pytest.raises(InvalidParameterError, match="4 inputs"):
        build_model(nn.Sequential(nn.Linear(9, 3)), 4, 3)
    with pytest.raises(UnknownNameError, match="mlp"):
        build_model("mpl", 4, 2)
    with pytest.raises(UnsupportedModelError, match="no trainable"):
        check_module(nn.Sequential(nn.ReLU()))
