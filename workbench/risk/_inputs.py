"""Turn a Dataset or a DataFrame plus column arguments into (frame, quasi-identifiers, sensitive, identifiers)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from workbench._validation import check_finite, check_table, column_names
from workbench.columns import check_columns
from workbench.errors import EmptyDataError, InvalidParameterError, RoleError

__all__ = ["Columns", "resolve_columns"]


@dataclass(frozen=True)
class Columns:
    """The table and its columns by role, as one technique sees them."""

    frame: pd.DataFrame
    quasi_identifiers: list[str]
    sensitive: list[str]
    identifiers: list[str]
    target: str | None


def resolve_columns(
    data: object,
    quasi_identifiers: str | Iterable[str] | None,
    sensitive: str | Iterable[str] | None,
    function: str,
    *,
    need_quasi_identifiers: bool = True,
) -> Columns:
    """Columns from a :class:`~workbench.Dataset` (its roles), an anonymisation result (its release and columns)
    or a DataFrame (roles guessed by ``infer_roles``).

    Arguments the user passes always win over roles; ``function`` names the caller in error messages.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.risk import resolve_columns
    >>> cols = resolve_columns(wb.load_dataset("diabetes"), ["age", "sex"], [], "assess_risk")
    >>> cols.quasi_identifiers, cols.sensitive
    (['age', 'sex'], [])
    """
    from workbench.datasets import Dataset

    qis = column_names(quasi_identifiers, f"The 'quasi_identifiers' parameter of {function}")
    sens = column_names(sensitive, f"The 'sensitive' parameter of {function}")
    if not isinstance(data, (Dataset, pd.DataFrame)) and hasattr(data, "data") and hasattr(data, "quasi_identifiers"):
        # an anonymisation result: its released table with its columns
        qis = list(data.quasi_identifiers) if qis is None else qis
        sens = list(getattr(data, "sensitive", ())) if sens is None else sens
        data = data.data
    if isinstance(data, Dataset):
        frame, target = data.frame, data.target
        identifiers = data.identifiers
        qis = data.quasi_identifiers if qis is None else qis
        sens = data.sensitive if sens is None else sens
    elif isinstance(data, pd.DataFrame):
        check_table(data, function)
        frame, target = data, None
        identifiers = []
        if qis is None or sens is None:
            from workbench.roles import Role, infer_roles

            guesses = infer_roles(data)
            identifiers = [c for c, g in guesses.items() if g.role is Role.IDENTIFIER]
            if qis is None:
                qis = [c for c, g in guesses.items() if g.role is Role.QUASI_IDENTIFIER]
            if sens is None:
                sens = [c for c, g in guesses.items() if g.role in (Role.SENSITIVE, Role.TARGET)]
    else:
        raise InvalidParameterError(
            f"{function} takes a workbench Dataset or a pandas DataFrame; got {type(data).__name__}. "
            "Load data with wb.load_dataset(...) or pass a DataFrame."
        )
    if len(frame) == 0 or frame.shape[1] == 0:
        raise EmptyDataError(f"{function} got an empty table ({frame.shape[0]} rows, {frame.shape[1]} columns).")
    check_columns(frame, qis, f"The quasi_identifiers of {function}")
    check_columns(frame, sens, f"The sensitive columns of {function}")
    if need_quasi_identifiers and not qis:
        raise RoleError(f"{function} found no quasi-identifiers; name them, e.g. quasi_identifiers=['age', 'zip'].")
    check_finite(
        frame,
        [*qis, *sens],
        function,
        "drop or fix those rows (or replace the values by missing ones) first; class measures and bands need finite "
        "numbers",
    )
    both = sorted(set(qis) & set(sens))
    if both:
        raise RoleError(
            f"Column(s) {both} are given as both quasi-identifier and sensitive; give each column one role."
        )
    sens = [c for c in sens if c not in identifiers]
    identifiers = [c for c in identifiers if c not in qis and c not in sens]
    return Columns(frame, list(qis), list(sens), identifiers, target)
