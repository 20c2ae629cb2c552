"""``engine="deployment"``: a real Flower SuperLink and one SuperNode process per client.

Each SuperNode gets only its own client's rows (a file in a private job directory named in its ``--node-config``);
the app (``workbench.federated._deployed``) is submitted with ``flwr run`` to the SuperLink's Control API. The
SuperLink runs with ``--disable-runtime-dependency-installation`` (its default would ``uv sync`` the app's
dependencies) and the app declares no dependencies.

Without ``address`` this call starts the SuperLink on 127.0.0.1 (a free port) and stops it at the end. With
``address`` the run goes to a SuperLink already running there, which this call neither starts nor stops: it checks
that the address answers (``connect_timeout``), starts the SuperNodes here, connected to it, and ends them at the end
(and the run on the SuperLink, if it fails or is interrupted). The ServerApp runs where the SuperLink runs and
reads the run's inputs from (and writes the rounds to) the job directory, so that SuperLink must see the directory
at the same path (this machine, or a shared file system).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from workbench.errors import WorkerError

__all__ = ["run_deployment"]

_START_TIMEOUT_S = 90.0
_ROUND_TIMEOUT_S = 600.0


def run_deployment(job: Any, *, address: str | None = None, connect_timeout: float = 30.0) -> dict[str, Any]:
    """Run ``job`` on real Flower processes; fill its logs as the rounds finish; return the bytes exchanged."""
    if address is not None:
        _wait_for_superlink(address, connect_timeout)
    with _job_dir() as job_dir, _processes() as procs:
        _write_job(job, job_dir)
        env = _environment(job_dir)
        if address is None:
            port = _free_port()
            address = f"127.0.0.1:{port}"
            superlink = [_tool("flower-superlink"), "--insecure", "--disable-runtime-dependency-installation",
                         "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
            procs.append(_start(superlink, env, job_dir / "superlink.log"))
            _wait_for_port(port, procs[-1], job_dir / "superlink.log")
        for cid in range(len(job.clients)):
            node_config = f"partition-id={cid} num-partitions={len(job.clients)} job-dir='{job_dir}'"
            procs.append(_start([_tool("flower-supernode"), "--insecure", "--superlink", address, "--port",
                                 str(_free_port()), "--node-config", node_config], env,
                                job_dir / f"supernode-{cid}.log"))  # fmt: skip
        _write_app(job, job_dir, address)
        run_id = _submit(job_dir, env)
        try:
            return _follow(job, job_dir, procs, address, _run_log(run_id, env))
        except BaseException:
            _stop_run(run_id, env)  # a SuperLink at `address` outlives this call: end the run there too
            raise


def _write_job(job: Any, job_dir: Path) -> None:
    import torch

    shared = {"config": job.config, "rows": [c.rows for c in job.clients], "X_test": job.X_test, "y_test": job.y_test,
              "n_features": job.n_features, "n_classes": job.n_classes, "noise": job.noise}  # fmt: skip
    torch.save(shared, job_dir / "server.pt")
    for cid, client in enumerate(job.clients):
        torch.save({"X": client.X, "y": client.y}, job_dir / f"client-{cid}.pt")


def _write_app(job: Any, job_dir: Path, address: str) -> None:
    app = job_dir / "app"
    app.mkdir()
    from workbench.federated._deployed import client_app_name

    client = client_app_name(job.config)
    (app / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "workbench-federated"\nversion = "1.0.0"\ndescription = "privacy-workbench federated run"\n'
        'license = "Apache-2.0"\ndependencies = []\n\n'
        '[tool.flwr.app]\npublisher = "privacy-workbench"\n\n'
        '[tool.flwr.app.components]\nserverapp = "workbench.federated._deployed:server_app"\n'
        f'clientapp = "workbench.federated._deployed:{client}"\n\n'
        f"[tool.flwr.app.config]\njob-dir = {json.dumps(str(job_dir))}\n"
    )
    home = job_dir / "flwr-home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(
        f'[superlink]\ndefault = "workbench"\n\n[superlink.workbench]\naddress = "{address}"\ninsecure = true\n'
    )


def _submit(job_dir: Path, env: dict[str, str]) -> str | None:
    """Submit the app with ``flwr run``; return the run's id (None when Flower's output does not name it)."""
    done = subprocess.run([_tool("flwr"), "run", str(job_dir / "app"), "workbench"], env=env, capture_output=True,
                          text=True, timeout=_START_TIMEOUT_S, check=False)  # fmt: skip
    if done.returncode != 0:
        raise WorkerError(f"flwr run failed: {' '.join((done.stderr or done.stdout).split())[-300:]}")
    found = re.search(r"run (\d+)", done.stdout or "")
    return found.group(1) if found else None


def _stop_run(run_id: str | None, env: dict[str, str]) -> None:
    """Ask the SuperLink to stop the run (best effort: the run may have ended, the SuperLink may be gone)."""
    if run_id is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run([_tool("flwr"), "stop", run_id, "workbench"], env=env, capture_output=True, timeout=30,
                           check=False)  # fmt: skip


def _run_log(run_id: str | None, env: dict[str, str]) -> Callable[[], str]:
    """A function returning the last error line of the run's log on the SuperLink (``flwr log``), or ""."""

    def last_error() -> str:
        if run_id is None:
            return ""
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run([_tool("flwr"), "log", run_id, "workbench", "--show"], env=env,
                                  capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
            errors = [line.strip() for line in (done.stdout or "").splitlines() if "Error" in line]
            return errors[-1] if errors else ""
        return ""

    return last_error


def _follow(
    job: Any, job_dir: Path, procs: list[subprocess.Popen], address: str, last_error: Callable[[], str]
) -> dict[str, Any]:
    """Stream the rounds the ServerApp logs into ``job`` (and ``on_round``); pass ``stop`` on; collect the result."""
    import torch

    result_file, seen = job_dir / "result.pt", 0
    start_by = time.monotonic() + _START_TIMEOUT_S
    deadline = start_by + _ROUND_TIMEOUT_S * job.config.rounds
    while not result_file.exists():
        if not (job_dir / "started").exists() and time.monotonic() > start_by:
            raise WorkerError(
                f"The SuperLink at {address} did not start the ServerApp within {_START_TIMEOUT_S:.0f} s; where "
                'it runs, `import workbench` must work (pip install "privacy-workbench[federated]") and the folder '
                f"{job_dir.parent} must be visible at the same path (TMPDIR on a shared file system). {last_error()}"
            )
        if job.should_stop():
            (job_dir / "stop").touch()
        seen = _report_rounds(job, job_dir / "rounds.jsonl", seen)
        if (job_dir / "error").exists():
            raise WorkerError(f"The ServerApp failed: {(job_dir / 'error').read_text()}")
        dead = [p for p in procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            log = job_dir / "superlink.log"
            tail = " ".join(log.read_text().split()[-40:]) if log.exists() else ""
            raise WorkerError(
                f"The Flower deployment {'stopped' if dead else 'timed out'} before the run ended: {tail}"
            )
        time.sleep(0.2)
    _report_rounds(job, job_dir / "rounds.jsonl", seen)
    out = torch.load(result_file, weights_only=False)
    job.final_weights, job.participation, job.client_rounds = out["final_weights"], out["participation"], out[
        "client_rounds"]  # fmt: skip
    job.rounds, job.stopped = out["rounds"], out["stopped"]
    return {"bytes": out["bytes"]}


def _report_rounds(job: Any, rounds_file: Path, seen: int) -> int:
    """Hand the rounds logged since the last look to ``on_round``; return how many have been seen."""
    if not rounds_file.exists():
        return seen
    lines = [line for line in rounds_file.read_text().splitlines() if line.endswith("}")]
    for line in lines[seen:]:
        if job.on_round is not None:
            job.on_round(json.loads(line))
    return len(lines)


def _environment(job_dir: Path) -> dict[str, str]:
    """Flower's processes: this workbench importable, telemetry off, Flower's home inside the job directory."""
    root = str(Path(__file__).resolve().parents[2])  # the folder holding this workbench package
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.update(
        FLWR_TELEMETRY_ENABLED="0",
        FLWR_DISABLE_UPDATE_CHECK="1",
        FLWR_HOME=str(job_dir / "flwr-home"),
        OMP_NUM_THREADS="1",
    )  # no calls home (no internet here)
    return env


def _tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        raise WorkerError(f'{name} is not on PATH; install Flower: pip install "privacy-workbench[federated]"')
    return found


#: on Linux, a process started by ``_start`` receives SIGTERM when the process that started it dies (even by
#: SIGKILL or an unhandled SIGTERM, when the cleanup of ``_processes`` never runs): set with prctl(PR_SET_PDEATHSIG)
#: before exec, and it exits at once if that parent is already gone
_ORPHAN_GUARD = (
    "import ctypes, os, signal, sys; parent = int(sys.argv[1]); "
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0); "
    "os.getppid() == parent or sys.exit(0); os.execv(sys.argv[2], sys.argv[2:])"
)


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    if sys.platform.startswith("linux"):
        command = [sys.executable, "-c", _ORPHAN_GUARD, str(os.getpid()), *command]
    with log.open("w") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_superlink(address: str, timeout: float) -> None:
    """Return once ``address`` accepts a connection; a one-line error saying what to do after ``timeout`` s."""
    from workbench.federated.config import check_address

    host, port = check_address(address)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=max(0.1, min(2.0, deadline - time.monotonic()))):
                return
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
        if time.monotonic() >= deadline:
            raise WorkerError(
                f"No Flower SuperLink answers at {address} ({reason}, waited {timeout:g} s): start one there with "
                f"`flower-superlink --insecure --disable-runtime-dependency-installation --host <ip> --port {port}`, "
                "check the address and the firewall, or pass a longer connect_timeout=."
            )
        time.sleep(0.2)


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        if proc.poll() is not None:
            raise WorkerError(f"The SuperLink exited: {' '.join(log.read_text().split()[-40:])}")
        time.sleep(0.2)
    raise WorkerError(f"The SuperLink did not open 127.0.0.1:{port} within {_START_TIMEOUT_S:.0f} s.")


@contextlib.contextmanager
def _job_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="wb-federated-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _processes() -> Iterator[list[subprocess.Popen]]:
    """Processes this run started; each one's own process group (it and the app processes it spawned) is ended."""
    procs: list[subprocess.Popen] = []
    try:
        yield procs
    finally:
        for p in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
