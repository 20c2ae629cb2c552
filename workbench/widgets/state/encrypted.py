"""State of the Encrypted tab: encrypted inference of the latest trained model, with progress over the batches."""

from __future__ import annotations

from typing import Any

from traitlets import Any as AnyTrait
from traitlets import HasTraits, Instance, Int, Unicode, observe

from workbench.widgets.state.jobs import Job

__all__ = ["PARAMETER_CHOICES", "SCHEMES", "EncryptedState"]

SCHEMES: tuple[str, ...] = ("ckks", "mpc")
#: the CKKS parameter sets offered (names from workbench.encrypted.PARAMETER_SETS, imported only when run)
PARAMETER_CHOICES: tuple[str, ...] = ("auto", "ckks-8192-d1", "ckks-16384-d4", "tenseal-tutorial")


class EncryptedState(HasTraits):
    """Runs :func:`workbench.encrypted_inference` on :attr:`run`'s test rows (linked to the Train tab's result).

    Examples
    --------
    >>> state = EncryptedState()
    >>> state.start()
    False
    >>> state.job.error
    'Train a model first (Train tab); the Encrypted tab predicts its test rows under encryption.'
    """

    run = AnyTrait(None, help="the TrainResult whose model predicts")
    scheme = Unicode("ckks", help="ckks (TenSEAL) or mpc (CrypTen)")
    packing = Unicode("column", help="CKKS: column or row")
    params = Unicode("auto", help="CKKS parameter set")
    parties = Int(2, help="MPC: 2 or 3")
    rows = Int(2000, help="test rows to predict (0: all)")
    seed = Int(0)
    result = AnyTrait(None, help="the EncryptedResult of the last run")
    job = Instance(Job, args=())

    @observe("run")
    def _new_run(self, change: Any) -> None:
        self.result = None

    def start(self) -> bool:
        """Start encrypted inference; ``False`` when there is no trained model or a run is still going."""
        run = self.run
        if run is None:
            self.job.error = (
                "Train a model first (Train tab); the Encrypted tab predicts its test rows under encryption."
            )
            return False
        rows = run.test if self.rows <= 0 else run.test.iloc[: self.rows]
        if self.scheme == "ckks":
            options: dict[str, Any] = {"scheme": "ckks", "packing": self.packing, "params": self.params}
        else:
            options = {"scheme": "mpc", "parties": self.parties}

        def task(stop: Any, report: Any) -> Any:
            import workbench as wb

            label = "CKKS" if options["scheme"] == "ckks" else "MPC"
            report(0.02, f"{label}: generating keys / starting parties…")

            def on_batch(done: int, total: int) -> None:
                report(done / total, f"{label}: {done:,} of {total:,} rows through encrypted batches")

            return wb.encrypted_inference(run, rows, progress=False, stop=stop, on_batch=on_batch, **options)

        return self.job.start(task, on_done=self._done)

    def _done(self, result: Any) -> None:
        self.result = result
