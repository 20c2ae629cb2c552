"""``TrainResult``: a trained model with its encoder, data split, metrics, history and privacy statement."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from workbench.dp.config import TrainConfig
from workbench.dp.encoding import TabularEncoder
from workbench.dp.statement import PrivacyStatement

__all__ = ["EncodedModelPredictions", "TrainResult"]


class EncodedModelPredictions:
    """``predict_proba``, ``predict`` and ``losses`` of a result holding ``model``, ``encoder`` and ``target``.

    Shared by every result that carries a trained model (:class:`TrainResult`, a federated run's global model), so
    the audit reads them all the same way.

    Examples
    --------
    >>> from workbench.dp.result import EncodedModelPredictions, TrainResult
    >>> issubclass(TrainResult, EncodedModelPredictions)
    True
    """

    model: nn.Module
    encoder: TabularEncoder
    target: str

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities, float64 of shape (rows, classes), columns in ``encoder.classes_`` order."""
        X, _ = self.encoder.transform(frame)
        with torch.no_grad():
            return torch.softmax(self.model(X).double(), 1).numpy()

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Predicted labels (values of the target column)."""
        classes = np.asarray(self.encoder.classes_, dtype=object)
        return classes[self.predict_proba(frame).argmax(1)]

    def losses(self, frame: pd.DataFrame) -> np.ndarray:
        """Per-row cross-entropy loss in float64 (``frame`` must hold the target), e.g. for membership scores."""
        X, y = self.encoder.transform(frame)
        if y is None:
            from workbench.errors import UnknownColumnError

            raise UnknownColumnError(f"losses needs the target column {self.target!r} in the frame.")
        with torch.no_grad():
            return F.cross_entropy(self.model(X).double(), y, reduction="none").numpy()


@dataclass(frozen=True, eq=False)
class TrainResult(EncodedModelPredictions):
    """The outcome of :func:`workbench.train`: a plain torch model in eval mode and everything about how it was made.

    Attributes
    ----------
    model : torch.nn.Module
        The trained model (a plain module, not an Opacus wrapper), in eval mode.
    encoder : TabularEncoder
        Fitted on ``members`` only; ``encoder.transform(frame) -> (X, y)``.
    members : DataFrame
        The rows trained on.
    non_members : DataFrame
        Training-split rows kept out of training for audits (``audit_fraction``; empty when 0).
    test : DataFrame
        The test rows the metrics are computed on.
    target : str
    config : TrainConfig
    statement : PrivacyStatement
        epsilon = inf and ``private = False`` for non-private runs.
    metrics : dict
        "accuracy", "auc", "loss" on the test rows.
    history : DataFrame
        One row per epoch: epoch, steps, loss (training), test_loss, accuracy, auc, epsilon (spent so far), seconds.
    stopped : bool
        True when a ``stop`` event ended training early; the statement covers exactly the steps taken.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.load_dataset("adult")
    >>> run = wb.train(ds, epsilon=4.0, epochs=1, audit_fraction=0.1, accountant="rdp", public_schema=True,
    ...                ledger=False)
    >>> run.predict_proba(run.non_members).shape[1], len(run.non_members) == round(0.1 * len(ds.train))
    (2, True)
    >>> run.losses(run.members).dtype, run.statement.epsilon <= 4.0
    (dtype('float64'), True)
    """

    model: nn.Module
    encoder: TabularEncoder
    members: pd.DataFrame
    non_members: pd.DataFrame
    test: pd.DataFrame
    target: str
    config: TrainConfig
    statement: PrivacyStatement
    metrics: dict[str, float]
    history: pd.DataFrame
    stopped: bool
    dataset_name: str
    dataset_fingerprint: str
    engine: str = "none"
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def epsilon(self) -> float:
        return self.statement.epsilon

    @property
    def technique(self) -> str:
        """``"dp-sgd"`` (``"no-dp"`` without differential privacy): the :class:`~workbench.Release` protocol."""
        return self.statement.technique

    def summary(self) -> dict[str, Any]:
        """Headline facts as plain data: dataset, model, ε, δ, test metrics, rows, whether stopped."""
        return {
            "technique": self.technique,
            "dataset": self.dataset_name,
            "dataset_fingerprint": self.dataset_fingerprint,
            "model": self.config.model_name,
            "epsilon": self.statement.epsilon,
            "delta": self.statement.delta,
            "steps": self.statement.steps,
            **{k: float(v) for k, v in self.metrics.items()},
            "members": len(self.members),
            "stopped": self.stopped,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset_name,
            "dataset_fingerprint": self.dataset_fingerprint,
            "target": self.target,
            "config": self.config.to_dict(),
            "statement": self.statement.to_dict(),
            "metrics": dict(self.metrics),
            "history": self.history.to_dict(orient="records"),
            "stopped": self.stopped,
            "members": len(self.members),
            "non_members": len(self.non_members),
            "engine": self.engine,
        }

    def to_frame(self) -> pd.DataFrame:
        """The per-epoch history."""
        return self.history.copy()

    def __repr__(self) -> str:
        eps = "inf" if math.isinf(self.statement.epsilon) else f"{self.statement.epsilon:.3g}"
        return (
            f"TrainResult(model={self.config.model_name!r}, dataset={self.dataset_name!r}, epsilon={eps}, "
            f"accuracy={self.metrics.get('accuracy', math.nan):.4f}, steps={self.statement.steps}, "
            f"stopped={self.stopped})"
        )

    def _repr_html_(self) -> str:
        m = self.metrics
        return (
            f"<div class='wb-train'><h4 style='margin:4px 0'>{html.escape(self.config.model_name)} on "
            f"<code>{html.escape(self.dataset_name)}</code>{' (stopped early)' if self.stopped else ''}</h4>"
            f"<p>test accuracy {m.get('accuracy', math.nan):.4f} · AUC {m.get('auc', math.nan):.4f} · "
            f"loss {m.get('loss', math.nan):.4f} · {len(self.members):,} training rows</p>"
            f"{self.statement._repr_html_()}{self.history.to_html(index=False, float_format=lambda v: f'{v:.4g}')}"
            "</div>"
        )
