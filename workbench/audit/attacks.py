"""Membership-inference attacks by name: the loss threshold, and RMIA / LiRA offline with reference models.

Each attack turns an :class:`~workbench.audit._target.AuditTarget` into one float64 score per audited record
(higher = "member"). The registry lists the built-ins by hand; :func:`register_attack` adds one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench._validation import close_matches
from workbench.audit._target import AuditTarget, logit_confidence, model_logits, require_run
from workbench.audit.cost import reference_rows
from workbench.errors import InvalidParameterError, UnknownNameError

__all__ = ["AttackOutput", "available_attacks", "get_attack", "register_attack", "require_run"]

#: RMIA offline: Pr(x) ≈ ((1 + a) · mean OUT probability + (1 − a)) / 2 (Zarifzadeh et al. 2024, offline mode)
RMIA_OFFLINE_A = 0.3
#: RMIA: x beats a population record z when its likelihood ratio is at least gamma times z's
RMIA_GAMMA = 2.0


@dataclass(frozen=True)
class AttackOutput:
    """Scores of one attack: members first, then non-members; plus what the reader should know."""

    member_scores: np.ndarray
    non_member_scores: np.ndarray
    n_reference: int = 0
    stopped: bool = False
    notes: tuple[str, ...] = field(default=())


def threshold_attack(target: AuditTarget, **_: Any) -> AttackOutput:
    """Loss-threshold attack (Yeom et al. 2018): score = logit-scaled confidence of the true label.

    ``log(p_y / (1 − p_y))`` is a decreasing function of the cross-entropy loss, so thresholding it is thresholding
    the loss, but it is computed in float64 from the logits and never saturates to ties.
    """
    member = logit_confidence(model_logits(target.model, target.x_members), target.y_members.numpy())
    non = logit_confidence(model_logits(target.model, target.x_non_members), target.y_non_members.numpy())
    return AttackOutput(member, non)


def _reference_signals(target: AuditTarget, *, n_reference: int, seed: int, n_jobs: int, stop: Any, bar: Any) -> Any:
    from workbench.audit._reference import signals, train_references

    run = target.run
    rows = reference_rows(run, target.reference_frame)
    batch = int(getattr(run.config, "batch_size", 1) or 1)
    if rows < max(10, batch):
        available = 0 if target.reference_frame is None else len(target.reference_frame)
        raise InvalidParameterError(
            f"Reference models train on half of the rows no audited record uses (the run's {available} test rows): "
            f"{rows} rows, fewer than the run's batch_size {batch} (or 10). Use attack='threshold', or a dataset "
            "with a larger test split."
        )
    refs, population, stopped = train_references(
        target, rows=rows, n_reference=n_reference, seed=seed, n_jobs=n_jobs, stop=stop, bar=bar
    )
    own = signals(run.model, run.encoder, (target.member_frame, target.non_member_frame, population))
    return refs, own, stopped, rows


def _fallback(target: AuditTarget, stopped: bool, what: str) -> AttackOutput:
    out = threshold_attack(target)
    note = f"Stopped before any reference model finished: these are threshold-attack scores, not {what}."
    return AttackOutput(out.member_scores, out.non_member_scores, 0, stopped, (note,))


def lira_attack(target: AuditTarget, *, n_reference: int, seed: int, n_jobs: int, stop: Any, bar: Any) -> AttackOutput:
    """LiRA offline (Carlini et al. 2022) with a global variance.

    Score = (φ_target(x) − mean_k φ_k(x)) / σ, where φ is the logit-scaled confidence of the true label and φ_k its
    value under reference model k (all trained without x). With few reference models LiRA recommends one global σ
    (here the mean per-record standard deviation over the reference models, 1 with a single model); a global σ
    does not change the ranking, so the ROC is that of the calibrated difference.
    """
    refs, own, stopped, rows = _reference_signals(
        target, n_reference=n_reference, seed=seed, n_jobs=n_jobs, stop=stop, bar=bar
    )
    if not refs:
        return _fallback(target, stopped, "LiRA")
    scores = []
    for part in (0, 1):
        out_phi = np.stack([r.phi[part] for r in refs])
        scores.append(own[0][part] - out_phi.mean(axis=0))
    if len(refs) > 1:
        sigma = float(np.mean([np.stack([r.phi[p] for r in refs]).std(axis=0, ddof=1).mean() for p in (0, 1)]))
        sigma = sigma if sigma > 0 else 1.0
        scores = [s / sigma for s in scores]
    notes = (f"{len(refs)} reference models, {rows:,} rows each, trained on the run's test rows.",)
    return AttackOutput(scores[0], scores[1], len(refs), stopped, notes)


def rmia_attack(target: AuditTarget, *, n_reference: int, seed: int, n_jobs: int, stop: Any, bar: Any) -> AttackOutput:
    """RMIA offline (Zarifzadeh, Liu & Shokri 2024).

    For a record x, ``ratio(x) = p_target(x) / Pr(x)`` with ``Pr(x) = ((1 + a) · mean_k p_k(x) + (1 − a)) / 2``
    (a = 0.3; all reference models are OUT for x), where p is the probability of the true label. The score is the
    share of population records z (rows no model here trained on) with ``ratio(x) / ratio(z) ≥ γ`` (γ = 2).
    Records with the same share are ordered by ``ratio(x)`` (a tie-break smaller than one step of the share).
    """
    refs, own, stopped, rows = _reference_signals(
        target, n_reference=n_reference, seed=seed, n_jobs=n_jobs, stop=stop, bar=bar
    )
    if not refs:
        return _fallback(target, stopped, "RMIA")
    a = RMIA_OFFLINE_A

    def ratio(part: int) -> np.ndarray:
        p_out = np.stack([r.p[part] for r in refs]).mean(axis=0)
        return own[1][part] / (0.5 * ((1.0 + a) * p_out + (1.0 - a)))

    population = np.sort(ratio(2))
    audited = [ratio(0), ratio(1)]
    # ties: the share is a step function of ratio(x) with steps of 1/|Z|; ranking records with the same share by
    # ratio(x) itself (an amount below one step) keeps the low-FPR end of the ROC resolved with a small population
    ranks = np.argsort(np.argsort(np.r_[audited[0], audited[1]], kind="mergesort"), kind="mergesort")
    tie = ranks / (ranks.size + 1.0) / population.size
    share = [np.searchsorted(population, r / RMIA_GAMMA, side="right") / population.size for r in audited]
    n_members = audited[0].size
    scores = [share[0] + tie[:n_members], share[1] + tie[n_members:]]
    notes = (
        f"{len(refs)} reference models, {rows:,} rows each, and {population.size:,} population rows, all from the "
        "run's test rows.",
    )
    return AttackOutput(scores[0], scores[1], len(refs), stopped, notes)


_ATTACKS: dict[str, tuple[Callable[..., AttackOutput], bool]] = {
    "threshold": (threshold_attack, False),
    "rmia": (rmia_attack, True),
    "lira": (lira_attack, True),
}


def register_attack(name: str, function: Callable[..., AttackOutput], *, needs_reference: bool = False) -> None:
    """Add an attack: ``function(target, *, n_reference, seed, n_jobs, stop, bar) -> AttackOutput``.

    Parameters
    ----------
    name : str
        The attack's name in ``membership_inference(..., attack=name)``.
    function : callable
        ``function(target, *, n_reference, seed, n_jobs, stop, bar)`` returning the attack's scores (see the
        built-in attacks in ``workbench/audit/attacks.py``).
    needs_reference : bool, default=False
        Whether the attack trains reference models (their cost is then estimated first).

    Raises
    ------
    InvalidParameterError
        When the name is empty.

    Examples
    --------
    >>> from workbench.audit import available_attacks
    >>> available_attacks()
    ['threshold', 'rmia', 'lira']
    """
    if not isinstance(name, str) or not name:
        raise InvalidParameterError(f"An attack name must be a non-empty string; got {name!r}.")
    _ATTACKS[name] = (function, needs_reference)


def available_attacks() -> list[str]:
    """Names of the attacks :func:`workbench.membership_inference` knows.

    Examples
    --------
    >>> available_attacks()
    ['threshold', 'rmia', 'lira']
    """
    return list(_ATTACKS)


def get_attack(name: str) -> tuple[Callable[..., AttackOutput], bool]:
    """The attack function and whether it trains reference models; unknown names list the valid ones."""
    try:
        return _ATTACKS[name]
    except (KeyError, TypeError):
        matches = close_matches(str(name), list(_ATTACKS))
        hint = f" Did you mean {matches[0]!r}?" if matches else ""
        raise UnknownNameError(f"Unknown attack {name!r}; use one of {list(_ATTACKS)}.{hint}") from None
