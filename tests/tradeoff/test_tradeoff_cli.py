"""``privacy-workbench tradeoff`` and ``report``: the console script and ``main([...])``."""

from __future__ import annotations

import math
import subprocess
import sys

import pandas as pd
import pytest

from workbench.cli import main
from workbench.errors import InvalidParameterError
from workbench.tradeoff import parse_grid, read_results


def test_console_script_runs_a_dp_sweep_with_progress_and_writes_results_and_report(tmp_path):
    out, page = tmp_path / "results.parquet", tmp_path / "report.html"
    command = [sys.executable, "-m", "workbench.cli", "tradeoff", "--dataset", "patients", "--technique", "dp"]
    command += ["--epsilons", "1,none", "--epochs", "1", "--out", str(out), "--report", str(page)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "dp sweep" in done.stderr and "2/2" in done.stderr  # the tqdm progress bar
    assert "itself a use of the data" in done.stdout and f"wrote {out}" in done.stdout
    table = pd.read_parquet(out)
    assert list(table["value"]) == [1.0, math.inf] and table["accuracy"].between(0.5, 1).all()
    assert read_results(out).dataset["name"] == "patients"
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_main_reports_user_mistakes_in_one_line(capsys):
    assert main(["tradeoff", "--technique", "dpp", "--out", "x.parquet"]) == 2
    assert "Unknown technique 'dpp'" in capsys.readouterr().err
    assert main(["tradeoff", "--technique", "dp", "--epsilons", "1,abc", "--out", "x.parquet"]) == 2
    assert "--epsilons must be comma-separated numbers" in capsys.readouterr().err
    assert main(["tradeoff", "--technique", "dp", "--epsilons", "1"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["report", "--results", "missing.parquet"]) == 2
    assert "No results file" in capsys.readouterr().err


def test_an_unreachable_dask_scheduler_is_one_line(capsys, monkeypatch):
    pytest.importorskip("distributed")
    import workbench.cli.tradeoff as cli

    monkeypatch.setattr(cli, "_CONNECT_SECONDS", 1)
    argv = ["tradeoff", "--technique", "dp", "--epsilons", "1", "--executor", "tcp://127.0.0.1:1", "--out", "x.parquet"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "Cannot reach a Dask scheduler at tcp://127.0.0.1:1 within 1 s" in err and "\n" not in err


def test_parse_grid():
    assert parse_grid("0.5, 1,2,none,no-dp") == [0.5, 1.0, 2.0, None, None]
    assert parse_grid("2,5,10", integer=True, name="--ks") == [2, 5, 10]
    with pytest.raises(InvalidParameterError, match="integers"):
        parse_grid("2,5.5", integer=True, name="--ks")
    with pytest.raises(InvalidParameterError, match="empty"):
        parse_grid(",")


def test_main_runs_a_k_anonymity_sweep_and_the_report_command(tmp_path, capsys):
    out, page = tmp_path / "k.parquet", tmp_path / "k.html"
    argv = ["tradeoff", "--dataset", "patients", "--technique", "k-anonymity", "--ks", "2,5", "--executor", "serial"]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    result = read_results(out)
    assert [p.value for p in result.points] == [2.0, 5.0] and result.technique == "k-anonymity"
    assert main(["report", "--results", str(out), "--out", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert "data-figure='utility-vs-k'" in text and "data-figure='class-sizes'" in text
    assert f"wrote {page}" in capsys.readouterr().out
