"""Every user mistake gets a one-line error of the workbench family that says what to do."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb
from workbench.errors import (
    DataSourceError,
    EmptyDataError,
    InvalidParameterError,
    RoleError,
    UnknownColumnError,
    UnknownNameError,
    WorkbenchError,
)


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text and isinstance(exc.value, WorkbenchError)
    return text


def test_unknown_dataset_lists_close_matches():
    with pytest.raises(UnknownNameError) as exc:
        wb.load_dataset("adlt")
    assert "Did you mean 'adult'?" in one_line(exc)
    assert isinstance(exc.value, LookupError)


def test_missing_file():
    with pytest.raises(DataSourceError) as exc:
        wb.load_dataset("no/such/file.csv")
    assert "No file at" in one_line(exc)
    assert isinstance(exc.value, FileNotFoundError)


def test_unreadable_file(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(DataSourceError) as exc:
        wb.load_dataset(bad)
    assert "Cannot read 'bad.parquet' as parquet" in one_line(exc)


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(DataSourceError, match=r"use a \.csv, \.tsv or \.parquet file"):
        wb.load_dataset(path)


def test_checksum_mismatch(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,y\n1,0\n2,1\n3,0\n4,1\n5,0\n")
    with pytest.raises(DataSourceError, match="the file changed"):
        wb.load_dataset(path, target="y", sha256="0" * 64)


def test_role_naming_an_unknown_column_suggests_one(adult):
    with pytest.raises(UnknownColumnError) as exc:
        wb.load_dataset("adult", quasi_identifiers=["age", "sexx"])
    text = one_line(exc)
    assert "'sexx' (did you mean 'sex'?)" in text and "The columns are:" in text


def test_column_given_two_roles():
    with pytest.raises(RoleError, match="given two roles"):
        wb.load_dataset("adult", quasi_identifiers=["age"], sensitive=["age"])


def test_empty_frames():
    with pytest.raises(EmptyDataError, match="empty"):
        wb.load_dataset(pd.DataFrame())
    with pytest.raises(EmptyDataError, match="0 rows"):
        wb.load_dataset(pd.DataFrame({"a": []}))


def test_one_class_target():
    frame = pd.DataFrame({"a": range(10), "y": [1] * 10})
    with pytest.raises(RoleError, match="1 class"):
        wb.load_dataset(frame, target="y")


def test_wrong_types_and_values():
    with pytest.raises(InvalidParameterError, match="must be a dataset name, a path, a URL or a DataFrame; got int"):
        wb.load_dataset(42)
    with pytest.raises(InvalidParameterError, match="The 'test_size' parameter of load_dataset"):
        wb.load_dataset("adult", test_size=1.5)


def test_errors_subclass_builtins():
    assert issubclass(UnknownColumnError, LookupError)
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(EmptyDataError, ValueError)
