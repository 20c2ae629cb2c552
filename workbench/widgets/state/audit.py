"""State of the Audit tab: the attack, its cost, and the membership-inference result on the latest trained model."""

from __future__ import annotations

from typing import Any

from traitlets import Any as AnyTrait
from traitlets import HasTraits, Instance, Int, Unicode, observe

from workbench.widgets.state.jobs import Job, describe_error

__all__ = ["ATTACKS", "AuditState"]

ATTACKS: tuple[str, ...] = ("threshold", "rmia", "lira")


class AuditState(HasTraits):
    """Runs :func:`workbench.membership_inference` on :attr:`run` (linked to the Train tab's result).

    Examples
    --------
    >>> state = AuditState()
    >>> state.start()
    False
    >>> state.job.error
    'Train a model first (Train tab) with an audit fraction above 0.'
    """

    run = AnyTrait(None, help="the TrainResult to attack")
    attack = Unicode("threshold", help="threshold, rmia or lira")
    n_reference = Int(2, help="reference models for rmia / lira")
    seed = Int(0)
    cost = Unicode("", help="what the chosen attack costs (models to train, time)")
    result = AnyTrait(None, help="the AuditResult of the last attack")
    job = Instance(Job, args=())

    @observe("run", "attack", "n_reference")
    def _changed(self, change: Any) -> None:
        if change["name"] == "run":
            self.result = None
        self.cost = self.estimate_cost()

    def estimate_cost(self) -> str:
        """The cost of the chosen attack on :attr:`run`, in words (empty when no run is there yet)."""
        if self.run is None:
            return ""
        try:
            from workbench.audit import estimate_cost

            cost = estimate_cost(self.run, self.attack, self.n_reference)
        except Exception as exc:  # shown in the panel
            return describe_error(exc)
        return _cost_text(cost)

    def start(self) -> bool:
        """Start the attack; ``False`` when there is no trained model or an attack still runs."""
        run = self.run
        if run is None:
            self.job.error = "Train a model first (Train tab) with an audit fraction above 0."
            return False
        options = {"attack": self.attack, "n_reference": self.n_reference, "seed": self.seed}

        def task(stop: Any, report: Any) -> Any:
            import workbench as wb

            report(0.05, f"running the {options['attack']} attack…")
            return wb.membership_inference(run, stop=stop, **options)

        return self.job.start(task, on_done=self._done)

    def _done(self, result: Any) -> None:
        self.result = result


def _cost_text(cost: Any) -> str:
    """``AuditCost`` in words, e.g. "rmia trains 2 reference models on 2 workers, about 4.5 s"."""
    models = getattr(cost, "n_models", None)
    seconds = getattr(cost, "seconds", None)
    if models is None or seconds is None:
        return str(cost)
    attack = getattr(cost, "attack", "the attack")
    if models == 0:
        return f"{attack} trains no extra model, about {seconds:.1f} s"
    workers = getattr(cost, "workers", 1)
    return (
        f"{attack} trains {models} reference model{'s' * (models != 1)} on {workers} worker(s), about {seconds:.1f} s"
    )
