"""The model zoo (logistic regression, MLP) and the check that a user's module can be trained with DP-SGD."""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence

import torch
from torch import nn

from workbench._validation import close_matches
from workbench.errors import InvalidParameterError, UnknownNameError, UnsupportedModelError

__all__ = ["MODELS", "build_model", "check_module", "logistic_regression", "mlp"]


def logistic_regression(n_features: int, n_classes: int) -> nn.Module:
    """Multinomial logistic regression: one linear layer producing class logits.

    Examples
    --------
    >>> logistic_regression(10, 2)
    Sequential(
      (0): Linear(in_features=10, out_features=2, bias=True)
    )
    """
    return nn.Sequential(nn.Linear(n_features, n_classes))


def mlp(n_features: int, n_classes: int, hidden: Sequence[int] = (64, 64)) -> nn.Module:
    """A multi-layer perceptron with ReLU activations and the given hidden sizes.

    Examples
    --------
    >>> mlp(10, 2, hidden=(8,))
    Sequential(
      (0): Linear(in_features=10, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=2, bias=True)
    )
    """
    layers: list[nn.Module] = []
    width = n_features
    for h in hidden:
        layers += [nn.Linear(width, int(h)), nn.ReLU()]
        width = int(h)
    layers.append(nn.Linear(width, n_classes))
    return nn.Sequential(*layers)


#: built-in models by name
MODELS = {"logreg": logistic_regression, "mlp": mlp}


_GLOBAL_RNG_LOCK = threading.Lock()


def build_model(
    model: str | nn.Module, n_features: int, n_classes: int, *, hidden: Sequence[int] = (64, 64), seed: int = 0
) -> nn.Module:
    """Build a fresh model, initialised from ``seed``, without touching the global random state.

    A user's module is deep-copied (never changed), its parameters re-initialised from ``seed`` where its layers
    have ``reset_parameters``, and checked with :func:`check_module`.

    Parameters
    ----------
    model : str or torch.nn.Module
        ``"logreg"``, ``"mlp"`` (see :data:`MODELS`) or your own module, taking ``n_features`` inputs and giving
        ``n_classes`` logits.
    n_features : int
        Number of encoded input features.
    n_classes : int
        Number of classes of the target.
    hidden : sequence of int, default=(64, 64)
        Hidden layer widths of ``"mlp"`` (ignored otherwise).
    seed : int, default=0
        Seeds the initial weights.

    Returns
    -------
    torch.nn.Module
        A new module, in training mode.

    Raises
    ------
    UnknownNameError
        For a model name that is not built in (the message lists them).
    UnsupportedModelError
        When DP-SGD cannot train the module (see :func:`check_module`).
    InvalidParameterError
        When the module fails on, or gives the wrong shape for, a batch of ``n_features`` inputs.

    Examples
    --------
    >>> m = build_model("mlp", 5, 3, hidden=(4,), seed=1)
    >>> m(torch.zeros(2, 5)).shape
    torch.Size([2, 3])
    """
    # layers initialise from torch's global generator: seed it under a lock, or models built at the same time in
    # threads (a thread-pool sweep, the dashboard) would interleave their draws and lose "same seed, same numbers"
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if isinstance(model, nn.Module):
            check_module(model)
            built = copy.deepcopy(model)
            for sub in built.modules():
                if hasattr(sub, "reset_parameters") and callable(sub.reset_parameters):
                    sub.reset_parameters()
            _check_output(built, n_features, n_classes)
            return built
        if model not in MODELS:
            matches = close_matches(str(model), MODELS)
            hint = f" Did you mean {matches[0]!r}?" if matches else ""
            raise UnknownNameError(f"Unknown model {model!r}; use one of {list(MODELS)} or a torch.nn.Module.{hint}")
        if model == "mlp":
            return mlp(n_features, n_classes, hidden)
        return logistic_regression(n_features, n_classes)


def check_module(module: nn.Module) -> None:
    """Raise :class:`~workbench.errors.UnsupportedModelError` if DP-SGD cannot train ``module`` privately.

    Uses Opacus's ``ModuleValidator``, which collects every unsupported layer (e.g. BatchNorm mixes examples of a
    batch, so per-example gradients and their clipping would not bound each person's influence).

    Parameters
    ----------
    module : torch.nn.Module
        The model to check (not modified).

    Raises
    ------
    UnsupportedModelError
        Naming every layer DP-SGD cannot train, and what to replace it with; also for a model without trainable
        parameters.

    Examples
    --------
    >>> check_module(nn.Sequential(nn.Linear(3, 2)))
    >>> check_module(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)))
    Traceback (most recent call last):
    ...
    workbench.errors.UnsupportedModelError: The model has layers DP-SGD cannot train privately: ...
    """
    from opacus.validators import ModuleValidator

    if not any(p.requires_grad for p in module.parameters()):
        raise UnsupportedModelError("The model has no trainable parameters; give it at least one layer to train.")
    errors = ModuleValidator.validate(module, strict=False)
    if errors:
        kinds = sorted({_layer_name(str(e)) for e in errors})
        raise UnsupportedModelError(
            f"The model has layers DP-SGD cannot train privately: {', '.join(kinds)} (they mix examples of a batch "
            "or lack per-example gradients). Replace BatchNorm with GroupNorm/LayerNorm, or run "
            "opacus.validators.ModuleValidator.fix(model) first."
        )


def _layer_name(message: str) -> str:
    text = " ".join(message.split())
    for token in ("BatchNorm", "InstanceNorm", "LSTM", "GRU", "RNN", "MultiheadAttention"):
        if token in text:
            return token
    return text[:80]


def _check_output(model: nn.Module, n_features: int, n_classes: int) -> None:
    try:
        with torch.no_grad():
            out = model.eval()(torch.zeros(2, n_features))
    except Exception as exc:  # the user's forward fails on our input shape
        raise InvalidParameterError(
            f"The model fails on a batch of shape (2, {n_features}) (the encoded features): "
            f"{' '.join(str(exc).split())[:150]}. Build it with {n_features} inputs."
        ) from None
    model.train()
    if tuple(out.shape) != (2, n_classes):
        raise InvalidParameterError(
            f"The model maps a batch of shape (2, {n_features}) to {tuple(out.shape)}; it must give (2, {n_classes}) "
            f"class logits ({n_features} encoded features in, {n_classes} classes out)."
        )
