"""Every tutorial runs top to bottom with ``WORKBENCH_SMOKE=1`` on a real kernel, and is committed clean.

The runs are the session's ``tutorial_runs`` (tests/conftest.py), which the docs build renders too.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXPECTED = [
    "01_quickstart.ipynb",
    "02_anonymisation_and_risk.ipynb",
    "03_pseudonymisation.ipynb",
    "04_dp_training.ipynb",
    "05_auditing.ipynb",
    "06_choosing_a_technique.ipynb",
    "07_federated_learning.ipynb",
    "08_encrypted_inference.ipynb",
    "09_dp_synthetic_data.ipynb",
]


def test_the_tutorials_are_there():
    assert [p.name for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear the outputs"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_heading_smoke_switch_and_references(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and re.match(rf"# {int(path.name[:2])} · \w", nb.cells[0].source)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert 'os.environ.get("WORKBENCH_SMOKE") == "1"' in code
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "### References" in prose
    assert len(prose.split()) > 250  # explains, not just runs


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the first one waits for the session's run of every tutorial (tests/conftest.py)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_tutorial_runs_top_to_bottom(path, tutorial_runs):
    _, runs = tutorial_runs
    run = runs[path.name]
    assert run.err is None, f"{path.name} failed:\n{run.exc_string}"
    code = [cell for cell in run.nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    errors = [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert not errors
    # every code cell that ends in an expression shows something (a table, a figure, a widget, a result)
    shown = sum(1 for cell in code if cell.outputs)
    assert shown >= len(code) // 2
