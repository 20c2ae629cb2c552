"""Parameter constraints as data, and the one validator that checks them."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench.errors import InvalidParameterError, UnknownNameError

__all__ = [
    "MAX_MAGNITUDE",
    "Constraint",
    "EventLike",
    "InstanceOf",
    "Interval",
    "OneOf",
    "Optional",
    "Secret",
    "Sha256",
    "check_finite",
    "check_table",
    "close_matches",
    "column_names",
    "describe_value",
    "int_as_float",
    "validate_params",
]


class Constraint:
    """Something a parameter value must satisfy; ``describe`` says what, in words."""

    def is_satisfied_by(self, value: Any) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class Interval(Constraint):
    """A number of type ``kind`` (``int`` or ``float``) between ``low`` and ``high``.

    ``closed`` is one of ``"both"``, ``"left"``, ``"right"``, ``"neither"``.
    """

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if self.kind is float and not isinstance(value, numbers.Real):
            return False
        if isinstance(value, numbers.Real) and math.isnan(value):
            return False
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and (value < self.low or (not left and value == self.low)):
            return False
        return not (self.high is not None and (value > self.high or (not right and value == self.high)))

    def describe(self) -> str:
        name = "an int" if self.kind is int else "a number"
        parts = []
        if self.low is not None:
            parts.append(("≥ " if self.closed in ("both", "left") else "> ") + f"{self.low:g}")
        if self.high is not None:
            parts.append(("≤ " if self.closed in ("both", "right") else "< ") + f"{self.high:g}")
        return name + (" " + " and ".join(parts) if parts else "")


@dataclass(frozen=True)
class OneOf(Constraint):
    """One of a fixed set of values (usually strings)."""

    options: tuple

    def __init__(self, options: Iterable) -> None:
        object.__setattr__(self, "options", tuple(options))

    def is_satisfied_by(self, value: Any) -> bool:
        try:
            return value in self.options
        except TypeError:
            return False

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True)
class InstanceOf(Constraint):
    """An instance of one of ``types``; ``label`` names it in messages."""

    types: tuple
    label: str

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, self.types) and not (isinstance(value, bool) and bool not in self.types)

    def describe(self) -> str:
        return self.label


@dataclass(frozen=True)
class EventLike(Constraint):
    """A stop flag: anything with ``is_set()`` (``threading.Event``, a multiprocessing or Dask event)."""

    def is_satisfied_by(self, value: Any) -> bool:
        return callable(getattr(value, "is_set", None))

    def describe(self) -> str:
        return "an event with is_set(), such as threading.Event()"


@dataclass(frozen=True)
class Sha256(Constraint):
    """A SHA-256 digest: a str of 64 hexadecimal digits."""

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value)

    def describe(self) -> str:
        return "a SHA-256 digest (a str of 64 hex digits, e.g. hashlib.sha256(data).hexdigest())"


@dataclass(frozen=True)
class Secret(Constraint):
    """A secret satisfying ``inner``: messages name its type only, never its value."""

    inner: Constraint

    def is_satisfied_by(self, value: Any) -> bool:
        return self.inner.is_satisfied_by(value)

    def describe(self) -> str:
        return self.inner.describe()


@dataclass(frozen=True)
class Optional(Constraint):
    """``None`` or a value satisfying ``inner``."""

    inner: Constraint

    def is_satisfied_by(self, value: Any) -> bool:
        return value is None or self.inner.is_satisfied_by(value)

    def describe(self) -> str:
        return f"{self.inner.describe()} or None"


def validate_params(function: str | Callable, constraints: Mapping[str, Constraint], values: Mapping[str, Any]) -> None:
    """Check ``values`` against ``constraints``; raise one :class:`InvalidParameterError` on the first failure.

    The message reads "The 'k' parameter of anonymise must be an int ≥ 2; got 1." An unknown string for a
    :class:`OneOf` constraint raises :class:`UnknownNameError` listing the valid options and the closest match.

    Examples
    --------
    >>> validate_params("anonymise", {"k": Interval(int, 2)}, {"k": 5})
    >>> validate_params("anonymise", {"k": Interval(int, 2)}, {"k": 1})
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: The 'k' parameter of anonymise must be an int ≥ 2; got 1.
    """
    name = function if isinstance(function, str) else function.__name__
    for param, constraint in constraints.items():
        if param not in values:
            continue
        value = values[param]
        if constraint.is_satisfied_by(value):
            continue
        secret = isinstance(constraint, Secret) or isinstance(getattr(constraint, "inner", None), Secret)
        shown = f"a {type(value).__name__} (value not shown: it is secret)" if secret else describe_value(value)
        message = f"The {param!r} parameter of {name} must be {constraint.describe()}; got {shown}."
        inner = constraint.inner if isinstance(constraint, Optional) else constraint
        if isinstance(inner, OneOf) and isinstance(value, str) and not secret:
            matches = close_matches(value, [str(o) for o in inner.options])
            if matches:
                message = message[:-1] + f". Did you mean {matches[0]!r}?"
            raise UnknownNameError(message)
        raise InvalidParameterError(message)


def column_names(value: Any, what: str) -> list | None:
    """``value`` as a list of column names: a str is one name, None stays None; anything else must be an iterable
    of names (str or other hashable labels).

    Examples
    --------
    >>> column_names("age", "quasi_identifiers"), column_names(("age", "zip"), "quasi_identifiers")
    (['age'], ['age', 'zip'])
    >>> column_names(5, "The 'quasi_identifiers' parameter of anonymise")
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: The 'quasi_identifiers' parameter of anonymise must be a column name ...
    """
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    problem = None
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        problem = f"got {describe_value(value)} (type {type(value).__name__})"
    else:
        items = list(value)
        bad = [item for item in items if not _hashable(item)]
        if not bad:
            return items
        problem = f"got an item {describe_value(bad[0])} (type {type(bad[0]).__name__})"
    raise InvalidParameterError(f"{what} must be a column name or a list of column names; {problem}.")


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def check_table(frame: Any, function: str, columns: Iterable | None = None) -> None:
    """Refuse a table with duplicate column names, or whose ``columns`` (default: all) hold unhashable cells such as
    lists, dicts or arrays (a Parquet list column), which cannot be grouped, compared or tokenised.

    Examples
    --------
    >>> import pandas as pd
    >>> check_table(pd.DataFrame({"a": [1, 2]}), "infer_roles")
    >>> check_table(pd.DataFrame([[1, 2]], columns=["a", "a"]), "infer_roles")
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: The table given to infer_roles has duplicate column names ['a']; ...
    """
    import pandas as pd

    duplicated = frame.columns.duplicated()
    if duplicated.any():
        names = sorted({str(c) for c in frame.columns[duplicated]})
        raise InvalidParameterError(
            f"The table given to {function} has duplicate column names {names}; rename them first "
            "(frame.columns = [...])."
        )
    for col in frame.columns if columns is None else columns:
        series = frame[col]
        if series.dtype != object:
            continue
        try:
            pd.unique(series)
        except TypeError:
            kinds = sorted({type(v).__name__ for v in series if not _hashable(v)})
            raise InvalidParameterError(
                f"Column {col!r} given to {function} holds {'/'.join(kinds)} values, which cannot be grouped or "
                f"compared; turn them into text first (frame[{col!r}].astype(str)) or drop the column."
            ) from None


#: the largest magnitude a number in a table may have: squares of larger ones overflow float64 (spreads, distances)
MAX_MAGNITUDE = 1e150


def check_finite(frame: Any, columns: Iterable, function: str, hint: str) -> None:
    """Refuse ±inf, and numbers beyond ±``MAX_MAGNITUDE`` (whose squares overflow), in the float ``columns`` of
    ``frame``: one line naming every such column with its count, then ``hint`` (what to do). Missing values (NaN)
    are allowed; they are handled as missing.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"age": [30.0, float("inf"), 40.0], "y": [0, 1, 0]})
    >>> check_finite(frame, ["age", "y"], "train", "drop those rows")
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: train cannot use non-finite or overflowing numbers: column 'age' has 1 \
infinite value(s); drop those rows.
    """
    import numpy as np
    import pandas as pd

    problems = []
    for col in columns:
        series = frame[col]
        if not pd.api.types.is_float_dtype(series):  # ints cannot be infinite or beyond 1e150; text is categorical
            continue
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        infinite = int(np.isinf(values).sum())
        huge = int((np.abs(values[np.isfinite(values)]) > MAX_MAGNITUDE).sum())
        parts = [f"{infinite} infinite"] if infinite else []
        parts += [f"{huge} beyond ±{MAX_MAGNITUDE:g}"] if huge else []
        if parts:
            problems.append(f"column {col!r} has {' and '.join(parts)} value(s)")
    if problems:
        raise InvalidParameterError(
            f"{function} cannot use non-finite or overflowing numbers: {'; '.join(problems)}; {hint}."
        )


def describe_value(value: Any, limit: int = 80) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters (a huge list or frame never floods a message).

    Examples
    --------
    >>> describe_value(list(range(100)))[-12:]
    '... (a list)'
    """
    try:
        text = " ".join(repr(value).split())
    except Exception:  # a broken __repr__ must not hide the real message
        text = ""
    if not text or len(text) > limit:
        return (text[: limit - 3] + "... " if text else "") + f"(a {type(value).__name__})"
    return text


def close_matches(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return the candidates closest to ``word`` (case-insensitive), best first.

    Examples
    --------
    >>> close_matches("adlt", ["adult", "diabetes", "patients"])
    ['adult']
    """
    import difflib

    lowered = {c.lower(): c for c in candidates}
    return [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)]


def int_as_float(value: Any) -> Any:
    """An int (Python or numpy, never a bool) as a float, where a float is meant (``epsilon=1``); any other value
    unchanged, for the validator to judge.

    Examples
    --------
    >>> int_as_float(1), int_as_float(True), int_as_float("1")
    (1.0, True, '1')
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return float(value)
    return value
