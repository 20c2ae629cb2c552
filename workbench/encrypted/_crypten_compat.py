"""Import CrypTen 0.4.1 (unmaintained since 2022) on current torch: the one place that knows its breakages.

CrypTen's ``nn/onnx_converter.py`` imports ``torch.onnx._internal.registration``, which torch ≥ 2.9 moved to
``torch.onnx._internal.torchscript_exporter.registration``; aliasing the old name before the import is enough for
``import crypten`` and ``crypten.nn.from_pytorch`` (which also needs ``onnxscript``) with torch 2.13.
``tests/encrypted/test_crypten_compat.py`` fails when the alias stops being needed or stops working.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from workbench.errors import MissingDependencyError

__all__ = ["ALIASES", "CRYPTEN_INSTALL", "import_crypten"]

#: The one-line install: CrypTen's published metadata requires the dead ``sklearn`` package, hence ``--no-deps``.
CRYPTEN_INSTALL = "pip install 'privacy-workbench[encrypted]' && pip install --no-deps crypten==0.4.1"

#: old module name → where torch 2.13 keeps it
ALIASES: dict[str, str] = {
    "torch.onnx._internal.registration": "torch.onnx._internal.torchscript_exporter.registration",
}


def _alias_moved_modules() -> list[str]:
    """Point each old module name at its new home when the old one is gone; returns the names aliased."""
    aliased = []
    for old, new in ALIASES.items():
        if old in sys.modules:
            continue
        try:
            importlib.import_module(old)
        except ImportError:
            sys.modules[old] = importlib.import_module(new)
            aliased.append(old)
    return aliased


def import_crypten() -> ModuleType:
    """``import crypten`` with the torch-compatibility aliases in place; a missing CrypTen is a one-line error.

    Examples
    --------
    >>> crypten = import_crypten()  # doctest: +SKIP
    >>> crypten.__version__  # doctest: +SKIP
    '0.4.1'
    """
    if sys.modules.get("crypten") is not None:
        return sys.modules["crypten"]
    try:
        _alias_moved_modules()
        return importlib.import_module("crypten")
    except ImportError as exc:
        raise MissingDependencyError(
            f"MPC inference needs CrypTen 0.4.1 and its dependencies ({exc.name or exc}); install them with: "
            f"{CRYPTEN_INSTALL}"
        ) from None
