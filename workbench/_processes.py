"""Worker processes and the user's main script: when workers may skip it, when they need it.

multiprocessing's spawn and forkserver children import the parent's main script (as ``__mp_main__``) so that
objects defined in it can be unpickled. That import runs the script's top level again unless it is guarded by
``if __name__ == "__main__":``, and fails outright when the script came from standard input. Workers that only run
workbench code need none of it: :func:`main_hidden` starts them without it. Work that refers to an object defined in
``__main__`` (a user's model class or technique) needs the script, which :func:`main_importable` tells.
"""

from __future__ import annotations

import dataclasses
import multiprocessing.spawn
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["defined_in_main", "main_hidden", "main_importable"]

_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")
_LOCAL = threading.local()
_INSTALL_LOCK = threading.Lock()


@contextmanager
def main_hidden() -> Iterator[None]:
    """Start worker processes inside this block: they will not import the user's main script.

    multiprocessing asks ``multiprocessing.spawn.get_preparation_data`` what a new process must set up; in this
    thread, inside the block, the answer leaves out the main script. Other threads, and ``__main__`` itself, are
    untouched.

    Examples
    --------
    >>> import multiprocessing.spawn
    >>> from workbench._processes import main_hidden
    >>> with main_hidden():
    ...     data = multiprocessing.spawn.get_preparation_data("worker")
    >>> "init_main_from_path" in data or "init_main_from_name" in data
    False
    """
    _install_filter()
    _LOCAL.depth = getattr(_LOCAL, "depth", 0) + 1
    try:
        yield
    finally:
        _LOCAL.depth -= 1


def _install_filter() -> None:
    """Wrap multiprocessing's ``get_preparation_data`` once; the wrapper changes nothing outside :func:`main_hidden`."""
    with _INSTALL_LOCK:
        original = multiprocessing.spawn.get_preparation_data
        if getattr(original, "_workbench_filter", False):
            return

        def get_preparation_data(name: str) -> dict[str, Any]:
            data = original(name)
            if getattr(_LOCAL, "depth", 0):
                for key in _MAIN_KEYS:
                    data.pop(key, None)
            return data

        get_preparation_data._workbench_filter = True  # type: ignore[attr-defined]
        multiprocessing.spawn.get_preparation_data = get_preparation_data


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
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):  # a config: its class and its fields
            fields = [getattr(obj, f.name) for f in dataclasses.fields(obj)]
            if defined_in_main(type(obj), *fields):
                return True
        elif obj is not None:
            owner = obj if hasattr(obj, "__qualname__") else type(obj)  # a function or class, else an instance
            if getattr(owner, "__module__", None) == "__main__":
                return True
    return False
