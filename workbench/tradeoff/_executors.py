"""Where the points of a sweep run: local processes (default), in-process, a Dask client, any Executor.

Each runner hands out ``concurrent.futures.Future`` objects, so the sweep loop is the same for all of them.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import functools
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from workbench._processes import main_hidden, main_importable
from workbench.errors import InvalidParameterError, WorkerError, warn_user
from workbench.tradeoff._worker import USE_WORKER_STOP, init_worker

__all__ = ["EXECUTOR_NAMES", "Runner", "cpu_count", "open_runner", "shutdown_pool"]

EXECUTOR_NAMES = ("processes", "serial")
# modules a fresh worker needs; the fork server imports them once, every worker process inherits them (not Opacus:
# a second or more to import, and the built-in models and PRV/RDP accounting never use it)
_PRELOAD = [
    "numpy",
    "pandas",
    "scipy.stats",
    "scipy.fft",
    "torch",
    "workbench.dp",
    "workbench.audit",
    "workbench.tradeoff._builtin",
    "workbench.dp._stacked",
]


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Runner:
    """Submit point tasks and wait for them; ``stop_arg``/``threads`` are passed to every task."""

    name = "executor"
    stop_arg: Any = None
    threads: int | None = None
    parallelism: int = 1  # points that run at the same time
    starting: bool = False  # True while its workers are still starting (the caller may compute a task meanwhile)

    def __init__(self, executor: cf.Executor) -> None:
        self.executor = executor

    def put_dataset(self, ref: Any) -> Any:
        return ref

    def submit(self, fn: Callable, *args: Any) -> cf.Future:
        return self.executor.submit(fn, *args)

    def wait(self, pending: set[cf.Future], timeout: float) -> tuple[set[cf.Future], set[cf.Future]]:
        done, not_done = cf.wait(pending, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return set(done), set(not_done)

    def signal_stop(self) -> None:
        """Ask points already running to stop (where the executor can reach them)."""

    def close(self, pending: Iterable[cf.Future]) -> None:
        for future in pending:
            future.cancel()


class ExecutorRunner(Runner):
    """Any ``concurrent.futures.Executor`` the user owns (it is not shut down here)."""

    def __init__(self, executor: cf.Executor, stop: threading.Event) -> None:
        super().__init__(executor)
        self.name = type(executor).__name__
        self.parallelism = int(getattr(executor, "_max_workers", 0) or cpu_count())
        # threads share memory with us: they can watch the user's stop event directly
        if isinstance(executor, cf.ThreadPoolExecutor):
            self.stop_arg = stop
        # one torch thread per point, as on Dask: processes do not fight, and a worker forked from this process
        # (the "fork" start method) must not start torch's OpenMP threads, which would hang it
        if isinstance(executor, cf.ProcessPoolExecutor):
            self.threads = 1


class SerialRunner(Runner):
    """Runs each point in this process when the sweep waits for it, in grid order (no parallelism)."""

    name = "serial"

    def __init__(self, stop: threading.Event) -> None:
        self._calls: dict[cf.Future, tuple[Callable, tuple]] = {}
        self._order: list[cf.Future] = []
        self.stop_arg = stop

    def submit(self, fn: Callable, *args: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        self._calls[future] = (fn, args)
        self._order.append(future)
        return future

    def wait(self, pending: set[cf.Future], timeout: float) -> tuple[set[cf.Future], set[cf.Future]]:
        future = next(f for f in self._order if f in pending)
        fn, args = self._calls.pop(future)
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # delivered to the sweep loop like any executor's failure
                future.set_exception(exc)
        return {future}, pending - {future}


class _ProcessPool:
    """Worker processes (forked from a server that imported torch once) and the event that stops their points.

    Its workers import the user's main script only when ``with_main`` (the sweep uses an object defined there).
    """

    def __init__(self, workers: int, with_main: bool) -> None:
        self.workers, self.with_main = workers, with_main
        self.threads = max(1, cpu_count() // workers)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        self.stop_event = context.Event()
        self.executor = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=init_worker, initargs=(self.threads, self.stop_event)
        )
        self.started = False  # True once tasks were handed to its workers (the fork server has started)

    def submit(self, fn: Callable, *args: Any) -> cf.Future:
        """Hand a task to the pool (the worker processes start here, the first ones with the fork server)."""
        if self.with_main:
            return self.executor.submit(fn, *args)
        with main_hidden():
            return self.executor.submit(fn, *args)

    @property
    def usable(self) -> bool:
        return not getattr(self.executor, "_broken", False) and not getattr(self.executor, "_shutdown_thread", False)

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


# One pool is kept warm between sweeps (its workers have torch imported): the next sweep starts at once.
_WARM_LOCK = threading.Lock()
_WARM: dict[str, Any] = {"pool": None, "busy": False}


def _lease_pool(workers: int, with_main: bool) -> tuple[_ProcessPool, bool]:
    """The warm pool if it is free and of this kind, else a new one (kept warm if there is none)."""
    with _WARM_LOCK:
        pool = _WARM["pool"]
        if pool is not None and not pool.usable and not _WARM["busy"]:
            _WARM["pool"] = pool = None
        if pool is not None and not _WARM["busy"] and (pool.workers, pool.with_main) == (workers, with_main):
            _WARM["busy"] = True
            return pool, True
        fresh = _ProcessPool(workers, with_main)
        if pool is None:
            _WARM.update(pool=fresh, busy=True)
            return fresh, True
        return fresh, False


def _release_pool(pool: _ProcessPool, warm: bool) -> None:
    if not warm or not pool.usable:
        pool.shutdown()
        if warm:
            with _WARM_LOCK:
                _WARM.update(pool=None, busy=False)
        return
    pool.stop_event.clear()
    with _WARM_LOCK:
        _WARM["busy"] = False


def shutdown_pool() -> None:
    """Stop the worker processes kept warm between sweeps (they also stop when Python exits).

    Examples
    --------
    >>> from workbench.tradeoff import shutdown_pool
    >>> shutdown_pool()
    """
    with _WARM_LOCK:
        pool, busy = _WARM["pool"], _WARM["busy"]
        if pool is None or busy:
            return
        _WARM["pool"] = None
    pool.shutdown()


atexit.register(shutdown_pool)


class ProcessRunner(Runner):
    """The default: local worker processes over the cores, torch threads split between them, kept warm.

    A pool that has not started yet takes seconds to come up (its fork server imports torch), and handing it the
    first task blocks until then: such a pool gets its tasks from a starter thread, so the calling process can work
    meanwhile (``starting``; the sweep computes its first task itself).
    """

    name = "processes"

    def __init__(self, n_tasks: int, workers: int | None = None, *, with_main: bool = False) -> None:
        self.pool, self._warm = _lease_pool(max(1, workers or cpu_count()), with_main)
        super().__init__(self.pool.executor)
        self.workers, self.threads = self.pool.workers, self.pool.threads
        self.parallelism = self.workers
        self.stop_arg = USE_WORKER_STOP
        self.starting = not self.pool.started
        self._handed: dict[cf.Future, cf.Future] = {}  # the sweep's future -> the pool's, once handed over
        self._queue: list[tuple[cf.Future, Callable, tuple]] = []
        self._lock = threading.Lock()
        self._closing = False
        self._starter: threading.Thread | None = None

    def submit(self, fn: Callable, *args: Any) -> cf.Future:
        if not self.starting:
            return self.pool.submit(fn, *args)
        future: cf.Future = cf.Future()
        with self._lock:
            self._queue.append((future, fn, args))
            if self._starter is None:
                self._starter = threading.Thread(target=self._hand_over, name="workbench-pool-start", daemon=True)
                self._starter.start()
        return future

    def _hand_over(self) -> None:
        """Starter thread: give the queued tasks to the pool in order (the first call waits for it to start)."""
        while True:
            with self._lock:
                if not self._queue:
                    self._starter = None
                    return
                future, fn, args = self._queue.pop(0)
            if self._closing or not future.set_running_or_notify_cancel():
                continue
            try:
                handed = self.pool.submit(fn, *args)
            except BaseException as exc:  # a broken pool: the sweep gets the error with this task
                future.set_exception(exc)
                continue
            self.pool.started = True
            with self._lock:
                self._handed[future] = handed
            handed.add_done_callback(functools.partial(_copy_outcome, future))

    def signal_stop(self) -> None:
        self.pool.stop_event.set()

    def close(self, pending: Iterable[cf.Future]) -> None:
        pending = list(pending)
        self._closing = True
        starter = self._starter
        if starter is not None:
            starter.join()  # at most until the pool has started; tasks still queued are dropped
        super().close(pending)
        handed = [self._handed.get(f, f) for f in pending]
        for future in handed:
            future.cancel()
        running = [f for f in handed if not f.cancelled()]
        cf.wait(running)  # points already running see the stop event and return at their next step
        _release_pool(self.pool, self._warm)


def _copy_outcome(target: cf.Future, source: cf.Future) -> None:
    """Give ``target`` (already marked running) the result or error of ``source``."""
    if source.cancelled():
        target.set_exception(cf.CancelledError())
    elif source.exception() is not None:
        target.set_exception(source.exception())
    else:
        target.set_result(source.result())


class DaskStop:
    """A stop flag that Dask workers can read: a named ``distributed.Event``, asked at most every ``interval`` s."""

    def __init__(self, name: str, interval: float = 0.5) -> None:
        self.name, self.interval = name, interval
        self._event: Any = None
        self._checked, self._set = 0.0, False

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "interval": self.interval}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["name"], state["interval"])

    def is_set(self) -> bool:
        import time

        now = time.monotonic()
        if not self._set and now - self._checked >= self.interval:
            from distributed import Event

            self._checked = now
            try:
                self._event = self._event or Event(self.name)
                self._set = bool(self._event.is_set())
            except Exception:  # no scheduler reachable (e.g. called outside a worker): treat as not stopped
                self._set = False
        return self._set


class DaskRunner(Runner):
    """A ``distributed.Client``: the dataset is scattered once to every worker, one torch thread per task."""

    name = "dask"

    def __init__(self, client: Any) -> None:
        import uuid

        from distributed import Event

        super().__init__(client.get_executor(pure=False))
        self.client = client
        self.threads = 1
        self.parallelism = max(1, sum(client.nthreads().values()))
        name = f"workbench-stop-{uuid.uuid4().hex}"
        self._event = Event(name, client=client)
        self.stop_arg = DaskStop(name)

    def put_dataset(self, ref: Any) -> Any:
        return self.client.scatter(ref, broadcast=True, hash=False)

    def signal_stop(self) -> None:
        self._event.set()


def _refuse_while_main_is_imported() -> None:
    """Fail at once, with the fix, in a child process that is importing an unguarded main script.

    multiprocessing marks a starting child as ``_inheriting`` while it imports the parent's script (the flag its
    own "bootstrapping phase" error is based on).
    """
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise WorkerError(
            "A worker process re-ran your script and reached tradeoff() again: put the script's code under "
            '`if __name__ == "__main__":` (workers import the script to load the model or technique defined in it).'
        )


def _is_dask_client(executor: Any) -> bool:
    module = type(executor).__module__ or ""
    return module.startswith("distributed") and hasattr(executor, "get_executor")


def open_runner(executor: Any, n_tasks: int, stop: threading.Event, *, needs_main: bool = False) -> Runner:
    """The runner for ``executor``: None/"processes", "serial", an int, a Dask Client or a futures Executor.

    ``needs_main``: the tasks refer to an object defined in the user's ``__main__``; local worker processes then
    import the main script, and where they cannot (a notebook, ``python -c``) the points run here instead.
    """
    workers = executor if isinstance(executor, int) and not isinstance(executor, bool) and executor >= 1 else None
    if executor is None or executor == "processes" or workers is not None:
        if needs_main and not main_importable():
            warn_user(
                "The technique or model of this sweep is defined in this notebook or session, where worker processes "
                "cannot load it: its points run here, one after another. Define it in a .py module to run them in "
                "parallel, or pass executor='serial'.",
                UserWarning,
            )
            return SerialRunner(stop)
        _refuse_while_main_is_imported()
        return ProcessRunner(n_tasks, workers=workers, with_main=needs_main)
    if executor == "serial":
        return SerialRunner(stop)
    if _is_dask_client(executor):
        return DaskRunner(executor)
    if isinstance(executor, cf.Executor):
        return ExecutorRunner(executor, stop)
    raise InvalidParameterError(
        "The 'executor' parameter of tradeoff must be None or 'processes' (local processes), 'serial' (this process), "
        f"a number of worker processes, a dask.distributed Client or a concurrent.futures.Executor; got {executor!r}."
    )
