"""What a ``%wb`` session remembers between cells: the current dataset and the latest result of each kind."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from IPython.core.interactiveshell import InteractiveShell

    from workbench.datasets import Dataset
    from workbench.magics._parser import SubcommandParser

__all__ = ["Command", "Context", "Session"]


@dataclass
class Session:
    """The current dataset and the latest result of each kind (``"train"``, ``"anonymise"``, ...).

    Examples
    --------
    >>> session = Session()
    >>> session.require_dataset()
    Traceback (most recent call last):
    ...
    IPython.core.error.UsageError: No dataset loaded: run '%wb load adult' (or a path, or a DataFrame's name) first.
    """

    dataset: Dataset | None = None
    results: dict[str, Any] = field(default_factory=dict)

    def require_dataset(self) -> Dataset:
        """The current dataset; a :class:`UsageError` saying what to run when there is none."""
        if self.dataset is None:
            raise UsageError("No dataset loaded: run '%wb load adult' (or a path, or a DataFrame's name) first.")
        return self.dataset

    def require_result(self, kind: str, hint: str) -> Any:
        """The latest result of ``kind``; a :class:`UsageError` with ``hint`` when there is none yet."""
        if kind not in self.results:
            raise UsageError(f"No {kind} result in this session yet: {hint}")
        return self.results[kind]

    def set_dataset(self, dataset: Dataset) -> None:
        """Make ``dataset`` current; results computed on another dataset are forgotten."""
        self.dataset = dataset
        self.results.clear()


@dataclass
class Context:
    """What a sub-command may use: the shell (namespace, display), the session and the magic's settings."""

    shell: InteractiveShell
    session: Session
    settings: Any  # the WorkbenchMagics instance: seed, executor, budget, progress, live

    def lookup(self, name: str, what: str) -> Any:
        """The user's variable ``name``; a :class:`UsageError` naming ``what`` was expected when it is missing."""
        try:
            return self.shell.user_ns[name]
        except KeyError:
            raise UsageError(f"No variable {name!r} in the namespace (expected {what}).") from None


@dataclass(frozen=True)
class Command:
    """One ``%wb`` sub-command: how to parse its arguments and what to run."""

    name: str
    summary: str
    examples: tuple[str, ...]
    add_arguments: Callable[[SubcommandParser], None]
    run: Callable[[Context, argparse.Namespace], Any]

    def parser(self) -> SubcommandParser:
        from workbench.magics._parser import SubcommandParser

        parser = SubcommandParser(prog=f"%wb {self.name}", description=self.summary, examples=self.examples)
        self.add_arguments(parser)
        return parser
