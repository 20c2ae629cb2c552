"""Background work for the dashboard: a :class:`Job` runs one task in a thread, reporting through traits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from traitlets import Any as AnyTrait
from traitlets import Float, HasTraits, Unicode

from workbench.errors import WorkbenchError

__all__ = ["Job", "Report", "describe_error"]

Report = Callable[[float, str], None]
"""``report(fraction_done, message)``, called by a task to show its progress."""


def describe_error(exc: BaseException) -> str:
    """A readable one-line message for the panel: the workbench message as is, else the error type and text."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, WorkbenchError):
        text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= 400 else text[:397] + "..."


class Job(HasTraits):
    """One task at a time in a background thread, with progress, a stop signal, the result or a readable error.

    The task is called as ``task(stop, report)``: ``stop`` is a :class:`threading.Event` to pass on as ``stop=``
    to the core, ``report(fraction, message)`` updates :attr:`progress` and :attr:`message`.

    Examples
    --------
    >>> job = Job()
    >>> job.start(lambda stop, report: 6 * 7)
    True
    >>> job.wait(5), job.result
    ('done', 42)
    >>> job.start(lambda stop, report: 1 / 0) and job.wait(5)
    'error'
    >>> job.error
    'ZeroDivisionError: division by zero'
    """

    status = Unicode("idle", help="idle, running, done, stopped or error")
    progress = Float(0.0, help="share of the work done, 0 to 1")
    message = Unicode("", help="what the task is doing now")
    error = Unicode("", help="a readable one-line message when the task failed")
    result = AnyTrait(None, help="what the last task returned")
    seconds = Float(0.0, help="wall time of the last task")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def stop_event(self) -> threading.Event:
        return self._stop

    def start(
        self, task: Callable[[threading.Event, Report], Any], on_done: Callable[[Any], None] | None = None
    ) -> bool:
        """Run ``task`` in a new thread; ``False`` (and nothing started) while another task still runs."""
        with self._lock:
            if self.running:
                return False
            self._stop = threading.Event()
            self.error = ""
            self.progress = 0.0
            self.message = "starting…"
            self.status = "running"
            self._thread = threading.Thread(target=self._run, args=(task, on_done, self._stop), daemon=True)
            self._thread.start()
            return True

    def stop(self) -> None:
        """Ask the running task to stop at its next check."""
        self._stop.set()
        if self.running:
            self.message = "stopping…"

    def wait(self, timeout: float | None = None) -> str:
        """Wait for the task to end (at most ``timeout`` seconds); return :attr:`status`."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status

    def report(self, fraction: float, message: str = "") -> None:
        """Update progress; usable as a ``report`` callback by tasks and by core callbacks."""
        self.progress = min(max(float(fraction), 0.0), 1.0)
        if message:
            self.message = message

    def _run(self, task: Callable, on_done: Callable | None, stop: threading.Event) -> None:
        started = time.perf_counter()
        try:
            result = task(stop, self.report)
            if on_done is not None:
                on_done(result)
        except Exception as exc:  # a worker thread must report every failure in the panel
            self.seconds = time.perf_counter() - started
            self.error = describe_error(exc)
            self.message = "failed"
            self.status = "error"
            return
        self.seconds = time.perf_counter() - started
        self.result = result
        if stop.is_set():
            self.message = f"stopped after {self.seconds:.1f} s"
            self.status = "stopped"
        else:
            self.progress = 1.0
            self.message = f"done in {self.seconds:.1f} s"
            self.status = "done"
