"""Worker processes and the user's main script: when workers may skip it, when they need it.

multiprocessing's spawn and forkserver children import the parent's main script (as ``__mp_main__``) so that
objects defined in it can be unpickled. That import runs the script's top level again unless it is guarded by
``if __name__ == "__main__":``, and fails outright when the script came from standard input. Workers that only run
workbench code need none of it: :func:`main_hidden` starts them without it. Work that refers to an object defined in
``__main__`` (a user's model class or technique) needs the script, which :func:`main_importable` tells.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["defined_in_main", "main_hidden", "main_importable"]

_LOCK = threading.Lock()
_HIDDEN: dict[str, Any] = {"depth": 0, "saved": {}}


@contextmanager
def main_hidden() -> Iterator[None]:
    """Start worker processes inside this block: they will not import the user's main script.

    The main module's ``__file__`` and ``__spec__`` are set aside while the block runs (multiprocessing reads them
    when it starts a process) and put back when the last of several overlapping blocks ends.

    Examples
    --------
    >>> import sys
    >>> from workbench._processes import main_hidden
    >>> before = getattr(sys.modules["__main__"], "__file__", None)
    >>> with main_hidden():
    ...     hidden = getattr(sys.modules["__main__"], "__file__", None)
    >>> hidden is None, getattr(sys.modules["__main__"], "__file__", None) == before
    (True, True)
    """
    main = sys.modules.get("__main__")
    with _LOCK:
        if _HIDDEN["depth"] == 0 and main is not None:
            _HIDDEN["saved"] = {k: v for k, v in vars(main).items() if k in ("__file__", "__spec__")}
            if "__file__" in _HIDDEN["saved"]:
                del main.__file__
            if _HIDDEN["saved"].get("__spec__") is not None:
                main.__spec__ = None
        _HIDDEN["depth"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _HIDDEN["depth"] -= 1
            if _HIDDEN["depth"] == 0 and main is not None:
                for key, value in _HIDDEN["saved"].items():
                    setattr(main, key, value)
                _HIDDEN["saved"] = {}


def main_importable() -> bool:
    """True when worker processes can import the main script: a file on disk, or a module run with ``-m``.

    False in a notebook, in ``python -c`` and for a script read from standard input: objects defined there exist
    only in this process.
    """
    main = sys.modules.get("__main__")
    if main is None:
        return False
    if getattr(main, "__spec__", None) is not None:
        return True
    path = getattr(main, "__file__", None)
    return isinstance(path, str) and os.path.isfile(path)


def defined_in_main(*objects: Any) -> bool:
    """True when an object, or a value inside a dict, list or tuple of them, is defined in ``__main__``.

    Functions and classes are judged by their own module, other objects by their class's.

    Examples
    --------
    >>> from workbench._processes import defined_in_main
    >>> class Local: ...
    >>> Local.__module__ = "__main__"
    >>> defined_in_main({"model": Local()}), defined_in_main(len, {"model": "mlp"})
    (True, False)
    """
    for obj in objects:
        if isinstance(obj, Mapping):
            if defined_in_main(*obj.values()):
                return True
        elif isinstance(obj, (list, tuple)):
            if defined_in_main(*obj):
                return True
        elif obj is not None:
            owner = obj if hasattr(obj, "__qualname__") else type(obj)  # a function or class, else an instance
            if getattr(owner, "__module__", None) == "__main__":
                return True
    return False
