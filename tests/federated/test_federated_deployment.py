"""engine='deployment': a real SuperLink and SuperNode processes on 127.0.0.1 running the package's apps; with
address=, a SuperLink that the test starts itself as a separate process, as a user would on another machine."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from workbench.errors import WorkerError

ROOT = Path(__file__).resolve().parents[2]  # the folder holding the workbench package under test


@pytest.mark.slow
def test_a_deployment_run_with_real_processes(federate_small):
    rows = []
    fl = federate_small(clients=2, rounds=1, engine="deployment", on_round=rows.append)
    assert [r["round"] for r in rows] == [0, 1] and rows[-1]["clients"] == 2
    assert fl.metrics["rounds"] == 1 and fl.metrics["bytes"] > 0 and list(fl.clients["rounds"]) == [1, 1]
    assert fl.metrics["accuracy"] > 0.7 and fl.statement.parameters["engine"] == "deployment"
    assert fl.metrics["accuracy"] == pytest.approx(rows[-1]["accuracy"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_mentioning(text: str) -> list[str]:
    """Command lines of the live processes whose command line or environment contains ``text`` (Linux /proc)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:  # ended meanwhile, or not ours to read
            continue
        if text.encode() in cmdline or text.encode() in environ:
            found.append(cmdline.replace(b"\0", b" ").decode(errors="replace").strip())
    return found


def _eventually_none(text: str, within_s: float = 15.0) -> list[str]:
    deadline = time.monotonic() + within_s
    while (left := _processes_mentioning(text)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.fixture
def superlink(tmp_path, monkeypatch):
    """A SuperLink started as its own process (``flower-superlink --insecure
    --disable-runtime-dependency-installation`` on a free port), ended after the test; the run's job directory goes
    under ``tmp_path``, which the SuperLink sees (same machine)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the process checks read /proc")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
           "FLWR_HOME": str(tmp_path / "superlink-home"), "FLWR_TELEMETRY_ENABLED": "0"}  # fmt: skip
    command = [str(Path(sys.executable).parent / "flower-superlink"), "--insecure",
               "--disable-runtime-dependency-installation", "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the job directory (TMPDIR) goes under tmp_path
    with (tmp_path / "superlink.log").open("w") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert _processes_mentioning(str(tmp_path))  # the check below sees processes by their environment
        yield proc, f"127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert _eventually_none(str(tmp_path)) == []  # the SuperLink and everything it started have ended


@pytest.mark.slow
def test_address_runs_on_a_superlink_started_separately(federate_small, superlink, tmp_path):
    proc, address = superlink
    rows = []
    fl = federate_small(clients=2, rounds=1, engine="deployment", address=address, on_round=rows.append,
                        dp="record", epsilon=1.0)  # fmt: skip
    assert [r["round"] for r in rows] == [0, 1] and rows[-1]["clients"] == 2
    assert list(fl.clients["rounds"]) == [1, 1] and fl.metrics["bytes"] > 0 and fl.statement.epsilon <= 1.0
    assert fl.statement.parameters["engine"] == "deployment"
    same = federate_small(clients=2, rounds=1, dp="record", epsilon=1.0)  # the simulation: same seed, same model
    assert fl.metrics["accuracy"] == pytest.approx(same.metrics["accuracy"], abs=1e-9)
    assert proc.poll() is None  # a SuperLink given by address is not this call's to stop
    # the SuperNodes (and their ClientApps) this call started are gone, and so is the job directory
    assert _eventually_none(str(tmp_path / "wb-federated-")) == []
    assert not list(tmp_path.glob("wb-federated-*"))


def test_an_unreachable_address_is_one_line_after_the_timeout(federate_small, small_adult, digest):
    before = digest(small_adult.frame)
    started = time.monotonic()
    with pytest.raises(WorkerError) as caught:
        federate_small(engine="deployment", address=f"127.0.0.1:{_free_port()}", connect_timeout=0.5, rounds=1)
    message = str(caught.value)
    assert "No Flower SuperLink answers at 127.0.0.1:" in message and "flower-superlink --insecure" in message
    assert "connect_timeout" in message and "\n" not in message
    assert time.monotonic() - started < 30 and digest(small_adult.frame) == before


@pytest.mark.slow
def test_a_failing_run_on_a_superlink_is_one_line_and_leaves_nothing(federate_small, superlink, tmp_path):
    """A SuperNode that is not this run's (started by someone else, with no rows of it) makes the ServerApp fail at
    once: the error says so in one line, and this call's SuperNodes end (the SuperLink at ``address`` stays)."""
    proc, address = superlink
    foreign = subprocess.Popen(
        [str(Path(sys.executable).parent / "flower-supernode"), "--insecure", "--superlink", address, "--port",
         str(_free_port()), "--node-config", f"partition-id=0 num-partitions=1 job-dir='{tmp_path / 'elsewhere'}'"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60  # the foreign SuperNode has joined the SuperLink before the run starts
        while "ActivateNode" not in (tmp_path / "superlink.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        with pytest.raises(WorkerError) as caught:
            federate_small(clients=2, rounds=1, engine="deployment", address=address)
        assert str(caught.value).startswith("The ServerApp failed: RuntimeError: 1 client(s) failed in round 1")
        assert "\n" not in str(caught.value) and proc.poll() is None
        assert _eventually_none(str(tmp_path / "wb-federated-")) == []
    finally:
        os.killpg(foreign.pid, signal.SIGTERM)
        foreign.wait(timeout=30)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the orphan guard uses Linux's PR_SET_PDEATHSIG")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_processes_a_run_started_end_when_its_caller_is_killed(tmp_path, how):
    # the caller dies without running any cleanup (SIGKILL, or SIGTERM without a handler): what it started must not
    # outlive it (a SuperLink or SuperNode would otherwise keep running)
    script = (
        "import os, sys, time; from pathlib import Path; from workbench.federated._deploy import _start; "
        "p = _start(['/bin/sleep', '120'], dict(os.environ), Path(sys.argv[1])); print(p.pid, flush=True); "
        "time.sleep(120)"
    )
    caller = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "log")], stdout=subprocess.PIPE, text=True)
    started = int(caller.stdout.readline())
    time.sleep(0.5)  # the guard has exec'd into sleep
    with open(f"/proc/{started}/cmdline", "rb") as f:
        assert f.read().split(b"\0")[0] == b"/bin/sleep"
    caller.send_signal(how)
    caller.wait(timeout=10)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{started}").exists() and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(started, os.WNOHANG)  # not our child; only in case it was reparented to us
        time.sleep(0.1)
    gone = not Path(f"/proc/{started}").exists() or "Z" in Path(f"/proc/{started}/stat").read_text().split()[2]
    assert gone, "the process started by a killed caller is still running"
