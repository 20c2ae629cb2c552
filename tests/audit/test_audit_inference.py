"""membership_inference on the caller's own torch model: leakage found, results reproducible, bad input refused."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

import workbench as wb
from workbench.audit import AuditResult, estimate_cost
from workbench.errors import EmptyDataError, InvalidParameterError, UnknownNameError, UnsupportedModelError
from workbench.viz import roc_figure


def _audit(model, data, **kw):
    x, y = data
    return wb.membership_inference(model, members=(x[:100], y[:100]), non_members=(x[100:], y[100:]), **kw)


def test_overfit_model_leaks(overfit_model, noisy_data):
    res = _audit(overfit_model, noisy_data)
    assert res.attack == "threshold" and res.n_reference == 0
    assert res.n_members == 100 and res.n_non_members == 500
    assert res.auc > 0.7  # memorised: members have near-zero loss
    assert res.advantage > 0.3
    assert res.epsilon_lower_bound() > 0.3
    assert math.isinf(res.claimed_epsilon)


def test_untrained_model_is_near_chance(noisy_data):
    torch.manual_seed(1)
    res = _audit(torch.nn.Linear(10, 2), noisy_data)
    assert abs(res.auc - 0.5) < 0.1
    assert res.epsilon_lower_bound() < 0.5


def test_same_seed_same_numbers(overfit_model, noisy_data):
    a, b = _audit(overfit_model, noisy_data, seed=3), _audit(overfit_model, noisy_data, seed=3)
    np.testing.assert_array_equal(a.member_scores, b.member_scores)
    assert a.summary() == b.summary()


def test_result_shapes_and_exports(overfit_model, noisy_data):
    res = _audit(overfit_model, noisy_data)
    fpr, tpr = res.roc
    assert fpr[0] == 0 and tpr[0] == 0 and fpr[-1] == 1 and tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    assert res.tpr_at(0.001) <= res.tpr_at(0.01) <= res.tpr_at(0.5)
    frame = res.scores
    assert list(frame.columns) == ["record", "member", "score"] and frame["member"].sum() == 100
    assert frame["score"].dtype == np.float64
    payload = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert payload["claimed_epsilon"] == "inf"
    assert payload["auc"] == pytest.approx(res.auc)
    assert payload["epsilon_bound"]["tp"] + payload["epsilon_bound"]["fn"] == 50
    assert "AUC" in res._repr_html_() and "threshold" in repr(res)
    assert len(res.to_frame()) == len(fpr)
    fig = roc_figure(res, res)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log" and len(fig.data) == 3


def test_scores_do_not_saturate_on_confident_records(overfit_model, noisy_data):
    """float32 losses round to 0 on confident records; the float64 logit-scaled confidence keeps them apart."""
    x, y = noisy_data
    res = _audit(overfit_model, noisy_data)
    with torch.no_grad():
        loss32 = torch.nn.functional.cross_entropy(overfit_model(x[:100]), y[:100], reduction="none")
    assert np.unique(res.member_scores).size > np.unique(loss32.numpy()).size
    assert np.unique(res.member_scores).size == 100


def test_claimed_epsilon_for_own_model_and_model_mode_kept(overfit_model, noisy_data):
    overfit_model.train()
    try:
        res = _audit(overfit_model, noisy_data, claimed_epsilon=2.0, delta=1e-5)
        assert overfit_model.training  # mode restored
    finally:
        overfit_model.eval()
    assert res.claimed_epsilon == 2.0 and res.delta == 1e-5
    assert res.epsilon_bound().delta == 1e-5


def test_single_logit_binary_models_and_numpy_inputs(noisy_data):
    x, y = noisy_data
    torch.manual_seed(0)
    model = torch.nn.Linear(10, 1)
    res = wb.membership_inference(model, members=(x[:50].numpy(), y[:50].numpy()), non_members=(x[50:], y[50:]))
    assert res.n_members == 50 and np.isfinite(res.member_scores).all()


def test_from_scores_matches_the_entry_point(overfit_model, noisy_data):
    res = _audit(overfit_model, noisy_data)
    again = AuditResult.from_scores(res.member_scores, res.non_member_scores)
    assert again.auc == res.auc and again.advantage == res.advantage


def test_threshold_cost_needs_no_models(overfit_model):
    cost = estimate_cost(overfit_model, "threshold")
    assert cost.n_models == 0 and "no extra models" in cost.describe()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"attack": "thresold"}, UnknownNameError, "Did you mean 'threshold'"),
        ({"attack": "rmia"}, InvalidParameterError, "needs a result of workbench.train"),
        ({"n_reference": 0}, InvalidParameterError, "n_reference"),
        ({"seed": -1}, InvalidParameterError, "seed"),
        ({"stop": "now"}, InvalidParameterError, "threading.Event"),
        ({"claimed_epsilon": -1.0}, InvalidParameterError, "claimed_epsilon"),
    ],
)
def test_bad_parameters(overfit_model, noisy_data, kwargs, error, match):
    with pytest.raises(error, match=match) as info:
        _audit(overfit_model, noisy_data, **kwargs)
    assert "\n" not in str(info.value)


def test_bad_data(overfit_model, noisy_data):
    x, y = noisy_data
    with pytest.raises(InvalidParameterError, match="members=\\(X, y\\)"):
        wb.membership_inference(overfit_model)
    with pytest.raises(InvalidParameterError, match=r"torch\.nn\.Module"):
        wb.membership_inference("model", members=(x, y), non_members=(x, y))
    with pytest.raises(InvalidParameterError, match="pair"):
        wb.membership_inference(overfit_model, members=x, non_members=(x, y))
    with pytest.raises(InvalidParameterError, match="shape"):
        wb.membership_inference(overfit_model, members=(x, y[:5]), non_members=(x, y))
    with pytest.raises(EmptyDataError):
        wb.membership_inference(overfit_model, members=(x[:0], y[:0]), non_members=(x, y))
    bad = x.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(InvalidParameterError, match="NaN"):
        wb.membership_inference(overfit_model, members=(bad, y), non_members=(x, y))
    with pytest.raises(UnsupportedModelError, match="encoded"):
        wb.membership_inference(overfit_model, members=(x[:, :3], y), non_members=(x[:, :3], y))
    with pytest.raises(InvalidParameterError, match="class indices"):
        wb.membership_inference(overfit_model, members=(x, y + 5), non_members=(x, y))
    with pytest.raises(InvalidParameterError, match="fpr"):
        _audit(overfit_model, noisy_data).tpr_at(1.5)


def test_registered_attack_is_used_by_name(overfit_model, noisy_data):
    from workbench.audit import attacks

    def negative_confidence(target, **_):
        out = attacks.threshold_attack(target)
        return attacks.AttackOutput(-out.member_scores, -out.non_member_scores, notes=("inverted",))

    attacks.register_attack("inverted", negative_confidence)
    try:
        assert "inverted" in attacks.available_attacks()
        res = _audit(overfit_model, noisy_data, attack="inverted")
        assert res.attack == "inverted" and res.notes == ("inverted",)
        assert res.auc == pytest.approx(1.0 - _audit(overfit_model, noisy_data).auc)
        assert "time unknown" in res.cost.describe()
    finally:
        attacks._ATTACKS.pop("inverted")


def test_progress_bar_shows_the_cost(overfit_model, noisy_data, capsys):
    res = _audit(overfit_model, noisy_data, progress=True)
    assert "threshold: no extra models" in capsys.readouterr().err
    assert res.cost.n_models == 0
