"""The registry of anonymisation algorithms: name -> runner, listed by hand, extensible with register_method."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench._validation import close_matches
from workbench.anonymise._run import run_optimal
from workbench.anonymise.mondrian import run_mondrian
from workbench.errors import InvalidParameterError, UnknownNameError

__all__ = ["available_methods", "get_method", "register_method"]

# a runner takes (encoded columns, sensitive parts, model, *, n, limit, stop, metric, tick) and returns a Draft
Runner = Callable[..., Any]


def _optimal(encoded, parts, model, *, n, limit, stop, metric, tick):
    return run_optimal(encoded, parts, model, n, limit, stop, metric, tick)


def _mondrian(encoded, parts, model, *, n, limit, stop, metric, tick):
    return run_mondrian(encoded, parts, model, stop, tick)


# name -> (runner, whether it suppresses records)
_METHODS: dict[str, tuple[Runner, bool]] = {"optimal": (_optimal, True), "mondrian": (_mondrian, False)}


def register_method(name: str, runner: Runner, *, suppresses: bool = True) -> None:
    """Add an anonymisation algorithm under ``name`` (see the built-ins in this module for the runner's contract).

    Parameters
    ----------
    name : str
        A new method name.
    runner : callable
        ``runner(encoded, parts, model, *, n, limit, stop, metric, tick)`` returning a draft release, as the built-in
        ``"optimal"`` and ``"mondrian"`` runners of ``workbench/anonymise/_registry.py`` do.
    suppresses : bool, default=True
        Whether the method may suppress records (then ``max_suppression`` applies).

    Raises
    ------
    InvalidParameterError
        When the name is empty or already taken.

    Examples
    --------
    >>> from workbench.anonymise import available_methods
    >>> available_methods()
    ['mondrian', 'optimal']
    """
    if not isinstance(name, str) or not name or name in _METHODS:
        raise InvalidParameterError(f"A method needs a new, non-empty name; {name!r} is taken or empty.")
    _METHODS[name] = (runner, suppresses)


def available_methods() -> list[str]:
    """Names of the anonymisation algorithms ``anonymise(method=...)`` accepts.

    Examples
    --------
    >>> from workbench.anonymise import available_methods
    >>> available_methods()
    ['mondrian', 'optimal']
    """
    return sorted(_METHODS)


def get_method(name: str) -> tuple[Runner, bool]:
    """The runner registered under ``name``; an unknown name lists the valid ones."""
    try:
        return _METHODS[name]
    except (KeyError, TypeError):
        match = close_matches(str(name), list(_METHODS), n=1)
        hint = f" Did you mean {match[0]!r}?" if match else ""
        raise UnknownNameError(
            f"Unknown anonymisation method {name!r}; use one of {', '.join(sorted(_METHODS))}.{hint}"
        ) from None
