"""``engine="ray"``: Flower's simulation runtime with Flower's own ``RayBackend`` (one CPU per client), kept warm.

The same Flower pieces as the thread engine (``vce_api.run_api``, the ServerApp thread, in-memory LinkState and
Grid) with Flower's ``RayBackend`` running the ClientApps in Ray actors, ``client_resources={"num_cpus": 1}``.
Unlike ``flwr.simulation.run_simulation``, which shuts Ray down at the end of every call, Ray and the pool of
actors stay up for the process (Ray shuts itself down at interpreter exit), so the next run finds warm workers with
torch, Flower and the workbench already imported. The clients' data is ``ray.put`` once per run; each actor fetches
it once and keeps it in a module-level cache keyed by the object's id (the ClientApp is this module's function,
pickled by reference, never from ``__main__``). Runs on Ray in one process take turns on the actor pool.

Reproducibility: every client's batches and noise come from its (settings, round, client) seed, torch runs one
thread per actor, and with secure aggregation numpy's global generator is seeded per message in the actor (SecAgg+'s
stochastic rounding draws from it), as in the thread engine: the same seed gives the same numbers on both.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any

from workbench.errors import MissingDependencyError, WorkbenchError, WorkerError
from workbench.federated._flower import INSTALL

__all__ = ["run_on_ray"]

CLIENT_RESOURCES = {"num_cpus": 1}  # one CPU per client: Flower's default (2) runs clients one after another here
_RUN_LOCK = threading.Lock()  # the actor pool serves one run at a time
_POOL: dict[str, Any] = {}  # the warm actor pool and the Ray session it belongs to
_JOBS: OrderedDict[str, Any] = OrderedDict()  # in each actor: the client-side jobs seen lately, by object id
_KEEP_JOBS = 2


def run_on_ray(job: Any, server_app: Any) -> None:
    """Run ``server_app`` against ``len(job.clients)`` simulated SuperNodes whose ClientApps run in Ray actors.

    Raises :class:`~workbench.errors.WorkerError` (one line, naming ``engine='threads'``) when Ray cannot start, and
    the first client error as one line.
    """
    from workbench.federated._runtime import run_in_process

    with _RUN_LOCK:
        ray = start_ray()
        ref = ray.put(_client_job(job))
        app_fn = functools.partial(client_app, ref.hex(), ref, job.config.seed, job.config.secure_aggregation)
        backend = _backend_class()(CLIENT_RESOURCES)
        try:
            run_in_process(job, server_app, None, backend=backend, app_fn=app_fn)
        except WorkbenchError:
            raise
        except Exception as exc:
            raise backend.failure(exc) from None
        finally:
            del ref


def start_ray() -> Any:
    """Ray, started once for the process (with this workbench importable in its workers), or a one-line error."""
    try:
        import ray
    except ImportError:
        raise MissingDependencyError(
            f"engine='ray' needs Ray (Flower's simulation extra): {INSTALL}, or use engine='threads'"
        ) from None
    if ray.is_initialized():
        return ray
    root = str(Path(__file__).resolve().parents[2])  # the folder holding this workbench package
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    before = _ray_children()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # Ray's tip about accelerator variables (no GPU used)
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False,
                     runtime_env={"env_vars": {"PYTHONPATH": path, "FLWR_TELEMETRY_ENABLED": "0"}})  # fmt: skip
    except Exception as exc:
        ray.shutdown()
        _end(_ray_children() - before)  # a failed start leaves its GCS, dashboard and monitors running otherwise
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise WorkerError(
            f"Ray could not start ({reason}); run on engine='threads' (this process, nothing to start) instead."
        ) from None
    return ray


def _ray_children() -> set[int]:
    """This process's children that run Ray's programs (read from /proc; empty where there is none)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != os.getpid():
                continue
            if b"/ray/" in (stat.parent / "cmdline").read_bytes():
                found.add(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _end(pids: set[int]) -> None:
    """Terminate ``pids`` (this process's own children), then kill those still running after 5 s."""
    import signal
    import time

    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while pids and time.monotonic() < deadline:
        for pid in list(pids):
            try:
                ended = os.waitpid(pid, os.WNOHANG)[0] == pid
            except ChildProcessError:  # already reaped
                ended = True
            if ended:
                pids.discard(pid)
        time.sleep(0.1)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _client_job(job: Any) -> Any:
    """What the clients need: settings, their rows, noise; no test rows, callbacks or stop flag."""
    from workbench.federated._job import Job

    return Job(config=job.config, clients=job.clients, X_test=job.X_test[:0], y_test=job.y_test[:0],
               n_features=job.n_features, n_classes=job.n_classes, noise=job.noise)  # fmt: skip


def client_app(key: str, ref: Any, seed: int, secure_aggregation: bool) -> Any:
    """In an actor: the run's ClientApp over the job cached under ``key`` (fetched from Ray's store once)."""
    if key not in _JOBS:
        import ray
        import torch

        torch.set_num_threads(1)
        from workbench.federated._client import build_client_app

        job = ray.get(ref)
        clipping = job.config.clips_on_clients
        app = build_client_app(lambda _context: job, secure_aggregation=secure_aggregation, client_clipping=clipping)
        _JOBS[key] = (job, app)
        while len(_JOBS) > _KEEP_JOBS:
            _JOBS.popitem(last=False)
    return functools.partial(_call, _JOBS[key][1], seed, secure_aggregation)


def _call(app: Any, seed: int, secure_aggregation: bool, message: Any, context: Any) -> Any:
    """Run the ClientApp on one message. SecAgg+'s client-side rounding draws from numpy's global generator: it is
    seeded per message, as the thread engine does. An error is passed on as one line naming its type (Flower
    keeps only the text of a ClientApp's error)."""
    import numpy as np

    from workbench.federated._runtime import message_seed

    if secure_aggregation:
        np.random.seed(message_seed(seed, context, message))
    try:
        return app(message, context)
    except Exception as exc:
        raise RuntimeError(f"{type(exc).__name__}: {' '.join(str(exc).split())}") from None


def _backend_class() -> type:
    from flwr.server.superlink.fleet.vce.backend.raybackend import RayBackend
    from flwr.simulation.ray_transport.ray_actor import BasicActorPool, ClientAppActor

    class WarmRayBackend(RayBackend):
        """Flower's ``RayBackend`` whose actor pool outlives the run (and Ray with it); keeps the first client error."""

        def __init__(self, client_resources: dict) -> None:
            super().__init__({"client_resources": client_resources})
            self.errors: list[tuple[Any, BaseException]] = []

        def build(self, app_fn) -> None:
            import ray

            session = ray.get_runtime_context().get_node_id()
            if _POOL.get("session") != session:
                _POOL["pool"] = BasicActorPool(ClientAppActor, self.client_resources, self.actor_kwargs)
                _POOL["pool"].add_actors_to_pool(_POOL["pool"].actors_capacity)
                _POOL["session"] = session
            self.pool, self.app_fn = _POOL["pool"], app_fn

        def process_message(self, message, context):
            try:
                return super().process_message(message, context)
            except Exception as exc:
                import ray

                if isinstance(exc, ray.exceptions.RayActorError):
                    _POOL.clear()  # an actor died: the next run builds a new pool
                self.errors.append((context.node_config.get("partition-id"), exc))
                raise

        def terminate(self) -> None:
            self.pool = None  # Ray and the actors stay up for the next run

        def failure(self, exc: BaseException) -> WorkbenchError:
            """The first client error (else ``exc``) as a one-line WorkerError."""
            if not self.errors:
                return WorkerError(f"The Ray engine failed: {_one_line(exc)}")
            cid, error = self.errors[0]
            return WorkerError(f"Client {cid} failed on the Ray engine: {_one_line(error)}")

    return WarmRayBackend


def _one_line(exc: BaseException) -> str:
    """A Ray task error reduced to the client's error (``Type: message``, see :func:`_call`) on one line."""
    cause = getattr(exc, "cause", None) or exc
    text = str(cause)
    if "Message:" in text:  # Flower's ClientAppException around the client's error (Ray may add its own header)
        tail = text.rsplit("Exception ClientAppException occurred. Message:", 1)[-1].strip()
        return tail.splitlines()[0][:300] if tail else type(cause).__name__
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return f"{type(cause).__name__}: {first}"[:300]
