"""Leakage of an anonymised release, measured by a linkage attack, on the same axis as membership inference."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from workbench.errors import InvalidParameterError
from workbench.risk import LinkageResult, linkage_attack

__all__ = ["LinkageAudit", "linkage_audit"]


#: The result of a linkage audit: :class:`workbench.risk.LinkageResult` (one class for the attack and the audit).
LinkageAudit = LinkageResult


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
    result = linkage_attack(anonymisation, aux, quasi_identifiers=list(qis))
    statement = getattr(anonymisation, "statement", None)
    k = getattr(statement, "k", None)
    return dataclasses.replace(result, k=math.nan if k is None else float(k))
