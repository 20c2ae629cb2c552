"""Reference models for RMIA / LiRA: trained by the workbench trainer with the target's settings, in parallel."""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import multiprocessing
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench._processes import defined_in_main, main_hidden
from workbench.audit._target import AuditTarget, logit_confidence, model_logits

__all__ = ["ReferenceSignals", "signals", "train_references"]

_WORKER_STOP: Any = None  # set in each worker process by _init_worker
_PRELOAD = ["torch", "pandas", "workbench.dp", "workbench.audit._reference"]


@dataclass(frozen=True)
class ReferenceSignals:
    """Per-record signals of one model on the audited members, non-members and the population rows.

    ``phi``: logit-scaled confidence of the true label; ``p``: its softmax probability (both float64).
    """

    phi: tuple[np.ndarray, np.ndarray, np.ndarray]
    p: tuple[np.ndarray, np.ndarray, np.ndarray]
    stopped: bool = False
    seconds: float = 0.0


def _probability(logits: np.ndarray, y: Any) -> np.ndarray:
    y = np.asarray(y, dtype=np.int64)
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e[np.arange(y.size), y] / e.sum(axis=1)


def signals(model: Any, encoder: Any, frames: tuple[Any, ...]) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Logit-scaled confidence and true-label probability of ``model`` on each frame, encoded by ``encoder``."""
    phis, ps = [], []
    for frame in frames:
        x, y = encoder.transform(frame)
        logits = model_logits(model, x)
        phis.append(logit_confidence(logits, y.numpy()))
        ps.append(_probability(logits, y.numpy()))
    return tuple(phis), tuple(ps)


def _fit_one(train: Any, test: Any, target: str, config: Any, frames: tuple[Any, ...], stop: Any) -> ReferenceSignals:
    from workbench.dp import train_on_frames

    start = time.perf_counter()
    result = train_on_frames(train, test, target=target, config=config, stop=stop, progress=False)
    if getattr(result, "stopped", False):
        return ReferenceSignals(phi=(), p=(), stopped=True, seconds=time.perf_counter() - start)
    phi, p = signals(result.model, result.encoder, frames)
    return ReferenceSignals(phi=phi, p=p, seconds=time.perf_counter() - start)


def _init_worker(stop_event: Any) -> None:
    import torch

    global _WORKER_STOP
    _WORKER_STOP = stop_event
    torch.set_num_threads(1)


def _worker(train: Any, test: Any, target: str, config: Any, frames: tuple[Any, ...]) -> ReferenceSignals:
    return _fit_one(train, test, target, config, frames, _WORKER_STOP)


def _config_for(config: Any, seed: int, *, one_thread: bool) -> Any:
    """The target's training settings with a new seed and no rows kept aside (the reference uses all it gets)."""
    changes: dict[str, Any] = {"seed": seed}
    names = {f.name for f in dataclasses.fields(config)}
    if "audit_fraction" in names:
        changes["audit_fraction"] = 0.0
    if one_thread and "threads" in names:
        changes["threads"] = 1
    return dataclasses.replace(config, **changes)


def split_reference_frame(target: AuditTarget, rows: int, n_reference: int, seed: int) -> tuple[list[Any], Any]:
    """Training rows for each reference model, and the population rows (used by none of them)."""
    frame = target.reference_frame
    rng = np.random.default_rng([seed, 7])
    order = rng.permutation(len(frame))
    half = len(frame) // 2
    pool, population = frame.iloc[np.sort(order[:half])], frame.iloc[np.sort(order[half:])]
    trains = []
    for k in range(n_reference):
        pick = np.random.default_rng([seed, 11, k]).permutation(len(pool))[:rows]
        trains.append(pool.iloc[np.sort(pick)])
    return trains, population


def train_references(
    target: AuditTarget,
    *,
    rows: int,
    n_reference: int,
    seed: int,
    n_jobs: int,
    stop: threading.Event | None,
    bar: Any,
) -> tuple[list[ReferenceSignals], Any, bool]:
    """Train the reference models and return their signals, the population frame and whether ``stop`` cut in.

    ``n_jobs == 1`` trains in this process (the caller's ``stop`` is passed straight to the trainer); otherwise a
    pool of worker processes, one torch thread each, shares a process-safe stop flag that mirrors ``stop``.
    """
    run = target.run
    trains, population = split_reference_frame(target, rows, n_reference, seed)
    frames = (target.member_frame, target.non_member_frame, population)
    if multiprocessing.current_process().daemon or defined_in_main(getattr(run.config, "model", None)):
        n_jobs = 1  # inside a pool worker already (no grandchildren), or a model class only __main__ knows
    configs = [_config_for(run.config, seed * 1000 + 101 + k, one_thread=n_jobs > 1) for k in range(n_reference)]
    done: dict[int, ReferenceSignals] = {}
    stopped = False
    if n_jobs == 1:
        for k in range(n_reference):
            if stop is not None and stop.is_set():
                stopped = True
                break
            sig = _fit_one(trains[k], population, run.target, configs[k], frames, stop)
            if sig.stopped:
                stopped = True
                break
            done[k] = sig
            bar.update(1)
        return [done[k] for k in sorted(done)], population, stopped

    # forkserver: workers fork from a clean server that imported torch once (fast start, no threads inherited), and
    # unlike "spawn" they never re-run the user's __main__ script (scripts need no `if __name__ == "__main__"`).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    shared_stop = context.Event()
    with cf.ProcessPoolExecutor(
        max_workers=n_jobs, mp_context=context, initializer=_init_worker, initargs=(shared_stop,)
    ) as pool:
        with main_hidden():
            index = {
                pool.submit(_worker, trains[k], population, run.target, configs[k], frames): k
                for k in range(n_reference)
            }
        pending = set(index)
        while pending:
            finished, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                if future.cancelled():
                    continue
                sig = future.result()
                if sig.stopped:
                    stopped = True
                else:
                    done[index[future]] = sig
                    bar.update(1)
            if stop is not None and stop.is_set() and not stopped:
                stopped = True
                shared_stop.set()
                for future in pending:
                    future.cancel()
    return [done[k] for k in sorted(done)], population, stopped
