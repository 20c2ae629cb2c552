"""Rate limiting for live figures: run a flush at most every ``interval`` seconds, always including the last call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Throttle"]


class Throttle:
    """Call ``flush()`` at most once per ``interval`` seconds; a call inside the interval is deferred, not lost.

    Many requests inside one interval collapse into one trailing flush (on a timer thread), so the last state is
    always shown. :meth:`flush_now` flushes at once (e.g. when a task ends).

    Examples
    --------
    >>> calls = []
    >>> throttle = Throttle(lambda: calls.append(1), interval=0.5)
    >>> for _ in range(100):
    ...     throttle()
    >>> throttle.flush_now()
    >>> len(calls)
    2
    """

    def __init__(self, flush: Callable[[], None], interval: float = 0.1) -> None:
        self._flush = flush
        self.interval = interval
        self._lock = threading.RLock()
        self._last = 0.0
        self._timer: threading.Timer | None = None
        self._pending = False
        self.count = 0  # flushes done, for tests and benchmarks

    def __call__(self) -> None:
        with self._lock:
            self._pending = True
            if self._timer is not None:  # a trailing flush is already scheduled
                return
            wait = self._last + self.interval - time.monotonic()
            if wait <= 0:
                self._run()
            else:
                self._schedule(wait)

    def flush_now(self) -> None:
        """Flush a pending request now (no-op when nothing is pending)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._pending:
                self._run()

    def _schedule(self, wait: float) -> None:
        self._timer = threading.Timer(wait, self._on_timer)
        self._timer.daemon = True
        self._timer.start()

    def _on_timer(self) -> None:
        with self._lock:
            self._timer = None
            if not self._pending:
                return
            wait = self._last + self.interval - time.monotonic()
            if wait > 0:  # a flush_now() ran in between
                self._schedule(wait)
            else:
                self._run()

    def _run(self) -> None:
        self._pending = False
        self._last = time.monotonic()
        self.count += 1
        self._flush()
