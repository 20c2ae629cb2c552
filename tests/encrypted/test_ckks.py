"""Real CKKS encryption (TenSEAL) on small batches: every packing and model kind, precision, statement, stop."""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest
import torch

import workbench as wb
from workbench.encrypted import PARAMETER_SETS, EncryptedResult
from workbench.encrypted._model import sigmoid_polynomial


def _plain_scores(run, rows):
    """Independent reference: the torch model itself, in float64, logit difference for two classes."""
    X, _ = run.encoder.transform(rows)
    with torch.no_grad():
        logits = run.model.double()(X.double()).numpy()
    run.model.float()
    return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits


def test_column_packed_logreg_is_exact(logreg_run, rows, digest):
    before = digest(rows)
    enc = wb.encrypted_inference(logreg_run, rows, progress=False)
    assert digest(rows) == before
    assert isinstance(enc, EncryptedResult) and enc.technique == "encrypted"
    expected = _plain_scores(logreg_run, rows)
    assert np.abs(enc.scores[:, 0] - expected).max() < 1e-5
    assert enc.metrics["agreement"] == 1.0
    assert enc.metrics["accuracy"] == pytest.approx(enc.metrics["plaintext_accuracy"])
    assert list(enc.predictions) == list(logreg_run.predict(rows))
    assert enc.metrics["max_score_error"] < 1e-5 and enc.metrics["outside_range"] == 0
    # one ciphertext per feature for the 300 rows; no Galois keys, no relinearisation keys: a tiny server context
    assert enc.cost["sizes"]["ciphertexts"] == len(logreg_run.encoder.feature_names_)
    assert enc.cost["sizes"]["evaluation_keys"] < 1_000
    assert set(enc.cost["phases"]) == {"key_generation", "encrypt", "compute", "decrypt", "communication"}
    assert sum(p["share"] for p in enc.cost["phases"].values()) == pytest.approx(1.0)
    size = enc.cost["sizes"]["ciphertext"] * enc.cost["sizes"]["ciphertexts"]  # sizes vary by a few bytes
    assert enc.cost["bytes"]["to_server"] == pytest.approx(size + enc.cost["sizes"]["evaluation_keys"], rel=1e-3)


def test_statement_threat_model_and_security(logreg_run, rows):
    enc = wb.encrypted_inference(logreg_run, rows.iloc[:50], progress=False)
    s = enc.statement
    assert math.isinf(s.epsilon) and s.delta == 0 and s.technique == "encrypted"
    assert s.security_bits == PARAMETER_SETS["ckks-8192-d1"].security_bits == 128
    assert "secret key" in s.key_holders["data owner"] and "secret" not in s.key_holders["server"]
    text = s.plain_language()
    assert "ciphertexts only" in text and "NOT protected" in text and "membership" in text and "128-bit" in text
    assert not s.hidden_layer_revealed
    json.dumps(enc.to_dict())
    json.dumps(enc.summary())
    assert "scores" not in enc.to_dict()


def test_release_protocol(logreg_run, rows):
    release = pytest.importorskip("workbench.release")
    enc = wb.encrypted_inference(logreg_run, rows.iloc[:20], progress=False)
    assert isinstance(enc, release.Release) and isinstance(enc.statement, release.Statement)


def test_row_packing_matches_column_packing(logreg_run, rows):
    few = rows.iloc[:3]
    enc = wb.encrypted_inference(logreg_run, few, packing="row", progress=False)
    assert enc.packing == "row" and enc.cost["sizes"]["ciphertexts"] == 3
    assert np.abs(enc.scores[:, 0] - _plain_scores(logreg_run, few)).max() < 1e-4
    assert "Galois" in enc.statement.key_holders["server"]
    assert enc.cost["sizes"]["evaluation_keys"] > 1_000_000  # public + Galois keys


def test_mlp_first_layer_encrypted_owner_finishes(mlp_run, rows):
    enc = wb.encrypted_inference(mlp_run, rows.iloc[:100], progress=False)
    assert enc.model_kind == "mlp" and enc.statement.hidden_layer_revealed
    assert "hidden" in enc.statement.plain_language()
    assert np.abs(enc.scores[:, 0] - _plain_scores(mlp_run, rows.iloc[:100])).max() < 1e-4
    assert enc.metrics["agreement"] == 1.0


def test_mlp_row_packed(mlp_run, rows):
    enc = wb.encrypted_inference(mlp_run, rows.iloc[:1], packing="row", progress=False)
    assert np.abs(enc.scores[:, 0] - _plain_scores(mlp_run, rows.iloc[:1])).max() < 1e-4


def test_three_classes_argmax(three_class_run):
    rows = three_class_run.test.iloc[:40]
    enc = wb.encrypted_inference(three_class_run, rows, progress=False)
    assert enc.scores.shape == (40, 3)
    assert list(enc.predictions) == list(three_class_run.predict(rows))


@pytest.fixture(scope="module")
def probability(logreg_run, rows):
    return wb.encrypted_inference(logreg_run, rows, output="probability", progress=False)


def test_polynomial_sigmoid_reports_scores_outside_its_range(logreg_run, rows, probability):
    scores = _plain_scores(logreg_run, rows)
    outside = np.abs(scores) > 6.0
    assert probability.metrics["outside_range"] == outside.sum()
    assert probability.statement.parameters["sigmoid_range"] == [-6.0, 6.0]
    assert probability.statement.parameters["depth"] >= 3
    truth = 1 / (1 + np.exp(-scores))
    err = np.abs(probability.scores[:, 0] - truth)
    assert probability.metrics["max_score_error"] == pytest.approx(err.max(), rel=1e-6)
    assert err[~outside].max() < 0.1  # the degree-3 fit's own error inside the range


def test_low_precision_context_silently_loses_precision(logreg_run, rows, probability):
    """TenSEAL's LR-training context (scale 2^21) runs without an error but loses the precision 2^40 keeps."""
    bad = wb.encrypted_inference(logreg_run, rows, output="probability", params="tenseal-tutorial", progress=False)
    assert bad.statement.security_bits == 128
    scores = _plain_scores(logreg_run, rows)
    inside = np.abs(scores) <= 6.0
    exact_polynomial = np.polyval(sigmoid_polynomial()[::-1], scores)  # what the server was asked to compute
    assert np.abs(probability.scores[inside, 0] - exact_polynomial[inside]).max() < 1e-4
    assert np.abs(bad.scores[inside, 0] - exact_polynomial[inside]).max() > 0.05


def test_stop_and_progress(logreg_run, adult):
    stop, seen = threading.Event(), []

    def on_batch(done, total):
        seen.append((done, total))
        stop.set()

    rows = adult.test.iloc[:5000]  # two column-packed batches of 4,096 rows
    enc = wb.encrypted_inference(logreg_run, rows, stop=stop, on_batch=on_batch, progress=False)
    assert enc.stopped and enc.metrics["rows"] == 4096 and seen == [(4096, 5000)] and enc.batches == 1
