"""``EncryptedResult``: decrypted predictions, their precision against the plaintext model, and the cost."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.encrypted.statement import EncryptedStatement

__all__ = ["PHASES", "EncryptedResult"]

#: the phases of encrypted inference, in order
PHASES = ("key_generation", "encrypt", "compute", "decrypt", "communication")


@dataclass(frozen=True, eq=False)
class EncryptedResult:
    """The outcome of :func:`workbench.encrypted_inference` (implements the ``Release`` protocol).

    Attributes
    ----------
    scheme, packing, model_kind : str
    statement : EncryptedStatement
    metrics : dict
        ``accuracy`` (decrypted decisions vs the labels; NaN without labels), ``plaintext_accuracy``,
        ``agreement`` (share of decisions equal to the plaintext model's), ``max_score_error`` and
        ``mean_score_error`` (decrypted vs plaintext float64 output), ``outside_range`` and
        ``outside_range_share`` (scores outside the polynomial sigmoid's fitted range; 0 without it), ``rows``.
    cost : dict
        ``phases``: per phase seconds, ms_per_row, share of the total; ``end_to_end_ms_per_row`` (encrypt +
        compute + decrypt), ``plaintext_ms_per_row`` (the same model in the clear, same rows), ``bytes``
        (to_server, to_client, total, per_row; per party for MPC), ``sizes`` (ciphertext, evaluation keys, secret
        key, in bytes).
    scores : ndarray
        The decrypted outputs the data owner gets (score, probability, or one column per class).
    predictions : ndarray
        The decided labels.
    stopped : bool
        True when ``stop`` ended it early; metrics cover the rows done.

    Examples
    --------
    >>> import workbench as wb  # doctest: +SKIP
    >>> enc = wb.encrypted_inference(run, ds.test[:500], scheme="ckks")  # doctest: +SKIP
    >>> enc.metrics["agreement"], enc.statement.security_bits  # doctest: +SKIP
    (1.0, 128)
    """

    scheme: str
    packing: str
    model_kind: str
    output: str
    statement: EncryptedStatement
    metrics: dict[str, float]
    cost: dict[str, Any]
    scores: np.ndarray = field(repr=False)
    predictions: np.ndarray = field(repr=False)
    stopped: bool = False
    batches: int = 0
    technique: str = "encrypted"

    def summary(self) -> dict[str, Any]:
        """Headline facts as plain data (no rows, keys or scores)."""
        m, c = self.metrics, self.cost
        return {
            "technique": self.technique,
            "scheme": self.scheme,
            "packing": self.packing,
            "model": self.model_kind,
            "output": self.output,
            "parameters": dict(self.statement.parameters),
            "security_bits": self.statement.security_bits,
            "rows": int(m["rows"]),
            "accuracy": m["accuracy"],
            "agreement": m["agreement"],
            "max_score_error": m["max_score_error"],
            "outside_range": int(m["outside_range"]),
            "end_to_end_ms_per_row": c["end_to_end_ms_per_row"],
            "plaintext_ms_per_row": c["plaintext_ms_per_row"],
            "seconds": {p: c["phases"][p]["seconds"] for p in PHASES},
            "bytes_total": c["bytes"]["total"],
            "sizes": dict(c["sizes"]),
            "stopped": self.stopped,
            "guarantee": self.statement.guarantee,
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything but the per-row scores, as plain JSON-able data."""
        return {
            "technique": self.technique,
            "scheme": self.scheme,
            "packing": self.packing,
            "model": self.model_kind,
            "output": self.output,
            "statement": self.statement.to_dict(),
            "metrics": {k: _plain(v) for k, v in self.metrics.items()},
            "cost": _plain(self.cost),
            "stopped": self.stopped,
            "batches": self.batches,
        }

    def __repr__(self) -> str:
        m = self.metrics
        return (
            f"EncryptedResult(scheme={self.scheme!r}, packing={self.packing!r}, model={self.model_kind!r}, "
            f"rows={int(m['rows'])}, agreement={m['agreement']:.4f}, max_score_error={m['max_score_error']:.2e}, "
            f"ms_per_row={self.cost['end_to_end_ms_per_row']:.3f}, stopped={self.stopped})"
        )

    def _repr_html_(self) -> str:
        m, c = self.metrics, self.cost
        rows = "".join(
            f"<tr><td>{p.replace('_', ' ')}</td><td>{c['phases'][p]['seconds']:.3f} s</td>"
            f"<td>{c['phases'][p]['ms_per_row']:.4f} ms/row</td><td>{c['phases'][p]['share']:.0%}</td></tr>"
            for p in PHASES
        )
        return (
            f"<div class='wb-encrypted'><h4 style='margin:4px 0'>Encrypted inference: {html.escape(self.scheme)} "
            f"({html.escape(self.packing)}), {html.escape(self.model_kind)}{' (stopped early)' if self.stopped else ''}"
            f"</h4><p>{int(m['rows']):,} rows · agreement with plaintext {m['agreement']:.2%} · accuracy "
            f"{m['accuracy']:.4f} · max score error {m['max_score_error']:.2e} · "
            f"{c['end_to_end_ms_per_row']:.3f} ms/row (plaintext {c['plaintext_ms_per_row']:.4f})</p>"
            f"<table><tr><th>phase</th><th>seconds</th><th>per row</th><th>share</th></tr>{rows}</table>"
            f"{self.statement._repr_html_()}</div>"
        )


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
