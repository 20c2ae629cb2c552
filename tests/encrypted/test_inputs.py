"""Bad inputs to encrypted_inference: one-line WorkbenchErrors, raised before any encryption."""

from __future__ import annotations

import pytest
import torch

import workbench as wb
from workbench.encrypted import InsufficientDepthError
from workbench.errors import (
    EmptyDataError,
    InvalidParameterError,
    UnknownColumnError,
    UnknownNameError,
    UnsupportedModelError,
    WorkbenchError,
)


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"scheme": "paillier"}, UnknownNameError, "scheme"),
        ({"packing": "diagonal"}, UnknownNameError, "packing"),
        ({"parties": 4}, WorkbenchError, "parties"),
        ({"output": "logits"}, UnknownNameError, "output"),
        ({"scheme": "mpc", "params": "ckks-8192-d1"}, InvalidParameterError, "apply to scheme='ckks'"),
        ({"scheme": "mpc", "packing": "row"}, InvalidParameterError, "apply to scheme='ckks'"),
        ({"params": "ckks-8192-d1", "output": "probability"}, InsufficientDepthError, "needs 3"),
        ({"stop": "yes"}, InvalidParameterError, "stop"),
        ({"progress": "no"}, InvalidParameterError, "progress"),
    ],
)
def test_bad_arguments(logreg_run, rows, kwargs, error, text):
    with pytest.raises(error, match=text) as e:
        wb.encrypted_inference(logreg_run, rows.iloc[:5], **kwargs)
    assert "\n" not in str(e.value)


def test_probability_needs_a_binary_logreg(mlp_run, rows):
    with pytest.raises(InvalidParameterError, match="two-class logreg"):
        wb.encrypted_inference(mlp_run, rows.iloc[:5], output="probability")


def test_bad_rows(logreg_run, rows):
    with pytest.raises(EmptyDataError, match="empty"):
        wb.encrypted_inference(logreg_run, rows.iloc[:0])
    with pytest.raises(InvalidParameterError, match="DataFrame"):
        wb.encrypted_inference(logreg_run, rows.to_numpy())
    with pytest.raises(UnknownColumnError, match="lacks the column"):
        wb.encrypted_inference(logreg_run, rows.drop(columns=["age"]).iloc[:5])


def test_not_a_train_result(rows):
    with pytest.raises(InvalidParameterError, match="TrainResult"):
        wb.encrypted_inference("model.pt", rows)


def test_unsupported_layers(adult, rows):
    net = torch.nn.Sequential(torch.nn.Linear(108, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    run = wb.train(adult, model=net, epsilon=None, epochs=1, public_schema=True, ledger=False, progress=False)
    with pytest.raises(UnsupportedModelError, match="Tanh") as e:
        wb.encrypted_inference(run, rows.iloc[:5])
    assert "\n" not in str(e.value)
