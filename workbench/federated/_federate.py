"""``federate``: train one model across clients that keep their rows, on Flower."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from workbench.errors import BudgetExceededError, InvalidParameterError
from workbench.federated._flower import quiet_flower, require_flower
from workbench.federated.config import FederatedConfig
from workbench.federated.result import FederatedResult

__all__ = ["federate"]


def federate(
    dataset: Any,
    *,
    clients: int = 5,
    partition: str = "iid",
    alpha: float = 0.5,
    rounds: int = 10,
    local_epochs: int = 1,
    model: str = "logreg",
    hidden: tuple[int, ...] = (64, 64),
    strategy: str = "fedavg",
    mu: float = 0.0,
    fraction_fit: float = 1.0,
    dp: str | None = None,
    epsilon: float | None = None,
    delta: float | None = None,
    noise_multiplier: float | None = None,
    max_grad_norm: float = 1.0,
    clipping_norm: float = 1.0,
    clipping: str | None = None,
    accountant: str = "prv",
    batch_size: int | None = None,
    lr: float | None = None,
    optimizer: str = "adam",
    secure_aggregation: bool = False,
    engine: str = "simulation",
    address: str | None = None,
    connect_timeout: float = 30.0,
    public_schema: bool = False,
    audit_fraction: float = 0.0,
    seed: int = 0,
    progress: bool = False,
    stop: threading.Event | None = None,
    on_round: Callable[[dict], Any] | None = None,
    ledger: Any = None,
) -> FederatedResult:
    """Train a model with federated learning (Flower): each client trains on its own rows, only parameters move.

    Parameters
    ----------
    dataset : Dataset or DataFrame
        Its training split is divided among the clients; its test split stays on the server for evaluation.
    clients : int, default=5
        Number of clients for ``"iid"`` and ``"dirichlet"`` partitions.
    partition : {"iid", "dirichlet"} or str, default="iid"
        IID shards; Dirichlet label skew (``alpha``: smaller, more skew); or a column name: one client per value
        (natural silos such as a hospital id; that column is then not a feature), ``clients`` ignored. Seeded.
    alpha : float, default=0.5
    rounds, local_epochs : int, default=10, 1
        Federated rounds; passes over its own rows a client makes per round.
    model : {"logreg", "mlp"}, default="logreg"
        The workbench's model zoo (``hidden`` widths for the MLP).
    hidden : tuple of int, default=(64, 64)
        Widths of the MLP's hidden layers (ignored by ``"logreg"``).
    strategy : {"fedavg", "fedprox"}, default="fedavg"
        Aggregation weighted by rows; FedProx adds the proximal term ``mu``.
    mu : float, default=0.0
        Weight of FedProx's proximal term (used with ``strategy="fedprox"``).
    fraction_fit : float, default=1.0
        Share of clients sampled each round (seeded; no privacy amplification is claimed for it).
    dp : {None, "record", "client"}, default=None
        ``"record"``: DP-SGD inside each client, noise calibrated so each client's rows get (``epsilon``,
        ``delta``) over all rounds. ``"client"``: Flower's central DP with fixed clipping (``clipping_norm``) and
        Gaussian noise added by the server, (``epsilon``, ``delta``) for everything one client holds.
    epsilon, delta : float, optional
        The budget; ``delta`` defaults to 1/(10 n) rounded down to a power of ten (n: rows for record level,
        clients for client level). Or give ``noise_multiplier`` and read ε from the statement.
    noise_multiplier : float, optional
        The DP noise multiplier, instead of ``epsilon`` (ε is then computed and reported in the statement).
    max_grad_norm : float, default=1.0
        Per-example clipping of DP-SGD (record level).
    clipping_norm : float, default=1.0
        Update clipping of central DP (client level).
    clipping : {None, "server", "client"}, default=None
        Where client-level DP clips each update: ``"server"`` (Flower's
        ``DifferentialPrivacyServerSideFixedClipping``) or ``"client"`` (each client clips its own update with
        Flower's ``fixedclipping_mod``; ``DifferentialPrivacyClientSideFixedClipping`` adds the noise). None picks
        ``"client"`` with ``secure_aggregation=True`` (the server never sees one update to clip it) and ``"server"``
        otherwise.
    accountant : {"prv", "rdp"}, default="prv"
    batch_size : int, optional
        Rows per local batch. Unset: with ``dp="record"`` the size-aware rule of :func:`workbench.train` for the
        median client's rows (recorded as ``config.defaults_rule``), else 256.
    lr, optimizer :
        Local training (as :func:`workbench.train`).
    secure_aggregation : bool, default=False
        Flower's SecAgg+: the server sees only the sum of at least a majority of the clients.
    engine : {"simulation", "threads", "ray", "deployment"}, default="simulation"
        Where the clients run (the thread and Ray engines give the same numbers for a seed). ``"simulation"``: Flower's
        simulation runtime on its default backend here, ``"threads"``. ``"threads"``: the ClientApps in a pool of
        this process's threads (nothing to start: the fast option for small runs, laptops and Binder).
        ``"ray"``: Flower's ``RayBackend``, one Ray actor (one CPU) per client at a time; Ray and its actors stay
        up for the rest of the process, so only the first run pays Ray's start-up. Threads are the default: on the
        project's 2-core machine (5 clients x 10 rounds on Adult; targets 15 s first, 5 s next) Ray took 34.9 s
        for its first run and 3.8 s for the next, threads 4.8 s and 3.0 s (see the federated guide), and Ray's
        start-up timed out when the machine was loaded.
        ``"deployment"``: a real SuperLink and one SuperNode process per client on 127.0.0.1 (or ``address``: a
        running SuperLink's control API, ``host:port``), started and stopped by this call.
    address : str, optional
        ``host:port`` of a running SuperLink (``engine="deployment"`` only), started with ``flower-superlink
        --insecure --disable-runtime-dependency-installation --host <ip> --port <port>`` where
        ``privacy-workbench[federated]`` is installed; this call neither starts nor stops it. The SuperNodes (one
        process per client, each given only its client's rows) are still started on this machine by this call and
        ended before it returns; the ServerApp runs where the SuperLink runs and reads the run's inputs from a
        folder this call writes (under ``tempfile.gettempdir()``, ``TMPDIR``): the SuperLink must run on this
        machine or see that folder at the same path (a shared file system), with no other SuperNodes connected.
    connect_timeout : float, default=30.0
        Seconds to wait for the SuperLink at ``address`` to answer before a one-line error.
    public_schema : bool, default=False
        Declare the columns' categories and statistics public (the shared encoder is fitted on the clients' rows).
    audit_fraction : float, default=0.0
        Share of the training split kept out of every client for membership audits.
    seed : int, default=0
        Same seed, same numbers (partition, initial model, batches, DP noise, client sampling).
    progress : bool, default=False
        A progress bar over rounds.
    stop : threading.Event, optional
        Checked before each round; the result covers the rounds run.
    on_round : callable, optional
        Called with each round's history row (a dict) as it finishes.
    ledger : PrivacyLedger or False, optional
        Where the run is recorded (default: the session ledger); a set budget refuses the run before any work.

    Returns
    -------
    FederatedResult

    Raises
    ------
    InvalidParameterError, UnknownNameError, UnknownColumnError, EmptyDataError
        Bad input (one line saying what to do).
    BudgetExceededError
        The run would take the dataset past the ledger's budget.
    MissingDependencyError
        Flower is not installed.
    WorkerError
        ``engine="ray"``: Ray could not start (the message names ``engine="threads"``), or a client failed (one
        line naming the client and its error).

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.load_dataset("adult")
    >>> fl = wb.federate(ds, clients=3, rounds=2, dp="record", epsilon=1.0, public_schema=True,
    ...                  ledger=False)  # doctest: +SKIP
    >>> fl.statement.unit, fl.statement.epsilon <= 1.0  # doctest: +SKIP
    ('record', True)
    """
    from workbench._validation import int_as_float as _num
    from workbench.dp import resolve_ledger, split_audit, training_dataset

    if stop is not None and not callable(getattr(stop, "is_set", None)):
        raise InvalidParameterError(f"stop must be a threading.Event (or have is_set()); got {type(stop).__name__}.")
    if on_round is not None and not callable(on_round):
        raise InvalidParameterError(f"on_round must be callable; got {type(on_round).__name__}.")
    config = FederatedConfig(
        clients=clients, partition=partition, alpha=_num(alpha), rounds=rounds, local_epochs=local_epochs,
        batch_size=batch_size, lr=_num(lr), model=model, hidden=tuple(hidden) if isinstance(hidden, list) else hidden,
        strategy=strategy, mu=_num(mu), fraction_fit=_num(fraction_fit), dp=dp, epsilon=_num(epsilon),
        delta=_num(delta), noise_multiplier=_num(noise_multiplier), max_grad_norm=_num(max_grad_norm),
        clipping_norm=_num(clipping_norm), clipping=clipping, accountant=accountant,
        secure_aggregation=secure_aggregation, engine=engine, address=address, seed=seed, optimizer=optimizer,
        public_schema=public_schema, audit_fraction=_num(audit_fraction), connect_timeout=_num(connect_timeout),
    )  # fmt: skip
    require_flower()
    ds = training_dataset(dataset, caller="federate")
    target_ledger = resolve_ledger(ledger)
    members, non_members = split_audit(ds.train, target=ds.target, fraction=config.audit_fraction, seed=config.seed)
    from workbench.federated._prepare import prepare

    prepared = prepare(members, ds, config)
    config = prepared.job.config  # the batch size chosen when left unset
    _refuse_over_budget(target_ledger, ds, prepared, config)
    job = prepared.job
    job.stop, job.on_round = stop, on_round
    started = time.perf_counter()
    with _progress(config.rounds, progress, job), quiet_flower():
        outcome = _run(job, config)
    seconds = time.perf_counter() - started
    from workbench.federated._finish import finish

    result = finish(prepared, members, non_members, ds, config, outcome, seconds)
    if target_ledger is not None:
        target_ledger.record(result.statement.ledger_statement(), dataset_fingerprint=ds.fingerprint,
                             dataset_name=ds.name, label=_label(config))  # fmt: skip
    return result


def _run(job: Any, config: FederatedConfig) -> dict[str, Any]:
    from workbench.dp import torch_threads as _threads

    if config.engine == "deployment":
        from workbench.federated._deploy import run_deployment

        return run_deployment(job, address=config.address, connect_timeout=config.connect_timeout)
    from workbench.federated._client import build_client_app
    from workbench.federated._runtime import run_in_process, saved_global_rngs
    from workbench.federated._server import Meter, build_server_app

    meter = Meter()
    with saved_global_rngs(), _threads(1):
        if config.engine == "ray":
            from workbench.federated._ray import run_on_ray

            run_on_ray(job, build_server_app(job, meter))
        else:
            client_app = build_client_app(lambda _context: job, secure_aggregation=config.secure_aggregation,
                                          client_clipping=config.clips_on_clients)  # fmt: skip
            run_in_process(job, build_server_app(job, meter), client_app)
    return {"bytes": meter.total}


def _refuse_over_budget(ledger: Any, ds: Any, prepared: Any, config: FederatedConfig) -> None:
    """A set budget refuses, before any work, a run whose planned statement would exceed it."""
    if ledger is None or ledger.budget is None:
        return
    planned = prepared.planned_statement.ledger_statement()
    if not ledger.can_spend(planned, dataset_fingerprint=ds.fingerprint):
        raise BudgetExceededError(
            f"This federated run (ε = {planned.epsilon:.3g} per record, unit {config.dp or 'none'}) would take "
            f"dataset {ds.name!r} past the budget {ledger.budget:g} (remaining "
            f"{ledger.remaining(ds.fingerprint):.3g}). Ask for a smaller epsilon or raise the budget."
        )


def _label(config: FederatedConfig) -> str:
    unit = f"dp unit {config.dp}" if config.dp else "no DP"
    return f"federate {config.model} ({unit}{', SecAgg+' if config.secure_aggregation else ''})"


@contextlib.contextmanager
def _progress(rounds: int, progress: bool, job: Any) -> Iterator[Any]:
    if not progress:
        yield None
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=rounds, desc="federated rounds", unit="round", leave=False)
    user = job.on_round

    def on_round(row: dict) -> None:
        if row["round"] > 0:
            bar.update(1)
            eps = row["epsilon"]
            bar.set_postfix(acc=f"{row['accuracy']:.3f}", eps="inf" if math.isinf(eps) else f"{eps:.3g}")
        if user is not None:
            user(row)

    job.on_round = on_round
    try:
        yield bar
    finally:
        bar.close()
