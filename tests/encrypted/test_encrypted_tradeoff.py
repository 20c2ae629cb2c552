"""The "encrypted" trade-off technique: CKKS scale bits as the grid, cost against precision, no server leakage."""

from __future__ import annotations

import math

import pytest

import workbench as wb
from workbench.errors import InvalidParameterError, WorkbenchError
from workbench.tradeoff import available_techniques


def test_sweep_over_scales(adult):
    assert "encrypted" in available_techniques()
    curve = wb.tradeoff(adult, "encrypted", grid=[21, 40], epochs=1, executor="serial",
                        public_schema=True, technique_options={"rows": 300})  # fmt: skip
    frame = curve.results.set_index("value")
    assert list(frame.index) == [21.0, 40.0] and curve.parameter == "scale_bits"
    assert (frame["leakage_to_server"] == 0).all() and frame["epsilon"].map(math.isinf).all()
    # one model for every point: the exact 2^40 scale keeps the plaintext accuracy, 2^21 loses precision
    assert frame.loc[40.0, "accuracy"] == frame.loc[40.0, "accuracy_original"] == frame.loc[21.0, "accuracy_original"]
    assert frame.loc[21.0, "max_score_error"] > 100 * frame.loc[40.0, "max_score_error"]
    assert (frame["ms_per_row"] > 0).all() and (frame["bytes_per_row"] > 0).all()
    assert [p.statement["security_bits"] for p in curve.points] == [256, 128]  # (41, 21, 41) bits fit 256
    assert curve.figure().layout.xaxis.title.text.startswith("ms per row")


def test_grid_keyword_checks():
    with pytest.raises(InvalidParameterError, match="pass grid="):
        wb.tradeoff("adult", "encrypted", ks=[2])
    with pytest.raises(InvalidParameterError, match="not grid="):
        wb.tradeoff("adult", "dp", grid=[1.0])


def test_options_are_validated_once():
    with pytest.raises(InvalidParameterError, match="unexpected keyword"):
        wb.tradeoff("adult", "encrypted", grid=[40], k=5)
    with pytest.raises(WorkbenchError, match="output"):
        wb.tradeoff("adult", "encrypted", grid=[40], technique_options={"output": "logits"})
