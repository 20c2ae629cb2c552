"""Flower, imported on first use: a missing Flower is a one-line error naming the install command."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

from workbench.errors import MissingDependencyError

__all__ = ["INSTALL", "quiet_flower", "require_flower"]

INSTALL = 'pip install "privacy-workbench[federated]"'


def require_flower() -> None:
    """Import Flower (telemetry off) or raise :class:`~workbench.errors.MissingDependencyError` naming the extra."""
    os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")  # no calls home (and no internet here)
    os.environ.setdefault("FLWR_DISABLE_UPDATE_CHECK", "1")
    try:
        import flwr  # noqa: F401
    except ImportError:
        raise MissingDependencyError(f"Federated learning needs Flower: {INSTALL}") from None


@contextlib.contextmanager
def quiet_flower(verbose: bool = False) -> Iterator[None]:
    """Silence Flower's per-round INFO logging while a run lasts (restored after); warnings still show."""
    logger = logging.getLogger("flwr")
    before = logger.level
    if not verbose:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(before)
