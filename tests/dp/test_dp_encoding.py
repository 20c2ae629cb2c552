"""Encoding: fitted on training rows only, missing values, bounds, leak warnings, target checks."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from workbench.dp.encoding import fit_encoder
from workbench.errors import PrivacyLeakWarning, RoleError, UnknownColumnError


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "age": [20.0, 30.0, np.nan, 50.0],
            "job": pd.Categorical(["a", "b", "a", None], categories=["a", "b", "c"]),
            "city": ["x", "y", "x", "x"],
            "y": ["no", "yes", "no", "yes"],
        }
    )


def test_one_hot_scaled_numerics_and_missing_flags(frame):
    enc = fit_encoder(frame, target="y")
    X, y = enc.transform(frame)
    assert X.dtype == torch.float32 and y.dtype == torch.int64
    assert enc.classes_ == ("no", "yes") and y.tolist() == [0, 1, 0, 1]
    names = list(enc.feature_names_)
    assert names == ["age", "age=<missing>", "job=a", "job=b", "job=<missing>", "city=x", "city=y"]
    age = X[:, 0].numpy()
    assert abs(age[[0, 1, 3]].mean() * 3 + age[2]) < 1e-5  # centred on the training mean, gap filled with it
    assert X[:, 1].tolist() == [0, 0, 1, 0]
    assert X[3, 2:5].tolist() == [0, 0, 1]


def test_statistics_come_from_training_rows_only(frame):
    enc = fit_encoder(frame.iloc[:2], target="y")
    test = pd.DataFrame({"age": [1000.0], "job": ["c"], "city": ["z"], "y": ["no"]})
    X, _ = enc.transform(test)
    assert X.shape[1] == enc.n_features
    # unseen categories encode as all zeros; the numeric scale is that of the two training rows
    assert X[0, 1:].abs().sum() == 0
    assert X[0, 0] == pytest.approx((1000 - 25) / 5)


def test_public_schema_takes_dtype_categories_and_does_not_warn(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enc = fit_encoder(frame, target="y", public_schema=True, warn=True)
    assert "job=c" in enc.feature_names_ and enc.leaks == ()


def test_statistics_from_private_rows_warn_and_are_listed(frame):
    with pytest.warns(PrivacyLeakWarning, match="bounds="):
        enc = fit_encoder(frame, target="y", warn=True)
    assert any("age" in leak for leak in enc.leaks)


def test_bounds_clip_and_scale_without_private_statistics(frame):
    enc = fit_encoder(frame[["age", "y"]], target="y", bounds={"age": (0, 100)})
    X, _ = enc.transform(pd.DataFrame({"age": [150.0, 50.0, 0.0], "y": ["no"] * 3}))
    assert X[:, 0].tolist() == [1.0, 0.0, -1.0]
    assert enc.leaks == ()


def test_target_checks():
    one_class = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "a", "a"]})
    with pytest.raises(RoleError, match=r"1 class"):
        fit_encoder(one_class, target="y")
    regression = pd.DataFrame({"x": range(100), "y": np.linspace(0, 1, 100)})
    with pytest.raises(RoleError, match="categorical target"):
        fit_encoder(regression, target="y")
    with pytest.raises(RoleError, match="not in the table"):
        fit_encoder(one_class, target="nope")
    with pytest.raises(UnknownColumnError, match="nope"):
        fit_encoder(regression.assign(y=[0, 1] * 50), target="y", features=["x", "nope"])


def test_unseen_label_and_missing_column_are_clear_errors(frame):
    enc = fit_encoder(frame, target="y")
    with pytest.raises(ValueError, match="not seen in the training rows"):
        enc.transform(frame.assign(y=["no", "maybe", "no", "no"]))
    with pytest.raises(UnknownColumnError, match="age"):
        enc.transform(frame.drop(columns="age"))


def test_input_frame_is_not_mutated(frame, digest):
    before = digest(frame)
    enc = fit_encoder(frame, target="y")
    enc.transform(frame)
    assert digest(frame) == before
