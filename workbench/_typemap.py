"""Functions registered per result type, looked up along a result's class hierarchy (report sections, figures)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from workbench.errors import InvalidParameterError

__all__ = ["TypeMap"]

F = TypeVar("F", bound=Callable[..., Any])


class TypeMap(Generic[F]):
    """Functions keyed by a result type: a class, or its qualified name ``"package.module.Class"`` (registered
    without importing the class); a subclass finds what its nearest registered base has.

    Parameters
    ----------
    caller : str
        The public function that registers (named in its errors), e.g. ``"register_section"``.
    what : str
        What a function is, e.g. ``"section renderer"``.
    taken : str
        The message for a type registered twice, with ``{type}`` where the type goes.

    Examples
    --------
    >>> sections = TypeMap("register_demo", "demo renderer", "A demo for {type} is already registered")
    >>> sections.register(int, str, replace=False)
    >>> sections.lookup(True) is str  # bool is an int
    True
    >>> sections.register("int", str, replace=False)
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: register_demo takes a class or its qualified name 'module.Class'; got 'int'.
    """

    def __init__(self, caller: str, what: str, taken: str) -> None:
        self._caller, self._what, self._taken = caller, what, taken
        self._functions: dict[type | str, F] = {}

    def register(self, result_type: type | str, function: F, *, replace: bool) -> None:
        """Register ``function`` for ``result_type``; one-line errors for a bad type, function or a taken type."""
        if not (isinstance(result_type, type) or (isinstance(result_type, str) and "." in result_type)):
            raise InvalidParameterError(
                f"{self._caller} takes a class or its qualified name 'module.Class'; got {result_type!r}."
            )
        if not callable(function):
            raise InvalidParameterError(f"The {self._what} must be callable; got {function!r}.")
        if result_type in self._functions and not replace:
            raise InvalidParameterError(self._taken.format(type=repr(result_type)) + "; pass replace=True.")
        self._functions[result_type] = function

    def lookup(self, result: Any) -> F | None:
        """The function registered for ``type(result)`` or its nearest base class, else None."""
        for cls in type(result).__mro__:
            found = self._functions.get(cls) or self._functions.get(f"{cls.__module__}.{cls.__qualname__}")
            if found is not None:
                return found
        return None
