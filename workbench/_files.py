"""Writing files safely: atomic writes (temp file + ``os.replace``), default names that never replace a file, and
copies that never follow a link out of their folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from workbench.errors import FileAccessError

__all__ = ["copy_into", "write_atomic", "write_output"]

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_output(
    writer: Callable[[Path], None], path: str | os.PathLike | None, *, default: str, what: str = "the file"
) -> Path:
    """Write a file with ``writer(temporary_path)`` to ``path``, or, when ``path`` is None, to a free name.

    An explicit ``path`` may replace an existing file, atomically: the new content goes to a temporary file in the
    same folder first, then ``os.replace`` swaps it in, so a failure never leaves half a file or loses the old one.
    Without a path, ``default`` (e.g. ``"report.html"``) is used if no file has that name, else ``report-1.html``,
    ``report-2.html``, ...: a default name never replaces a file. The path written is returned.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> first = write_output(lambda p: p.write_text("a"), None, default=str(folder / "out.txt"))
    >>> second = write_output(lambda p: p.write_text("b"), None, default=str(folder / "out.txt"))
    >>> first.name, second.name, first.read_text()
    ('out.txt', 'out-1.txt', 'a')
    >>> write_output(lambda p: p.write_text("c"), first, default="unused.txt").read_text()
    'c'
    """
    if path is not None:
        return write_atomic(writer, path, what=what)
    target = _encodable(Path(default).expanduser(), what)
    with _temporary(target, what) as temporary:
        writer(temporary)
        for candidate in _candidates(target):
            try:
                os.link(temporary, candidate)  # fails if the name is taken: never replaces a file
            except FileExistsError:
                continue
            except OSError:  # no hard links on this file system: exclusive create, then copy
                try:
                    with candidate.open("xb") as handle, temporary.open("rb") as source:
                        shutil.copyfileobj(source, handle)
                except FileExistsError:
                    continue
            return candidate
    raise FileAccessError(f"No free name like {str(target)!r}; pass an explicit path.")  # pragma: no cover


def write_atomic(writer: Callable[[Path], None], path: str | os.PathLike, *, what: str = "the file") -> Path:
    """Write ``path`` through ``writer(temporary_path)`` and ``os.replace``: all or nothing; returns the path.

    Raises :class:`~workbench.errors.FileAccessError` (one line) when ``path`` is a folder or cannot be written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "sub" / "a.txt"
    >>> write_atomic(lambda p: p.write_text("hello"), target).read_text()
    'hello'
    """
    target = _encodable(Path(path).expanduser(), what)
    if target.is_dir():
        raise FileAccessError(
            f"Cannot write {what} to {str(target)!r}: it is a folder; give a file name inside it instead."
        )
    with _temporary(target, what) as temporary:
        writer(temporary)
        try:
            os.replace(temporary, target)
        except OSError as exc:
            raise FileAccessError(f"Cannot write {what} to {str(target)!r}: {exc.strerror or exc}.") from None
    return target


def _encodable(target: Path, what: str) -> Path:
    try:
        os.fsencode(target)
    except UnicodeError:
        raise FileAccessError(
            f"Cannot write {what} to {str(target)!r}: the name has characters the file system cannot encode (such as "
            "lone surrogates); choose another name."
        ) from None
    return target


@contextlib.contextmanager
def _temporary(target: Path, what: str) -> Iterator[Path]:
    """A fresh temporary file next to ``target`` (same file system, so ``os.replace`` is atomic); always removed."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise FileAccessError(
            f"Cannot write {what} to {str(target)!r}: {exc.strerror or exc} ({exc.filename or target.parent}). "
            "Choose a folder you can write to."
        ) from None
    os.close(handle)
    os.chmod(name, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; give the file the mode open() would
    temporary = Path(name)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def _candidates(target: Path) -> Iterator[Path]:
    yield target
    for number in range(1, 10_000):
        yield target.with_name(f"{target.stem}-{number}{target.suffix}")


def copy_into(source: Path, folder: Path, name: str) -> Path | None:
    """Copy ``source`` to ``folder/name`` unless that name is taken; never through a link (dangling or not).

    Returns the new path, or None when a file (or link) of that name is already there. The copy is created with
    ``O_EXCL | O_NOFOLLOW`` semantics (exclusive create: an existing link is never followed), so nothing is ever
    written outside ``folder``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> source = folder / "a.txt"
    >>> _ = source.write_text("x")
    >>> copy_into(source, folder, "b.txt").name, copy_into(source, folder, "b.txt")
    ('b.txt', None)
    """
    destination = folder / name
    if destination.is_symlink() or destination.exists():
        return None
    try:
        with destination.open("xb") as handle, source.open("rb") as data:  # "x": O_CREAT | O_EXCL, links not followed
            shutil.copyfileobj(data, handle)
    except FileExistsError:
        return None
    return destination
