"""The one parser of sweep grids typed by people (command line, ``%wb`` magics, dashboard): ``"0.5,1,2,none"``."""

from __future__ import annotations

import math

from workbench.errors import InvalidParameterError

__all__ = ["NO_DP", "parse_epsilon", "parse_grid"]

#: Words meaning "the baseline without differential privacy" in an ε grid (case-insensitive).
NO_DP: tuple[str, ...] = ("none", "inf", "nodp", "no-dp")


def parse_epsilon(text: str, *, name: str = "--epsilon") -> float | None:
    """One ε: a number > 0, or a word of :data:`NO_DP` (``None``: without differential privacy).

    Examples
    --------
    >>> parse_epsilon("0.5"), parse_epsilon("no-dp"), parse_epsilon("inf")
    (0.5, None, None)
    """
    return parse_grid(text, name=name)[0] if text.strip().lower() not in NO_DP else None


def parse_grid(text: str, *, integer: bool = False, name: str = "--epsilons") -> list[float | int | None]:
    """Parse ``"0.5, 1 2,none"`` into ``[0.5, 1.0, 2.0, None]``: values separated by commas and/or spaces.

    In an ε grid, ``none``, ``inf``, ``nodp`` and ``no-dp`` stand for the non-private baseline (``None``); a k grid
    (``integer=True``) takes integers only. Errors are one-line :class:`~workbench.errors.InvalidParameterError`
    (a ``ValueError``) naming ``name``.

    Examples
    --------
    >>> parse_grid("0.5,1,inf,no-dp")
    [0.5, 1.0, None, None]
    >>> parse_grid("2 5, 10", integer=True, name="--ks")
    [2, 5, 10]
    """
    values: list[float | int | None] = []
    for item in text.replace(",", " ").split():
        if not integer and item.lower() in NO_DP:
            values.append(None)
            continue
        try:
            number = float(item)
        except ValueError:
            kind = "integers" if integer else "numbers (or 'none' for no DP)"
            raise InvalidParameterError(f"{name} must be comma-separated {kind}; got {item!r} in {text!r}.") from None
        if integer:
            if not number.is_integer():
                raise InvalidParameterError(f"{name} must be comma-separated integers; got {item!r} in {text!r}.")
            values.append(int(number))
        else:
            values.append(None if math.isinf(number) else number)
    if not values:
        raise InvalidParameterError(f"{name} is empty; give values such as {'2,5,10' if integer else '0.5,1,2'}.")
    return values
