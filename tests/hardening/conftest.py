"""Fixtures for the hardening tests: the inputs (with a trained run) and a ``%wb`` shell."""

from __future__ import annotations

import warnings

import pytest
from hardening_inputs import KEY, Inputs, damaged_files, people_frame

import workbench as wb


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    frame = people_frame()
    dataset = wb.load_dataset(
        frame, target="y", identifiers=["email"], quasi_identifiers=["age", "sex", "zip"], sensitive=["diagnosis"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = wb.train(dataset, epochs=1, batch_size=32, ledger=False)
    tmp = tmp_path_factory.mktemp("bad-inputs")
    return Inputs(frame=frame, dataset=dataset, run=run, tmp=tmp, files=damaged_files(tmp))


@pytest.fixture
def shell(inputs: Inputs):
    """A fresh ``%wb`` session in the singleton InteractiveShell with the people table as ``people``."""
    from IPython.core.interactiveshell import InteractiveShell

    from workbench.magics import unload_ipython_extension

    sh = InteractiveShell.instance()
    sh.config.pop("WorkbenchMagics", None)
    sh.run_line_magic("load_ext", "workbench")
    sh.run_line_magic("config", "WorkbenchMagics.executor = 'serial'")
    sh.run_line_magic("config", "WorkbenchMagics.progress = False")
    sh.user_ns.update(people=inputs.frame, BADKEY=bytearray(KEY), LISTKEY=[KEY], DICTKEY={"key": KEY}, SHORT="a")
    yield sh
    unload_ipython_extension(sh)
    sh.config.pop("WorkbenchMagics", None)
    sh.extension_manager.loaded.discard("workbench")
    for name in ("people", "BADKEY", "LISTKEY", "DICTKEY", "SHORT", "out"):
        sh.user_ns.pop(name, None)
