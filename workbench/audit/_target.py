"""What an audit attacks: a model, its members and non-members, the claim to test, and data for reference models."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.errors import EmptyDataError, InvalidParameterError, UnsupportedModelError

__all__ = ["AuditTarget", "as_target", "is_train_result", "logit_confidence", "model_logits", "require_run"]

_CHUNK = 65_536
_SMALL_MODEL = 1_000_000  # parameters


@dataclass(frozen=True, eq=False)
class AuditTarget:
    """A model with labelled records: members (trained on) and non-members (never seen).

    ``run`` is the workbench train result when there is one (reference-model attacks need its trainer settings),
    and ``reference_frame`` the rows, disjoint from every audited record, that reference models may train on.
    """

    model: Any
    x_members: Any
    y_members: Any
    x_non_members: Any
    y_non_members: Any
    member_ids: np.ndarray
    non_member_ids: np.ndarray
    claimed_epsilon: float
    delta: float
    run: Any = None
    member_frame: Any = None
    non_member_frame: Any = None
    reference_frame: Any = None
    protocol: str = ""


def is_train_result(obj: object) -> bool:
    """True for a workbench ``TrainResult`` (duck-typed, so this module does not import ``workbench.dp``)."""
    return all(hasattr(obj, a) for a in ("model", "encoder", "members", "non_members", "config", "statement"))


def _tensor_pair(value: object, what: str) -> tuple[Any, Any]:
    import torch

    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise InvalidParameterError(
            f"The {what!r} parameter of membership_inference must be a pair (X, y) of features and integer labels "
            f"for your own model; got {type(value).__name__}."
        )
    x, y = value
    try:
        x = torch.as_tensor(np.asarray(x, dtype=np.float32) if not isinstance(x, torch.Tensor) else x).float()
        y = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y).long()
    except (TypeError, ValueError, RuntimeError):
        raise InvalidParameterError(
            f"The {what!r} data must be numeric: X a float array or tensor, y integer class labels."
        ) from None
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise InvalidParameterError(
            f"The {what!r} data must be X of shape (n, features) and y of shape (n,); got {tuple(x.shape)} and "
            f"{tuple(y.shape)}."
        )
    if x.shape[0] == 0:
        raise EmptyDataError(f"The {what!r} data has no rows; an audit needs members and non-members.")
    if not torch.isfinite(x).all():
        raise InvalidParameterError(f"The {what!r} features contain NaN or infinite values; impute them first.")
    if (y < 0).any():
        raise InvalidParameterError(f"The {what!r} labels must be class indices 0, 1, ...; got negative values.")
    return x, y


def _claim(claimed_epsilon: float | None, delta: float | None) -> tuple[float, float]:
    eps = math.inf if claimed_epsilon is None else float(claimed_epsilon)
    return eps, 0.0 if delta is None else float(delta)


def _from_model(model: Any, members: object, non_members: object, claimed_epsilon: Any, delta: Any) -> AuditTarget:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise InvalidParameterError(
            "membership_inference audits a workbench train result or a fitted torch.nn.Module; got "
            f"{type(model).__name__}."
        )
    if members is None or non_members is None:
        raise InvalidParameterError(
            "To audit your own model pass members=(X, y) (records it was trained on) and non_members=(X, y) "
            "(records it never saw)."
        )
    xm, ym = _tensor_pair(members, "members")
    xn, yn = _tensor_pair(non_members, "non_members")
    if xm.shape[1] != xn.shape[1]:
        raise InvalidParameterError(
            f"Members have {xm.shape[1]} features but non-members {xn.shape[1]}; both must be encoded the same way."
        )
    eps, dlt = _claim(claimed_epsilon, delta)
    return AuditTarget(
        model=model,
        x_members=xm,
        y_members=ym,
        x_non_members=xn,
        y_non_members=yn,
        member_ids=np.arange(xm.shape[0]),
        non_member_ids=np.arange(xn.shape[0]),
        claimed_epsilon=eps,
        delta=dlt,
        protocol="members and non-members given by the caller",
    )


def _encode(run: Any, frame: Any, what: str) -> tuple[Any, Any]:
    import pandas as pd

    from workbench.errors import translate_errors

    if not isinstance(frame, pd.DataFrame):
        raise InvalidParameterError(
            f"With a train result, {what!r} must be a DataFrame with the training columns; got {type(frame).__name__}."
        )
    if len(frame) == 0:
        raise EmptyDataError(f"The {what!r} table has no rows; an audit needs members and non-members.")
    with translate_errors(f"encoding the {what} records with the run's encoder"):
        x, y = run.encoder.transform(frame)
    return x, y


def _from_run(run: Any, members: Any, non_members: Any, seed: int) -> AuditTarget:
    """Members, non-members and reference data of a workbench train result (see the protocol in the docs)."""
    test = getattr(run, "test", None)
    member_frame = run.members if members is None else members
    reference = test
    if non_members is not None:
        non_frame = non_members
        protocol = "members and non-members given by the caller; reference models train on the run's test rows"
    elif run.non_members is not None and len(run.non_members) > 0:
        non_frame = run.non_members
        protocol = (
            "members: the rows trained on; non-members: the train-split rows held out by audit_fraction; "
            "reference models train on the run's test rows"
        )
    else:
        if test is None or len(test) < 4:
            raise EmptyDataError(
                "This run kept no records aside for an audit: train with audit_fraction > 0 (e.g. 0.2), or pass "
                "non_members= (records the model never saw)."
            )
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(test))
        half = len(test) // 2
        non_frame = test.iloc[np.sort(order[:half])]
        reference = test.iloc[np.sort(order[half:])]
        protocol = (
            "members: the rows trained on; non-members: a seeded half of the run's test rows (the run kept no "
            "audit rows); reference models train on the other half"
        )
    xm, ym = _encode(run, member_frame, "members")
    xn, yn = _encode(run, non_frame, "non_members")
    statement = run.statement
    private = bool(getattr(statement, "private", math.isfinite(getattr(statement, "epsilon", math.inf))))
    eps = float(statement.epsilon) if private else math.inf
    dlt = float(getattr(statement, "delta", 0.0) or 0.0) if private else 0.0
    return AuditTarget(
        model=run.model,
        x_members=xm,
        y_members=ym,
        x_non_members=xn,
        y_non_members=yn,
        member_ids=np.asarray(member_frame.index),
        non_member_ids=np.asarray(non_frame.index),
        claimed_epsilon=eps,
        delta=dlt,
        run=run,
        member_frame=member_frame,
        non_member_frame=non_frame,
        reference_frame=reference,
        protocol=protocol,
    )


def as_target(
    run: Any,
    *,
    members: Any = None,
    non_members: Any = None,
    claimed_epsilon: float | None = None,
    delta: float | None = None,
    seed: int = 0,
) -> AuditTarget:
    """Build the :class:`AuditTarget` for a train result or for the caller's own torch model."""
    if is_train_result(run):
        if claimed_epsilon is not None:
            raise InvalidParameterError(
                "claimed_epsilon is read from the run's privacy statement; pass it only for your own model."
            )
        return _from_run(run, members, non_members, seed)
    return _from_model(run, members, non_members, claimed_epsilon, delta)


