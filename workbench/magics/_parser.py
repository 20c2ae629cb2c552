"""The argument parser of ``%wb`` sub-commands: argparse that raises :class:`UsageError` instead of exiting."""

from __future__ import annotations

import argparse
import keyword
from collections.abc import Callable

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

__all__ = ["SubcommandParser", "float_list", "int_list", "name_list", "optional_float", "output_name"]


class SubcommandParser(MagicArgumentParser):
    """A parser for one ``%wb`` sub-command; mistakes raise a one-line :class:`UsageError` naming the command.

    Every parser gets ``-h/--help`` (print the help with its examples and return nothing) and ``-o/--output NAME``
    (store the result in the user's namespace under ``NAME``).

    Examples
    --------
    >>> parser = SubcommandParser(prog="%wb anonymise")
    >>> _ = parser.add_argument("--k", type=int)
    >>> parser.parse_argstring("--k 5 -o anon5").k
    5
    >>> parser.parse_argstring("--k five")
    Traceback (most recent call last):
    ...
    IPython.core.error.UsageError: %wb anonymise: argument --k: invalid int value: 'five'
    """

    def __init__(self, prog: str, description: str = "", examples: tuple[str, ...] = ()) -> None:
        epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples) if examples else None
        super().__init__(
            prog=prog, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        self.add_argument("-h", "--help", action="store_true", help="show this help with examples and return")
        self.add_argument(
            "-o", "--output", metavar="NAME", type=output_name, help="store the result in the variable NAME"
        )

    def error(self, message: str) -> None:
        raise UsageError(f"{self.prog}: {message}")


def _list_of(kind: Callable[[str], object], label: str) -> Callable[[str], list]:
    def parse(text: str) -> list:
        values = []
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                values.append(kind(part))
            except ValueError:
                raise argparse.ArgumentTypeError(f"{part!r} is not {label}") from None
        if not values:
            raise argparse.ArgumentTypeError(f"give a comma-separated list of {label}s, e.g. 1,2,4")
        return values

    parse.__name__ = f"{label} list"
    return parse


def _grid(integer: bool, label: str) -> Callable[[str], list]:
    """An argparse type parsing a sweep grid with :func:`workbench.tradeoff.parse_grid` (the CLI's parser too)."""

    def parse(text: str) -> list:
        from workbench.errors import InvalidParameterError
        from workbench.tradeoff.grid import parse_grid

        try:
            return parse_grid(text, integer=integer, name="the list")
        except InvalidParameterError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = f"{label} list"
    return parse


float_list = _grid(False, "a number")
"""Parse ``"0.5,1,none"`` into ``[0.5, 1.0, None]`` (``none`` / ``no-dp`` mean without differential privacy)."""
int_list = _grid(True, "an integer")
"""Parse ``"2,5,10"`` into ``[2, 5, 10]``."""
name_list = _list_of(str, "a column name")
"""Parse ``"age,sex"`` into ``["age", "sex"]``."""


def optional_float(text: str) -> float | None:
    """Parse a number, or ``none`` / ``no-dp`` for None (no differential privacy)."""
    from workbench.tradeoff.grid import NO_DP

    if text.strip().lower() in NO_DP:
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (or 'none')") from None


def output_name(text: str) -> str:
    """Check that ``-o NAME`` is a valid Python variable name."""
    if not text.isidentifier() or keyword.iskeyword(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid Python variable name")
    return text
