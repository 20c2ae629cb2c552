"""Make a sub-package callable, so ``wb.anonymise(...)`` works although ``workbench.anonymise`` is a package.

Python sets ``workbench.anonymise`` to the sub-package as soon as anything imports it, which would hide a function
of the same name. The sub-package's module object therefore forwards calls to its function.
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable
from typing import Any


def make_module_callable(module_name: str, function: Callable[..., Any]) -> None:
    """Let ``sys.modules[module_name](...)`` call ``function``; its signature and docstring are shown by help()."""

    class CallableModule(types.ModuleType):
        __signature__ = inspect.signature(function)
        # the function itself, not a wrapper: no extra frame, so its warnings point at the caller's line
        __call__ = staticmethod(function)

    module = sys.modules[module_name]
    module.__class__ = CallableModule
