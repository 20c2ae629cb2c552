"""%wb load and %wb roles."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from workbench.datasets import Dataset


def test_load_bundled(shell):
    ds = shell.run_line_magic("wb", "load adult")
    assert isinstance(ds, Dataset) and ds.name == "adult" and ds.target == "income"


def test_load_dataframe_from_the_namespace_is_not_mutated(shell, small_adult, digest):
    before = digest(small_adult)
    ds = shell.run_line_magic("wb", "load small --target income --qi age,sex,race -o ds")
    assert digest(small_adult) == before
    assert ds.name == "small" and len(ds.frame) == 1500
    assert ds.quasi_identifiers == ["age", "race", "sex"]
    assert shell.user_ns["ds"] is ds


def test_load_a_dataset_variable(shell):
    shell.run_line_magic("wb", "load diabetes -o ds")
    shell.run_line_magic("wb", "load adult")
    assert shell.run_line_magic("wb", "load ds").name == "diabetes"


def test_load_csv_path(shell, tmp_path, small_adult):
    path = tmp_path / "people.csv"
    small_adult.head(200).to_csv(path, index=False)
    ds = shell.run_line_magic("wb", f"load {path} --target income")
    assert len(ds.frame) == 200


def test_load_unknown_column_is_a_usage_error(shell):
    with pytest.raises(UsageError, match="not in the table"):
        shell.run_line_magic("wb", "load small --target incme")


def test_roles_table_has_role_guess_and_reason(shell):
    shell.run_line_magic("wb", "load patients")
    table = shell.run_line_magic("wb", "roles -o roles")
    assert list(table.columns) == ["role", "guess", "reason"]
    assert table.loc["email", "role"] == "identifier"
    assert table.loc["email", "guess"] == "identifier" and "e-mail" in table.loc["email", "reason"]
    assert shell.user_ns["roles"] is table


def test_roles_assignment_changes_the_current_dataset(shell):
    shell.run_line_magic("wb", "load adult")
    table = shell.run_line_magic("wb", "roles fnlwgt=qi hours-per-week=sensitive")
    assert table.loc["fnlwgt", "role"] == "quasi_identifier"
    assert table.loc["hours-per-week", "role"] == "sensitive"
    assert "fnlwgt" in shell.run_line_magic("wb", "roles").query("role == 'quasi_identifier'").index


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("roles age=boss", "unknown role 'boss'"),
        ("roles age", "expected COLUMN=ROLE"),
        ("roles agee=qi", "did you mean 'age'"),
    ],
)
def test_roles_mistakes(shell, line, message):
    shell.run_line_magic("wb", "load adult")
    with pytest.raises(UsageError, match=message):
        shell.run_line_magic("wb", line)
