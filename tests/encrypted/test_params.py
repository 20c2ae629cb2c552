"""CKKS parameter sets: security level against the HE standard table and SEAL itself; the depth check."""

from __future__ import annotations

import pytest

from workbench.encrypted import (
    HE_STANDARD_MAX_LOG_Q,
    PARAMETER_SETS,
    CKKSParameters,
    InsufficientDepthError,
    choose_parameters,
    security_level,
)
from workbench.errors import InvalidParameterError, UnknownNameError


def test_every_named_set_is_128_bit_secure_by_the_standard():
    for p in PARAMETER_SETS.values():
        assert p.log_q <= HE_STANDARD_MAX_LOG_Q[128][p.poly_modulus_degree], p.name
        assert p.security_bits >= 128


@pytest.mark.parametrize("n", [4096, 8192, 16384])
def test_table_agrees_with_seal(n):
    """SEAL (through TenSEAL, 128-bit enforced) accepts a chain at the table's limit and refuses one bit more."""
    import tenseal as ts

    limit = HE_STANDARD_MAX_LOG_Q[128][n]
    inner, parts = limit - 2 * 30, -(-(limit - 2 * 30) // 59)
    chain = [30, *(inner // parts + (i < inner % parts) for i in range(parts)), 30]
    assert sum(chain) == limit and security_level(n, sum(chain)) == 128
    ts.context(ts.SCHEME_TYPE.CKKS, n, -1, chain)  # accepted
    too_big = [*chain[:-1], 31]
    assert security_level(n, sum(too_big)) == 0
    with pytest.raises(ValueError, match="encryption parameters are not set correctly"):
        ts.context(ts.SCHEME_TYPE.CKKS, n, -1, too_big)


def test_auto_picks_the_smallest_deep_enough_set():
    assert choose_parameters(None, 1).name == "ckks-8192-d1"
    assert choose_parameters("auto", 3).depth >= 3
    assert choose_parameters("auto", 3).poly_modulus_degree == 16384


def test_too_shallow_parameters_are_one_line_error_not_seal_scale_out_of_bounds():
    with pytest.raises(InsufficientDepthError, match="gives multiplicative depth 1, but this computation needs 3") as e:
        choose_parameters("ckks-8192-d1", 3)
    assert "\n" not in str(e.value)
    # what SEAL says when the same computation is simply attempted
    import tenseal as ts

    ctx = ts.context(ts.SCHEME_TYPE.CKKS, 8192, -1, [60, 40, 60])
    ctx.global_scale = 2**40
    ct = ts.ckks_vector(ctx, [1.0])
    with pytest.raises(ValueError, match="scale out of bounds"):
        ct.square() * 0.5


@pytest.mark.parametrize(
    ("params", "error", "text"),
    [
        ("ckks-9000", UnknownNameError, "Unknown CKKS parameter set"),
        ({"poly_modulus_degree": 8192, "coeff_mod_bit_sizes": [60, 60, 60, 60]}, InvalidParameterError, "scale_bits"),
        (CKKSParameters("x", 8192, (60, 60, 60, 60), 40), InvalidParameterError, "below 128-bit security"),
        (CKKSParameters("x", 5000, (60, 40, 60), 40), InvalidParameterError, "poly_modulus_degree"),
        (CKKSParameters("x", 8192, (60, 40, 60), 60), InvalidParameterError, "scale_bits"),
        (42, InvalidParameterError, "must be None, 'auto'"),
    ],
)
def test_bad_parameters_are_one_line_errors(params, error, text):
    with pytest.raises(error, match=text) as e:
        choose_parameters(params, 1)
    assert "\n" not in str(e.value)


def test_custom_mapping_is_accepted():
    p = choose_parameters({"poly_modulus_degree": 8192, "coeff_mod_bit_sizes": [60, 40, 40, 60], "scale_bits": 40}, 2)
    assert (p.depth, p.security_bits, p.name) == (2, 128, "custom")
