"""CKKS inference with TenSEAL: the data owner's keys and ciphertexts, the server's computation, every phase timed.

The data owner (client) generates the keys and encrypts with its secret key (symmetric CKKS: only it encrypts);
the server receives serialised ciphertexts and evaluation keys only (never the secret key) and computes on them;
the client decrypts. Both sides run in this process, but everything the server gets passes through bytes, so the
communication is counted exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.encrypted._model import LayerStack, sigmoid_polynomial
from workbench.encrypted._tenseal import import_tenseal
from workbench.encrypted.params import CKKSParameters
from workbench.errors import UnsupportedModelError

__all__ = ["CKKSOutcome", "ckks_depth", "run_ckks"]

PHASES = ("key_generation", "encrypt", "compute", "decrypt", "communication")
#: row packing computes up to this many outputs as separate dot products
_DOT_OUTPUTS = 8


@dataclass
class CKKSOutcome:
    """What the client decrypted (layer-``encrypted_layers`` outputs for the rows done) and what it cost."""

    outputs: np.ndarray
    rows_done: int
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))
    bytes_to_server: int = 0
    bytes_to_client: int = 0
    ciphertext_bytes: int = 0
    ciphertexts: int = 0
    evaluation_key_bytes: int = 0
    secret_key_bytes: int = 0
    batches: int = 0


def ckks_depth(stack: LayerStack, *, probability: bool) -> int:
    """Multiplicative depth of what the server computes: 1 for the encrypted (first) layer, 2 more for the
    degree-3 sigmoid (x², then x² · c₃x)."""
    return 1 + (2 if probability else 0)


class _Clock:
    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds

    def __call__(self, phase: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        out = fn()
        self.seconds[phase] += time.perf_counter() - start
        return out


def run_ckks(
    stack: LayerStack,
    X: np.ndarray,
    params: CKKSParameters,
    *,
    packing: str,
    probability: bool,
    on_batch: Callable[[int], None] | None = None,
    stop: Any = None,
) -> CKKSOutcome:
    """Encrypt ``X`` (float64 rows), let the server compute the first layer (and the polynomial sigmoid), decrypt.

    Column packing: ciphertext j holds feature j of up to N/2 rows; the server forms Σ_j w_j·ct_j + b (scalar
    products only, no rotations, no Galois keys). Row packing: one ciphertext per row, a vector-matrix product
    (rotations: Galois keys go to the server).
    """
    ts = import_tenseal()
    out = CKKSOutcome(outputs=np.zeros((0, stack.weights[0].shape[0])), rows_done=0)
    clock = _Clock(out.seconds)
    ctx = clock("key_generation", lambda: _context(ts, params, rotations=packing == "row"))
    server_keys = clock(
        "key_generation",
        lambda: ctx.serialize(
            save_public_key=packing == "row",
            save_secret_key=False,
            save_galois_keys=packing == "row",
            save_relin_keys=probability,
        ),
    )
    out.evaluation_key_bytes = len(server_keys)
    out.secret_key_bytes = len(
        ctx.serialize(save_public_key=False, save_secret_key=True, save_galois_keys=False, save_relin_keys=False)
    )
    out.bytes_to_server += len(server_keys)
    server = clock("communication", lambda: ts.context_from(server_keys))
    W, b = stack.weights[0], stack.biases[0]
    poly = sigmoid_polynomial() if probability else None
    step = params.slots if packing == "column" else 64
    results = []
    for start in range(0, len(X), step):
        if stop is not None and stop.is_set():
            break
        chunk = X[start : start + step]
        if packing == "column":
            got = _column_batch(ts, ctx, server, chunk, W, b, poly, clock, out)
        else:
            got = _row_batch(ts, ctx, server, chunk, W, b, poly, clock, out)
        results.append(got)
        out.rows_done += len(chunk)
        out.batches += 1
        if on_batch is not None:
            on_batch(len(chunk))
    if results:
        out.outputs = np.concatenate(results)
    return out


def _context(ts: Any, params: CKKSParameters, *, rotations: bool) -> Any:
    ctx = ts.context(
        ts.SCHEME_TYPE.CKKS,
        params.poly_modulus_degree,
        -1,
        list(params.coeff_mod_bit_sizes),
        # column packing: only the data owner encrypts, so symmetric CKKS (2x faster); row packing: TenSEAL's
        # vector-matrix product encrypts at the server, which then needs the public key
        encryption_type=ts.ENCRYPTION_TYPE.ASYMMETRIC if rotations else ts.ENCRYPTION_TYPE.SYMMETRIC,
    )
    ctx.global_scale = 2.0**params.scale_bits
    if rotations:
        ctx.generate_galois_keys()
    return ctx


def _send(ts: Any, ctx: Any, blobs: list[bytes], clock: _Clock) -> list[Any]:
    return clock("communication", lambda: [ts.ckks_vector_from(ctx, blob) for blob in blobs])


def _serialise(cts: list[Any], clock: _Clock) -> list[bytes]:
    return clock("communication", lambda: [ct.serialize() for ct in cts])


def _sigmoid(ct: Any, poly: np.ndarray) -> Any:
    """c0 + c1·x + c3·x³ at depth 2: x² and c3·x at one level, their product at the next."""
    cube = ct.square() * (ct * float(poly[3]))
    return cube + ct * float(poly[1]) + float(poly[0])


def _column_batch(ts, ctx, server, chunk, W, b, poly, clock, out) -> np.ndarray:
    columns = np.ascontiguousarray(chunk.T)
    cts = clock("encrypt", lambda: [ts.ckks_vector(ctx, col) for col in columns])
    blobs = _serialise(cts, clock)
    out.ciphertext_bytes = len(blobs[0])
    out.ciphertexts += len(blobs)
    out.bytes_to_server += sum(map(len, blobs))
    received = _send(ts, server, blobs, clock)

    # without the probability, nothing is rescaled: products stay at scale 2^(2·scale) in the top level (the
    # modulus has room for it), which is ~3x faster and ~1000x more precise than a rescale after every product
    server.auto_rescale = poly is not None

    def compute() -> list[Any]:
        return [_linear(received, W[k], float(b[k]), poly) for k in range(W.shape[0])]

    results = clock("compute", compute)
    back = _serialise(results, clock)
    out.bytes_to_client += sum(map(len, back))
    mine = _send(ts, ctx, back, clock)
    n = len(chunk)
    return clock("decrypt", lambda: np.stack([np.asarray(ct.decrypt()[:n]) for ct in mine], 1))


def _linear(cts: list[Any], w: np.ndarray, bias: float, poly: np.ndarray | None) -> Any:
    """Σ_j w_j·ct_j + bias; the bias rides on the largest weight's term, (ct_j + bias/w_j)·w_j, so it is added at
    the ciphertext's own scale; zero weights are skipped (SEAL refuses products that are all zero)."""
    nonzero = np.flatnonzero(w)
    if not len(nonzero):
        raise UnsupportedModelError("An output of the encrypted layer has all-zero weights; drop it from the model.")
    top = int(nonzero[np.abs(w[nonzero]).argmax()])
    acc = (cts[top] + bias / float(w[top])) * float(w[top])
    for j in nonzero:
        if j != top:
            acc.add_(cts[j] * float(w[j]))
    return _sigmoid(acc, poly) if poly is not None else acc


