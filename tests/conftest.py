"""Fixtures shared by every test area."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("WORKBENCH_SMOKE", "1")

ROOT = Path(__file__).resolve().parents[1]
#: Every tutorial: ``notebooks/NN_name.ipynb`` (the docs build renders the same files).
TUTORIALS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TUTORIAL_CELL_TIMEOUT = 240  # seconds a cell may run in smoke mode


def frame_digest(frame: pd.DataFrame) -> str:
    """A digest of a frame's values, index, columns and dtypes: equal before and after means untouched."""
    digest = hashlib.sha256()
    digest.update(repr(list(frame.columns)).encode())
    digest.update(repr([str(t) for t in frame.dtypes]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).values.tobytes())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def adult():
    import workbench as wb

    return wb.load_dataset("adult")


@pytest.fixture(scope="session")
def small_adult(adult):
    """3,000 Adult rows (2,400 train / 600 test, seeded stratified split); some folders use their own sample."""
    import workbench as wb

    frame = adult.frame.sample(3000, random_state=0).reset_index(drop=True)
    return wb.load_dataset(frame, target="income", name="adult-3000")


@pytest.fixture(scope="session")
def one_torch_thread():
    """torch limited to one thread for the rest of the session (restored at its end); folders of training tests
    request it from an autouse fixture."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def patients():
    import workbench as wb

    return wb.load_dataset("patients")


@pytest.fixture(scope="session")
def diabetes():
    import workbench as wb

    return wb.load_dataset("diabetes")


@pytest.fixture(scope="session")
def tutorial_runs(tmp_path_factory):
    """Every tutorial executed once per session, top to bottom with ``WORKBENCH_SMOKE=1`` on a real kernel.

    Two run at a time (their kernels mostly wait on each other's start-up). The successful runs go into a
    jupyter-cache folder, exactly as myst-nb caches its own runs: the notebook tests check these runs, and the docs
    build (``nb_execution_mode = "cache"``, pointed at this folder) renders their outputs instead of executing every
    tutorial again. Returns ``(cache folder, {notebook name: ExecutionResult})``; a failed run has ``err`` set.
    """
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    folder = tmp_path_factory.mktemp("tutorials")

    def run(path: Path):
        cwd = folder / path.stem  # files a tutorial writes (reports) land here
        cwd.mkdir()
        notebook = nbformat.read(path, as_version=4)
        return single_nb_execution(notebook, cwd=str(cwd), timeout=TUTORIAL_CELL_TIMEOUT, allow_errors=False)

    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))  # this checkout's code
    with pytest.MonkeyPatch.context() as patch, ThreadPoolExecutor(max_workers=2) as pool:
        patch.setenv("WORKBENCH_SMOKE", "1")  # the kernels inherit it
        patch.setenv("PYTHONPATH", pythonpath)
        runs = dict(zip([p.name for p in TUTORIALS], pool.map(run, TUTORIALS), strict=True))
    cache = get_cache(str(folder / "jupyter_cache"))
    for path in TUTORIALS:
        if runs[path.name].err is None:
            bundle = CacheBundleIn(runs[path.name].nb, str(path), data={"execution_seconds": runs[path.name].time})
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
    return folder / "jupyter_cache", runs


@pytest.fixture
def digest():
    """The frame_digest function, for tests that check an input was not mutated."""
    return frame_digest


def pytest_ignore_collect(collection_path, config):
    """Collect conftest files as plugins only, not as doctest modules (same basename in many test folders)."""
    if collection_path.name == "conftest.py":
        return True
    return None
