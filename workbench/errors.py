"""Exceptions and warnings raised by workbench, and the translation of third-party errors."""

from __future__ import annotations

import contextlib
import contextvars
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "BudgetExceededError",
    "BudgetWarning",
    "DataSourceError",
    "EmptyDataError",
    "FileAccessError",
    "InfeasibleError",
    "InvalidParameterError",
    "MissingDependencyError",
    "NotComputedError",
    "PrivacyLeakWarning",
    "RecalibrationWarning",
    "RoleError",
    "UnknownColumnError",
    "UnknownNameError",
    "UnsupportedModelError",
    "WorkbenchError",
    "WorkerError",
    "translate_errors",
    "user_errors",
    "warn_once",
    "warn_user",
]


class WorkbenchError(Exception):
    """Root of every error that workbench raises for a user mistake or an impossible request."""


# -- bad parameters and data -------------------------------------------------------------------------------------
class InvalidParameterError(WorkbenchError, ValueError):
    """A parameter has the wrong type or a value outside its allowed range."""


class UnknownNameError(WorkbenchError, LookupError):
    """A name (dataset, method, model, accountant, sub-command) is not one of the known ones."""


class UnknownColumnError(WorkbenchError, LookupError):
    """A column named by the user is not in the table."""


class RoleError(WorkbenchError, ValueError):
    """Column roles contradict each other (a column given two roles, a target with one class, ...)."""


class EmptyDataError(WorkbenchError, ValueError):
    """A table has no rows or no columns."""


class DataSourceError(WorkbenchError, FileNotFoundError):
    """A data source is missing, unreadable, or fails its checksum."""


class FileAccessError(WorkbenchError, OSError):
    """A file or folder could not be read or written: a folder where a file was expected, no permission, a full
    disk, a link pointing out of the folder being written."""


class MissingDependencyError(WorkbenchError, ImportError):
    """An optional dependency is not installed."""


# -- privacy requests --------------------------------------------------------------------------------------------
class InfeasibleError(WorkbenchError, ValueError):
    """A privacy requirement cannot be met (k above the row count, no solution within the suppression limit)."""


class BudgetExceededError(WorkbenchError, ValueError):
    """Spending more privacy budget than the ledger allows."""


class UnsupportedModelError(WorkbenchError, ValueError):
    """A model contains layers that DP-SGD cannot train privately."""


class NotComputedError(WorkbenchError, AttributeError):
    """A result was asked for before the computation that produces it ran."""


class WorkerError(WorkbenchError, RuntimeError):
    """A worker process ended abruptly or could not start (a script without a ``__main__`` guard), or a Dask
    scheduler could not be reached."""


# -- warnings ----------------------------------------------------------------------------------------------------
class PrivacyLeakWarning(RuntimeWarning):
    """Something leaks information outside the stated privacy guarantee (e.g. bounds taken from private data)."""


class BudgetWarning(UserWarning):
    """The privacy budget set on a ledger has been exceeded."""


class RecalibrationWarning(UserWarning):
    """Noise was calibrated although budget was already spent on the same data."""


_PACKAGE_DIR = str(Path(__file__).resolve().parent)


# the (category name, message) pairs already shown in this context (a sweep's points computed in this process)
_WARNED: contextvars.ContextVar[set[tuple[str, str]] | None] = contextvars.ContextVar("workbench_warned", default=None)


@contextlib.contextmanager
def warn_once(seen: set[tuple[str, str]]) -> Iterator[None]:
    """Within the block, in this thread only, :func:`warn_user` shows each (category, message) once: pairs already in
    ``seen`` are skipped and new ones added. No process-wide warning state is touched (a context variable).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     with warn_once(set()):
    ...         warn_user("careful", PrivacyLeakWarning)
    ...         warn_user("careful", PrivacyLeakWarning)
    >>> len(caught)
    1
    """
    token = _WARNED.set(seen)
    try:
        yield
    finally:
        _WARNED.reset(token)


def warn_user(message: str, category: type[Warning]) -> None:
    """Warn at the first frame outside the workbench package, so the warning names the user's line whichever path
    (a callable sub-package, the tradeoff engine, a magic) led to it.

    Parameters
    ----------
    message : str
        The warning's text.
    category : type of Warning
        Its class, e.g. :class:`PrivacyLeakWarning`.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_user("careful", PrivacyLeakWarning)
    >>> caught[0].category.__name__, caught[0].filename.endswith("errors.py")
    ('PrivacyLeakWarning', False)
    """
    seen = _WARNED.get()
    if seen is not None:
        key = (category.__name__, str(message))
        if key in seen:
            return
        seen.add(key)
    level, frame = 1, sys._getframe(1)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE_DIR):
        level, frame = level + 1, frame.f_back
    warnings.warn(message, category, stacklevel=level + 1)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


@contextlib.contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Turn errors raised by pandas, pyarrow, torch or Opacus into a one-line :class:`WorkbenchError`.

    Parameters
    ----------
    what : str
        What was being done, e.g. ``"reading 'data.csv'"``; it starts the message.

    Examples
    --------
    >>> from workbench.errors import translate_errors, InvalidParameterError
    >>> try:
    ...     with translate_errors("parsing the epsilon grid"):
    ...         float("abc")
    ... except InvalidParameterError as err:
    ...     print(err)
    Error while parsing the epsilon grid: could not convert string to float: 'abc'
    """
    try:
        yield
    except WorkbenchError:
        raise
    except FileNotFoundError as exc:
        raise DataSourceError(f"Error while {what}: {_one_line(exc)}") from None
    except ImportError as exc:
        raise MissingDependencyError(f"Error while {what}: {_one_line(exc)}") from None
    except (ValueError, TypeError, KeyError, IndexError, RuntimeError, OSError) as exc:
        raise InvalidParameterError(f"Error while {what}: {_one_line(exc)}") from None


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """At a boundary the user talks to (the CLI, the ``%wb`` magics), turn a user's mistake that escaped as a builtin
    error into a one-line :class:`WorkbenchError`; a genuine bug keeps its type and traceback.

    A user's mistake is an :class:`OSError` (a path that is a folder, missing, unwritable, a full disk, a network
    failure) or a :class:`UnicodeError` (an undecodable file, text that cannot be encoded). Both boundaries catch
    :class:`WorkbenchError` only, so wrapping their call in this context manager is all they need.

    Examples
    --------
    >>> import tempfile
    >>> try:
    ...     with user_errors():
    ...         open(tempfile.gettempdir()).read()
    ... except FileAccessError as err:
    ...     print(str(err).split(":")[0])
    Is a directory
    >>> with user_errors():
    ...     {}["bug"]
    Traceback (most recent call last):
    ...
    KeyError: 'bug'
    """
    try:
        yield
    except WorkbenchError:
        raise
    except OSError as exc:
        raise FileAccessError(_describe_os_error(exc)) from None
    except UnicodeDecodeError as exc:
        raise DataSourceError(
            f"The data is not valid {exc.encoding} text ({_one_line(exc)}); save the file as UTF-8 or load it into a "
            "DataFrame with the right encoding first."
        ) from None
    except UnicodeError as exc:
        raise InvalidParameterError(
            f"A text value cannot be encoded ({_one_line(exc)}); remove invalid characters such as lone surrogates."
        ) from None


def _describe_os_error(exc: OSError) -> str:
    reason = exc.strerror or _one_line(exc) or type(exc).__name__
    if exc.filename is None:
        return f"{reason}. Check the address, the connection or the disk, then try again."
    where = repr(str(exc.filename))
    return f"{reason}: {where}. Check the path and its permissions, or choose another path."
