"""Checks on the roles a user gives to columns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from workbench.columns import check_columns
from workbench.errors import RoleError
from workbench.roles import Role

__all__ = ["check_roles", "roles_from_arguments"]


def roles_from_arguments(
    frame: pd.DataFrame,
    *,
    target: str | None,
    identifiers: Iterable[str] | None,
    quasi_identifiers: Iterable[str] | None,
    sensitive: Iterable[str] | None,
    defaults: Mapping[str, Role],
) -> dict[str, Role]:
    """Merge the roles a user passes (they always win) over ``defaults``; a column named twice is an error."""
    given: dict[str, Role] = {}
    for role, columns in (
        (Role.IDENTIFIER, identifiers),
        (Role.QUASI_IDENTIFIER, quasi_identifiers),
        (Role.SENSITIVE, sensitive),
        (Role.TARGET, [target] if target is not None else None),
    ):
        if columns is None:
            continue
        for col in check_columns(frame, columns, f"The {role.value} role"):
            if col in given and not (role is Role.TARGET and given[col] is Role.SENSITIVE):
                raise RoleError(
                    f"Column {col!r} is given two roles ({given[col].value} and {role.value}); give each column one."
                )
            given[col] = role
    roles = {c: defaults.get(c, Role.INSENSITIVE) for c in frame.columns}
    if target is not None:  # the previous target becomes plain sensitive data
        roles = {c: (Role.SENSITIVE if r is Role.TARGET else r) for c, r in roles.items()}
    if any(r is not None for r in (identifiers, quasi_identifiers, sensitive)):
        # a user who names quasi-identifiers names all of them: presets of that role are dropped
        for role, columns in ((Role.QUASI_IDENTIFIER, quasi_identifiers), (Role.IDENTIFIER, identifiers)):
            if columns is not None:
                roles = {c: (Role.INSENSITIVE if r is role else r) for c, r in roles.items()}
    roles.update(given)
    return roles


def check_roles(frame: pd.DataFrame, roles: Mapping[str, Role], target: str | None) -> None:
    """Check that roles name existing columns and that a target has at least two classes."""
    check_columns(frame, list(roles), "The roles")
    targets = [c for c, r in roles.items() if r is Role.TARGET]
    if len(targets) > 1:
        raise RoleError(f"Only one column can be the target; got {targets}.")
    if target is not None:
        classes = frame[target].nunique(dropna=True)
        if classes < 2:
            raise RoleError(
                f"The target column {target!r} has {classes} class(es); a model needs at least two. "
                "Choose another target or pass target=None."
            )
