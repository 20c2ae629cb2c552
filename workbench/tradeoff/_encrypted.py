"""The ``"encrypted"`` technique: encrypted inference over a grid of CKKS scales (cost against precision)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_SCALE_BITS", "encrypted_point"]

#: the grid: CKKS scale bits, each with the smallest 128-bit secure ring for its chain
DEFAULT_SCALE_BITS: tuple[float, ...] = (21.0, 25.0, 30.0, 40.0)


def encrypted_point(dataset: Any, scale_bits: float, options: Mapping[str, Any], seed: int, stop: Any) -> dict:
    """Train the model without DP, then predict the test rows under CKKS with a ``scale_bits`` scale.

    Utility: accuracy on the decrypted outputs (equal to plaintext when exact), agreement with the plaintext
    decisions, max score error; cost columns ``ms_per_row`` (encrypt + compute + decrypt) and ``bytes_per_row``
    ride along (lower is better). Leakage to the server: none (it sees ciphertexts only). ``technique_options``:
    ``rows`` (test rows used, default all), ``output`` (``"score"`` or ``"probability"``), ``model_seed`` (the
    one model every point encrypts is trained with it, default 0; ``seed`` is unused: CKKS noise is never seeded).
    """
    from workbench.dp import train
    from workbench.encrypted import encrypted_inference
    from workbench.encrypted.params import parameters_for_scale

    run = train(
        dataset,
        model=options.get("model", "logreg"),
        epsilon=None,
        epochs=options["epochs"],
        batch_size=options["batch_size"],
        hidden=options.get("hidden", (64, 64)),
        public_schema=options.get("public_schema", False),
        seed=int(options.get("model_seed", 0)),  # one model for every point: the differences are the encryption's
        stop=stop,
        progress=False,
        ledger=False,
    )
    if run.stopped:
        return {"stopped": True}
    output = options.get("output", "score")
    rows = dataset.test if options.get("rows") is None else dataset.test.iloc[: int(options["rows"])]
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
