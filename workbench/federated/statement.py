"""``FederatedStatement``: what a federated run protects, from whom, with which guarantee and unit."""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.release import plain_number

__all__ = ["FederatedStatement"]


@dataclass(frozen=True)
class FederatedStatement:
    """The privacy statement of :func:`workbench.federate`, re-derivable from its own fields.

    Attributes
    ----------
    technique : str
        ``"federated"``.
    parameters : mapping
        The run's settings (clients, partition, rounds, strategy, dp, secure aggregation, engine, ...).
    epsilon, delta : float
        The DP guarantee (``inf`` and 0 without DP). Record level: the largest ε of any client's DP-SGD, i.e. every
        row's. Client level: adding, removing or changing everything one client holds.
    unit : {"record", "client"} or None
        What one unit of privacy is (None without DP).
    accountant : str
        ``"prv"`` or ``"rdp"`` (Opacus's accountants, through the workbench's), ``"none"`` without DP.
    noise_multiplier, sample_rate, steps, max_grad_norm : float, float, int, float
        Record level: the worst-off client's DP-SGD (σ, Poisson rate, steps, per-example clip). Client level:
        Flower's noise multiplier ``z`` (noise std ``z·C/m`` on the mean of ``m`` updates), rate 1 (no
        amplification by client sampling is claimed), the rounds run, and the update clipping norm ``C``.
    client_epsilons, client_noise, client_rates, client_steps : tuple
        Record level: each client's ε, σ, rate and steps (empty otherwise).
    clients, rows : int
        Clients and training rows in the federation.
    clipping : {"server", "client"} or None
        Client level: where each update is clipped (Flower's server-side wrapper, or each client's
        ``fixedclipping_mod``, needed under secure aggregation); None otherwise.
    sensitivity : float
        Client level: how far replacing one client moves the average of ``m`` updates, in units of ``C / m``
        (2, plus SecAgg+'s rounding slack); the accountant sees the noise multiplier ``z / sensitivity``.
    secure_aggregation : bool
    secagg_min_clients : int
        With SecAgg+, the fewest clients whose sum the server can see (the reconstruction threshold); 0 without.
    eps_error : float or None
        PRV's error allowance of ``epsilon`` (None with RDP or without DP).
    caveats : tuple of str
        What is not covered.
    """

    parameters: Mapping[str, Any]
    epsilon: float
    delta: float
    unit: str | None
    accountant: str
    noise_multiplier: float
    sample_rate: float
    steps: int
    max_grad_norm: float
    clients: int
    rows: int
    secure_aggregation: bool = False
    secagg_min_clients: int = 0
    client_epsilons: tuple[float, ...] = ()
    client_noise: tuple[float, ...] = ()
    client_rates: tuple[float, ...] = ()
    client_steps: tuple[int, ...] = ()
    eps_error: float | None = None
    clipping: str | None = None
    sensitivity: float = 2.0
    caveats: tuple[str, ...] = field(default=())
    technique: str = "federated"

    @property
    def private(self) -> bool:
        return math.isfinite(self.epsilon)

    @property
    def guarantee(self) -> str:
        """One line: the guarantee and its unit."""
        if not self.private:
            return "no differential privacy (ε = ∞); raw rows stay on their clients"
        unit = "one record" if self.unit == "record" else "one client (all its rows)"
        return f"(ε = {self.epsilon:.3g}, δ = {self.delta:.1e})-DP per {unit}, {self.accountant.upper()} accountant"

    def recompute(self) -> float:
        """ε re-derived by the accountant from this statement's own parameters (the maximum over clients for the
        record level; ``z / sensitivity`` for ``steps`` rounds at rate 1 for the client level)."""
        from workbench.dp.accounting import compute_epsilon

        if not self.private:
            return math.inf
        if self.unit == "client":
            sigma = self.noise_multiplier / self.sensitivity
            return compute_epsilon(self.accountant, sigma, 1.0, self.steps, self.delta, eps_error=self.eps_error)
        worst = 0.0
        for sigma, rate, steps in zip(self.client_noise, self.client_rates, self.client_steps, strict=True):
            worst = max(worst, compute_epsilon(self.accountant, sigma, rate, steps, self.delta))
        return worst

    def ledger_statement(self) -> Any:
        """The run as a :class:`~workbench.dp.PrivacyStatement` about one record, for the ledger and audits.

        Record level: the worst-off client's DP-SGD. Client level: a record's change changes one client's data,
        so the client-level mechanism (noise multiplier ``z / sensitivity``) covers it.
        """
        from workbench.dp.statement import PrivacyStatement

        caveats = (f"federated run, DP unit: {self.unit or 'none'}", *self.caveats)
        if not self.private:
            return PrivacyStatement.non_private(dataset_size=self.rows, caveats=caveats)
        if self.unit == "client":
            return PrivacyStatement(
                epsilon=self.epsilon, delta=self.delta, accountant=self.accountant,
                noise_multiplier=self.noise_multiplier / self.sensitivity, sample_rate=1.0, steps=self.steps,
                max_grad_norm=self.max_grad_norm, dataset_size=self.rows, sampling="every client every round",
                caveats=caveats, eps_error=self.eps_error,
            )  # fmt: skip
        return PrivacyStatement(
            epsilon=self.epsilon, delta=self.delta, accountant=self.accountant, noise_multiplier=self.noise_multiplier,
            sample_rate=self.sample_rate, steps=self.steps, max_grad_norm=self.max_grad_norm, dataset_size=self.rows,
            caveats=caveats, eps_error=self.eps_error,
        )  # fmt: skip

    def plain_language(self) -> str:
        """What is protected from whom, in words."""
        p = self.parameters
        text = (
            f"Federated learning over {self.clients} clients ({self.rows:,} training rows, {p.get('rounds')} rounds, "
            f"{str(p.get('strategy', 'fedavg')).upper()}): raw rows never leave a client; only model parameters do. "
        )
        if self.secure_aggregation:
            text += (
                f"With secure aggregation (Flower's SecAgg+) the server sees only the aggregate of at least "
                f"{self.secagg_min_clients} clients, never one client's update (assuming fewer than "
                f"{self.secagg_min_clients} parties collude with it); it still sees the aggregate and the global "
                "model. "
            )
        else:
            text += (
                "The server sees every client's model update each round, and updates can reveal a lot about the "
                "rows behind them (gradient inversion, membership inference). "
            )
        text += "Every client receives the global model each round, so the other clients learn what it reveals. "
        text += self._dp_text()
        if self.caveats:
            text += " Not covered: " + "; ".join(self.caveats) + "."
        return text

    def _dp_text(self) -> str:
        if not self.private:
            return (
                "There is no differential-privacy guarantee (ε = ∞): the final model may reveal individual rows "
                "as much as a centrally trained one."
            )
        bound = f"e^ε ≈ {math.exp(min(self.epsilon, 700)):.3g}"
        if self.unit == "record":
            return (
                f"Each client trains with DP-SGD (per-example clipping at {self.max_grad_norm:g}, Poisson sampling, "
                f"noise calibrated per client), so every update, and therefore the global model, satisfies "
                f"(ε = {self.epsilon:.3g}, δ = {self.delta:.1e})-DP per RECORD ({self.accountant.upper()} "
                f"accountant, every client assumed to train in every round): adding or removing any one row changes "
                f"the probability of anything the server or other clients see by at most a factor {bound}, except "
                "with probability δ. A person with rows in several places, or a whole client, gets less protection."
            )
        if self.clipping == "client":
            clip = (
                f"Each client clips its own update to norm {self.max_grad_norm:g} before it leaves (Flower's "
                "fixedclipping_mod); the server adds Gaussian noise "
            )
            seen = (
                "The server itself sees the sum of the clipped updates before the noise"
                if self.secure_aggregation
                else "The server itself sees each clipped update before the noise"
            )
        else:
            clip = f"The server clips each client's update to norm {self.max_grad_norm:g} and adds Gaussian noise "
            seen = "The server itself sees the updates before the noise"
        return (
            clip
            + f"(Flower's central DP, noise multiplier {self.noise_multiplier:.4g}) to their unweighted mean, so the "
            f"sequence of global models satisfies (ε = {self.epsilon:.3g}, δ = {self.delta:.1e})-DP per CLIENT "
            f"({self.accountant.upper()} accountant over {self.steps} rounds, sample rate 1: no amplification by "
            f"sampling clients is claimed): changing everything one client holds changes the probability of any "
            f"global model by at most a factor {bound}, except with probability δ; one record is covered by the "
            f"same bound. {seen}: this protects against the other clients and whoever gets the model, not against the "
            f"server. With {self.clients} clients one client "
            "is a large share of the data: a small client-level ε costs much accuracy."
        )

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: plain_number(getattr(self, f.name)) for f in dataclasses.fields(self)}
        out["guarantee"], out["private"] = self.guarantee, self.private
        return out

    def _repr_html_(self) -> str:
        return (
            f"<div class='wb-statement'><b>Federated privacy statement</b> ({html.escape(self.guarantee)})"
            f"<p>{html.escape(self.plain_language())}</p></div>"
        )
