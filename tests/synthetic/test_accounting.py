"""zCDP accounting checked against OpenDP's own conversion and the closed-form bounds."""

from __future__ import annotations

import math

import pytest

from workbench.synthetic.accounting import (
    delta_from_rho,
    em_rho,
    epsilon_from_rho,
    gaussian_rho,
    gaussian_sigma,
    rho_from_epsilon,
)


def _opendp_epsilon(rho: float, delta: float) -> float:
    """OpenDP's zCDP → (ε, δ) conversion of a Gaussian mechanism costing exactly ρ (an independent code path)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    sigma = 1.0 / math.sqrt(2 * rho)
    gauss = dp.m.make_gaussian(dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float), scale=sigma)
    profile = dp.c.make_zCDP_to_approxDP(gauss).map(1.0)
    return profile.epsilon(delta)


@pytest.mark.parametrize(("rho", "delta"), [(0.01, 1e-6), (0.0149, 1e-9), (0.5, 1e-5), (3.0, 1e-7)])
def test_epsilon_from_rho_matches_opendp(rho, delta):
    ours = epsilon_from_rho(rho, delta)
    assert ours == pytest.approx(_opendp_epsilon(rho, delta), rel=1e-3)
    # never worse than the classic bound ε = ρ + 2√(ρ log 1/δ), and never below ρ
    assert rho <= ours <= rho + 2 * math.sqrt(rho * math.log(1 / delta)) + 1e-12


def test_delta_from_rho_is_the_tight_bound_at_a_grid_of_alphas():
    rho, eps = 0.05, 1.0
    grid = [1 + 10 ** (k / 200) for k in range(-600, 401)]
    by_grid = min(
        math.exp((a - 1) * (a * rho - eps)) / (a - 1) * (1 - 1 / a) ** a for a in grid
    )  # Canonne, Kamath & Steinke (2020), Prop. 12, written out here
    assert delta_from_rho(rho, eps) == pytest.approx(by_grid, rel=1e-3)
    assert delta_from_rho(rho, eps) <= by_grid * (1 + 1e-9)


@pytest.mark.parametrize(("epsilon", "delta"), [(0.1, 1e-6), (1.0, 1e-9), (8.0, 1e-5)])
def test_rho_from_epsilon_is_the_largest_rho_within_epsilon(epsilon, delta):
    rho = rho_from_epsilon(epsilon, delta)
    assert epsilon_from_rho(rho, delta) <= epsilon
    assert epsilon_from_rho(rho * 1.001, delta) > epsilon


def test_gaussian_and_exponential_costs():
    assert gaussian_rho(gaussian_sigma(0.02)) == pytest.approx(0.02)
    assert gaussian_sigma(0.5) == pytest.approx(1.0)
    assert em_rho(0.4) == pytest.approx(0.02)


def test_bad_inputs_are_one_line_errors():
    from workbench.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="δ must be in"):
        epsilon_from_rho(0.1, 0.0)
    with pytest.raises(InvalidParameterError, match="ε must be > 0"):
        rho_from_epsilon(0.0, 1e-6)
