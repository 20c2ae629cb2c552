"""The user-error boundary of the CLI and the ``%wb`` magics: a user's mistake is one line, a bug keeps its trace."""

from __future__ import annotations

import dataclasses
import errno

import pytest
from IPython.core.error import UsageError

from workbench import cli
from workbench.errors import DataSourceError, FileAccessError, InvalidParameterError, user_errors


def _raiser(exc: BaseException):
    def run(*args, **kwargs):
        raise exc

    return run


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (IsADirectoryError(errno.EISDIR, "Is a directory", "/data/folder"), FileAccessError),
        (PermissionError(errno.EACCES, "Permission denied", "/root/x.html"), FileAccessError),
        (OSError(errno.ENOSPC, "No space left on device"), FileAccessError),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), FileAccessError),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), DataSourceError),
        (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), InvalidParameterError),
    ],
)
def test_user_mistakes_become_one_line(raised, expected):
    with pytest.raises(expected) as caught, user_errors():
        raise raised
    text = str(caught.value)
    assert "\n" not in text and caught.value.__suppress_context__
    if getattr(raised, "filename", None):
        assert raised.filename in text


@pytest.mark.parametrize("bug", [KeyError("x"), AttributeError("y"), TypeError("z"), ZeroDivisionError()])
def test_bugs_keep_their_type(bug):
    with pytest.raises(type(bug)), user_errors():
        raise bug


def test_cli_user_mistake_exits_2_with_one_line(monkeypatch, capsys):
    import workbench.cli.report as report_cli

    monkeypatch.setattr(report_cli, "run", _raiser(PermissionError(errno.EACCES, "Permission denied", "/x/r.html")))
    assert cli.main(["report", "--results", "a.parquet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("privacy-workbench report: error: Permission denied: '/x/r.html'")


def test_cli_bug_keeps_its_traceback(monkeypatch):
    import workbench.cli.report as report_cli

    monkeypatch.setattr(report_cli, "run", _raiser(KeyError("a bug")))
    with pytest.raises(KeyError, match="a bug"):
        cli.main(["report", "--results", "a.parquet"])


def _patched_command(monkeypatch, name: str, exc: BaseException) -> None:
    from workbench.magics import _magic

    monkeypatch.setitem(_magic.COMMANDS, name, dataclasses.replace(_magic.COMMANDS[name], run=_raiser(exc)))


def test_magic_user_mistake_is_a_usage_error(shell, monkeypatch):
    _patched_command(monkeypatch, "budget", IsADirectoryError(errno.EISDIR, "Is a directory", "/data"))
    with pytest.raises(UsageError) as caught:
        shell.run_line_magic("wb", "budget")
    assert caught.value.error_type == "FileAccessError"
    assert str(caught.value).startswith("%wb budget: Is a directory: '/data'")


def test_magic_bug_keeps_its_traceback(shell, monkeypatch):
    _patched_command(monkeypatch, "budget", ZeroDivisionError("a bug"))
    with pytest.raises(ZeroDivisionError):
        shell.run_line_magic("wb", "budget")
