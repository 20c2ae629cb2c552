"""The server side: a Flower strategy (FedAvg / FedProx, optionally Flower's central DP wrapper), wrapped so that
replies are aggregated in client order (same seed, same numbers), stop is honoured between rounds and every round
is logged; and the ``ServerApp`` running it on Flower's legacy-compatible workflow (needed by SecAgg+)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.dp import evaluate_model
from workbench.federated._accounting import SECAGG_CLIPPING_RANGE, SECAGG_QUANTIZATION_RANGE, local_schedule
from workbench.federated._client import get_weights, new_model, set_weights
from workbench.federated._job import Job, server_seed

__all__ = ["build_server_app", "epsilon_so_far"]


def epsilon_so_far(job: Job, curves: dict) -> float:
    """Privacy spent after the rounds logged so far: the worst client's DP-SGD ε (record level), or the rounds of
    central DP (client level); inf without DP."""
    from workbench.dp.accounting import EpsilonCurve

    cfg, noise = job.config, job.noise
    if cfg.dp is None:
        return math.inf
    if cfg.dp == "client":
        rounds = len({r["round"] for r in job.client_rounds})
        key = ("client", noise.flower_noise)
        if key not in curves:
            curves[key] = EpsilonCurve(cfg.accountant, noise.effective_client_sigma, 1.0, noise.delta, cfg.rounds)
        return curves[key](rounds)
    worst = 0.0
    for cid, data in enumerate(job.clients):
        rate, per_round = local_schedule(data.rows, cfg.batch_size, cfg.local_epochs)
        key = (noise.client_sigmas[cid], rate, per_round)
        if key not in curves:
            curves[key] = EpsilonCurve(cfg.accountant, key[0], rate, noise.delta, per_round * cfg.rounds)
        worst = max(worst, curves[key](int(job.participation[cid]) * per_round))
    return worst


def _make_strategy(job: Job, bytes_counter: Callable[[], int]) -> Any:
    from flwr.common import ndarrays_to_parameters
    from flwr.server.strategy import (
        DifferentialPrivacyClientSideFixedClipping,
        DifferentialPrivacyServerSideFixedClipping,
        FedAvg,
        FedProx,
    )

    cfg = job.config
    n = len(job.clients)
    net = new_model(job)
    state = {"t": time.perf_counter(), "bytes": 0, "curves": {}}

    def evaluate_fn(server_round: int, weights: list[np.ndarray], _config: dict) -> tuple[float, dict]:
        if job.stopped and not any(r["round"] == server_round for r in job.client_rounds):
            # a round after Stop trains nobody (Flower still walks through it): no history row, no evaluation
            last = job.rounds[-1]  # round 0 (the initial model) is evaluated before Stop can be seen
            return last["loss"], {"accuracy": last["accuracy"], "auc": last["auc"]}
        set_weights(net, weights)
        net.eval()
        metrics = evaluate_model(net, job.X_test, job.y_test)
        job.final_weights = [np.asarray(w).copy() for w in weights]
        now, sent = time.perf_counter(), bytes_counter()
        fits = [r for r in job.client_rounds if r["round"] == server_round]
        row = {
            "round": server_round, "accuracy": metrics["accuracy"], "auc": metrics["auc"], "loss": metrics["loss"],
            "epsilon": epsilon_so_far(job, state["curves"]) if server_round > 0 else 0.0,
            "clients": len(fits), "client_loss": float(np.nanmean([f["loss"] for f in fits])) if fits else math.nan,
            "client_seconds": max((f["train_seconds"] for f in fits), default=0.0),
            "client_seconds_total": float(sum(f["train_seconds"] for f in fits)),
            "bytes": sent - state["bytes"], "seconds": now - state["t"],
        }  # fmt: skip
        state["t"], state["bytes"] = now, sent
        job.rounds.append(row)
        if job.on_round is not None:
            job.on_round(dict(row))
        return metrics["loss"], {"accuracy": metrics["accuracy"], "auc": metrics["auc"]}

    common = dict(
        fraction_fit=cfg.fraction_fit, fraction_evaluate=0.0, min_fit_clients=max(1, math.ceil(cfg.fraction_fit * n)),
        min_evaluate_clients=0, min_available_clients=n, evaluate_fn=evaluate_fn,
        on_fit_config_fn=lambda r: {"server_round": r}, accept_failures=False,
        fit_metrics_aggregation_fn=lambda _metrics: {},
        initial_parameters=ndarrays_to_parameters(get_weights(net)),
    )  # fmt: skip
    inner = FedProx(**common, proximal_mu=cfg.mu) if cfg.strategy == "fedprox" else FedAvg(**common)
    if cfg.dp == "client":
        sampled = max(1, math.ceil(cfg.fraction_fit * n))
        wrapper = (
            DifferentialPrivacyClientSideFixedClipping
            if cfg.clipping == "client"
            else DifferentialPrivacyServerSideFixedClipping
        )
        inner = wrapper(inner, job.noise.flower_noise, cfg.clipping_norm, sampled)
    return _Ordered(inner, job)


def _ordered_class():
    from flwr.server.strategy import Strategy

    class Ordered(Strategy):
        """Delegates to ``inner``; sorts replies by client before aggregating (float sums in a fixed order), gives
        every client weight 1 under client-level DP (the accounting assumes an unweighted mean), logs each
        client's metrics, and selects no client once ``stop`` is set."""

        def __init__(self, inner: Any, job: Job) -> None:
            self.inner, self.job = inner, job

        def initialize_parameters(self, client_manager):
            return self.inner.initialize_parameters(client_manager)

        def configure_fit(self, server_round, parameters, client_manager):
            if self.job.should_stop():
                self.job.stopped = True
                return []
            manager = _SeededManager(client_manager, self.job, server_round)
            return self.inner.configure_fit(server_round, parameters, manager)

        def aggregate_fit(self, server_round, results, failures):
            if failures:
                raise RuntimeError(f"{len(failures)} client(s) failed in round {server_round}: {failures[0]!r}")
            results = sorted(results, key=lambda pair: int(pair[1].metrics["client"]))
            for _, res in results:
                cid = int(res.metrics["client"])
                self.job.participation[cid] += 1
                self.job.client_rounds.append({"round": server_round, **res.metrics})
                if self.job.config.dp == "client":
                    res.num_examples = 1
            return self.inner.aggregate_fit(server_round, results, failures)

        def configure_evaluate(self, server_round, parameters, client_manager):
            return []

        def aggregate_evaluate(self, server_round, results, failures):
            return None, {}

        def evaluate(self, server_round, parameters):
            return self.inner.evaluate(server_round, parameters)

    return Ordered


