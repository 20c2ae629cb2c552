"""MPC inference with CrypTen: the model owner, the data owner (and a helper) as forked local processes.

Party 0 is the model owner (the server), party 1 the data owner, party 2 (when ``parties=3``) a helper that only
holds shares. A trusted dealer process (CrypTen's "TTP" provider) hands out the Beaver triples and comparison masks;
it never sees an input. Every party keeps torch and OpenMP to one thread: a process forked from a parent that had
used torch's OpenMP threads hung in CrypTen's encoder otherwise.
"""

from __future__ import annotations

import os
import queue as queue_module
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.encrypted._crypten_compat import import_crypten
from workbench.encrypted._model import LayerStack
from workbench.errors import WorkerError

__all__ = ["DATA_OWNER", "MODEL_OWNER", "MPCOutcome", "run_mpc"]

MODEL_OWNER, DATA_OWNER = 0, 1
_PHASE_KEYS = ("key_generation", "encrypt", "compute", "decrypt", "communication")
#: seconds without any message from the parties before they are taken for hung
_SILENCE_LIMIT = 300.0


@dataclass
class MPCOutcome:
    """The scores revealed to the data owner and the cost per phase (the slowest party's seconds)."""

    outputs: np.ndarray
    rows_done: int
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(_PHASE_KEYS, 0.0))
    party_bytes: dict[str, int] = field(default_factory=dict)
    rounds: int = 0
    batches: int = 0
    wall_seconds: float = 0.0


def run_mpc(
    stack: LayerStack,
    X: np.ndarray,
    *,
    parties: int,
    batch_rows: int = 4096,
    on_batch: Callable[[int], None] | None = None,
    stop: Any = None,
) -> MPCOutcome:
    """Secret-share the model (party 0) and the rows (party 1), evaluate the layers with ReLU, reveal the scores
    to party 1 only."""
    import multiprocessing as mp

    import_crypten()  # in the parent, so the forked parties inherit the imported modules (and a missing one fails here)
    ctx = mp.get_context("fork")
    folder = tempfile.mkdtemp(prefix="wb-mpc-")
    messages, halt = ctx.Queue(), ctx.Event()
    shapes = [(w.shape, b.shape) for w, b in zip(stack.weights, stack.biases, strict=True)]
    processes = []
    for rank in range(parties + 1):  # the last one is the dealer
        layers = list(zip(stack.weights, stack.biases, strict=True)) if rank == MODEL_OWNER else None
        rows = np.asarray(X, dtype=np.float32) if rank == DATA_OWNER else None
        job = (rank, parties, os.path.join(folder, "rendezvous"), messages, halt, shapes, layers, rows, len(X))
        processes.append(ctx.Process(target=_party, args=(*job, batch_rows), daemon=True))
    start = time.perf_counter()
    try:
        for p in processes:
            p.start()
        reports = _collect(processes, messages, halt, parties, on_batch, stop)
    finally:
        halt.set()
        for p in processes:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
                p.join()
        shutil.rmtree(folder, ignore_errors=True)
    out = MPCOutcome(outputs=reports[DATA_OWNER]["outputs"], rows_done=reports[DATA_OWNER]["rows"])
    out.wall_seconds = time.perf_counter() - start
    out.batches = reports[DATA_OWNER]["batches"]
    for phase in _PHASE_KEYS:
        out.seconds[phase] = max(r["seconds"].get(phase, 0.0) for r in reports.values())
    names = {MODEL_OWNER: "model_owner", DATA_OWNER: "data_owner", 2: "helper", parties: "dealer"}
    out.party_bytes = {names[rank]: int(r["bytes"]) for rank, r in sorted(reports.items())}
    out.rounds = max(int(r["rounds"]) for r in reports.values())
    return out


