"""Column roles, and :func:`infer_roles`, which guesses them with a reason for each guess."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench._role_inference import RoleGuess

__all__ = ["Role", "infer_roles"]


class Role(str, enum.Enum):
    """What a column is, from a privacy point of view.

    Examples
    --------
    >>> Role("quasi_identifier")
    <Role.QUASI_IDENTIFIER: 'quasi_identifier'>
    """

    IDENTIFIER = "identifier"
    QUASI_IDENTIFIER = "quasi_identifier"
    SENSITIVE = "sensitive"
    TARGET = "target"
    INSENSITIVE = "insensitive"

    def __str__(self) -> str:
        return self.value


def infer_roles(frame: pd.DataFrame) -> dict[str, RoleGuess]:
    """Guess each column's privacy role, with the reason for the guess.

    Looks, in order, at column names (name, e-mail, phone, SSN, ZIP, date of birth, ...), value patterns
    (e-mail, phone, SSN-like, IBAN and card numbers checked by checksum, dates of birth), uniqueness (near-unique
    text or integer columns identify people) and demographic names (age, sex, race, ... are quasi-identifiers).
    A guess is a starting point: review it, and pass roles to :func:`workbench.load_dataset` to override it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; it is not modified.

    Returns
    -------
    dict of str to RoleGuess
        ``{column: (role, reason)}``: each guess unpacks as ``(role, reason)`` and has ``.role`` and ``.reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> infer_roles(pd.DataFrame({"phone": ["(555) 123-4567"]}))["phone"].role
    <Role.IDENTIFIER: 'identifier'>
    """
    from workbench._role_inference import infer_roles as _infer_roles

    return _infer_roles(frame)