class _SeededManager:
    """Flower's client manager, except that ``sample`` draws from a generator seeded by (seed, round) over the
    clients in partition order (Flower's own draws use Python's unseeded ``random`` over random node ids)."""

    def __init__(self, manager: Any, job: Job, server_round: int) -> None:
        self.manager, self.job, self.round = manager, job, server_round

    def __getattr__(self, name: str) -> Any:
        return getattr(self.manager, name)

    def sample(self, num_clients: int, min_num_clients: int | None = None, criterion: Any = None) -> list:
        self.manager.wait_for(min_num_clients or num_clients)
        proxies = sorted(self.manager.all().values(), key=lambda p: self.job.partition_of(p.cid))
        rng = np.random.default_rng([self.job.config.seed, self.round])
        chosen = np.sort(rng.choice(len(proxies), size=min(num_clients, len(proxies)), replace=False))
        return [proxies[i] for i in chosen]


def _Ordered(inner: Any, job: Job) -> Any:
    return _ordered_class()(inner, job)


class Meter:
    """Bytes of the messages exchanged with the clients, as Flower serialises their contents (protobuf)."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, messages: Any) -> None:
        from flwr.common.serde import recorddict_to_proto

        for message in messages:
            if message.has_content():
                self.total += recorddict_to_proto(message.content).ByteSize()

    def __call__(self) -> int:
        return self.total


class _MeteredGrid:
    """Flower's ``Grid``, counting the bytes of what is sent and received."""

    def __init__(self, grid: Any, meter: Meter) -> None:
        self.grid, self.meter = grid, meter

    def __getattr__(self, name: str) -> Any:
        return getattr(self.grid, name)

    def send_and_receive(self, messages, *, timeout=None):
        messages = list(messages)
        self.meter.add(messages)
        replies = list(self.grid.send_and_receive(messages, timeout=timeout))
        self.meter.add(replies)
        return replies


def serve(grid: Any, context: Any, job: Job, meter: Meter) -> None:
    """The server's work: ``job.config.rounds`` rounds on Flower's legacy-compatible workflow (SecAgg+ if asked)."""
    from flwr.server import LegacyContext, ServerConfig
    from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow

    cfg = job.config
    grid = _MeteredGrid(grid, meter)
    np.random.seed(server_seed(cfg))  # Flower's central-DP noise and SecAgg+'s server draws use numpy's global RNG
    legacy = LegacyContext(context=context, config=ServerConfig(num_rounds=cfg.rounds),
                           strategy=_make_strategy(job, meter))  # fmt: skip
    fit = None
    if cfg.secure_aggregation:
        n = len(job.clients)
        weight = 1.0 if cfg.dp == "client" else float(max(c.rows for c in job.clients))
        fit = SecAggPlusWorkflow(num_shares=n, reconstruction_threshold=secagg_threshold(n), max_weight=weight,
                                 clipping_range=SECAGG_CLIPPING_RANGE,
                                 quantization_range=SECAGG_QUANTIZATION_RANGE)  # fmt: skip
    DefaultWorkflow(fit_workflow=fit)(grid, legacy)


def build_server_app(job: Job, meter: Meter) -> Any:
    """A Flower ``ServerApp`` running :func:`serve` on ``job``."""
    from flwr.serverapp import ServerApp

    app = ServerApp()
    app.main()(lambda grid, context: serve(grid, context, job, meter))
    return app


def secagg_threshold(clients: int) -> int:
    """Shares needed to reconstruct a dropped client's mask: a majority of the sampled clients (at least 2)."""
    return max(2, clients // 2 + 1)
