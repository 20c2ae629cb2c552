"""Real CrypTen MPC between forked local processes: logreg and MLP, 2 and 3 parties, after threaded torch work."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import workbench as wb

pytest.importorskip("crypten", exc_type=ImportError) if False else None


@pytest.fixture(autouse=True)
def _crypten_installed():
    from workbench.errors import MissingDependencyError

    try:
        from workbench.encrypted._crypten_compat import import_crypten

        import_crypten()
    except MissingDependencyError as exc:
        pytest.skip(str(exc))


def test_logreg_two_parties_after_threaded_torch_work(logreg_run, rows):
    """Parties forked from a process whose OpenMP threads ran used to hang in CrypTen's encoder."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        a = torch.randn(400, 400)
        (a @ a).sum()
        enc = wb.encrypted_inference(logreg_run, rows.iloc[:200], scheme="mpc", progress=False)
    finally:
        torch.set_num_threads(threads)
    assert enc.scheme == "mpc" and enc.metrics["agreement"] == 1.0
    assert enc.metrics["max_score_error"] < 5e-3  # 16-bit fixed point
    assert enc.statement.model_protected_from_data_owner and enc.statement.security_bits is None
    assert set(enc.cost["bytes"]["by_party"]) == {"model_owner", "data_owner", "dealer"}
    assert enc.cost["bytes"]["total"] > 0 and enc.cost["bytes"]["rounds"] > 0


def test_mlp_three_parties(mlp_run, rows):
    enc = wb.encrypted_inference(mlp_run, rows.iloc[:100], scheme="mpc", parties=3, progress=False)
    X, _ = mlp_run.encoder.transform(rows.iloc[:100])
    with torch.no_grad():
        logits = mlp_run.model(X).double().numpy()
    assert np.abs(enc.scores[:, 0] - (logits[:, 1] - logits[:, 0])).max() < 2e-2
    assert enc.metrics["agreement"] >= 0.99
    assert "helper (party 2)" in enc.statement.key_holders
    assert "do not collude" in enc.statement.plain_language()
