"""A real JupyterLab server, started the README's way (``privacy-workbench lab --no-browser``), for extension tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ext_labserver import LabServer, start_lab, stop_lab


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A JupyterLab server started by ``privacy-workbench lab`` in a fresh folder; stopped after the module."""
    root = tmp_path_factory.mktemp("lab-root")
    state = tmp_path_factory.mktemp("lab-state")
    process, server = start_lab(root, state)
    try:
        yield server
    finally:
        stop_lab(process)
