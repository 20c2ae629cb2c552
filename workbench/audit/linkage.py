"""Leakage of an anonymised release, measured by a linkage attack, on the same axis as membership inference."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import InvalidParameterError, MissingDependencyError

__all__ = ["LinkageAudit", "linkage_audit"]


@dataclass(frozen=True)
class LinkageAudit:
    """What a linkage (re-identification) attack achieved against an anonymised release.

    Attributes
    ----------
    reidentification_rate : float
        Share of the auxiliary people matched uniquely and correctly to their released record.
    advantage : float
        The attacker's advantage over a blind guess, in [0, 1]; the same scale as the membership-inference
        advantage (TPR − FPR), so both families of releases can share one "leakage" axis.
    k : float
        The k-anonymity the release claims (``nan`` if unknown); compare with ``1 / k`` (prosecutor risk bound).
    details : dict
        Everything the linkage attack reported (``LinkageResult.to_dict()``).
    """

    reidentification_rate: float
    advantage: float
    k: float = math.nan
    n_auxiliary: int = 0
    details: dict = field(default_factory=dict, repr=False)

    @property
    def leakage(self) -> float:
        """The number on the common leakage axis: the attacker advantage."""
        return self.advantage

    def to_dict(self) -> dict[str, Any]:
        return {
            "attack": "linkage",
            "reidentification_rate": self.reidentification_rate,
            "advantage": self.advantage,
            "leakage": self.leakage,
            "k": self.k,
            "n_auxiliary": self.n_auxiliary,
            "details": dict(self.details),
        }

    def _repr_html_(self) -> str:
        rows = [
            ("re-identification rate", f"{self.reidentification_rate:.4f}"),
            ("attacker advantage", f"{self.advantage:.4f}"),
            ("claimed k", "unknown" if math.isnan(self.k) else f"{self.k:g}"),
            ("auxiliary people", f"{self.n_auxiliary:,}"),
        ]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(a)}</th><td>{html.escape(b)}</td></tr>" for a, b in rows
        )
        return f"<div><strong>Linkage audit</strong><table>{body}</table></div>"


def _linkage_attack() -> Any:
    try:
        from workbench.risk import linkage_attack
    except ImportError:
        raise MissingDependencyError(
            "linkage_audit needs workbench.risk.linkage_attack, which this build does not have yet."
        ) from None
    return linkage_attack


def linkage_audit(anonymisation: Any, auxiliary: Any, *, quasi_identifiers: list[str] | None = None) -> LinkageAudit:
    """Attack an anonymised release by linking an attacker's auxiliary table to it on the quasi-identifiers.

    Parameters
    ----------
    anonymisation : AnonymisationResult or pandas.DataFrame
        A result of :func:`workbench.anonymise` (its ``.data`` is attacked) or a released table.
    auxiliary : pandas.DataFrame or Dataset
        What the attacker knows about people: their quasi-identifiers (original values) and, to score the attack,
        who they are (see :func:`workbench.risk.linkage_attack`).
    quasi_identifiers : list of str, optional
        Default: those of the anonymisation result.

    Returns
    -------
    LinkageAudit
        ``.reidentification_rate``, ``.advantage`` (= ``.leakage``, comparable with ``AuditResult.advantage``).

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"age": [31, 35, 52, 58], "zip": ["123", "123", "456", "999"]})
    >>> ages = ["[30, 40)", "[30, 40)", "[50, 60)", "[50, 60)"]
    >>> release = pd.DataFrame({"age": ages, "zip": ["123", "123", "*", "*"]})
    >>> linkage_audit(release, people, quasi_identifiers=["age", "zip"]).reidentification_rate
    0.0
    >>> linkage_audit(people, people, quasi_identifiers=["age", "zip"]).advantage
    0.75

    With an anonymisation result (``wb.anonymise(ds, k=5)``) the quasi-identifiers, who is behind each released
    row and the hierarchies come with it: ``linkage_audit(anon, ds.train)``.
    """
    import pandas as pd

    attack = _linkage_attack()
    released = getattr(anonymisation, "data", anonymisation)
    if not isinstance(released, pd.DataFrame):
        raise InvalidParameterError(
            "linkage_audit attacks a result of workbench.anonymise or a released DataFrame; got "
            f"{type(anonymisation).__name__}."
        )
    aux = getattr(auxiliary, "frame", auxiliary)
    if not isinstance(aux, pd.DataFrame):
        raise InvalidParameterError(
            "The 'auxiliary' parameter of linkage_audit must be a DataFrame or Dataset; "
            f"got {type(auxiliary).__name__}."
        )
    qis = quasi_identifiers if quasi_identifiers is not None else getattr(anonymisation, "quasi_identifiers", None)
    if not qis:
        raise InvalidParameterError(
            "linkage_audit needs the quasi-identifiers: pass quasi_identifiers=[...] or an anonymisation result."
        )
    # an anonymisation result carries who is behind each released row and its hierarchies: pass it whole
    result = attack(anonymisation, aux, quasi_identifiers=list(qis))
    statement = getattr(anonymisation, "statement", None)
    k = getattr(statement, "k", None)
    details = result.to_dict() if hasattr(result, "to_dict") else {}
    return LinkageAudit(
        reidentification_rate=float(result.reidentification_rate),
        advantage=float(result.advantage),
        k=math.nan if k is None else float(k),
        n_auxiliary=len(aux),
        details=details,
    )
