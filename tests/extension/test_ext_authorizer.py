"""The server extension goes through Jupyter's authorizer: under a read-only one, listing works and copying is 403."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from ext_labserver import start_lab, stop_lab

pytestmark = pytest.mark.slow


@pytest.fixture
def readonly_lab(tmp_path, monkeypatch):
    here = str(Path(__file__).resolve().parent)  # readonly_authorizer.py, importable by the server process
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])))
    root, state = tmp_path / "root", tmp_path / "state"
    root.mkdir()
    state.mkdir()
    process, server = start_lab(root, state, "--ServerApp.authorizer_class=readonly_authorizer.ReadOnlyAuthorizer")
    try:
        yield server
    finally:
        stop_lab(process)


def _put(server, path: str, body: dict) -> int:
    request = urllib.request.Request(
        server.url + path,
        method="PUT",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_read_only_users_cannot_copy_tutorials(readonly_lab):
    folder = readonly_lab.root / "notebooks"
    target = folder / "02_anonymisation_and_risk.ipynb"
    target.unlink(missing_ok=True)
    before = sorted(p.name for p in folder.iterdir())
    # Jupyter's own contents API refuses the write, and so does the extension
    assert _put(readonly_lab, "api/contents/notebooks/new.ipynb", {"type": "notebook"}) == 403
    status, _ = readonly_lab.request("POST", "privacy-workbench/tutorials/02")
    assert status == 403
    assert not target.exists() and sorted(p.name for p in folder.iterdir()) == before
    # reading is allowed: the list of tutorials still comes back
    status, body = readonly_lab.request("GET", "privacy-workbench/tutorials")
    assert status == 200 and json.loads(body)["tutorials"]