def model_logits(model: Any, x: Any) -> np.ndarray:
    """Logits of ``model`` on ``x`` as float64, shape (n, classes); a single output column means a binary logit.

    The model's train/eval mode is restored afterwards.
    """
    import torch

    was_training = model.training
    model.eval()
    outs = []
    threads = torch.get_num_threads()
    small = sum(p.numel() for p in model.parameters()) < _SMALL_MODEL
    try:
        if small:  # tabular-sized models: one thread is fastest (no synchronisation), measured here
            torch.set_num_threads(1)
        with torch.no_grad():
            for start in range(0, x.shape[0], _CHUNK):
                outs.append(model(x[start : start + _CHUNK]).double())
    except (RuntimeError, TypeError, ValueError) as exc:
        raise UnsupportedModelError(
            f"The model could not score the audit records ({' '.join(str(exc).split())[:200]}); check that X is "
            "encoded as the model expects."
        ) from None
    finally:
        model.train(was_training)
        if small:
            torch.set_num_threads(threads)
    out = torch.cat(outs).numpy() if outs else np.zeros((0, 2))
    if out.ndim == 1:
        out = out[:, None]
    if out.shape[1] == 1:  # one binary logit z: class scores (0, z)
        out = np.hstack([np.zeros_like(out), out])
    return out


def logit_confidence(logits: np.ndarray, y: Any) -> np.ndarray:
    """LiRA's logit-scaled confidence log(p_y / (1 − p_y)) = z_y − logsumexp_{j≠y} z_j, in float64.

    It is a monotone function of the cross-entropy loss, so a threshold on it is the loss-threshold attack, but it
    does not saturate: float32 losses round to exactly 0 on confident records, this stays finite and ordered.
    """
    y = np.asarray(y, dtype=np.int64)
    if y.size and y.max() >= logits.shape[1]:
        raise InvalidParameterError(
            f"A label is {int(y.max())} but the model has only {logits.shape[1]} outputs; labels must be class indices."
        )
    rows = np.arange(y.size)
    z_y = logits[rows, y]
    others = logits.copy()
    others[rows, y] = -np.inf
    m = others.max(axis=1)
    lse = m + np.log(np.exp(others - m[:, None]).sum(axis=1))
    return z_y - lse


def require_run(run: Any, attack: str) -> None:
    """Reference-model attacks retrain with the run's settings, so they need a workbench train result."""
    if not is_train_result(run):
        raise InvalidParameterError(
            f"The {attack!r} attack trains reference models with the audited run's settings, so it needs a result "
            "of workbench.train; for your own torch model use attack='threshold'."
        )
