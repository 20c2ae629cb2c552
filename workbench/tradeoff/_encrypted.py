"""The ``"encrypted"`` technique: encrypted inference over a grid of CKKS scales (cost against precision)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench._validation import InstanceOf, Interval, OneOf, Optional, validate_params
from workbench.tradeoff._configs import _unknown

__all__ = ["DEFAULT_SCALE_BITS", "EncryptedSweepConfig", "encrypted_point"]

#: the grid: CKKS scale bits, each with the smallest 128-bit secure ring for its chain
DEFAULT_SCALE_BITS: tuple[float, ...] = (21.0, 25.0, 30.0, 40.0)


_CONSTRAINTS = {
    "model": OneOf(("logreg", "mlp")),
    "epochs": Interval(int, 1),
    "batch_size": Interval(int, 1),
    "public_schema": InstanceOf((bool,), "True or False"),
    "rows": Optional(Interval(int, 1)),
    "output": OneOf(("score", "probability")),
    "model_seed": Interval(int, 0),
}


@dataclass(frozen=True)
class EncryptedSweepConfig:
    """The options of an ``"encrypted"`` sweep (given directly or as ``technique_options``).

    Attributes
    ----------
    model, epochs, batch_size, hidden, public_schema
        How the one model every point encrypts is trained (without DP; as :func:`workbench.train`).
    rows : int, optional
        Test rows predicted at each point (default: all).
    output : {"score", "probability"}
        ``"probability"`` adds the polynomial sigmoid under encryption (depth 3).
    model_seed : int, default=0
        The model's training seed (the same at every point, so differences are the encryption's).

    Examples
    --------
    >>> config = EncryptedSweepConfig.from_options({"epochs": 1, "rows": 500})
    >>> config.epochs, config.rows, config.output
    (1, 500, 'score')
    """

    model: str = "logreg"
    epochs: int = 10
    batch_size: int = 256
    hidden: tuple[int, ...] = (64, 64)
    public_schema: bool = False
    rows: int | None = None
    output: str = "score"
    model_seed: int = 0

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, technique: str = "encrypted") -> EncryptedSweepConfig:
        """Validate sweep options once; ``audit`` is accepted and ignored (the server learns nothing to audit)."""
        given = {k: v for k, v in options.items() if k != "audit" and v is not None}
        _unknown(given, tuple(f.name for f in dataclasses.fields(cls)))
        validate_params("tradeoff", _CONSTRAINTS, given)
        if "hidden" in given:
            given["hidden"] = tuple(int(h) for h in given["hidden"])
        return cls(**given)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the result's ``options``."""
        return dataclasses.asdict(self)


def encrypted_point(dataset: Any, scale_bits: float, options: EncryptedSweepConfig, seed: int, stop: Any) -> dict:
    """Train the model without DP, then predict the test rows under CKKS with a ``scale_bits`` scale.

    Utility: accuracy on the decrypted outputs (equal to plaintext when exact), agreement with the plaintext
    decisions, max score error; cost columns ``ms_per_row`` (encrypt + compute + decrypt) and ``bytes_per_row``
    ride along (lower is better). Leakage to the server: none (it sees ciphertexts only). ``seed`` is unused:
    the model is trained with ``options.model_seed`` and CKKS noise is never seeded.
    """
    from workbench.dp import train
    from workbench.encrypted import encrypted_inference
    from workbench.encrypted.params import parameters_for_scale

    run = train(
        dataset,
        model=options.model,
        epsilon=None,
        epochs=options.epochs,
        batch_size=options.batch_size,
        hidden=options.hidden,
        public_schema=options.public_schema,
        seed=options.model_seed,  # one model for every point: the differences are the encryption's
        stop=stop,
        progress=False,
        ledger=False,
    )
    if run.stopped:
        return {"stopped": True}
    output = options.output
    rows = dataset.test if options.rows is None else dataset.test.iloc[: options.rows]
    params = parameters_for_scale(int(scale_bits), 3 if output == "probability" else 1)
    enc = encrypted_inference(run, rows, params=params, output=output, progress=False, stop=stop)
    if enc.stopped:
        return {"stopped": True}
    m, cost = enc.metrics, enc.cost
    return {
        "epsilon": math.inf,
        "utility": {
            "accuracy": m["accuracy"],
            "accuracy_original": m["plaintext_accuracy"],
            "agreement": m["agreement"],
            "max_score_error": m["max_score_error"],
            "ms_per_row": cost["end_to_end_ms_per_row"],
            "bytes_per_row": cost["bytes"]["per_row"],
        },
        "leakage": {"leakage_to_server": 0.0},
        "statement": enc.statement.to_dict(),
        "details": {"summary": enc.summary()},
    }
