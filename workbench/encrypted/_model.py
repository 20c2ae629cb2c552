"""A trained model as plain float64 layers, the output head the data owner needs, and the polynomial sigmoid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.errors import InvalidParameterError, UnsupportedModelError

__all__ = ["SIGMOID_DEGREE", "SIGMOID_RANGE", "LayerStack", "sigmoid_polynomial", "stack_from_run"]

#: the polynomial sigmoid is fitted (least squares) on [-SIGMOID_RANGE, SIGMOID_RANGE]; outside it, it diverges
SIGMOID_RANGE = 6.0
SIGMOID_DEGREE = 3


@dataclass(frozen=True)
class LayerStack:
    """Linear layers with ReLU between them, as float64 arrays; the last layer reduced to the decision's scores.

    For two classes the last layer is the difference of the two logit rows (one score per row: class 1 when > 0),
    so only one value per row is computed and decrypted.
    """

    kind: str  # "logreg" or "mlp"
    weights: tuple[np.ndarray, ...]  # (out, in) each
    biases: tuple[np.ndarray, ...]
    classes: tuple

    @property
    def binary(self) -> bool:
        return self.weights[-1].shape[0] == 1

    @property
    def n_features(self) -> int:
        return int(self.weights[0].shape[1])

    def forward(self, X: np.ndarray, start: int = 0) -> np.ndarray:
        """Scores of float64 rows ``X``, from layer ``start`` on (ReLU between layers), in float64."""
        h = np.asarray(X, dtype=np.float64)
        for i in range(start, len(self.weights)):
            if i > 0:  # ReLU before every layer but the first
                h = np.maximum(h, 0.0)
            h = h @ self.weights[i].T + self.biases[i]
        return h

    def decisions(self, scores: np.ndarray) -> np.ndarray:
        """Class indices from scores (one column: > 0; several: argmax)."""
        return (scores[:, 0] > 0).astype(np.int64) if self.binary else scores.argmax(1)


def stack_from_run(run: Any) -> LayerStack:
    """The layers of a :class:`~workbench.dp.result.TrainResult`'s model (Linear / ReLU stacks: logreg, mlp)."""
    from torch import nn

    model = getattr(run, "model", None)
    if model is None or not hasattr(run, "encoder"):
        raise InvalidParameterError(
            f"encrypted_inference takes the result of workbench.train (a TrainResult); got {type(run).__name__}."
        )
    weights, biases = [], []
    expect_linear = True
    for layer in model.modules() if not isinstance(model, nn.Sequential) else model:
        if isinstance(layer, nn.Sequential):
            continue
        if isinstance(layer, nn.Linear) and expect_linear:
            weights.append(layer.weight.detach().double().numpy().copy())
            bias = layer.bias.detach().double().numpy().copy() if layer.bias is not None else None
            biases.append(np.zeros(layer.out_features) if bias is None else bias)
            expect_linear = False
        elif isinstance(layer, nn.ReLU) and not expect_linear:
            expect_linear = True
        else:
            raise UnsupportedModelError(
                f"Encrypted inference supports Linear layers with ReLU between them (logreg, mlp); this model has "
                f"{type(layer).__name__} there. Train it with model='logreg' or model='mlp'."
            )
    if not weights or expect_linear:
        raise UnsupportedModelError("Encrypted inference needs a model that ends with a Linear layer.")
    if weights[-1].shape[0] == 2:  # two classes: the difference of the logits decides
        weights[-1] = (weights[-1][1] - weights[-1][0])[None, :]
        biases[-1] = np.array([biases[-1][1] - biases[-1][0]])
    kind = "logreg" if len(weights) == 1 else "mlp"
    return LayerStack(kind, tuple(weights), tuple(biases), tuple(run.encoder.classes_))


def sigmoid_polynomial() -> np.ndarray:
    """Odd least-squares fit of the sigmoid on [-SIGMOID_RANGE, SIGMOID_RANGE]: coefficients c0..c3 (c2 = 0).

    Examples
    --------
    >>> c = sigmoid_polynomial()
    >>> round(float(c[0]), 3), float(c[2])
    (0.5, 0.0)
    """
    s = np.linspace(-SIGMOID_RANGE, SIGMOID_RANGE, 2001)
    target = 1.0 / (1.0 + np.exp(-s)) - 0.5
    basis = np.stack([s, s**3], 1)
    c1, c3 = np.linalg.lstsq(basis, target, rcond=None)[0]
    return np.array([0.5, c1, 0.0, c3])
