"""Typed sweep options: each built-in technique validates its options ONCE into its own frozen config.

The constraints are those of the single-run entry points (:class:`workbench.dp.TrainConfig` for training,
:func:`workbench.anonymise.check_parameters` for anonymisation), and the defaults are theirs too, so ``l``, ``t``,
``method``, ``epochs``, ... mean the same in a sweep as in one run. A technique registered with a ``config`` gets
its options through ``config.from_options(options, technique=name)``; its compute function receives the config.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench._validation import InstanceOf, OneOf, int_as_float, validate_params
from workbench.errors import InvalidParameterError

__all__ = ["DPSweepConfig", "KAnonymitySweepConfig"]

# the training settings a DP sweep passes on to TrainConfig (ε and seed are set per point)
_TRAIN_OPTIONS = (
    "model",
    "epochs",
    "batch_size",
    "delta",
    "lr",
    "max_grad_norm",
    "accountant",
    "hidden",
    "audit_fraction",
    "optimizer",
    "bounds",
    "public_schema",
)
_ANONYMISE_OPTIONS = ("l", "t", "method", "max_suppression")


def _refuse(options: Mapping[str, Any], names: tuple[str, ...], technique: str, applies_to: str) -> None:
    """One line for options given to a technique that does not use them (None counts as not given)."""
    unused = [name for name in names if options.get(name) is not None]
    if unused:
        verb = "apply" if len(unused) > 1 else "applies"
        it = "them" if len(unused) > 1 else "it"
        raise InvalidParameterError(
            f"{' and '.join(unused)} {verb} to {applies_to}; the {technique!r} technique does not use {it}."
        )


def _unknown(options: Mapping[str, Any], known: tuple[str, ...]) -> None:
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise InvalidParameterError(
            f"tradeoff got unexpected keyword argument(s) {unknown}; the technique options are {sorted(known)}."
        )


@dataclass(frozen=True)
class DPSweepConfig:
    """The options of a DP-SGD sweep (``"dp"``, ``"pseudonymise+dp"``): one :class:`~workbench.dp.TrainConfig`
    holding every training setting (validated and defaulted as :func:`workbench.train` does), and the audit.

    Attributes
    ----------
    train : TrainConfig
        The settings every point trains with; each point sets its own ε and seed (:meth:`run_config`).
    audit : bool, default=True
        Attack every trained model (membership inference).
    attack : str, default="threshold"
        The attack (see :func:`workbench.audit.available_attacks`).

    Examples
    --------
    >>> from workbench.tradeoff import DPSweepConfig
    >>> config = DPSweepConfig.from_options({"model": "mlp", "epochs": 2}, technique="dp")  # None: size-aware rule
    >>> config.train.hidden, config.train.max_grad_norm, config.run_config(1.0, seed=7).epsilon
    ((64, 64), None, 1.0)
    >>> DPSweepConfig.from_options({"l": 2}, technique="dp")
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: l applies to k-anonymity sweeps; the 'dp' technique does not use it.
    """

    train: Any
    audit: bool = True
    attack: str = "threshold"

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, technique: str = "dp") -> DPSweepConfig:
        """Validate sweep options once (unknown names, TrainConfig's constraints, the attack's name)."""
        from workbench.audit import available_attacks
        from workbench.dp import MODELS, TrainConfig

        options = dict(options)
        _refuse(options, _ANONYMISE_OPTIONS, technique, "k-anonymity sweeps")
        options = {k: v for k, v in options.items() if k not in _ANONYMISE_OPTIONS}
        _unknown(options, (*_TRAIN_OPTIONS, "audit", "attack"))
        audit = options.pop("audit", None)
        attack = options.pop("attack", None)
        extra = {"audit": audit} if audit is not None else {}
        if attack is not None:
            extra["attack"] = attack
        validate_params(
            "tradeoff",
            {"audit": InstanceOf((bool,), "True or False"), "attack": OneOf(tuple(available_attacks()))},
            extra,
        )
        if isinstance(options.get("model"), str):
            validate_params("tradeoff", {"model": OneOf(tuple(MODELS))}, {"model": options["model"]})
        floats = ("delta", "lr", "max_grad_norm", "audit_fraction")
        given = {k: int_as_float(v) if k in floats else v for k, v in options.items() if v is not None}
        if "hidden" in given and isinstance(given["hidden"], list):
            given["hidden"] = tuple(given["hidden"])
        return cls(train=TrainConfig(**given), **extra)

    def run_config(self, epsilon: float, seed: int) -> Any:
        """The :class:`~workbench.dp.TrainConfig` of one point (``epsilon = inf``: trained without DP)."""
        return self.train.replace(epsilon=None if math.isinf(epsilon) else float(epsilon), seed=int(seed))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the result's ``options``."""
        train = self.train
        model = train.model if isinstance(train.model, str) else type(train.model).__name__
        names = ("epochs", "batch_size", "delta", "lr", "max_grad_norm", "accountant", "hidden", "audit_fraction")
        return {"model": model, **{n: getattr(train, n) for n in names}, "public_schema": train.public_schema,
                "optimizer": train.optimizer, "audit": self.audit, "attack": self.attack}  # fmt: skip


@dataclass(frozen=True)
class KAnonymitySweepConfig:
    """The options of a k-anonymity sweep, checked with :func:`workbench.anonymise`'s own constraints.

    Attributes
    ----------
    l, t : float, optional
        l-diversity / t-closeness required at every k (as in :func:`workbench.anonymise`).
    method : str, default="mondrian"
        Any name of :func:`workbench.anonymise.available_methods`, including methods added with ``register_method``
        (the sweep's default is the fast Mondrian; a single ``anonymise`` call defaults to the optimal search).
    max_suppression : float, default=0.05

    Examples
    --------
    >>> from workbench.tradeoff import KAnonymitySweepConfig
    >>> KAnonymitySweepConfig.from_options({"l": 2, "audit": True}, technique="k-anonymity")
    KAnonymitySweepConfig(l=2.0, t=None, method='mondrian', max_suppression=0.05)
    """

    l: float | None = None  # noqa: E741 - the privacy model is called l-diversity
    t: float | None = None
    method: str = "mondrian"
    max_suppression: float = 0.05

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, technique: str = "k-anonymity") -> KAnonymitySweepConfig:
        """Validate sweep options once; ``audit`` is accepted and ignored (the linkage attack always runs)."""
        from workbench.anonymise import check_parameters

        options = {k: v for k, v in options.items() if k != "audit"}
        _refuse(options, (*_TRAIN_OPTIONS, "attack"), technique, "DP sweeps")
        options = {k: v for k, v in options.items() if k not in (*_TRAIN_OPTIONS, "attack")}
        _unknown(options, _ANONYMISE_OPTIONS)
        given = {k: v if k == "method" else int_as_float(v) for k, v in options.items() if v is not None}
        check_parameters("tradeoff", given)
        return cls(**given)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the result's ``options``."""
        return dataclasses.asdict(self)
