"""The heavy libraries of DP table releases, imported on first use: JAX + private-pgm (``mbi``) and OpenDP.

JAX is configured here, deliberately and as little as possible:

* 64-bit floats are switched on only *inside* our fits (``jax.enable_x64`` is a context manager), so the user's own
  JAX code keeps its precision; private-pgm's estimation can stall in float32 on large tables.
* The persistent compilation cache is turned off only when the user has not configured one (no cache directory):
  then nothing they rely on changes, and private-pgm's many small programs are not written to disk.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Iterator
from types import ModuleType

from workbench.errors import MissingDependencyError

__all__ = ["INSTALL", "jax_x64", "load_mbi", "load_opendp"]

INSTALL = 'pip install "privacy-workbench[synthetic]"'


def _missing(library: str, exc: ImportError) -> MissingDependencyError:
    return MissingDependencyError(f"DP table releases need {library} ({exc.name or exc}); run: {INSTALL}")


@functools.cache
def load_mbi() -> ModuleType:
    """private-pgm's ``mbi`` package (imports JAX), with JAX configured as described in the module docstring."""
    try:
        import jax
    except ImportError as exc:
        raise _missing("JAX", exc) from None
    if jax.config.jax_compilation_cache_dir is None:  # no cache configured by the user: nothing of theirs changes
        jax.config.update("jax_enable_compilation_cache", False)
    try:
        with warnings.catch_warnings():
            # mbi warns at import that JAX runs in float32: our fits run inside jax_x64(), so it does not apply
            warnings.filterwarnings("ignore", message="JAX is running in float32", category=UserWarning)
            import mbi
    except ImportError as exc:
        raise _missing("private-pgm (mbi)", exc) from None
    return mbi


@functools.cache
def load_opendp() -> ModuleType:
    """``opendp.prelude`` with the contrib features our queries use enabled."""
    try:
        import opendp.prelude as dp
    except ImportError as exc:
        raise _missing("OpenDP", exc) from None
    dp.enable_features("contrib")
    return dp


@contextlib.contextmanager
def jax_x64() -> Iterator[None]:
    """64-bit JAX for the duration of a fit only."""
    import jax

    with jax.enable_x64(True):
        yield
