"""``privacy-workbench lab``: copying the tutorials and the JupyterLab options, without starting a server."""

from __future__ import annotations

import argparse

import nbformat
import pytest

from workbench import cli
from workbench.cli import lab as _lab
from workbench.errors import InvalidParameterError


def test_every_tutorial_is_listed_in_order_with_its_title():
    tutorials = _lab.list_tutorials()
    assert [t.name[:3] for t in tutorials] == ["01_", "02_", "03_", "04_", "05_", "06_", "07_", "08_", "09_"]
    assert tutorials[0].name == _lab.QUICKSTART
    for tutorial in tutorials:
        nb = nbformat.read(tutorial.path, as_version=4)
        assert nb.cells[0].source.lstrip("# ").startswith(tutorial.title)


def test_copy_never_overwrites(tmp_path):
    copied = _lab.copy_tutorials(tmp_path)
    assert sorted(p.name for p in copied) == [t.name for t in _lab.list_tutorials()]
    mine = tmp_path / "notebooks" / _lab.QUICKSTART
    mine.write_text("my edits")
    assert _lab.copy_tutorials(tmp_path) == []
    assert mine.read_text() == "my edits"
    mine.unlink()
    assert _lab.copy_tutorials(tmp_path) == [mine]


def test_a_file_where_the_folder_should_be_is_a_clear_error(tmp_path):
    (tmp_path / "notebooks").write_text("not a folder")
    with pytest.raises(InvalidParameterError, match="is a file"):
        _lab.copy_tutorials(tmp_path)


def test_find_tutorial_by_number_stem_or_name():
    assert _lab.find_tutorial("05").name == _lab.find_tutorial("05_auditing").name == "05_auditing.ipynb"
    with pytest.raises(InvalidParameterError, match=r"01_quickstart\.ipynb"):
        _lab.find_tutorial("../etc/passwd")


def test_cli_parses_the_lab_options():
    args = cli.build_parser().parse_args(["lab", "--no-browser", "--dir", "work", "--port", "8899", "--", "--ip=::"])
    argv = _lab.lab_argv(args)
    assert "--ServerApp.root_dir=work" in argv and "--ServerApp.port=8899" in argv and "--no-browser" in argv
    assert "--LabApp.default_url=/lab/tree/notebooks/01_quickstart.ipynb" in argv
    assert argv[-1] == "--ip=::"
    defaults = cli.build_parser().parse_args(["lab"])
    assert defaults.dir == "." and defaults.port is None and not defaults.no_browser


@pytest.mark.parametrize("port", [0, 70000])
def test_bad_port_is_one_line_error(port, capsys):
    assert cli.main(["lab", "--port", str(port), "--dir", "."]) == 2
    assert "--port" in capsys.readouterr().err


def test_dir_that_is_a_file_is_one_line_error(tmp_path, capsys):
    path = tmp_path / "file.txt"
    path.write_text("x")
    assert cli.main(["lab", "--dir", str(path)]) == 2
    assert "must name a folder" in capsys.readouterr().err
    assert not (tmp_path / "notebooks").exists()


def test_lab_argv_keeps_extra_options_without_separator():
    ns = argparse.Namespace(dir=".", port=None, no_browser=False, jupyter_args=["--ServerApp.ip=0.0.0.0"])
    assert _lab.lab_argv(ns)[-1] == "--ServerApp.ip=0.0.0.0"
