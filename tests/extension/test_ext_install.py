"""``jupyter labextension list`` shows the extension enabled in this (editable, ``.ci/run``) environment.

The plain ``pip install .`` into a fresh virtual environment is checked by ``tests/binder/test_binder_replay.py``,
whose ``postBuild`` runs exactly that.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ENABLED = re.compile(r"privacy-workbench-lab v\d+\.\d+\.\d+\S* enabled OK \(python, privacy-workbench\)")

# `jupyter labextension list` / `jupyter server extension list` run by this interpreter (the `jupyter` script may
# belong to another one)
LIST_EXTENSIONS = ["-m", "jupyterlab.labextensions", "list"]
LIST_SERVER_EXTENSIONS = ["-m", "jupyter_server.extension.serverextension", "list"]


def _run(command: list[str], **kwargs) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    output = ANSI.sub("", done.stdout + done.stderr)
    assert done.returncode == 0, output
    return output


def test_jupyter_labextension_list_shows_it_enabled():
    jupyter = shutil.which("jupyter")
    command = [jupyter, "labextension", "list"] if jupyter else [sys.executable, *LIST_EXTENSIONS]
    assert ENABLED.search(_run(command))


def test_server_extension_is_enabled():
    output = _run([sys.executable, *LIST_SERVER_EXTENSIONS])
    assert re.search(r"workbench\._server enabled", output)
    assert re.search(r"workbench\._server\s+OK", output)


def test_packaging_metadata_agrees():
    import json
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")  # Python ≥ 3.11

    root = Path(__file__).resolve().parents[2]
    source = root / "extensions" / "privacy-workbench-lab"
    package = json.loads((source / "package.json").read_text())
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    install = json.loads((source / "install.json").read_text())
    assert install["packageName"] == pyproject["project"]["name"]
    from workbench import __version__

    assert package["version"] == __version__  # one version for the wheel and the extension it carries
    output = (source / package["jupyterlab"]["outputDir"]).resolve()
    assert output == root / "workbench" / "labextension"
    shared = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    assert shared["workbench/labextension"] == f"share/jupyter/labextensions/{package['name']}"
    # @jupyterlab/* ^4.6 is what lets `jupyter-builder build` find @jupyterlab/core-meta on npm (see DESIGN.md)
    assert package["dependencies"]["@jupyterlab/application"] == "^4.6.0"
    server_config = json.loads((source / "jupyter-config" / "server-config" / "privacy-workbench.json").read_text())
    assert server_config["ServerApp"]["jpserver_extensions"] == {"workbench._server": True}
