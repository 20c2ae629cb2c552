"""The ``privacy-workbench`` command: ``lab`` starts JupyterLab; ``tradeoff`` and ``report`` run headless.

Each sub-command lives in its own module of this package (``workbench.cli.lab``, ``.tradeoff``, ``.report``),
imported only when that sub-command runs; the module provides ``add_arguments(parser)`` and ``run(args) -> int``.
A new sub-command is a module here plus one line in :data:`SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from workbench._version import __version__

# sub-command -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "lab": ("workbench.cli.lab", "copy the tutorials into a folder and start JupyterLab on the quick start"),
    "tradeoff": ("workbench.cli.tradeoff", "run a privacy-utility sweep headless and save results / a report"),
    "report": ("workbench.cli.report", "write an HTML privacy report from saved sweep results"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="privacy-workbench",
        description="Privacy-preserving machine learning you can do and see in JupyterLab.",
        epilog="Run 'privacy-workbench COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"privacy-workbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        sub_parser.set_defaults(_module=module_name)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not exc.name.startswith("workbench"):
                raise
            sub_parser.set_defaults(_missing=f"'{name}' is not available in this build")
            continue
        module.add_arguments(sub_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``privacy-workbench`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if getattr(args, "_missing", None):
        parser.error(args._missing)
    from workbench.errors import WorkbenchError, user_errors

    try:
        with user_errors():  # a user's OSError / UnicodeError becomes one line; a bug keeps its traceback
            return int(importlib.import_module(args._module).run(args) or 0)
    except WorkbenchError as exc:
        print(f"privacy-workbench {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"privacy-workbench {args.command}: interrupted", file=sys.stderr)
        return 130