def _collect(processes, messages, halt, parties, on_batch, stop) -> dict[int, dict]:
    reports: dict[int, dict] = {}
    last = time.monotonic()
    while len(reports) < parties + 1:
        if stop is not None and stop.is_set():
            halt.set()  # the parties agree on stopping at the next batch
        try:
            kind, rank, payload = messages.get(timeout=0.1)
        except queue_module.Empty:
            dead = [p for p in processes if p.exitcode not in (None, 0)]
            if dead or time.monotonic() - last > _SILENCE_LIMIT:
                raise WorkerError(
                    "An MPC party process ended abruptly or hung (exit codes "
                    f"{[p.exitcode for p in processes]}); run again, or with fewer rows per batch."
                ) from None
            continue
        last = time.monotonic()
        if kind == "progress" and on_batch is not None:
            on_batch(payload)
        elif kind == "error":
            raise WorkerError(f"MPC party {rank} failed: {payload}")
        elif kind == "done":
            reports[rank] = payload
    return reports


def _party(rank, parties, rendezvous, messages, halt, shapes, layers, rows, n_rows, batch_rows) -> None:
    """One party (or the dealer when ``rank == parties``), in its own forked process."""
    try:
        os.environ.update(
            WORLD_SIZE=str(parties),
            RANK=str(rank),
            RENDEZVOUS=f"file://{rendezvous}",
            DISTRIBUTED_BACKEND="gloo",
            OMP_NUM_THREADS="1",
        )
        import torch

        torch.set_num_threads(1)
        crypten = import_crypten()
        crypten.cfg.mpc.provider = "TTP"
        crypten.cfg.communicator.verbose = True
        if rank == parties:
            report = _dealer(crypten)
        else:
            report = _evaluate(crypten, torch, rank, messages, halt, shapes, layers, rows, n_rows, batch_rows)
        messages.put(("done", rank, report))
    except BaseException as exc:  # the parent turns it into a one-line WorkerError
        messages.put(("error", rank, f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"))
        raise SystemExit(1) from None


def _dealer(crypten: Any) -> dict:
    import crypten.communicator as comm

    crypten.mpc.provider.TTPServer()  # serves requests until party 0 says "terminate"
    stats = comm.get().get_communication_stats()
    return {"seconds": {}, "bytes": stats["bytes"], "rounds": stats["rounds"]}


def _evaluate(crypten, torch, rank, messages, halt, shapes, layers, rows, n_rows, batch_rows) -> dict:
    import crypten.communicator as comm

    seconds = dict.fromkeys(_PHASE_KEYS, 0.0)
    t0 = time.perf_counter()
    crypten.init()
    seconds["key_generation"] = time.perf_counter() - t0

    def share(value: Any, shape: tuple, src: int) -> Any:
        tensor = torch.as_tensor(value, dtype=torch.float32) if rank == src else torch.zeros(shape)
        return crypten.cryptensor(tensor, src=src)

    t0 = time.perf_counter()
    model = []
    for i, (w_shape, b_shape) in enumerate(shapes):
        w, b = layers[i] if rank == MODEL_OWNER else (None, None)
        model.append((share(None if w is None else w.T, w_shape[::-1], MODEL_OWNER), share(b, b_shape, MODEL_OWNER)))
    seconds["encrypt"] += time.perf_counter() - t0
    outputs, done, batches = [], 0, 0
    for start in range(0, n_rows, batch_rows):
        flag = torch.tensor([int(halt.is_set())])
        if comm.get().broadcast(flag, MODEL_OWNER).item():  # every party stops at the same batch
            break
        n = min(batch_rows, n_rows - start)
        t0 = time.perf_counter()
        x = share(None if rows is None else rows[start : start + n], (n, shapes[0][0][1]), DATA_OWNER)
        seconds["encrypt"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        h = x
        for i, (w, b) in enumerate(model):
            if i > 0:
                h = h.relu()
            h = h.matmul(w) + b
        seconds["compute"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        revealed = h.get_plain_text(dst=DATA_OWNER)
        seconds["decrypt"] += time.perf_counter() - t0
        if rank == DATA_OWNER:
            outputs.append(revealed.double().numpy())
            messages.put(("progress", rank, n))
        done, batches = done + n, batches + 1
    stats = comm.get().get_communication_stats()
    seconds["communication"] = float(stats["time"])
    crypten.uninit()
    width = shapes[-1][0][0]
    result = np.concatenate(outputs) if outputs else np.zeros((0, width))
    return {
        "seconds": seconds,
        "bytes": stats["bytes"],
        "rounds": stats["rounds"],
        "outputs": result,
        "rows": done,
        "batches": batches,
    }
