"""The technique registry: a name → the function that computes ONE point of a sweep."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench._validation import close_matches
from workbench.errors import InvalidParameterError, UnknownNameError

__all__ = ["Technique", "available_techniques", "get_technique", "register_technique"]

# compute(dataset, value, options, seed, stop) -> dict with any of: epsilon, delta, k, l, t, utility, leakage,
# statement, details, stopped. It must be a module-level function so it pickles to other processes.
ComputeFn = Callable[..., Mapping[str, Any]]


@dataclass(frozen=True)
class Technique:
    """A swept privacy technique.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"dp"``.
    parameter : str
        The swept parameter: ``"epsilon"`` (grid from ``epsilons=``), ``"k"`` (grid from ``ks=``), or another
        numeric parameter (grid from ``grid=``, default ``default_grid``), e.g. ``"scale_bits"``.
    compute : callable
        ``compute(dataset, value, options, seed, stop) -> dict`` computing one point; module-level, so picklable.
    spends_budget : bool
        Whether its points spend differential-privacy budget on the dataset (recorded in the ledger).
    description : str
        One line for listings.
    compute_group : callable, optional
        ``compute_group(dataset, values, options, seeds, stop) -> list of dict``: several values (each with its
        own seed) at once, with results equal to ``compute`` value by value (e.g. DP models trained together in
        one vectorised loop).
    groupable : callable, optional
        ``groupable(value, options) -> bool``: which values ``compute_group`` may take.
    config : type, optional
        The technique's frozen options class: ``config.from_options(options, technique=name)`` validates the
        sweep's options once and the compute functions receive the config instead of a dict (the built-ins use
        :class:`DPSweepConfig` and :class:`KAnonymitySweepConfig`). Without one, they receive the options as given.
    default_grid : tuple of float
        The grid of a technique whose parameter is neither ``"epsilon"`` nor ``"k"``.
    """

    name: str
    parameter: str
    compute: ComputeFn
    spends_budget: bool = False
    description: str = ""
    compute_group: ComputeFn | None = None
    groupable: Callable[[float, Any], bool] | None = None
    config: type | None = None
    default_grid: tuple[float, ...] = ()

    def options(self, given: Mapping[str, Any]) -> Any:
        """The technique's options: validated into its ``config``, else the given dict itself."""
        if self.config is None:
            return dict(given)
        return self.config.from_options(given, technique=self.name)


_REGISTRY: dict[str, Technique] = {}


def register_technique(
    name: str,
    compute: ComputeFn,
    *,
    parameter: str,
    spends_budget: bool = False,
    description: str = "",
    replace: bool = False,
    compute_group: ComputeFn | None = None,
    groupable: Callable[[float, Any], bool] | None = None,
    config: type | None = None,
    default_grid: tuple[float, ...] = (),
) -> Technique:
    """Add a technique to the registry so ``tradeoff(data, name, ...)`` can sweep it.

    Parameters
    ----------
    name : str
        The technique's name in ``tradeoff(data, name, ...)``.
    compute : callable
        ``compute(dataset, value, options, seed, stop) -> dict`` computing one point, defined at module level so worker
        processes can load it (see the ``Technique`` attributes for the point's keys).
    parameter : {"epsilon", "k"}
        The swept parameter: the grid comes from ``epsilons=`` or ``ks=``.
    spends_budget : bool, default=False
        Whether its points spend DP budget (they are then recorded in the ledger).
    description : str, default=""
        One line for listings.
    replace : bool, default=False
        Replace a technique already registered under ``name``.
    compute_group, groupable : callable, optional
        Compute several values at once (see :class:`Technique`).

    Returns
    -------
    Technique

    Raises
    ------
    InvalidParameterError
        For a taken name (without ``replace``), a bad ``parameter`` or a ``compute`` that is not callable.

    Examples
    --------
    >>> from workbench.tradeoff import register_technique, available_techniques
    >>> def majority(dataset, value, options, seed, stop):
    ...     share = dataset.test[dataset.target].value_counts(normalize=True).max()
    ...     return {"k": value, "utility": {"accuracy": float(share)}}
    >>> _ = register_technique("majority-demo", majority, parameter="k", replace=True)
    >>> "majority-demo" in available_techniques()
    True
    """
    if not isinstance(parameter, str) or not parameter.isidentifier():
        raise InvalidParameterError(
            f"The 'parameter' of a technique must be a name such as 'epsilon'; got {parameter!r}."
        )
    if parameter not in ("epsilon", "k") and not default_grid:
        raise InvalidParameterError(
            f"A technique sweeping {parameter!r} (neither 'epsilon' nor 'k') needs a default_grid of numbers."
        )
    if name in _REGISTRY and not replace:
        raise InvalidParameterError(f"A technique named {name!r} is already registered; pass replace=True.")
    if not callable(compute):
        raise InvalidParameterError(f"The 'compute' of technique {name!r} must be callable; got {compute!r}.")
    if config is not None and not callable(getattr(config, "from_options", None)):
        raise InvalidParameterError(f"The 'config' of technique {name!r} must have a from_options classmethod.")
    technique = Technique(
        name, parameter, compute, spends_budget, description, compute_group, groupable, config, tuple(default_grid)
    )
    _REGISTRY[name] = technique
    return technique


def available_techniques() -> list[str]:
    """Names of the registered techniques.

    Examples
    --------
    >>> from workbench.tradeoff import available_techniques
    >>> [t for t in available_techniques() if t in ("dp", "k-anonymity", "pseudonymise+dp")]
    ['dp', 'k-anonymity', 'pseudonymise+dp']
    """
    return list(_REGISTRY)


def get_technique(name: str | Technique) -> Technique:
    """Look a technique up by name; an unknown name raises :class:`UnknownNameError` listing the known ones.

    Parameters
    ----------
    name : str or Technique
        A registered name (a :class:`Technique` is returned as is).

    Returns
    -------
    Technique

    Raises
    ------
    UnknownNameError
        For an unknown name, listing the known ones.

    Examples
    --------
    >>> from workbench.tradeoff import get_technique
    >>> technique = get_technique("dp")
    >>> technique.parameter, technique.spends_budget
    ('epsilon', True)
    """
    if isinstance(name, Technique):
        return name
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        matches = close_matches(str(name), list(_REGISTRY))
        hint = f" Did you mean {matches[0]!r}?" if matches else ""
        raise UnknownNameError(
            f"Unknown technique {name!r}; the known ones are {', '.join(map(repr, _REGISTRY))}.{hint}"
        ) from None
