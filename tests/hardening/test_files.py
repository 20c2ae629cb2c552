"""File writes: atomic replacement of explicit paths, default names that never replace a file, no writes through
links out of the tutorials folder."""

from __future__ import annotations

import os
import stat

import pytest

import workbench as wb
from workbench import cli
from workbench._files import copy_into, write_atomic, write_output
from workbench.cli import lab as _lab
from workbench.errors import FileAccessError
from workbench.tradeoff import TradeoffPoint, TradeoffResult


@pytest.fixture
def curve() -> TradeoffResult:
    point = TradeoffPoint(technique="dp", parameter="epsilon", value=1.0, epsilon=1.0, utility={"accuracy": 0.8})
    return TradeoffResult(points=(point,), technique="dp", parameter="epsilon", grid=(1.0,), spends_budget=True)


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# -- atomic writes ---------------------------------------------------------------------------------------------
def test_a_failed_write_keeps_the_old_file_whole(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("the old report")

    def half_then_crash(temporary):
        temporary.write_text("<html>half a rep")
        raise RuntimeError("disk pulled out")

    with pytest.raises(RuntimeError, match="disk pulled out"):
        write_atomic(half_then_crash, target)
    assert target.read_text() == "the old report"
    assert _leftovers(tmp_path) == []


def test_an_explicit_path_is_replaced_with_the_usual_mode(tmp_path, curve):
    target = tmp_path / "sub" / "mine.html"
    target.parent.mkdir()
    target.write_text("old")
    assert wb.report(curve, path=target) == target
    assert target.read_text().startswith("<!DOCTYPE html>")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    assert _leftovers(target.parent) == []


def test_results_parquet_is_written_atomically(tmp_path, curve):
    target = tmp_path / "sweep.parquet"
    target.write_bytes(b"old")
    curve.to_parquet(target)
    assert wb.tradeoff.read_results(target).points == curve.points
    with pytest.raises(FileAccessError, match="it is a folder"):
        curve.to_parquet(tmp_path)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("where", ["folder", "under_a_file"])
def test_unwritable_paths_are_one_line(tmp_path, curve, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    path = tmp_path if where == "folder" else blocker / "r.html"
    with pytest.raises(FileAccessError) as caught:
        wb.report(curve, path=path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    assert blocker.read_text() == "x"


# -- default names ---------------------------------------------------------------------------------------------
def test_default_names_never_replace_a_file(tmp_path):
    default = str(tmp_path / "out.txt")
    written = [write_output(lambda p, i=i: p.write_text(str(i)), None, default=default) for i in range(3)]
    assert [p.name for p in written] == ["out.txt", "out-1.txt", "out-2.txt"]
    assert [p.read_text() for p in written] == ["0", "1", "2"]
    assert _leftovers(tmp_path) == []


def test_report_default_keeps_an_existing_report(tmp_path, monkeypatch, curve):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.html").write_text("my notes")
    path = wb.report(curve)
    assert path.name == "report-1.html" and (tmp_path / "report.html").read_text() == "my notes"


def test_cli_report_default_keeps_an_existing_report_and_says_so(tmp_path, monkeypatch, capsys, curve):
    results = curve.to_parquet(tmp_path / "k.parquet")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.html").write_text("my notes")
    assert cli.main(["report", "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert "wrote report-1.html (report.html already exists and was kept)" in out
    assert (tmp_path / "report.html").read_text() == "my notes"
    assert cli.main(["report", "--results", str(results), "--out", "report.html"]) == 0  # explicit: replaced
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_magic_report_default_keeps_an_existing_report(shell, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.html").write_text("my notes")
    shell.run_line_magic("wb", "load people --target y --qi age,sex,zip")
    shell.run_line_magic("wb", "risk")
    path = shell.run_line_magic("wb", "report")
    assert path.name == "report-1.html" and (tmp_path / "report.html").read_text() == "my notes"


def test_dashboard_export_default_keeps_an_existing_report(tmp_path, monkeypatch, curve):
    from workbench.widgets.state import TradeoffState

    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.html").write_text("my notes")
    state = TradeoffState(technique="dp")
    state.result = curve
    path = state.export_report()
    assert path is not None and path.name == "report-1.html", state.job.error
    assert (tmp_path / "report.html").read_text() == "my notes"
    assert state.report_path == str(path)


# -- links -----------------------------------------------------------------------------------------------------
def test_lab_never_writes_through_a_dangling_link(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    served = tmp_path / "served"
    (served / "notebooks").mkdir(parents=True)
    name = _lab.list_tutorials()[1].name
    (served / "notebooks" / name).symlink_to(outside / "victim.ipynb")  # dangling
    copied = _lab.copy_tutorials(served)
    assert name not in [p.name for p in copied] and len(copied) == len(_lab.list_tutorials()) - 1
    assert not (outside / "victim.ipynb").exists()
    assert list(outside.iterdir()) == []


def test_lab_never_writes_through_a_link_to_a_file(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "a.ipynb").symlink_to(victim)
    assert copy_into(_lab.find_tutorial("01").path, tmp_path / "nb", "a.ipynb") is None
    assert victim.read_text() == "keep me"


def test_lab_refuses_a_notebooks_link_out_of_the_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    served = tmp_path / "served"
    served.mkdir()
    (served / "notebooks").symlink_to(outside, target_is_directory=True)
    with pytest.raises(FileAccessError, match="outside"):
        _lab.copy_tutorials(served)
    assert list(outside.iterdir()) == []
