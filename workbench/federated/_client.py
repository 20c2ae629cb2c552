"""A client's local training (the workbench's fast DP-SGD loop) and its Flower ``NumPyClient`` / ``ClientApp``."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from workbench.dp import LoopPlan, build_model, train_local  # the one DP-SGD loop, as train runs it
from workbench.federated._accounting import local_schedule
from workbench.federated._job import Job, client_seed

__all__ = ["build_client_app", "fit_client", "get_weights", "set_weights"]


def get_weights(net: torch.nn.Module) -> list[np.ndarray]:
    """The model's parameters and buffers as float32 numpy arrays (Flower's exchange format)."""
    return [v.detach().cpu().numpy().copy() for v in net.state_dict().values()]


def set_weights(net: torch.nn.Module, weights: list[np.ndarray]) -> None:
    keys = list(net.state_dict().keys())
    tensors = [torch.as_tensor(np.asarray(w, dtype=np.float32)) for w in weights]
    net.load_state_dict(dict(zip(keys, tensors, strict=True)))


def new_model(job: Job) -> torch.nn.Module:
    cfg = job.config
    return build_model(cfg.model, job.n_features, job.n_classes, hidden=cfg.hidden, seed=cfg.seed)


def fit_client(job: Job, cid: int, weights: list[np.ndarray], server_round: int, mu: float) -> dict[str, Any]:
    """Train client ``cid`` from the global ``weights`` for ``local_epochs``; return its new weights and metrics.

    DP-SGD (record level) clips per-example gradients to ``max_grad_norm`` and adds the client's calibrated noise;
    FedProx's proximal term ``mu/2 ||w - w_global||^2`` is applied after each optimizer step as a decoupled,
    data-independent step ``w -= lr * mu * (w - w_global)`` (it costs no privacy).
    """
    cfg, data = job.config, job.clients[cid]
    net = new_model(job)
    set_weights(net, weights)
    rate, per_round = local_schedule(len(data.y), cfg.batch_size, cfg.local_epochs)
    sigma = job.noise.client_sigmas[cid]
    plan = LoopPlan(rate, per_round // cfg.local_epochs, cfg.local_epochs, sigma, cfg.max_grad_norm, cfg.learning_rate,
                cfg.optimizer, client_seed(cfg, server_round, cid))  # fmt: skip
    on_step = [_proximal(net, mu * cfg.learning_rate)] if mu > 0 else []
    started = time.perf_counter()
    outcome = train_local(net, data.X, data.y, plan, on_step=on_step)
    seconds = time.perf_counter() - started
    losses = [row["loss"] for row in outcome.history if not math.isnan(row["loss"])]
    return {
        "weights": get_weights(net),
        "rows": len(data.y),
        "metrics": {"client": cid, "loss": float(np.mean(losses)) if losses else math.nan, "steps": outcome.steps,
                    "train_seconds": seconds, "rows": len(data.y)},
    }  # fmt: skip


def _proximal(net: torch.nn.Module, step: float) -> Callable[[dict], None]:
    anchor = [p.detach().clone() for p in net.parameters()]

    def pull(_: dict) -> None:
        with torch.no_grad():
            for p, a in zip(net.parameters(), anchor, strict=True):
                p.sub_(p - a, alpha=step)

    return pull


def build_client_app(job_for: Callable[[Any], Job], *, secure_aggregation: bool, client_clipping: bool = False) -> Any:
    """A Flower ``ClientApp`` whose clients train on their own rows; ``job_for(context)`` finds the run's data.

    Secure aggregation runs the legacy ``NumPyClient`` path with Flower's ``secaggplus_mod`` (the only path SecAgg+
    supports in Flower 1.42). ``client_clipping`` adds Flower's ``fixedclipping_mod`` inside it, so that each update
    is clipped before it is masked. Under client-level DP every client reports weight 1 (the accounting assumes an
    unweighted mean, and SecAgg+ applies the weights on the client).
    """
    from flwr.client import NumPyClient
    from flwr.client.mod import fixedclipping_mod, secaggplus_mod
    from flwr.clientapp import ClientApp

    class WorkbenchClient(NumPyClient):
        def __init__(self, job: Job, cid: int) -> None:
            self.job, self.cid = job, cid

        def get_parameters(self, config):
            return get_weights(new_model(self.job))

        def fit(self, parameters, config):
            server_round = int(config.get("server_round", 0))
            out = fit_client(self.job, self.cid, parameters, server_round, float(config.get("proximal_mu", 0.0)))
            weight = 1 if self.job.config.dp == "client" else out["rows"]
            return out["weights"], weight, out["metrics"]

    def client_fn(context):
        job = job_for(context)
        return WorkbenchClient(job, int(context.node_config["partition-id"])).to_client()

    mods = [secaggplus_mod] if secure_aggregation else []
    if client_clipping:
        mods.append(fixedclipping_mod)  # innermost: clips the update before SecAgg+ masks it
    return ClientApp(client_fn=client_fn, mods=mods or None)
