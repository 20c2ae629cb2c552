"""The %wb framework: loading the extension, routing, help, errors as one-line UsageErrors, -o, %config, %%wb."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

import workbench as wb
from workbench.magics import COMMANDS, WorkbenchMagics

SUBCOMMANDS = ["load", "roles", "risk", "anonymise", "pseudonymise", "train", "tune", "federate", "audit", "encrypt",
               "tradeoff", "synthesise", "query", "dashboard", "report", "budget"]  # fmt: skip


def test_load_ext_finds_the_extension_on_the_top_package(shell):
    assert callable(wb.load_ipython_extension)
    assert "wb" in shell.magics_manager.magics["line"]
    assert "wb" in shell.magics_manager.magics["cell"]
    assert any(isinstance(c, WorkbenchMagics) for c in shell.configurables)


def test_loading_twice_registers_once(shell):
    from workbench.magics import load_ipython_extension

    load_ipython_extension(shell)
    assert sum(isinstance(c, WorkbenchMagics) for c in shell.configurables) == 1


def test_every_subcommand_is_routed():
    assert list(COMMANDS) == SUBCOMMANDS


def test_magic_help_lists_every_subcommand_with_an_example(shell):
    doc = shell.find_line_magic("wb").__doc__
    for name in SUBCOMMANDS:
        assert f"  {name} " in doc
        assert f"%wb {name}" in doc
    assert "%config WorkbenchMagics" in doc


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_help_shows_usage_and_examples(shell, capsys, name):
    assert shell.run_line_magic("wb", f"{name} --help") is None
    out = capsys.readouterr().out
    assert out.startswith(f"usage: %wb {name}")
    assert "examples:" in out and f"%wb {name}" in out.split("examples:")[1]
    assert "-o NAME" in out


def _one_line_error(shell, capsys, line: str) -> str:
    result = shell.run_cell(line)
    out = capsys.readouterr()
    text = (out.out + out.err).strip()
    assert isinstance(result.error_in_exec, UsageError), text
    assert "Traceback" not in text
    assert len(text.splitlines()) == 1, text
    return text


def test_unknown_subcommand_suggests_and_lists(shell, capsys):
    text = _one_line_error(shell, capsys, "%wb anonymse --k 5")
    assert "Did you mean 'anonymise'?" in text
    assert "load, roles, risk" in text


def test_no_subcommand(shell, capsys):
    text = _one_line_error(shell, capsys, "%wb")
    assert "Give a sub-command" in text


def test_bad_value_names_the_option(shell, capsys):
    text = _one_line_error(shell, capsys, "%wb anonymise --k five")
    assert "%wb anonymise: argument --k: invalid int value: 'five'" in text


def test_unknown_option(shell, capsys):
    assert "unrecognized arguments: --kk" in _one_line_error(shell, capsys, "%wb anonymise --kk 5")


def test_bad_list_value(shell, capsys):
    text = _one_line_error(shell, capsys, "%wb tradeoff dp --epsilons 1,abc")
    assert "must be comma-separated numbers (or 'none' for no DP); got 'abc'" in text


@pytest.mark.parametrize("line", ["roles", "risk", "anonymise --k 5", "pseudonymise", "train", "federate", "audit",
                                  "tradeoff dp --epsilons 1", "tune --epsilon 1"])  # fmt: skip
def test_no_dataset_loaded(shell, capsys, line):
    text = _one_line_error(shell, capsys, f"%wb {line}")
    assert "No dataset loaded: run '%wb load adult'" in text


def test_core_errors_become_one_line_usage_errors(shell, capsys):
    text = _one_line_error(shell, capsys, "%wb load adlt")
    assert text.startswith("UsageError: %wb load:") and "adult" in text
    with pytest.raises(UsageError) as info:
        shell.run_line_magic("wb", "load adlt")
    assert info.value.error_type == "UnknownNameError"


def test_output_name_must_be_an_identifier(shell, capsys):
    assert "not a valid Python variable name" in _one_line_error(shell, capsys, "%wb load adult -o 2x")


def test_unbalanced_quotes(shell, capsys):
    assert "%wb load" in _one_line_error(shell, capsys, "%wb load 'adult")


def test_returns_result_and_stores_it_with_o(shell):
    shell.run_cell("ds2 = %wb load diabetes -o ds")
    assert shell.user_ns["ds2"] is shell.user_ns["ds"]
    assert shell.user_ns["ds"].name == "diabetes"
    shell.user_ns.pop("ds2")


def test_variables_expand_in_the_line(shell):
    shell.user_ns["which"] = "diabetes"
    assert shell.run_line_magic("wb", "load {which}").name == "diabetes"
    shell.user_ns.pop("which")


def test_settings_through_config(shell):
    shell.run_line_magic("config", "WorkbenchMagics.seed = 7")
    magics = next(c for c in shell.configurables if isinstance(c, WorkbenchMagics))
    assert magics.seed == 7
    shell.run_line_magic("config", "WorkbenchMagics.budget = -1")  # refused (IPython logs the message)
    assert magics.budget is None
    shell.run_line_magic("config", "WorkbenchMagics.executor = 'threads'")
    assert magics.executor == "serial"  # the fixture's setting stays


def test_budget_setting_reaches_the_session_ledger(shell):
    from workbench.dp import default_ledger

    try:
        shell.run_line_magic("config", "WorkbenchMagics.budget = 2.5")
        assert default_ledger().budget == 2.5
    finally:
        shell.run_line_magic("config", "WorkbenchMagics.budget = None")
    assert default_ledger().budget is None


def test_cell_magic_runs_one_subcommand_per_line(shell):
    result = shell.run_cell_magic("wb", "", "# comment\nload adult\n\nload diabetes -o ds\n")
    assert result.name == "diabetes"
    assert shell.user_ns["ds"] is result
    magics = next(c for c in shell.configurables if isinstance(c, WorkbenchMagics))
    assert magics.session.dataset is result


def test_empty_cell_magic_is_a_usage_error(shell):
    with pytest.raises(UsageError):
        shell.run_cell_magic("wb", "", "\n# nothing\n")


def test_unload_removes_the_magic(shell):
    from workbench.magics import unload_ipython_extension

    unload_ipython_extension(shell)
    assert "wb" not in shell.magics_manager.magics["line"]
    assert not any(isinstance(c, WorkbenchMagics) for c in shell.configurables)
