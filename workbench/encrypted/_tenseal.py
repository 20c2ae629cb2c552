"""TenSEAL on first use: a missing TenSEAL is a one-line error naming the install command."""

from __future__ import annotations

import importlib
from types import ModuleType

from workbench.errors import MissingDependencyError

__all__ = ["TENSEAL_INSTALL", "import_tenseal"]

TENSEAL_INSTALL = "pip install 'privacy-workbench[encrypted]'  (or: pip install tenseal==0.3.18)"


def import_tenseal() -> ModuleType:
    """``import tenseal``, or a :class:`~workbench.errors.MissingDependencyError` saying how to install it."""
    try:
        return importlib.import_module("tenseal")
    except ImportError:
        raise MissingDependencyError(f"CKKS inference needs TenSEAL; install it with: {TENSEAL_INSTALL}") from None
