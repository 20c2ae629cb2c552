"""The extension in Notebook 7 (no Launcher there): it activates, and its tutorial command opens a notebook page.

The ``test`` extra installs the ``notebook`` package (Notebook 7); it is not a runtime dependency of privacy-workbench.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ext_labserver import LabServer, free_port, stop_lab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

pytest.importorskip("notebook", minversion="7")
playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:  # pragma: no cover
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def notebook_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("nb7-root")
    state = tmp_path_factory.mktemp("nb7-state")
    token, port = secrets.token_hex(16), free_port()
    # a virtual environment may sit on top of the one privacy-workbench's share/ and etc/ files went into
    prefixes = dict.fromkeys([sys.prefix, sys.base_prefix])
    env = {
        **os.environ,
        "JUPYTER_TOKEN": token,
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_PATH": os.pathsep.join(str(Path(p) / "share" / "jupyter") for p in prefixes),
        "JUPYTER_CONFIG_PATH": os.pathsep.join(str(Path(p) / "etc" / "jupyter") for p in prefixes),
    }
    lab_dirs = [Path(p) / "share" / "jupyter" / "lab" for p in prefixes if (Path(p) / "share/jupyter/lab").is_dir()]
    if len(lab_dirs) > 1:  # notebook in a venv over jupyterlab's environment: merge their schemas and themes
        merged = state / "lab"
        for lab_dir in reversed(lab_dirs):
            shutil.copytree(lab_dir, merged, dirs_exist_ok=True, ignore=shutil.ignore_patterns("static", "staging"))
        env["JUPYTERLAB_DIR"] = str(merged)
    command = [
        sys.executable,
        "-m",
        "notebook",
        "--no-browser",
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        "--ServerApp.allow_root=True",
        "--JupyterNotebookApp.expose_app_in_browser=True",
    ]
    log = state / "notebook.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    server = LabServer(url=f"http://127.0.0.1:{port}/", token=token, root=root, log=log)
    try:
        for _ in range(180):
            if process.poll() is not None:
                raise RuntimeError(log.read_text())
            try:
                if server.request("GET", "api/status")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        yield server
    finally:
        stop_lab(process)


def test_loads_in_notebook_7_and_opens_a_tutorial(notebook_server):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context()
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            page.goto(f"{notebook_server.url}tree?token={notebook_server.token}")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=TIMEOUT_MS)
            page.wait_for_function(
                "() => window.jupyterapp.commands.hasCommand('privacy-workbench:open-tutorial')", timeout=TIMEOUT_MS
            )
            assert page.evaluate("() => window.jupyterapp.commands.hasCommand('privacy-workbench:new-dashboard')")
            assert not [m for m in console if "privacy-workbench-lab" in m and "fail" in m.lower()], console

            # the tree page has no Launcher; the command opens the copied tutorial on a notebook page
            with context.expect_page(timeout=TIMEOUT_MS) as opened:
                page.evaluate(
                    "() => window.jupyterapp.commands.execute('privacy-workbench:open-tutorial',"
                    " {name: '02_anonymisation_and_risk.ipynb'})"
                )
            notebook_page = opened.value
            errors: list[str] = []
            notebook_page.on("console", lambda message: errors.append(f"{message.type}: {message.text}"))
            notebook_page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
            notebook_page.wait_for_load_state()
            assert "/notebooks/notebooks/02_anonymisation_and_risk.ipynb" in notebook_page.url
            notebook_page.locator(".jp-MarkdownOutput h1").first.wait_for(timeout=TIMEOUT_MS)
            assert "Anonymisation" in notebook_page.locator(".jp-MarkdownOutput h1").first.inner_text()
            assert (notebook_server.root / "notebooks" / "02_anonymisation_and_risk.ipynb").is_file()
            assert not [e for e in errors if "privacy-workbench" in e.lower()], errors
        finally:
            browser.close()
