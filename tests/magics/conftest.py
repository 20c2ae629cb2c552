"""Fixtures for the magics tests: a real IPython shell with ``%load_ext workbench``, and small data."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
from IPython.core.interactiveshell import InteractiveShell

import workbench as wb

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def small_adult() -> pd.DataFrame:
    """1,500 Adult rows: quick to anonymise and to train on."""
    return wb.load_dataset("adult").frame.sample(1500, random_state=0).reset_index(drop=True)


@pytest.fixture
def shell(small_adult: pd.DataFrame):
    """A fresh ``%wb`` session in the singleton InteractiveShell; trade-offs run in-process."""
    from workbench.magics import unload_ipython_extension

    sh = InteractiveShell.instance()
    sh.config.pop("WorkbenchMagics", None)  # %config values persist in shell.config between tests
    sh.run_line_magic("load_ext", "workbench")
    sh.run_line_magic("config", "WorkbenchMagics.executor = 'serial'")
    sh.run_line_magic("config", "WorkbenchMagics.progress = False")
    sh.user_ns["small"] = small_adult
    yield sh
    unload_ipython_extension(sh)
    sh.config.pop("WorkbenchMagics", None)
    sh.extension_manager.loaded.discard("workbench")
    for name in ("small", "anon5", "ds", "run", "mia", "curve", "roles", "risk", "masked", "SECRET", "dash", "budget"):
        sh.user_ns.pop(name, None)
