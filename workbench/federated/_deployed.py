"""The ServerApp and ClientApps that a real Flower deployment loads by reference (``workbench.federated._deployed:
server_app``), never from ``__main__``; each run's data and settings come from its job directory.

The apps are built on first attribute access (PEP 562), so importing this module does not import Flower.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

# the apps are built on first access (module __getattr__); Flower's `flwr run` checks statically that a component
# is assigned in the module or listed in __all__
__all__ = [  # noqa: F822
    "FileEvent",
    "client_app",
    "client_app_name",
    "clipping_client_app",
    "secure_client_app",
    "secure_clipping_client_app",
    "server_app",
]


class FileEvent:
    """``threading.Event``-like stop flag shared across processes: set when the file exists."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def is_set(self) -> bool:
        return self.path.exists()


def load(path: Path) -> Any:
    import torch

    return torch.load(path, weights_only=False)


def _client_job(context: Any) -> Any:
    """This SuperNode's job: the run settings and its own client's rows only."""
    from workbench.federated._job import ClientData, Job

    job_dir = Path(str(context.node_config["job-dir"]))
    cid = int(context.node_config["partition-id"])
    shared = load(job_dir / "server.pt")
    mine = load(job_dir / f"client-{cid}.pt")
    clients = [ClientData(None, None, rows) for rows in shared["rows"]]
    clients[cid] = ClientData(mine["X"], mine["y"], len(mine["y"]))
    return Job(config=shared["config"], clients=clients, X_test=shared["X_test"][:0], y_test=shared["y_test"][:0],
               n_features=shared["n_features"], n_classes=shared["n_classes"], noise=shared["noise"])  # fmt: skip


def _serve(grid: Any, context: Any) -> None:
    import torch

    from workbench.federated._job import ClientData, Job
    from workbench.federated._server import Meter, serve

    job_dir = Path(str(context.run_config["job-dir"]))
    (job_dir / "started").touch()  # the caller waits for this (a SuperLink elsewhere may not see the folder)
    shared = load(job_dir / "server.pt")
    log = (job_dir / "rounds.jsonl").open("a")

    def on_round(row: dict) -> None:
        log.write(json.dumps(row) + "\n")
        log.flush()

    job = Job(config=shared["config"], clients=[ClientData(None, None, rows) for rows in shared["rows"]],
              X_test=shared["X_test"], y_test=shared["y_test"], n_features=shared["n_features"],
              n_classes=shared["n_classes"], noise=shared["noise"], stop=FileEvent(job_dir / "stop"),
              on_round=on_round)  # fmt: skip
    meter = Meter()
    try:
        serve(grid, context, job, meter)
    except Exception as exc:  # the caller stops waiting at once, with the reason (the SuperLink logs the traceback)
        (job_dir / "error").write_text(" ".join(f"{type(exc).__name__}: {exc}".split())[:500])
        raise
    finally:
        log.close()
    out = {"final_weights": job.final_weights, "participation": job.participation, "client_rounds": job.client_rounds,
           "rounds": job.rounds, "stopped": job.stopped, "bytes": meter.total}  # fmt: skip
    torch.save(out, job_dir / "result.tmp")
    os.replace(job_dir / "result.tmp", job_dir / "result.pt")


#: the ClientApps a SuperNode can load: (secure aggregation, client-side clipping)
_CLIENT_APPS = {
    "client_app": (False, False),
    "secure_client_app": (True, False),
    "clipping_client_app": (False, True),
    "secure_clipping_client_app": (True, True),
}


def client_app_name(config: Any) -> str:
    """The ClientApp of :data:`_CLIENT_APPS` that a run with ``config`` needs."""
    wanted = (config.secure_aggregation, config.clips_on_clients)
    return next(name for name, flags in _CLIENT_APPS.items() if flags == wanted)


def __getattr__(name: str) -> Any:
    if name == "server_app":
        from flwr.serverapp import ServerApp

        app = ServerApp()
        app.main()(_serve)
    elif name in _CLIENT_APPS:
        from workbench.federated._client import build_client_app

        secure, clipping = _CLIENT_APPS[name]
        app = build_client_app(_client_job, secure_aggregation=secure, client_clipping=clipping)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = app
    return app
