"""Flower's Simulation Runtime in this process: ServerApp thread, in-memory LinkState and Grid, and the Fleet
simulation loop (``vce_api.run_api``) with a backend that runs the ClientApps in a pool of this process's threads.

Why not ``flwr.simulation.run_simulation`` with Ray: it always shuts Ray down at the end (8–10 s to start it again
for the next run, measured here), copies each client's data into Ray workers, and draws the clients' randomness in
other processes. Here the same Flower pieces run (the ServerApp, the legacy workflows incl. SecAgg+, the message
queues and LinkState, the ClientApp with its mods), only the backend differs: nothing to start, data shared in
memory, one thread per core.
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["ThreadBackend", "message_seed", "run_in_process"]

_SECAGG_LOCK = threading.Lock()
_RNG_LOCK = threading.Lock()


def _backend_class():
    from flwr.server.superlink.fleet.vce.backend import Backend

    class ThreadBackend(Backend):
        """Runs ClientApps in ``workers`` threads of this process; the first client error is kept and re-raised.

        With secure aggregation the ClientApp calls run one at a time with numpy's global generator seeded per
        message (SecAgg+'s stochastic rounding draws from it), so the same seed gives the same numbers.
        """

        def __init__(self, workers: int, seed: int, serial_seeded: bool) -> None:
            super().__init__({})
            self.workers, self.seed, self.serial = workers, seed, serial_seeded
            self.app = None
            self.error: BaseException | None = None
            self.calls = 0

        def build(self, app_fn) -> None:
            self.app = app_fn()

        @property
        def num_workers(self) -> int:
            return self.workers

        def is_worker_idle(self) -> bool:
            return True

        def terminate(self) -> None:
            self.app = None

        def process_message(self, message, context):
            message = copy.deepcopy(message)  # as over a wire: SecAgg+ mods edit the content the server may share
            try:
                if self.serial:
                    with _SECAGG_LOCK:  # SecAgg+'s rounding draws from numpy's global generator: seed it per
                        self.calls += 1  # message, and give the server (Flower's central-DP noise) its own back
                        saved = np.random.get_state()
                        np.random.seed(message_seed(self.seed, context, message))
                        try:
                            reply = self.app(message, context)
                        finally:
                            np.random.set_state(saved)
                else:
                    reply = self.app(message, context)
            except BaseException as exc:
                self.error = self.error or exc
                raise
            return reply, context

    return ThreadBackend


def message_seed(seed: int, context: Any, message: Any) -> int:
    import hashlib

    meta = message.metadata
    key = f"{seed}:{context.node_config.get('partition-id')}:{meta.message_type}:{meta.group_id}"
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "little")


def ThreadBackend(*args: Any, **kwargs: Any) -> Any:
    return _backend_class()(*args, **kwargs)


def run_in_process(
    job: Any, server_app: Any, client_app: Any, *, backend: Any = None, app_fn: Any = None, workers: int | None = None
) -> None:
    """Run ``server_app`` against ``len(job.clients)`` simulated SuperNodes running ``client_app``.

    ``backend`` is a Flower simulation ``Backend`` (default: a :func:`ThreadBackend` over ``workers`` threads) and
    ``app_fn`` what it calls to get the ClientApp (default: returns ``client_app``). Raises the first client or
    server error.
    """
    from queue import Queue

    from flwr.app import Context, RecordDict
    from flwr.app.user_config import UserConfig
    from flwr.common.constant import RUN_ID_NUM_BYTES, SUPERLINK_NODE_ID, TASK_ID_NUM_BYTES
    from flwr.proto.task_pb2 import Task
    from flwr.server.superlink.fleet.vce import vce_api
    from flwr.server.superlink.fleet.vce.metrics import VceMetrics
    from flwr.server.superlink.linkstate import LinkStateFactory
    from flwr.server.superlink.linkstate.in_memory_linkstate import RunRecord
    from flwr.server.superlink.linkstate.utils import generate_rand_int_from_bytes
    from flwr.simulation.run_simulation import run_serverapp_th
    from flwr.supercore.constant import FLWR_IN_MEMORY_DB_NAME, NOOP_FEDERATION_ID
    from flwr.supercore.object_store import ObjectStoreFactory
    from flwr.supercore.run import Run
    from flwr.supercore.task_identity import TaskIdentity
    from flwr.superlink.federation import NoOpFederationManager
    from flwr.superlink.grid import InMemoryGrid

    n = len(job.clients)
    if backend is None:
        backend = ThreadBackend(workers or min(n, os.cpu_count() or 1), job.config.seed, job.config.secure_aggregation)
    state_factory = LinkStateFactory(FLWR_IN_MEMORY_DB_NAME, NoOpFederationManager(), ObjectStoreFactory())
    run = Run.create_empty(run_id=generate_rand_int_from_bytes(RUN_ID_NUM_BYTES))
    run.primary_task_id = generate_rand_int_from_bytes(TASK_ID_NUM_BYTES)
    run.federation_id = NOOP_FEDERATION_ID
    TaskIdentity.task_id, TaskIdentity.run_id, TaskIdentity.node_id = 1, run.run_id, SUPERLINK_NODE_ID  # as Flower's
    state = state_factory.state()
    state.run_ids[run.run_id] = RunRecord(run=run)
    state.task_store[run.primary_task_id] = Task(task_id=run.primary_task_id, run_id=run.run_id)
    grid = InMemoryGrid(state_factory=state_factory, pull_interval=0.01)
    grid.set_run(run)
    nodes = vce_api._register_nodes(num_nodes=n, state_factory=state_factory)
    job.node_partitions = dict(nodes)
    stores = vce_api._register_node_info_stores(nodes, run)
    f_stop = threading.Event()
    errors: Queue = Queue()
    context = Context(run_id=run.run_id, node_id=0, node_config=UserConfig(), state=RecordDict(),
                      run_config=UserConfig())  # fmt: skip
    server = run_serverapp_th(None, server_app, context, grid, "", f_stop, errors, False, Queue())
    try:
        app_fn = app_fn or (lambda: client_app)
        vce_api.run_api(app_fn, lambda: backend, nodes, state_factory, stores, f_stop, VceMetrics())
    finally:
        f_stop.set()
        server.join()
    if not errors.empty():
        raise errors.get()
    if getattr(backend, "error", None) is not None:
        raise backend.error


@contextlib.contextmanager
def saved_global_rngs() -> Iterator[None]:
    """Flower's central-DP noise draws from numpy's global generator and client sampling from Python's ``random``:
    the run seeds them; the caller's states are put back afterwards."""
    import random

    with _RNG_LOCK:
        np_state, py_state = np.random.get_state(), random.getstate()
        try:
            yield
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)
