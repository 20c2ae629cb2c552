"""Start and stop a real JupyterLab server the README's way (``privacy-workbench lab --no-browser``)."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LabServer:
    """A running ``privacy-workbench lab`` server."""

    url: str  # base URL, ending in "/"
    token: str
    root: Path  # the folder it serves (``--dir``)
    log: Path  # its stdout and stderr

    def request(self, method: str, path: str, *, token: bool = True) -> tuple[int, bytes]:
        """Send ``method`` to ``url + path`` (with the token in the header unless ``token=False``)."""
        headers = {"Authorization": f"token {self.token}"} if token else {}
        data = b"" if method == "POST" else None
        req = urllib.request.Request(self.url + path, method=method, headers=headers, data=data)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def workbench_command() -> list[str]:
    """The installed console script, or the module when the script is not on PATH."""
    script = shutil.which("privacy-workbench")
    return [script] if script else [sys.executable, "-m", "workbench.cli"]


def start_lab(root: Path, state: Path, *extra: str) -> tuple[subprocess.Popen, LabServer]:
    """Start ``privacy-workbench lab --no-browser`` on a free port serving ``root``; wait until it answers."""
    token = secrets.token_hex(16)
    port = free_port()
    log = state / "lab.log"
    env = {
        **os.environ,
        "JUPYTER_TOKEN": token,
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTER_CONFIG_DIR": str(state / "config"),  # no user config leaks in
        "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
        "WORKBENCH_SMOKE": "1",
        "OMP_NUM_THREADS": "1",
    }
    command = [
        *workbench_command(),
        "lab",
        "--no-browser",
        "--dir",
        str(root),
        "--port",
        str(port),
        "--",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        "--ServerApp.allow_root=True",  # CI containers run as root
        "--LabApp.news_url=None",
        *extra,
    ]
    handle = log.open("wb")
    process = subprocess.Popen(
        command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=state, start_new_session=True
    )
    server = LabServer(url=f"http://127.0.0.1:{port}/", token=token, root=root, log=log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"privacy-workbench lab exited with {process.returncode}:\n{log.read_text()}")
        try:
            status, _ = server.request("GET", "api/status")
            if status == 200:
                return process, server
        except OSError:
            pass
        time.sleep(0.5)
    stop_lab(process)
    raise RuntimeError(f"privacy-workbench lab did not answer within 90 s:\n{log.read_text()}")


def stop_lab(process: subprocess.Popen) -> None:
    """Stop the server the way Ctrl-C would, then harder if it does not go."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the server and the kernels it started
            process.wait(timeout=10)
