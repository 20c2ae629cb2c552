"""The ``%wb`` / ``%%wb`` magic: a router from sub-command names to :class:`Command` objects, with settings."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.utils.process import arg_split
from traitlets import Bool, Float, Int, TraitError, Unicode, observe, validate

from workbench.errors import WorkbenchError, user_errors
from workbench.magics._data import LOAD, ROLES
from workbench.magics._encrypted import ENCRYPT
from workbench.magics._federated import FEDERATE
from workbench.magics._release import ANONYMISE, PSEUDONYMISE, RISK
from workbench.magics._session import Command, Context, Session
from workbench.magics._sweep import DASHBOARD, REPORT, TRADEOFF
from workbench.magics._synthetic import QUERY, SYNTHESISE
from workbench.magics._training import AUDIT, BUDGET, TRAIN
from workbench.magics._tuning import TUNE

__all__ = ["COMMANDS", "WorkbenchMagics"]

_EXECUTORS = ("", "serial", "processes", "dask")

# sub-command name -> Command, listed by hand in workflow order
COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        LOAD,
        ROLES,
        RISK,
        ANONYMISE,
        PSEUDONYMISE,
        TRAIN,
        TUNE,
        FEDERATE,
        AUDIT,
        ENCRYPT,
        TRADEOFF,
        SYNTHESISE,
        QUERY,
        DASHBOARD,
        REPORT,
        BUDGET,
    )
}


@magics_class
class WorkbenchMagics(Magics):
    """The ``%wb`` magics; settings are traits, so ``%config WorkbenchMagics.seed = 1`` works.

    Examples
    --------
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> shell = InteractiveShell.instance()
    >>> magics = WorkbenchMagics(shell=shell)
    >>> magics.run_command("load diabetes").name
    'diabetes'
    >>> magics.session.dataset.name
    'diabetes'
    """

    seed = Int(0, help="Random seed passed to every technique (same seed, same numbers).").tag(config=True)
    executor = Unicode(
        "",
        help="Where sweeps run ('%wb tradeoff', the dashboard): '' (the default, local processes), 'serial' (this "
        "process), 'processes', or 'dask' (the running distributed.Client).",
    ).tag(config=True)
    budget = Float(
        None, allow_none=True, help="Privacy budget (ε) per dataset on the session ledger; None for no budget."
    ).tag(config=True)
    progress = Bool(True, help="Show progress bars for long work.").tag(config=True)
    live = Bool(True, help="Show the live figure while '%wb tradeoff' runs.").tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.session = Session()

    @validate("budget")
    def _check_budget(self, proposal: Any) -> float | None:
        value = proposal["value"]
        if value is not None and not value > 0:
            raise TraitError(f"WorkbenchMagics.budget must be a number > 0 or None; got {value!r}.")
        return value

    @validate("executor")
    def _check_executor(self, proposal: Any) -> str:
        value = proposal["value"]
        if value not in _EXECUTORS:
            raise TraitError(f"WorkbenchMagics.executor must be one of {_EXECUTORS}; got {value!r}.")
        return value

    @observe("budget")
    def _budget_changed(self, change: Any) -> None:
        from workbench.widgets.state.budget import set_session_budget

        set_session_budget(change["new"])

    @line_cell_magic
    def wb(self, line: str, cell: str | None = None) -> Any:
        if cell is None and not line.strip():
            raise UsageError(_usage("a sub-command"))
        lines = [line] if cell is None else [line, *cell.splitlines()]
        commands = [t.strip() for t in lines if t.strip() and not t.strip().startswith("#")]
        if not commands:
            raise UsageError(_usage("a cell with one sub-command per line"))
        result = None
        for text in commands:
            result = self.run_command(text)
        return result

    def run_command(self, text: str) -> Any:
        """Run one sub-command line such as ``"anonymise --k 5 -o anon5"``; return its result."""
        name, _, rest = text.strip().partition(" ")
        if not name:
            raise UsageError(_usage("a sub-command"))
        command = COMMANDS.get(name)
        if command is None:
            from workbench._validation import close_matches

            matches = close_matches(name, COMMANDS)
            hint = f" Did you mean {matches[0]!r}?" if matches else ""
            raise UsageError(f"Unknown %wb sub-command {name!r}.{hint} " + _usage("one of these"))
        parser = command.parser()
        try:
            argv = arg_split(rest)
        except ValueError as exc:  # unbalanced quotes
            raise UsageError(f"%wb {name}: {exc}") from None
        if "-h" in argv or "--help" in argv:  # before parsing, so missing required arguments do not matter
            print(parser.format_help())
            return None
        args = parser.parse_args(argv)
        context = Context(shell=self.shell, session=self.session, settings=self)
        try:
            with user_errors():  # a user's OSError / UnicodeError becomes one line; a bug keeps its traceback
                result = command.run(context, args)
        except WorkbenchError as exc:
            error = UsageError(f"%wb {name}: {exc}")
            error.error_type = type(exc).__name__  # the core's error class, for callers that want it
            raise error from None
        if args.output:
            self.shell.user_ns[args.output] = result
        return result


def _usage(what: str) -> str:
    return f"Give {what}: {', '.join(COMMANDS)}. Type '%wb?' for help, '%wb SUB --help' for a sub-command's options."


def _build_doc() -> str:
    lines = [
        "Privacy workbench commands: %wb SUB [options] [-o NAME]",
        "",
        "Each sub-command returns its result (x = %wb train ...) and '-o NAME' also stores it in NAME.",
        "The session remembers the current dataset ('%wb load'); '%%wb' runs one sub-command per line.",
        "'%wb SUB --help' shows a sub-command's options and examples.",
        "",
        "Sub-commands:",
    ]
    width = max(map(len, COMMANDS))
    lines += [f"  {c.name:<{width}}  {c.summary}" for c in COMMANDS.values()]
    lines += ["", "Examples:"]
    lines += [f"  {c.examples[0]}" for c in COMMANDS.values()]
    lines += [
        "",
        "Settings (%config WorkbenchMagics.NAME = value):",
        "  seed (int, 0), executor ('', 'serial', 'processes' or 'dask'), budget (ε per dataset or None),",
        "  progress (bool), live (bool: live figure during '%wb tradeoff').",
    ]
    return "\n".join(lines)


WorkbenchMagics.wb.__doc__ = _build_doc()
