"""The :class:`AuditResult` of a membership-inference attack."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.audit import metrics
from workbench.audit.cost import AuditCost
from workbench.release import PlainStatement

__all__ = ["AuditResult"]


def _jsonable(value: Any) -> Any:
    """Infinite floats become "inf" / "-inf", recursively, so ``json.dumps(..., allow_nan=False)`` accepts it."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


@dataclass(frozen=True, eq=False)
class AuditResult:
    """What a membership-inference attack achieved against one model.

    Build one with :func:`workbench.membership_inference`, or from your own scores with :meth:`from_scores`.

    Attributes
    ----------
    attack : str
        ``"threshold"``, ``"rmia"`` or ``"lira"``.
    member_scores, non_member_scores : numpy.ndarray
        Attack score per record (float64; higher means "member").
    member_ids, non_member_ids : numpy.ndarray
        Index labels of those records in the frames they came from.
    claimed_epsilon : float
        Epsilon of the audited run's privacy statement; ``inf`` for a non-private model.
    delta : float
        Delta of that statement (0 for a non-private model).
    roc : tuple of numpy.ndarray
        ``(fpr, tpr)``, one point per distinct score, from (0, 0) to (1, 1), no interpolation.
    auc, advantage : float
        Area under the ROC curve; largest TPR − FPR.
    n_reference : int
        Reference models trained (0 for the threshold attack).
    seed : int
        Seed of the audit (reference data, reference training, the bound's selection split).
    seconds : float
        Wall time of the attack.
    stopped : bool
        True if ``stop`` was set before every reference model finished (see ``notes``).
    protocol : str
        Where members and non-members came from.
    notes : tuple of str
        Anything the reader should know (fallbacks, small samples).
    cost : AuditCost or None
        The estimate shown before the attack ran.

    Examples
    --------
    >>> import numpy as np
    >>> from workbench.audit import AuditResult
    >>> res = AuditResult.from_scores(np.array([3.0, 2.0, 0.5]), np.array([1.0, 0.2, 0.1]))
    >>> round(res.auc, 3), round(res.advantage, 3)
    (0.889, 0.667)
    """

    attack: str
    member_scores: np.ndarray
    non_member_scores: np.ndarray
    member_ids: np.ndarray
    non_member_ids: np.ndarray
    claimed_epsilon: float
    delta: float
    roc: tuple[np.ndarray, np.ndarray]
    auc: float
    advantage: float
    n_reference: int = 0
    seed: int = 0
    seconds: float = 0.0
    stopped: bool = False
    protocol: str = ""
    notes: tuple[str, ...] = ()
    cost: AuditCost | None = None
    _thresholds: np.ndarray = field(default=None, repr=False)

    # -- construction ----------------------------------------------------------------------------------------
    @classmethod
    def from_scores(
        cls,
        member_scores: Any,
        non_member_scores: Any,
        *,
        attack: str = "custom",
        claimed_epsilon: float = math.inf,
        delta: float = 0.0,
        member_ids: Any = None,
        non_member_ids: Any = None,
        **extra: Any,
    ) -> AuditResult:
        """Build a result from per-record scores (higher = member); ROC, AUC and advantage are computed here."""
        ms = np.asarray(member_scores, dtype=np.float64).ravel()
        ns = np.asarray(non_member_scores, dtype=np.float64).ravel()
        scores = np.r_[ms, ns]
        labels = np.r_[np.ones(ms.size, bool), np.zeros(ns.size, bool)]
        fpr, tpr, thr = metrics.roc_curve(scores, labels)
        area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))
        return cls(
            attack=attack,
            member_scores=ms,
            non_member_scores=ns,
            member_ids=np.arange(ms.size) if member_ids is None else np.asarray(member_ids),
            non_member_ids=np.arange(ns.size) if non_member_ids is None else np.asarray(non_member_ids),
            claimed_epsilon=float(claimed_epsilon),
            delta=float(delta),
            roc=(fpr, tpr),
            auc=area,
            advantage=float(np.max(tpr - fpr)),
            _thresholds=thr,
            **extra,
        )

    # -- derived numbers -------------------------------------------------------------------------------------
    @property
    def n_members(self) -> int:
        return int(self.member_scores.size)

    @property
    def n_non_members(self) -> int:
        return int(self.non_member_scores.size)

    @property
    def leakage(self) -> float:
        """The number on the common leakage axis (shared with :class:`~workbench.audit.LinkageAudit`): the advantage."""
        return self.advantage

    def _labelled(self) -> tuple[np.ndarray, np.ndarray]:
        scores = np.r_[self.member_scores, self.non_member_scores]
        labels = np.r_[np.ones(self.n_members, bool), np.zeros(self.n_non_members, bool)]
        return scores, labels

    def tpr_at(self, fpr: float) -> float:
        """Highest TPR at an empirical FPR of at most ``fpr`` (no interpolation; see :func:`metrics.tpr_at_fpr`).

        With fewer than ``1 / fpr`` non-members this is the TPR at zero false positives.
        """
        f, t = self.roc
        if isinstance(fpr, bool) or not isinstance(fpr, (int, float, np.floating)) or not 0.0 <= float(fpr) <= 1.0:
            return metrics.tpr_at_fpr([0.0, 1.0], [False, True], fpr)  # raises the standard message
        return float(t[f <= float(fpr) + 1e-12].max())

    def epsilon_bound(self, confidence: float = 0.95) -> metrics.EpsilonBound:
        """The empirical epsilon lower bound with its threshold, counts and Clopper-Pearson bounds."""
        scores, labels = self._labelled()
        return metrics.epsilon_lower_bound(scores, labels, delta=self.delta, confidence=confidence, seed=self.seed)

    def epsilon_lower_bound(self, confidence: float = 0.95) -> float:
        """Empirical epsilon lower bound at ``confidence`` (Clopper-Pearson, held-out threshold choice).

        Compare it with :attr:`claimed_epsilon`: a lower bound above the claim means the claim is false (or the
        accounting has a bug). See ``workbench.audit.metrics.epsilon_lower_bound`` for the method.
        """
        return self.epsilon_bound(confidence).epsilon

    @property
    def scores(self) -> Any:
        """Per-record scores as a DataFrame: ``record`` (index label), ``member`` (bool), ``score``."""
        import pandas as pd

        return pd.DataFrame(
            {
                "record": np.r_[self.member_ids, self.non_member_ids],
                "member": np.r_[np.ones(self.n_members, bool), np.zeros(self.n_non_members, bool)],
                "score": np.r_[self.member_scores, self.non_member_scores],
            }
        )

    # -- the Release protocol (workbench.release) --------------------------------------------------------------
    @property
    def technique(self) -> str:
        """``"membership-inference"``."""
        return "membership-inference"

    @property
    def statement(self) -> PlainStatement:
        """An audit measures, it guarantees nothing: the empirical ε lower bound beside the claimed ε."""
        bound = self.epsilon_lower_bound()
        claimed = self.claimed_epsilon
        claim = "no claim (not private)" if math.isinf(claimed) else f"claimed ε = {claimed:.3g}"
        return PlainStatement(
            "membership-inference",
            {"attack": self.attack, "claimed_epsilon": self.claimed_epsilon, "delta": self.delta, "seed": self.seed},
            guarantee=f"empirical ε ≥ {bound:.3g} at 95 % confidence ({claim}); an audit gives no guarantee",
            text=(
                f"A {self.attack} membership-inference attack on {self.n_members:,} members and "
                f"{self.n_non_members:,} non-members reached AUC {self.auc:.3f} and advantage {self.advantage:.3f}; "
                f"it proves ε ≥ {bound:.3g} (95 % confidence, {claim}). A bound above the claim would prove the "
                "claim false; below it, the audit found nothing that contradicts it."
            ),
        )

    @property
    def metrics(self) -> dict[str, float]:
        """AUC, advantage and TPR at 0.1 % / 1 % FPR."""
        return {
            "auc": float(self.auc),
            "advantage": float(self.advantage),
            "tpr_at_0.1%_fpr": self.tpr_at(0.001),
            "tpr_at_1%_fpr": self.tpr_at(0.01),
        }

    # -- export ----------------------------------------------------------------------------------------------
    def summary(self, confidence: float = 0.95) -> dict[str, Any]:
        """The headline numbers: AUC, advantage, TPR at 0.1 % and 1 % FPR, epsilon lower bound beside the claim."""
        return {
            "attack": self.attack,
            "auc": self.auc,
            "advantage": self.advantage,
            "tpr_at_0.1%_fpr": self.tpr_at(0.001),
            "tpr_at_1%_fpr": self.tpr_at(0.01),
            "epsilon_lower_bound": self.epsilon_lower_bound(confidence),
            "confidence": confidence,
            "claimed_epsilon": self.claimed_epsilon,
            "delta": self.delta,
            "n_members": self.n_members,
            "n_non_members": self.n_non_members,
            "n_reference": self.n_reference,
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain data, valid JSON (infinities as the string ``"inf"``, as in PrivacyStatement.to_dict): the summary,
        the run facts and the ROC curve."""
        out = self.summary()
        bound = self.epsilon_bound()
        out.update(
            seed=self.seed,
            seconds=self.seconds,
            stopped=self.stopped,
            protocol=self.protocol,
            notes=list(self.notes),
            epsilon_bound=bound.to_dict(),
            roc={"fpr": self.roc[0].tolist(), "tpr": self.roc[1].tolist()},
            cost=None if self.cost is None else self.cost.to_dict(),
        )
        return _jsonable(out)

    def to_frame(self) -> Any:
        """The ROC curve as a DataFrame with columns ``fpr``, ``tpr``, ``threshold``."""
        import pandas as pd

        thr = self._thresholds if self._thresholds is not None else np.full(self.roc[0].size, np.nan)
        return pd.DataFrame({"fpr": self.roc[0], "tpr": self.roc[1], "threshold": thr})

    def _repr_html_(self) -> str:
        s = self.summary()
        claim = "none (not private)" if math.isinf(self.claimed_epsilon) else f"{self.claimed_epsilon:.3g}"
        rows = [
            ("attack", f"{self.attack}" + (f" ({self.n_reference} reference models)" if self.n_reference else "")),
            ("records", f"{self.n_members:,} members, {self.n_non_members:,} non-members"),
            ("AUC", f"{s['auc']:.4f}"),
            ("advantage (TPR − FPR)", f"{s['advantage']:.4f}"),
            ("TPR at 0.1 % FPR", f"{s['tpr_at_0.1%_fpr']:.4f}"),
            ("TPR at 1 % FPR", f"{s['tpr_at_1%_fpr']:.4f}"),
            ("empirical ε lower bound (95 %)", f"{s['epsilon_lower_bound']:.3f}"),
            ("claimed ε", claim + (f", δ = {self.delta:.1e}" if self.delta else "")),
        ]
        if self.stopped:
            rows.append(("stopped", "yes"))
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (
            "<div><strong>Membership-inference audit</strong><table>"
            + body
            + "</table>"
            + (f"<ul>{notes}</ul>" if notes else "")
            + "</div>"
        )

    def __repr__(self) -> str:
        claim = "inf" if math.isinf(self.claimed_epsilon) else f"{self.claimed_epsilon:.3g}"
        return (
            f"AuditResult(attack={self.attack!r}, auc={self.auc:.4f}, advantage={self.advantage:.4f}, "
            f"members={self.n_members}, non_members={self.n_non_members}, claimed_epsilon={claim})"
        )
