"""``encrypted_inference``: a trained model's predictions on rows the server never sees in the clear."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench._validation import EventLike, InstanceOf, OneOf, Optional, validate_params
from workbench.encrypted._model import SIGMOID_RANGE, LayerStack, sigmoid_polynomial, stack_from_run
from workbench.encrypted.params import CKKSParameters, choose_parameters
from workbench.encrypted.result import PHASES, EncryptedResult
from workbench.encrypted.statement import EncryptedStatement
from workbench.errors import EmptyDataError, InvalidParameterError

__all__ = ["encrypted_inference"]

_CONSTRAINTS = {
    "scheme": OneOf(("ckks", "mpc")),
    "packing": OneOf(("column", "row")),
    "parties": OneOf((2, 3)),
    "output": OneOf(("score", "probability")),
    "progress": InstanceOf((bool,), "True or False"),
    "stop": Optional(EventLike()),
}

#: CrypTen's fixed-point encoding: values are integers in Z_2^64 scaled by 2^16
_MPC_PRECISION_BITS = 16


def encrypted_inference(
    run: Any,
    rows: pd.DataFrame,
    *,
    scheme: str = "ckks",
    packing: str = "column",
    parties: int = 2,
    params: str | CKKSParameters | Mapping[str, Any] | None = None,
    output: str = "score",
    progress: bool = True,
    stop: Any = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> EncryptedResult:
    """Predict ``rows`` with a trained model while the server sees only ciphertexts (CKKS) or shares (MPC).

    Parameters
    ----------
    run : TrainResult
        From :func:`workbench.train` with ``model="logreg"`` (computed exactly) or ``model="mlp"`` (CKKS: the
        server computes the first layer on ciphertexts, the data owner decrypts it and finishes the model in the
        clear, which reveals that hidden layer to the data owner; MPC: every layer, ReLU included, on shares).
    rows : DataFrame
        The data owner's rows (the model's feature columns; the target column, if present, gives ``accuracy``).
        Never changed.
    scheme : {"ckks", "mpc"}, default="ckks"
        TenSEAL CKKS homomorphic encryption, or CrypTen secret sharing between local processes.
    packing : {"column", "row"}, default="column"
        CKKS only. "column": ciphertext j holds feature j of N/2 rows (no rotations, fast); "row": one ciphertext
        per row (rotations, Galois keys, ~100× slower per row).
    parties : {2, 3}, default=2
        MPC only: model owner, data owner (and a helper holding shares); plus a trusted dealer for the triples.
    params : None, "auto", a name in ``PARAMETER_SETS``, CKKSParameters or a mapping
        CKKS parameters; None/"auto" picks the fastest 128-bit secure set deep enough for the model.
    output : {"score", "probability"}, default="score"
        "probability" (binary logreg, CKKS): the server also evaluates a degree-3 polynomial sigmoid fitted on
        [-6, 6]; rows whose score falls outside that range are counted in ``metrics["outside_range"]``.
    progress : bool, default=True
        A progress bar over the encrypted batches.
    stop : threading.Event, optional
        Set it to stop between batches; the result covers the rows done (``stopped=True``).
    on_batch : callable, optional
        ``on_batch(rows_done, rows_total)`` after each batch (the dashboard's progress).

    Returns
    -------
    EncryptedResult

    Raises
    ------
    InsufficientDepthError
        The parameter set gives fewer multiplicative levels than the computation needs (before any work).
    MissingDependencyError
        TenSEAL or CrypTen is not installed (the message names the install command).

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.load_dataset("adult")
    >>> run = wb.train(ds, model="logreg", epsilon=None, epochs=1, ledger=False)  # doctest: +SKIP
    >>> enc = wb.encrypted_inference(run, ds.test[:1000], scheme="ckks", progress=False)  # doctest: +SKIP
    >>> enc.metrics["agreement"], enc.statement.security_bits  # doctest: +SKIP
    (1.0, 128)
    """
    validate_params(
        "encrypted_inference",
        _CONSTRAINTS,
        {
            "scheme": scheme,
            "packing": packing,
            "parties": parties,
            "output": output,
            "progress": progress,
            "stop": stop,
        },
    )
    stack = stack_from_run(run)
    if not isinstance(rows, pd.DataFrame):
        raise InvalidParameterError(
            f"The 'rows' of encrypted_inference must be a DataFrame; got {type(rows).__name__}."
        )
    if rows.empty:
        raise EmptyDataError("The 'rows' of encrypted_inference are empty; give at least one row to predict.")
    if scheme == "mpc" and (params is not None or packing != "column" or output != "score"):
        raise InvalidParameterError(
            "params, packing and output='probability' apply to scheme='ckks'; MPC shares the rows and reveals scores."
        )
    if output == "probability" and (stack.kind != "logreg" or not stack.binary):
        raise InvalidParameterError(
            "output='probability' (a polynomial sigmoid under encryption) needs a two-class logreg model; use "
            "output='score' and apply the sigmoid or softmax after decryption."
        )
    probability = output == "probability"
    chosen = choose_parameters(params, 1 + 2 * probability) if scheme == "ckks" else None
    X_t, y_t = run.encoder.transform(rows)
    X = X_t.double().numpy()
    reference, plaintext_seconds = _plaintext(run, X_t, stack, X)
    done_rows = [0]

    with _progress_bar(progress, len(X), scheme, packing) as bar:

        def batch_done(n: int) -> None:
            done_rows[0] += n
            if bar is not None:
                bar.update(n)
            if on_batch is not None:
                on_batch(done_rows[0], len(X))

        if scheme == "ckks":
            from workbench.encrypted._ckks import run_ckks

            outcome = run_ckks(
                stack, X, chosen, packing=packing, probability=probability, on_batch=batch_done, stop=stop
            )
        else:
            from workbench.encrypted._mpc import run_mpc

            outcome = run_mpc(stack, X, parties=parties, on_batch=batch_done, stop=stop)
    n = outcome.rows_done
    decrypted = outcome.outputs
    if stack.kind == "mlp" and scheme == "ckks":
        decrypted = stack.forward(decrypted, start=1)  # the data owner finishes the model in the clear
    expected = _sigmoid(reference[:n]) if probability else reference[:n]
    decisions = (decrypted[:, 0] > 0.5).astype(np.int64) if probability else stack.decisions(decrypted)
    plain_decisions = stack.decisions(reference[:n])
    metrics = _metrics(decisions, plain_decisions, decrypted, expected, reference[:n], y_t, probability)
    cost = _cost(outcome, scheme, n, plaintext_seconds / max(len(X), 1) * 1e3)
    statement = _statement(scheme, stack, chosen, parties, packing, probability)
    classes = np.asarray(stack.classes, dtype=object)
    return EncryptedResult(
        scheme=scheme,
        packing=packing if scheme == "ckks" else "shares",
        model_kind=stack.kind,
        output=output,
        statement=statement,
        metrics=metrics,
        cost=cost,
        scores=decrypted,
        predictions=classes[decisions],
        stopped=n < len(X),
        batches=outcome.batches,
    )


def _plaintext(run: Any, X_t: Any, stack: LayerStack, X: np.ndarray) -> tuple[np.ndarray, float]:
    """The reference output in float64, and the seconds the plain torch model takes on the same rows."""
    import torch

    start = time.perf_counter()
    with torch.no_grad():
        run.model(X_t)
    seconds = time.perf_counter() - start
    return stack.forward(X), seconds


def _sigmoid(scores: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-scores))


def _metrics(decisions, plain_decisions, decrypted, expected, reference, y_t, probability) -> dict[str, float]:
    n = len(decisions)
    err = np.abs(decrypted - expected) if n else np.zeros((0, 1))
    inside = np.abs(reference[:, 0]) <= SIGMOID_RANGE if probability else np.ones(n, dtype=bool)
    outside = int(n - inside.sum())
    y = None if y_t is None else y_t.numpy()[:n]
    return {
        "rows": float(n),
        "accuracy": float((decisions == y).mean()) if y is not None and n else float("nan"),
        "plaintext_accuracy": float((plain_decisions == y).mean()) if y is not None and n else float("nan"),
        "agreement": float((decisions == plain_decisions).mean()) if n else float("nan"),
        "disagreements": float((decisions != plain_decisions).sum()),
        "max_score_error": float(err.max()) if n else float("nan"),
        "max_score_error_in_range": float(err[inside].max()) if inside.any() else float("nan"),
        "mean_score_error": float(err.mean()) if n else float("nan"),
        "outside_range": float(outside),
        "outside_range_share": outside / n if n else 0.0,
    }


def _cost(outcome: Any, scheme: str, n: int, plaintext_ms: float) -> dict[str, Any]:
    seconds = dict(outcome.seconds)
    total = sum(seconds.values()) or 1.0
    per_row = 1e3 / max(n, 1)
    phases = {
        p: {"seconds": seconds[p], "ms_per_row": seconds[p] * per_row, "share": seconds[p] / total} for p in PHASES
    }
    if scheme == "ckks":
        up, down = outcome.bytes_to_server, outcome.bytes_to_client
        sizes = {
            "ciphertext": outcome.ciphertext_bytes,
            "ciphertexts": outcome.ciphertexts,
            "evaluation_keys": outcome.evaluation_key_bytes,
            "secret_key": outcome.secret_key_bytes,
        }
        data = {"to_server": up, "to_client": down, "total": up + down, "per_row": (up + down) / max(n, 1)}
    else:
        sent = sum(outcome.party_bytes.values())
        sizes = {"ciphertext": 0, "ciphertexts": 0, "evaluation_keys": 0, "secret_key": 0}
        data = {
            "total": sent,
            "per_row": sent / max(n, 1),
            "by_party": dict(outcome.party_bytes),
            "rounds": outcome.rounds,
        }
    return {
        "phases": phases,
        "end_to_end_ms_per_row": (seconds["encrypt"] + seconds["compute"] + seconds["decrypt"]) * per_row,
        "total_ms_per_row": total * per_row,
        "plaintext_ms_per_row": plaintext_ms,
        "bytes": data,
        "sizes": sizes,
        "wall_seconds": float(getattr(outcome, "wall_seconds", total)),
    }


def _statement(scheme, stack, params, parties, packing, probability) -> EncryptedStatement:
    if scheme == "ckks":
        parameters = {**params.to_dict(), "packing": packing, "encrypted_layers": 1}
        if probability:
            parameters["sigmoid_polynomial"] = [float(c) for c in sigmoid_polynomial()]
            parameters["sigmoid_range"] = [-SIGMOID_RANGE, SIGMOID_RANGE]
        keys = {
            "data owner": "the secret key (it encrypts, with symmetric CKKS, and decrypts)",
            "server": "evaluation keys only"
            + (" (Galois keys for rotations)" if packing == "row" else "")
            + "; the model in the clear",
        }
        mlp = stack.kind == "mlp"
        return EncryptedStatement(
            scheme="ckks",
            parameters=parameters,
            security_bits=params.security_bits,
            key_holders=keys,
            server_sees="ciphertexts only (the rows' features and the encrypted first-layer outputs)",
            hidden_layer_revealed=mlp,
            notes=(("Layers after the first run at the data owner, who therefore also holds them.",) if mlp else ()),
        )
    keys = {
        "model owner (party 0, the server)": "the model; shares of the rows",
        "data owner (party 1)": "the rows; shares of the model; the revealed scores",
    }
    if parties == 3:
        keys["helper (party 2)"] = "shares of the model and of the rows only"
    keys["trusted dealer"] = "Beaver triples and comparison masks (never an input)"
    return EncryptedStatement(
        scheme="mpc",
        parameters={
            "parties": parties,
            "provider": "TTP (trusted dealer)",
            "ring_bits": 64,
            "precision_bits": _MPC_PRECISION_BITS,
            "layers": len(stack.weights),
        },
        security_bits=None,
        key_holders=keys,
        server_sees="secret shares of the rows and of every intermediate value (each alone uniformly random)",
        model_protected_from_data_owner=True,
        notes=(
            "Secure against semi-honest parties who follow the protocol and do not collude (with each other or the "
            "dealer); the parties run here as local processes forked from one process that held both inputs.",
        ),
    )


@contextlib.contextmanager
def _progress_bar(show: bool, total: int, scheme: str, packing: str) -> Iterator[Any]:
    if not show:
        yield None
        return
    from tqdm.auto import tqdm

    label = f"CKKS {packing}-packed" if scheme == "ckks" else "MPC (CrypTen)"
    bar = tqdm(total=total, desc=label, unit="row", leave=False)
    try:
        yield bar
    finally:
        bar.close()
