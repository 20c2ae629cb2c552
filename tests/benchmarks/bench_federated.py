"""Benchmark of ``wb.federate`` against central ``wb.train`` and a plain-Flower script, in the same run.

Run: ``python tests/benchmarks/bench_federated.py [--quick] [--deployment]``. Timings on a shared machine are
noisy; every ratio compares numbers measured in this one process.

Measured (Adult, logistic regression, FedAvg, IID, 5 clients x 10 rounds x 1 local epoch, batch 256):
1. the first ``wb.federate`` call of the process (Flower imported inside it) and the next one (warm), on the
   default simulation engine in this process and on the other one (``"ray"`` / ``"threads"``) in a fresh process;
2. accuracy: federated IID vs central ``wb.train`` (10 epochs), and with Dirichlet(0.5) label skew;
3. per-round overhead (round wall time minus the clients' own training time on the cores) vs the clients' training;
4. the plain-Flower script a user writes (``flwr.simulation.run_simulation``, Ray, a NumPyClient with a plain torch
   loop, the same model, data and rounds, ``client_resources={"num_cpus": 1}``), in a fresh process: first and
   second call, accuracy, and its ratios to ``wb.federate`` on each engine;
5. SecAgg+ cost per round (seconds, bytes) vs plain FedAvg; record- and client-level DP accuracy;
6. 100 simulated clients; with ``--deployment``, a real SuperLink + SuperNodes run (2 clients, 2 rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

ROUNDS, CLIENTS, BATCH, LR = 10, 5, 256, 0.01


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


def plain_flower(ds, rounds: int, clients: int) -> dict:
    """What a user writes with Flower alone: run_simulation on Ray, data loaded from disk by each client."""
    import flwr
    import torch
    import torch.nn.functional as F
    from flwr.client import NumPyClient
    from flwr.clientapp import ClientApp
    from flwr.common import ndarrays_to_parameters
    from flwr.server import ServerAppComponents, ServerConfig
    from flwr.server.strategy import FedAvg
    from flwr.serverapp import ServerApp
    from flwr.simulation import run_simulation

    from workbench.dp.encoding import fit_encoder
    from workbench.dp.models import build_model

    enc = fit_encoder(ds.train, target=ds.target, public_schema=True)
    X, y = enc.transform(ds.train)
    X_test, y_test = enc.transform(ds.test)
    folder = tempfile.mkdtemp(prefix="bench-flower-")
    for cid, part in enumerate(np.array_split(np.random.default_rng(0).permutation(len(y)), clients)):
        np.savez(os.path.join(folder, f"{cid}.npz"), X=X[part].numpy(), y=y[part].numpy())
    n_features = X.shape[1]

    def net():  # the same model as wb.federate's "logreg": one linear layer, the same initial weights
        return build_model("logreg", n_features, 2, seed=0)

    def get(m):
        return [v.detach().numpy().copy() for v in m.state_dict().values()]

    def put(m, ws):
        m.load_state_dict({k: torch.as_tensor(w) for k, w in zip(m.state_dict(), ws, strict=True)})

    class Client(NumPyClient):
        def __init__(self, cid):
            data = np.load(os.path.join(folder, f"{cid}.npz"))
            self.X, self.y = torch.as_tensor(data["X"]), torch.as_tensor(data["y"])

        def fit(self, parameters, config):
            m = net()
            put(m, parameters)
            opt = torch.optim.Adam(m.parameters(), lr=LR)
            for idx in torch.randperm(len(self.y)).split(BATCH):
                opt.zero_grad()
                F.cross_entropy(m(self.X[idx]), self.y[idx]).backward()
                opt.step()
            return get(m), len(self.y), {}

    accuracy = {}

    def evaluate(server_round, parameters, config):
        m = net()
        put(m, parameters)
        with torch.no_grad():
            accuracy["value"] = float((m(X_test).argmax(1) == y_test).float().mean())
        return 0.0, {}

    def server_fn(ctx):  # a fresh strategy per run: FedAvg hands its initial parameters out once, then drops them
        strategy = FedAvg(fraction_evaluate=0.0, min_available_clients=clients, min_fit_clients=clients,
                          evaluate_fn=evaluate, initial_parameters=ndarrays_to_parameters(get(net())))  # fmt: skip
        return ServerAppComponents(strategy=strategy, config=ServerConfig(num_rounds=rounds))

    server = ServerApp(server_fn=server_fn)
    client = ClientApp(client_fn=lambda ctx: Client(int(ctx.node_config["partition-id"])).to_client())
    import ray

    times = []
    try:
        for _ in range(2):
            _, seconds = timed(run_simulation, server_app=server, client_app=client, num_supernodes=clients,
                               backend_config={"client_resources": {"num_cpus": 1}})  # fmt: skip
            times.append(seconds)
    except RuntimeError as exc:  # Ray could not start (its node start-up timed out on a loaded machine)
        cause = exc.__cause__.__cause__ if exc.__cause__ is not None else exc
        return {"error": f"{type(exc).__name__}: {' '.join(str(cause).split())[:160]}", "flwr": flwr.__version__}
    finally:
        ray.shutdown()
    return {"first_s": times[0], "second_s": times[1], "accuracy": accuracy["value"], "flwr": flwr.__version__}


def overhead(fl) -> tuple[float, float]:
    """(mean round wall time minus the clients' training spread over the cores, mean clients' training time)."""
    h = fl.history[fl.history["round"] > 0]
    cores = min(os.cpu_count() or 1, CLIENTS)
    training = np.maximum(h["client_seconds"], h["client_seconds_total"] / cores)
    return float((h["seconds"] - training).mean()), float(training.mean())


def first_and_next(engine: str) -> dict:
    """In this (fresh) process: the first and the next ``wb.federate`` call on ``engine``."""
    import workbench as wb
    from workbench.errors import WorkbenchError

    ds = wb.load_dataset("adult")
    common = {"clients": CLIENTS, "rounds": ROUNDS, "public_schema": True, "ledger": False, "engine": engine}
    try:
        _, first = timed(wb.federate, ds, **common)
        fl, warm = timed(wb.federate, ds, **common)
    except WorkbenchError as exc:
        return {"engine": engine, "error": str(exc)}
    extra, training = overhead(fl)
    return {"engine": engine, "first_s": first, "next_s": warm, "accuracy": fl.metrics["accuracy"],
            "overhead_s": extra, "training_s": training}  # fmt: skip


def in_fresh_process(*flags: str, timeout: float = 1200) -> dict:
    """This script with ``flags`` in a fresh process (its own process group, ended with Ray's processes on a
    timeout: a failed ``run_simulation`` leaves Flower's server thread waiting forever); its last JSON line."""
    proc = subprocess.Popen([sys.executable, __file__, *flags], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        err = f"no result within {timeout:.0f} s (killed); {err.strip()[-200:]}"
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {"engine": flags[-1], "error": " ".join(err.split())[-300:]}


def print_engine(times: dict, where: str) -> None:
    if "error" in times:
        print(f"engine={times['engine']!r} ({where}): failed: {times['error']}")
        return
    print(f"engine={times['engine']!r} ({where}): first wb.federate {times['first_s']:.2f} s, next "
          f"{times['next_s']:.2f} s [targets 15 / 5 s]; accuracy {times['accuracy']:.4f}; per round overhead "
          f"{times['overhead_s']:.3f} s vs clients' training {times['training_s']:.3f} s "
          f"(ratio {times['overhead_s'] / times['training_s']:.2f}) [target <= 2]")  # fmt: skip


def print_baseline(base: dict, engines: dict) -> None:
    print(f"plain Flower {base['flwr']} run_simulation (Ray): first {base['first_s']:.2f} s, second "
          f"{base['second_s']:.2f} s, accuracy {base['accuracy']:.4f}")  # fmt: skip
    for name, times in engines.items():
        if "error" not in times:
            print(f"plain Flower / wb.federate engine={name!r}: second call {base['second_s']:.2f} / "
                  f"{times['next_s']:.2f} s = {base['second_s'] / times['next_s']:.2f}x; first call "
                  f"{base['first_s'] / times['first_s']:.2f}x; accuracy {base['accuracy']:.4f} vs "
                  f"{times['accuracy']:.4f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the plain-Flower (Ray) baseline and 100 clients")
    parser.add_argument("--deployment", action="store_true", help="also time a real SuperLink + SuperNodes run")
    parser.add_argument("--first-next", metavar="ENGINE", help=argparse.SUPPRESS)  # fresh-process measurements
    parser.add_argument("--plain-flower", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.first_next:
        print(json.dumps(first_and_next(args.first_next)))
        return
    if args.plain_flower:
        import workbench as wb

        print(json.dumps(plain_flower(wb.load_dataset("adult"), ROUNDS, CLIENTS)), flush=True)
        os._exit(0)  # Flower's server thread may still wait after a failed run_simulation
    import workbench as wb
    from workbench.federated.config import SIMULATION_ENGINE

    ds = wb.load_dataset("adult")
    common = {"clients": CLIENTS, "rounds": ROUNDS, "public_schema": True, "ledger": False}
    fl, first = timed(wb.federate, ds, **common)
    fl2, warm = timed(wb.federate, ds, **common)
    central, central_s = timed(wb.train, ds, epochs=ROUNDS, public_schema=True, ledger=False)
    extra, training = overhead(fl2)
    mine = {"engine": SIMULATION_ENGINE, "first_s": first, "next_s": warm, "accuracy": fl.metrics["accuracy"],
            "overhead_s": extra, "training_s": training}  # fmt: skip
    engines = {SIMULATION_ENGINE: mine}
    print_engine(engines[SIMULATION_ENGINE], "default, this process")
    for other in ("threads", "ray"):
        if other != SIMULATION_ENGINE:
            engines[other] = in_fresh_process("--first-next", other)
            print_engine(engines[other], "a fresh process")
    print(f"accuracy: federated IID {fl.metrics['accuracy']:.4f} vs central {central.metrics['accuracy']:.4f} "
          f"(diff {100 * (fl.metrics['accuracy'] - central.metrics['accuracy']):+.2f} pt) [target within 0.5 pt]; "
          f"central train {central_s:.2f} s")  # fmt: skip
    for name, times in engines.items():
        if "error" not in times:
            print(f"time vs central wb.train ({central_s:.2f} s, {ROUNDS} epochs): engine={name!r} next run "
                  f"{times['next_s'] / central_s:.2f}x, first run {times['first_s'] / central_s:.2f}x")  # fmt: skip
    skewed = wb.federate(ds, partition="dirichlet", alpha=0.5, **common)
    print(f"Dirichlet(0.5) label skew: accuracy {skewed.metrics['accuracy']:.4f}")
    plain = wb.federate(ds, clients=CLIENTS, rounds=3, public_schema=True, ledger=False)
    secure = wb.federate(ds, clients=CLIENTS, rounds=3, secure_aggregation=True, public_schema=True, ledger=False)
    per = {name: (r.history["seconds"][1:].mean(), r.history["bytes"][1:].mean()) for name, r in
           (("FedAvg", plain), ("SecAgg+", secure))}  # fmt: skip
    print("per round: " + "; ".join(f"{k} {s:.3f} s, {b / 1e3:.1f} kB" for k, (s, b) in per.items()))
    for dp, eps in (("record", 1.0), ("client", 8.0)):
        run = wb.federate(ds, dp=dp, epsilon=eps, **common)
        print(f"dp={dp} ε={eps}: accuracy {run.metrics['accuracy']:.4f}, statement ε {run.statement.epsilon:.3f}, "
              f"{run.metrics['seconds']:.2f} s")  # fmt: skip
    if not args.quick:
        many, many_s = timed(wb.federate, ds, clients=100, rounds=3, batch_size=64, public_schema=True, ledger=False)
        print(f"100 clients x 3 rounds: {many_s:.2f} s, accuracy {many.metrics['accuracy']:.4f}")
        base = in_fresh_process("--plain-flower")
        if "error" in base:
            print(f"plain Flower {base.get('flwr', '')} run_simulation (Ray, a fresh process) failed: {base['error']}")
        else:
            print_baseline(base, engines)
    if args.deployment:
        small = wb.load_dataset(ds.frame.sample(3000, random_state=0), target="income", name="adult-3000")
        dep, dep_s = timed(wb.federate, small, clients=2, rounds=2, engine="deployment", public_schema=True,
                           ledger=False)  # fmt: skip
        print(f"deployment (SuperLink + 2 SuperNodes, 2 rounds): {dep_s:.1f} s, rounds "
              f"{[round(s, 1) for s in dep.history['seconds']]}")  # fmt: skip


if __name__ == "__main__":
    main()
