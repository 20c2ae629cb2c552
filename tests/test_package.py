"""The package imports fast and lazily, exposes the contract names, and its console script answers."""

from __future__ import annotations

import subprocess
import sys

import workbench
from workbench.cli import main

HEAVY = ("torch", "opacus", "plotly", "pandas", "sklearn", "ipywidgets", "jax", "mbi", "opendp")


def test_import_loads_no_heavy_dependency():
    code = f"import sys, workbench; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_contract_names_are_listed():
    for name in ("load_dataset", "available_datasets", "Dataset", "infer_roles", "anonymise", "pseudonymise",
                 "assess_risk", "train", "PrivacyStatement", "PrivacyLedger", "membership_inference", "tradeoff",
                 "report", "dashboard"):  # fmt: skip
        assert name in workbench.__all__


def test_unknown_attribute_is_an_attribute_error():
    try:
        workbench.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_console_script_version_and_help(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.strip() == f"privacy-workbench {workbench.__version__}"
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "lab" in out and "tradeoff" in out and "report" in out


def test_console_script_is_installed():
    done = subprocess.run(["privacy-workbench", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "privacy-workbench" in done.stdout


def test_warnings_name_the_callers_line_whichever_path_led_to_them():
    import warnings

    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"score": rng.integers(18, 90, 300), "y": rng.integers(0, 2, 300)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        workbench.anonymise(frame, k=5, quasi_identifiers=["score"])  # a callable sub-package, hierarchy from quantiles
    leaks = [w for w in caught if issubclass(w.category, workbench.errors.PrivacyLeakWarning)]
    assert leaks and all(w.filename == __file__ for w in leaks), [(w.filename, w.lineno) for w in caught]
