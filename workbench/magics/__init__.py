"""IPython magics: ``%load_ext workbench``, then ``%wb SUB ...`` (line) or ``%%wb`` (one sub-command per line).

Examples
--------
>>> from IPython.core.interactiveshell import InteractiveShell
>>> shell = InteractiveShell.instance()
>>> load_ipython_extension(shell)
>>> shell.run_line_magic("wb", "load diabetes").name
'diabetes'
>>> unload_ipython_extension(shell)
"""

from __future__ import annotations

from typing import Any

from workbench.magics._magic import COMMANDS, WorkbenchMagics
from workbench.magics._session import Command, Context, Session

__all__ = [
    "COMMANDS",
    "Command",
    "Context",
    "Session",
    "WorkbenchMagics",
    "load_ipython_extension",
    "unload_ipython_extension",
]


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%wb`` / ``%%wb`` on ``ipython`` and make its settings reachable by ``%config`` (idempotent).

    Parameters
    ----------
    ipython : IPython.core.interactiveshell.InteractiveShell
        The running shell (``%load_ext workbench`` passes it).

    Examples
    --------
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> import workbench as wb
    >>> shell = InteractiveShell.instance()
    >>> wb.load_ipython_extension(shell)
    >>> "wb" in shell.magics_manager.magics["line"]
    True
    >>> wb.unload_ipython_extension(shell)
    """
    if any(isinstance(c, WorkbenchMagics) for c in ipython.configurables):
        return
    ipython.register_magics(WorkbenchMagics(shell=ipython))  # Magics joins shell.configurables itself


def unload_ipython_extension(ipython: Any) -> None:
    """Remove ``%wb`` / ``%%wb`` and their settings from ``ipython``.

    Parameters
    ----------
    ipython : IPython.core.interactiveshell.InteractiveShell
        The running shell (``%unload_ext workbench`` passes it).

    Examples
    --------
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> import workbench as wb
    >>> shell = InteractiveShell.instance()
    >>> wb.load_ipython_extension(shell)
    >>> wb.unload_ipython_extension(shell)
    >>> "wb" in shell.magics_manager.magics["line"]
    False
    """
    for kind in ("line", "cell"):
        ipython.magics_manager.magics[kind].pop("wb", None)
    ipython.configurables[:] = [c for c in ipython.configurables if not isinstance(c, WorkbenchMagics)]
    ipython.magics_manager.registry.pop("WorkbenchMagics", None)
