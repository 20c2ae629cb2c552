"""PrivacyStatement: fields, plain language, JSON round trip, re-derivation."""

from __future__ import annotations

import json
import math

import pytest

from workbench.dp import PrivacyStatement, compute_epsilon, prv_eps_error
from workbench.errors import InvalidParameterError


def _statement(**changes):
    sigma, q, steps, delta = 1.1, 0.01, 1000, 1e-6
    fields = dict(
        epsilon=compute_epsilon("rdp", sigma, q, steps, delta), delta=delta, accountant="rdp",
        noise_multiplier=sigma, sample_rate=q, steps=steps, max_grad_norm=1.0, dataset_size=25000,
        target_epsilon=3.0,
    )  # fmt: skip
    fields.update(changes)
    return PrivacyStatement(**fields)


def test_fields_and_derived_values():
    s = _statement()
    assert s.private and s.sampling == "poisson"
    assert s.epochs == pytest.approx(10.0)
    assert s.expected_batch_size == pytest.approx(250.0)
    assert s.recompute() == s.epsilon


def test_json_round_trip_keeps_every_field():
    s = _statement(caveats=("encoding statistics",))
    text = s.to_json()
    data = json.loads(text)
    for key in ("epsilon", "delta", "accountant", "noise_multiplier", "sample_rate", "steps", "epochs",
                "max_grad_norm", "sampling", "dataset_size", "private"):  # fmt: skip
        assert key in data
    assert PrivacyStatement.from_json(text) == s


def test_non_private_statement_is_infinite_and_serialisable():
    s = PrivacyStatement.non_private(dataset_size=100, steps=10, sample_rate=0.1)
    assert s.epsilon == math.inf and not s.private
    assert json.loads(s.to_json())["epsilon"] == "inf"
    assert PrivacyStatement.from_json(s.to_json()) == s
    assert "WITHOUT differential privacy" in s.plain_language()


def test_plain_language_states_the_numbers_and_the_requested_target():
    s = _statement()
    text = s.plain_language()
    assert f"{s.epsilon:.3g}" in text and "1.0e-06" in text and "RDP" in text and "Poisson" in text
    assert "3 was requested" in text
    assert "\n" not in text


def test_from_dict_refuses_other_shapes():
    data = _statement().to_dict()
    data["surprise"] = 1
    with pytest.raises(InvalidParameterError, match="unknown keys"):
        PrivacyStatement.from_dict(data)
    with pytest.raises(InvalidParameterError, match="missing keys"):
        PrivacyStatement.from_dict({"epsilon": 1.0})


def test_html_repr_shows_the_paragraph():
    assert "Privacy statement" in _statement()._repr_html_()


def test_prv_statement_records_its_error_allowance_and_recomputes_with_it():
    sigma, q, steps, delta = 0.6, 1 / 128, 1280, 1e-6
    eps_error = prv_eps_error(sigma, q, steps, delta)
    s = _statement(accountant="prv", epsilon=compute_epsilon("prv", sigma, q, steps, delta), noise_multiplier=sigma,
                   sample_rate=q, steps=steps, eps_error=eps_error)  # fmt: skip
    assert eps_error > 0.01  # large epsilon: coarser than Opacus's default
    again = PrivacyStatement.from_json(s.to_json())
    assert again == s and again.eps_error == eps_error and again.recompute() == s.epsilon
    older = {k: v for k, v in s.to_dict().items() if k != "eps_error"}  # JSON written before the field existed
    assert PrivacyStatement.from_dict(older).recompute() == s.epsilon  # the same rule gives the same allowance
