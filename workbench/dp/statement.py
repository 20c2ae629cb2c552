"""``PrivacyStatement``: what a training run's differential-privacy guarantee is, in numbers and in words."""

from __future__ import annotations

import dataclasses
import html
import json
import math
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import InvalidParameterError
from workbench.release import plain_number

__all__ = ["PrivacyStatement"]


@dataclass(frozen=True)
class PrivacyStatement:
    """The (epsilon, delta) guarantee of a DP-SGD run, with every parameter needed to re-derive it.

    ``epsilon`` is what the named accountant computes from ``noise_multiplier``, ``sample_rate``, ``steps`` and
    ``delta`` (see :meth:`recompute`), never the target that was asked for (kept in ``target_epsilon``). A
    non-private run has ``epsilon = inf`` and ``private = False``.

    Attributes
    ----------
    epsilon, delta : float
        The guarantee: for any two datasets differing in one person's row, the probability of any outcome changes
        by at most a factor e^epsilon, except with probability delta.
    accountant : str
        "prv", "rdp" or "gdp" (Opacus's accountants).
    noise_multiplier : float
        Gaussian noise standard deviation divided by ``max_grad_norm`` (0 for non-private runs).
    sample_rate : float
        Probability that a row takes part in a step (Poisson sampling).
    steps : int
        Noisy gradient steps taken.
    epochs : float
        ``steps * sample_rate``: passes over the data, in expectation.
    max_grad_norm : float
        Per-example gradient clipping norm.
    sampling : str
        "poisson": each row joins each batch independently, as the accounting assumes. "private-selection": the
        statement of a private search (:func:`workbench.tune`), whose ε comes from the selection bound.
    dataset_size : int
        Rows trained on (the unit of privacy is one row).
    caveats : tuple of str
        What is not covered by the guarantee (e.g. statistics taken from the data for encoding).
    defaults_rule : str or None
        The rule that chose the hyperparameters the user left unset (e.g. "size-aware-v2", see
        ``workbench.dp.defaults``); None when the user set them all.
    eps_error : float or None
        PRV only: the accountant's error allowance; ``epsilon`` is its upper bound, the estimate plus ``eps_error``
        (Opacus: ``PRVAccountant.get_epsilon(delta, eps_error=eps_error)``). None for other accountants.

    Examples
    --------
    >>> s = PrivacyStatement(epsilon=1.2, delta=1e-6, accountant="prv", noise_multiplier=1.1, sample_rate=0.01,
    ...                      steps=1000, max_grad_norm=1.0, dataset_size=25000)
    >>> s.private, s.epochs
    (True, 10.0)
    >>> PrivacyStatement.from_json(s.to_json()) == s
    True
    >>> PrivacyStatement.non_private(dataset_size=100).epsilon
    inf
    """

    epsilon: float
    delta: float
    accountant: str
    noise_multiplier: float
    sample_rate: float
    steps: int
    max_grad_norm: float
    dataset_size: int
    sampling: str = "poisson"
    target_epsilon: float | None = None
    caveats: tuple[str, ...] = field(default=())
    eps_error: float | None = None
    defaults_rule: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "caveats", tuple(self.caveats))
        if self.epsilon < 0 or math.isnan(self.epsilon):
            raise InvalidParameterError(f"A statement's epsilon must be ≥ 0; got {self.epsilon!r}.")

    # -- derived ----------------------------------------------------------------------------------------------
    @property
    def private(self) -> bool:
        """True when the run had a finite epsilon (DP-SGD); False for non-private training."""
        return math.isfinite(self.epsilon)

    @property
    def epochs(self) -> float:
        return round(self.steps * self.sample_rate, 6)

    @property
    def expected_batch_size(self) -> float:
        return self.sample_rate * self.dataset_size

    # -- the Statement protocol (workbench.release) ------------------------------------------------------------
    @property
    def technique(self) -> str:
        """``"dp-sgd"``, or ``"no-dp"`` for a run trained without differential privacy."""
        return "dp-sgd" if self.private else "no-dp"

    @property
    def parameters(self) -> dict[str, Any]:
        """The numbers the guarantee is re-derived from (see :meth:`recompute`)."""
        return {
            "accountant": self.accountant,
            "noise_multiplier": self.noise_multiplier,
            "sample_rate": self.sample_rate,
            "steps": self.steps,
            "max_grad_norm": self.max_grad_norm,
            "dataset_size": self.dataset_size,
            "sampling": self.sampling,
        }

    @property
    def guarantee(self) -> str:
        """The guarantee in one line, e.g. ``"(ε = 1.2, δ = 1.0e-06)-DP per row (PRV accountant)"``."""
        if not self.private:
            return "no formal guarantee (trained without differential privacy, ε = ∞)"
        return f"(ε = {self.epsilon:.3g}, δ = {self.delta:.1e})-DP per row ({self.accountant.upper()} accountant)"

    @classmethod
    def non_private(
        cls, *, dataset_size: int, steps: int = 0, sample_rate: float = 0.0, caveats: tuple = ()
    ) -> PrivacyStatement:
        """The statement of a run without DP: epsilon = inf."""
        return cls(math.inf, 0.0, "none", 0.0, sample_rate, steps, math.inf, dataset_size, "poisson", None, caveats)

    def recompute(self) -> float:
        """Epsilon re-derived by the accountant from this statement's own parameters (inf if not private)."""
        if not self.private:
            return math.inf
        if self.sampling == "private-selection":
            raise InvalidParameterError(
                "This statement is a private search's (wb.tune): re-derive its ε with the TuneResult's "
                "statement.recompute()."
            )
        from workbench.dp.accounting import compute_epsilon

        return compute_epsilon(
            self.accountant, self.noise_multiplier, self.sample_rate, self.steps, self.delta, eps_error=self.eps_error
        )

    # -- words ------------------------------------------------------------------------------------------------
    def plain_language(self) -> str:
        """One paragraph saying what the guarantee means, like TF Privacy's DP-SGD privacy statement."""
        if not self.private and self.noise_multiplier > 0 and self.steps > 0:
            return (
                f"This model was trained with DP-SGD noise (multiplier {self.noise_multiplier:.3g}) too small for the "
                f"{self.accountant.upper()} accountant to certify any bound on {self.dataset_size:,} rows "
                "(epsilon = ∞): there is no guarantee. Treat the model as being as sensitive as the data itself; "
                "use more noise, or accountant='rdp' for a finite (very large) epsilon."
            )
        if not self.private:
            return (
                f"This model was trained WITHOUT differential privacy on {self.dataset_size:,} rows: there is no "
                "bound on what it reveals about any person in the training data (epsilon = ∞). Treat the model "
                "as being as sensitive as the data itself."
            )
        if self.sampling == "private-selection":
            return (
                f"The best run of a private hyperparameter search on {self.dataset_size:,} rows: the whole search, "
                f"selection included, satisfies differential privacy with ε = {self.epsilon:.3g} and "
                f"δ = {self.delta:.1e}. "
                + " ".join(self.caveats[:1])
                + (" Not covered by the guarantee: " + "; ".join(self.caveats[1:]) + "." if self.caveats[1:] else "")
            )
        text = (
            f"DP-SGD with sampling rate {self.sample_rate:.4g} (Poisson sampling: each of the {self.dataset_size:,} "
            f"rows joins each batch independently), noise multiplier {self.noise_multiplier:.4g} and per-example "
            f"gradient clipping at {self.max_grad_norm:g}, for {self.steps:,} steps ({self.epochs:g} epochs), "
            f"satisfies differential privacy with ε = {self.epsilon:.3g} and δ = {self.delta:.1e} "
            f"({self.accountant.upper()} accountant). In words: whether or not any one person's row is in the "
            f"training data, the probability of getting any particular model changes by at most a factor of "
            f"e^ε ≈ {math.exp(min(self.epsilon, 700)):.3g}, except with probability δ. This is a guarantee about "
            "one row: people with several rows, or information shared by many people, get less protection. "
            "The guarantee assumes the model was trained exactly as stated and only the final model is released"
        )
        if self.target_epsilon is not None and abs(self.target_epsilon - self.epsilon) > 1e-12:
            text += f"; ε = {self.target_epsilon:g} was requested and the accountant computed the ε above"
        text += "."
        if self.defaults_rule:
            text += (
                f" The batch size, epochs, learning rate and clipping norm not set by the user were chosen by the "
                f"{self.defaults_rule} rule from the number of training rows only (no privacy cost)."
            )
        if self.accountant == "gdp":
            text += " The GDP accountant is a central-limit approximation and can under-estimate ε."
        if self.caveats:
            text += " Not covered by the guarantee: " + "; ".join(self.caveats) + "."
        return text

    # -- serialisation ----------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """All fields plus ``private`` and ``epochs``; infinities as the string "inf" (valid JSON)."""
        out = {f.name: plain_number(getattr(self, f.name)) for f in dataclasses.fields(self)}
        out["private"] = self.private
        out["epochs"] = self.epochs
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrivacyStatement:
        """Rebuild a statement from :meth:`to_dict` output; unknown or missing keys are an error."""
        names = {f.name for f in dataclasses.fields(cls)}
        required = {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING}
        if not isinstance(data, dict):
            raise InvalidParameterError(f"A privacy statement must be a dict; got {type(data).__name__}.")
        extra = set(data) - names - {"private", "epochs"}
        if extra or required - set(data):
            raise InvalidParameterError(
                f"Not a privacy statement: unknown keys {sorted(extra)}, missing keys {sorted(required - set(data))}."
            )
        kwargs = {k: (math.inf if v == "inf" else v) for k, v in data.items() if k in names}
        kwargs["caveats"] = tuple(kwargs.get("caveats", ()))
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> PrivacyStatement:
        return cls.from_dict(json.loads(text))

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>"
            for k, v in self.to_dict().items()
            if k != "caveats"
        )
        return (
            f"<div class='wb-statement'><b>Privacy statement</b><p>{html.escape(self.plain_language())}</p>"
            f"<table>{rows}</table></div>"
        )
