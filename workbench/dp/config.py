"""``TrainConfig``: every parameter of a training run, validated in one place."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from workbench._validation import InstanceOf, Interval, OneOf, Optional, validate_params
from workbench.errors import InvalidParameterError

__all__ = ["CONSTRAINTS", "DEFAULT_LR", "TrainConfig"]

CONSTRAINTS = {
    "model": InstanceOf((str, nn.Module), "'logreg', 'mlp' or a torch.nn.Module"),
    "epsilon": Optional(Interval(float, 0, None, closed="neither")),
    "delta": Optional(Interval(float, 0, 1, closed="neither")),
    "noise_multiplier": Optional(Interval(float, 0, None, closed="neither")),
    "epochs": Optional(Interval(int, 1, None)),
    "batch_size": Optional(Interval(int, 1, None)),
    "lr": Optional(Interval(float, 0, None, closed="neither")),
    "max_grad_norm": Optional(Interval(float, 0, None, closed="neither")),
    "accountant": OneOf(("prv", "rdp", "gdp")),
    "hidden": InstanceOf((tuple, list), "a tuple of layer widths, e.g. (64, 64)"),
    "audit_fraction": Interval(float, 0, 1, closed="left"),
    "seed": Interval(int, 0, None),
    "optimizer": OneOf(("adam", "sgd")),
    "bounds": Optional(InstanceOf((Mapping,), "a mapping column -> (low, high)")),
    "public_schema": InstanceOf((bool,), "True or False"),
    "threads": Optional(Interval(int, 1, None)),
    "features": Optional(InstanceOf((tuple, list), "a list of column names")),
    "defaults_rule": Optional(InstanceOf((str,), "the name of a defaults rule")),
    "defaulted": InstanceOf((tuple, list), "a tuple of parameter names"),
}

#: default learning rates per optimizer and built-in model (user modules: the MLP's), part of the size-aware rule
#: (``workbench.dp.defaults``; Adam's MLP rate measured in ``size-aware-v2``)
DEFAULT_LR = {("adam", "logreg"): 0.01, ("adam", "mlp"): 0.004, ("sgd", "logreg"): 0.5, ("sgd", "mlp"): 0.2}


@dataclass(frozen=True)
class TrainConfig:
    """Every parameter of a training run (see :func:`workbench.train` for their meaning).

    ``epochs``, ``batch_size``, ``lr`` and ``max_grad_norm`` left as None are chosen when training starts, from the
    number of training rows, by the size-aware rule (``workbench.dp.defaults``); the run's config then holds the
    values used, ``defaults_rule`` names the rule and ``defaulted`` the parameters it chose.

    Examples
    --------
    >>> cfg = TrainConfig(model="mlp", epsilon=1.0, epochs=2)
    >>> cfg.private, cfg.learning_rate
    (True, 0.004)
    >>> TrainConfig(epsilon=-1)
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: The 'epsilon' parameter of train must be a number > 0 or None; got -1.
    """

    model: Any = "logreg"
    epsilon: float | None = None
    delta: float | None = None
    noise_multiplier: float | None = None
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    max_grad_norm: float | None = None
    accountant: str = "prv"
    hidden: tuple[int, ...] = (64, 64)
    audit_fraction: float = 0.0
    seed: int = 0
    optimizer: str = "adam"
    bounds: Mapping[str, tuple[float, float]] | None = field(default=None, compare=False)
    public_schema: bool = False
    threads: int | None = None
    features: tuple[str, ...] | None = None
    defaults_rule: str | None = None
    defaulted: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        validate_params("train", CONSTRAINTS, {f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
        if any(not isinstance(h, int) or isinstance(h, bool) or h < 1 for h in self.hidden):
            raise InvalidParameterError(
                f"The 'hidden' parameter of train must be positive layer widths, e.g. (64, 64); got {self.hidden!r}."
            )
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if self.epsilon is not None and self.noise_multiplier is not None:
            raise InvalidParameterError(
                "Give either epsilon (the noise is calibrated to it) or noise_multiplier, not both."
            )
        if self.features is not None:
            object.__setattr__(self, "features", tuple(self.features))
        if self.bounds is not None:
            object.__setattr__(self, "bounds", dict(self.bounds))
        object.__setattr__(self, "defaulted", tuple(self.defaulted))

    @property
    def private(self) -> bool:
        return self.epsilon is not None or self.noise_multiplier is not None

    @property
    def model_name(self) -> str:
        return self.model if isinstance(self.model, str) else type(self.model).__name__

    @property
    def learning_rate(self) -> float:
        if self.lr is not None:
            return float(self.lr)
        kind = self.model if self.model in ("logreg", "mlp") else "mlp"
        return DEFAULT_LR[(self.optimizer, kind)]

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some parameters changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["model"] = self.model_name
        out["hidden"] = list(self.hidden)
        out["features"] = None if self.features is None else list(self.features)
        out["defaulted"] = list(self.defaulted)
        out["learning_rate"] = self.learning_rate
        return out