def _row_batch(ts, ctx, server, chunk, W, b, poly, clock, out) -> np.ndarray:
    cts = clock("encrypt", lambda: [ts.ckks_vector(ctx, row) for row in chunk])
    blobs = _serialise(cts, clock)
    out.ciphertext_bytes = len(blobs[0])
    out.ciphertexts += len(blobs)
    out.bytes_to_server += sum(map(len, blobs))
    received = _send(ts, server, blobs, clock)
    matrix, bias = W.T.tolist(), b.tolist()
    # few outputs: one dot product each (log2 rotations); many: TenSEAL's vector-matrix product (its cost, ~2 s
    # per row here, hardly depends on the number of outputs)
    per_output = W.shape[0] <= _DOT_OUTPUTS

    def compute() -> list[list[Any]]:
        results = []
        for ct in received:
            if per_output:
                res = [ct.dot(W[k].tolist()) + float(b[k]) for k in range(W.shape[0])]
            else:
                res = [ct.mm(matrix) + bias]
            results.append([_sigmoid(r, poly) for r in res] if poly is not None else res)
        return results

    results = clock("compute", compute)
    back = [_serialise(res, clock) for res in results]
    out.bytes_to_client += sum(len(blob) for blobs_row in back for blob in blobs_row)
    mine = [_send(ts, ctx, blobs_row, clock) for blobs_row in back]
    return clock(
        "decrypt",
        lambda: np.array([np.concatenate([ct.decrypt() for ct in row]) for row in mine], dtype=np.float64),
    )
