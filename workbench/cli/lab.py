"""``privacy-workbench lab``: copy the tutorials into a folder (never overwriting) and start JupyterLab on the first.

The tutorials ship inside the package (``workbench/tutorials`` in a wheel; ``notebooks/`` in a source checkout).
They are copied into ``notebooks/`` under the folder JupyterLab serves, the same place the JupyterLab extension's
"open tutorial" commands and Binder use, so every route ends at ``notebooks/01_quickstart.ipynb``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from workbench._files import copy_into
from workbench.errors import DataSourceError, FileAccessError, InvalidParameterError

#: folder (relative to the folder JupyterLab serves) that receives the tutorials
TUTORIALS_FOLDER = "notebooks"
#: the notebook ``privacy-workbench lab`` opens
QUICKSTART = "01_quickstart.ipynb"


@dataclass(frozen=True)
class Tutorial:
    """One bundled tutorial notebook.

    Examples
    --------
    >>> tutorials = list_tutorials()
    >>> tutorials[0].name
    '01_quickstart.ipynb'
    """

    name: str
    title: str
    path: Path

    def to_dict(self) -> dict[str, str]:
        """Name and title, for the server extension's JSON answer."""
        return {"name": self.name, "title": self.title}


def tutorials_source() -> Path:
    """Folder holding the bundled tutorials: ``workbench/tutorials`` when installed, ``notebooks/`` in a checkout.

    Examples
    --------
    >>> (tutorials_source() / "01_quickstart.ipynb").is_file()
    True
    """
    package_dir = Path(__file__).resolve().parent.parent  # workbench/, this module being workbench/cli/lab.py
    for candidate in (package_dir / "tutorials", package_dir.parent / TUTORIALS_FOLDER):
        if (candidate / QUICKSTART).is_file():
            return candidate
    raise DataSourceError(
        "The bundled tutorials were not found next to the workbench package; reinstall privacy-workbench "
        "(pip install privacy-workbench) or run from a source checkout that has notebooks/."
    )


def _title(path: Path) -> str:
    """The text of the notebook's first Markdown heading (``# 1 · Quick start`` -> ``1 · Quick start``)."""
    with path.open(encoding="utf-8") as handle:
        cells = json.load(handle).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = "".join(cell.get("source", []))
        for line in source.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return path.stem


def list_tutorials() -> list[Tutorial]:
    """The bundled tutorials in order (files named ``NN_topic.ipynb``), each with the title of its first heading.

    Examples
    --------
    >>> [t.name[:2] for t in list_tutorials()]
    ['01', '02', '03', '04', '05', '06', '07', '08', '09']
    """
    source = tutorials_source()
    paths = sorted(p for p in source.glob("[0-9][0-9]_*.ipynb") if p.is_file())
    return [Tutorial(name=p.name, title=_title(p), path=p) for p in paths]


def find_tutorial(name: str) -> Tutorial:
    """The bundled tutorial called ``name`` (``"01_quickstart.ipynb"``, ``"01_quickstart"`` or ``"01"``).

    Examples
    --------
    >>> find_tutorial("01").name
    '01_quickstart.ipynb'
    """
    tutorials = list_tutorials()
    for tutorial in tutorials:
        if name in (tutorial.name, tutorial.path.stem, tutorial.name[:2]):
            return tutorial
    names = ", ".join(t.name for t in tutorials)
    raise InvalidParameterError(f"There is no tutorial called {name!r}; the tutorials are: {names}.")


def copy_tutorials(directory: str | Path) -> list[Path]:
    """Copy every bundled tutorial into ``directory/notebooks/`` unless a file of that name is already there.

    Returns the paths that were copied; existing notebooks (perhaps edited by the user) are never overwritten, and
    nothing is written through a link (a dangling link included) or into a ``notebooks`` link that leads out of
    ``directory``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first = copy_tutorials(tmp)
    ...     again = copy_tutorials(tmp)
    >>> len(first), len(again)
    (9, 0)
    """
    root = Path(directory).expanduser()
    target = root / TUTORIALS_FOLDER
    if target.is_symlink() and not target.resolve().is_relative_to(root.resolve()):
        raise FileAccessError(
            f"{target} is a link to {target.resolve()}, outside {root}; the tutorials are never written through a "
            "link out of the folder. Remove the link or pick another --dir."
        )
    if target.exists() and not target.is_dir():
        raise InvalidParameterError(f"{target} is a file; the tutorials need a folder there. Pick another --dir.")
    target.mkdir(parents=True, exist_ok=True)
    copied = [copy_into(tutorial.path, target, tutorial.name) for tutorial in list_tutorials()]
    return [path for path in copied if path is not None]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``privacy-workbench lab``."""
    parser.add_argument(
        "--dir",
        default=".",
        help="folder JupyterLab serves; the tutorials are copied into its notebooks/ folder if absent (default: .)",
    )
    parser.add_argument("--port", type=int, default=None, help="port for JupyterLab (default: first free from 8888)")
    parser.add_argument("--no-browser", action="store_true", help="start the server without opening a browser")
    parser.add_argument(
        "jupyter_args",
        nargs=argparse.REMAINDER,
        metavar="-- JUPYTER_OPTIONS",
        help="anything after -- goes to 'jupyter lab' unchanged (e.g. -- --ip=0.0.0.0)",
    )


def lab_argv(args: argparse.Namespace) -> list[str]:
    """The ``jupyter lab`` options for ``args`` (the server opens on the quick-start notebook).

    Examples
    --------
    >>> ns = argparse.Namespace(dir="work", port=9999, no_browser=True, jupyter_args=["--", "--ip=0.0.0.0"])
    >>> lab_argv(ns)  # doctest: +NORMALIZE_WHITESPACE
    ['--ServerApp.root_dir=work', '--LabApp.default_url=/lab/tree/notebooks/01_quickstart.ipynb',
     '--ServerApp.port=9999', '--no-browser', '--ip=0.0.0.0']
    """
    command = [
        f"--ServerApp.root_dir={args.dir}",
        f"--LabApp.default_url=/lab/tree/{TUTORIALS_FOLDER}/{QUICKSTART}",
    ]
    if args.port is not None:
        if not 0 < args.port < 65536:
            raise InvalidParameterError(f"The --port option must be between 1 and 65535; got {args.port}.")
        command.append(f"--ServerApp.port={args.port}")
    if args.no_browser:
        command.append("--no-browser")
    extra = list(args.jupyter_args or [])
    if extra[:1] == ["--"]:
        extra = extra[1:]
    return command + extra


def run(args: argparse.Namespace) -> int:
    """Copy the tutorials if absent, then run JupyterLab in this process until it is stopped (Ctrl-C)."""
    directory = Path(args.dir).expanduser()
    if directory.exists() and not directory.is_dir():
        raise InvalidParameterError(f"The --dir option must name a folder; {directory} is a file.")
    argv = lab_argv(args)
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in argv:
        argv.append("--allow-root")  # containers and CI machines often run as root; Jupyter refuses otherwise
    copied = copy_tutorials(directory)
    where = directory.resolve() / TUTORIALS_FOLDER
    print(
        f"privacy-workbench lab: {len(copied)} tutorial(s) copied into {where}"
        if copied
        else f"privacy-workbench lab: using the tutorials in {where}",
        file=sys.stderr,
    )
    from jupyterlab.labapp import LabApp

    LabApp.launch_instance(argv=argv)
    return 0
