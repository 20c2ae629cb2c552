"""Column checks every package shares (bottom layer: imports only the package's errors and validation helpers)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from workbench._validation import close_matches, column_names
from workbench.errors import UnknownColumnError

__all__ = ["check_columns"]


def check_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> list[str]:
    """The columns as a list; raise :class:`UnknownColumnError` naming every one missing from ``frame``.

    ``what`` starts the message (e.g. ``"The quasi_identifiers of linkage_attack"``); each missing column comes with
    the closest existing name. ``columns`` that is not a name or a list of names raises
    :class:`~workbench.errors.InvalidParameterError`.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.columns import check_columns
    >>> check_columns(pd.DataFrame({"age": [1]}), "age", "The target")
    ['age']
    >>> check_columns(pd.DataFrame({"age": [1]}), ["agee"], "The target")
    Traceback (most recent call last):
    ...
    workbench.errors.UnknownColumnError: The target names column(s) not in the table: 'agee' (did you mean 'age'?). ...
    """
    columns = column_names(columns, what)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        hints = []
        for col in missing:
            match = close_matches(str(col), [str(c) for c in frame.columns], n=1)
            hints.append(f"{col!r}" + (f" (did you mean {match[0]!r}?)" if match else ""))
        raise UnknownColumnError(
            f"{what} names column(s) not in the table: {', '.join(hints)}. "
            f"The columns are: {', '.join(map(str, frame.columns))}."
        )
    return columns
