"""Keys are never echoed and must be long enough; tokens never merge two values; non-finite numbers are refused."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import warnings

import numpy as np
import pandas as pd
import pytest
from hardening_inputs import KEY, people_frame
from IPython.utils.capture import capture_output

import workbench as wb
from workbench.errors import InvalidParameterError


# -- keys --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wrapped", [bytearray(KEY), [KEY], {"key": KEY}, (KEY,), memoryview(KEY)])
def test_a_key_of_the_wrong_type_is_named_by_type_only(wrapped):
    with pytest.raises(InvalidParameterError) as caught:
        wb.pseudonymise(people_frame(), key=wrapped)
    text = str(caught.value)
    assert "SUPERSECRET" not in text and repr(wrapped) not in text
    assert f"got a {type(wrapped).__name__} (value not shown: it is secret)" in text


def test_the_magic_never_prints_or_saves_the_key(shell):
    shell.user_ns["BAD"] = bytearray(KEY)
    shell.run_line_magic("wb", "load people --target y")
    with capture_output() as captured:
        shell.run_cell("%wb pseudonymise --key-var BAD")
    shown = captured.stdout + captured.stderr + "".join(str(o.data) for o in captured.outputs)
    assert "pseudonymise" in shown and "bytearray" in shown  # the error was shown...
    assert "SUPERSECRET" not in shown  # ...without the key
    history = " ".join(str(v) for v in shell.history_manager.output_hist.values())
    assert "SUPERSECRET" not in history
    shell.user_ns.pop("BAD")


def test_a_good_key_never_appears_in_what_is_shown_or_saved(tmp_path):
    key = secrets.token_bytes(32)
    result = wb.pseudonymise(people_frame(), columns=["email"], key=key)
    path = wb.report(result, path=tmp_path / "r.html")
    shown = repr(result) + result._repr_html_() + str(result.to_dict()) + path.read_text()
    assert key.hex() not in shown and repr(key) not in shown and str(key)[2:-1] not in shown
    assert wb.pseudonymise(people_frame(), columns=["email"], key=key.hex()).data["email"].str.startswith("pse_").all()


@pytest.mark.parametrize(
    "key", ["a", "password", b"\x00", b"\x00" * 64, "aaaaaaaaaaaaaaaaaaaaaaaa", b"0123456789abcde"]
)
def test_short_or_repetitive_keys_are_refused(key):
    with pytest.raises(InvalidParameterError, match=r"secrets\.token_bytes\(32\)") as caught:
        wb.pseudonymise(people_frame(), columns=["email"], key=key)
    text = str(caught.value)
    assert (key.decode() if isinstance(key, bytes) else key) not in text.split("(")[0].split(":")[-1]


def test_a_key_with_a_lone_surrogate_is_one_line():
    with pytest.raises(InvalidParameterError, match="lone surrogates") as caught:
        wb.pseudonymise(people_frame(), columns=["email"], key="my-secret-\udcff-0123456789")
    assert "\udcff" not in str(caught.value)


def test_values_with_lone_surrogates_get_distinct_tokens():
    frame = pd.DataFrame({"name": pd.Series(["a\ud800", "a\ud801", "a\ud800"], dtype=object)})  # pyarrow refuses
    tokens = wb.pseudonymise(frame, columns=["name"], key=KEY).data["name"]
    assert tokens[0] == tokens[2] != tokens[1]


def test_truncated_tokens_never_merge_two_values():
    # 300,000 distinct values in 32-bit tokens: about ten pairs collide (birthday bound), as the issue measured
    values = pd.DataFrame({"email": [f"user{i}@example.org" for i in range(300_000)]})
    with pytest.raises(InvalidParameterError, match="token_length=8, two different values") as caught:
        wb.pseudonymise(values, columns=["email"], key=KEY, token_length=8)
    assert "larger token_length" in str(caught.value)
    tokens = wb.pseudonymise(values, columns=["email"], key=KEY).data["email"]  # 80 bits: distinct
    assert tokens.nunique() == len(values)
    # the check is real: the standard library finds the same collision at 8 hex digits
    digests = {hmac.new(KEY, v.encode(), hashlib.sha256).hexdigest()[:8] for v in values["email"]}
    assert len(digests) < len(values)


# -- non-finite numbers ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def with_inf() -> pd.DataFrame:
    frame = people_frame()
    frame.loc[frame.index[:10], "age"] = np.inf  # 10 of 200 rows, as in the issue
    return frame


def test_training_refuses_inf_naming_column_and_count(with_inf):
    dataset = wb.load_dataset(with_inf, target="y", identifiers=["email"])
    with pytest.raises(InvalidParameterError) as caught:
        wb.train(dataset, epsilon=0.99, epochs=1, batch_size=32, ledger=False)
    assert "column 'age' has 10 infinite value(s)" in str(caught.value) and "bounds=" in str(caught.value)


def test_public_bounds_clip_inf_explicitly(with_inf):
    dataset = wb.load_dataset(with_inf, target="y", identifiers=["email"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = wb.train(dataset, epsilon=0.99, epochs=2, batch_size=32, ledger=False, bounds={"age": (0, 100)})
    assert all(math.isfinite(v) for v in run.metrics.values())
    assert all(torch_param.isfinite().all() for torch_param in run.model.parameters())
    assert np.isfinite(run.predict_proba(with_inf)).all()  # clipped into the bounds at prediction too


def test_prediction_refuses_inf_rows(inputs, with_inf):
    with pytest.raises(InvalidParameterError, match="column 'age' has 10 infinite"):
        inputs.run.predict_proba(with_inf)


def test_overflowing_numbers_are_refused():
    frame = people_frame()
    frame.loc[frame.index[:3], "age"] = 1e300  # its square overflowed the spread and zeroed the feature before
    dataset = wb.load_dataset(frame, target="y", identifiers=["email"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning on the way
        with pytest.raises(InvalidParameterError, match=r"column 'age' has 3 beyond ±1e\+150 value"):
            wb.train(dataset, epochs=1, batch_size=32, ledger=False)


@pytest.mark.parametrize("method", ["optimal", "mondrian"])
def test_anonymisation_bands_refuse_inf(with_inf, method):
    with pytest.raises(InvalidParameterError, match="column 'age' has 10 infinite"):
        wb.anonymise(with_inf, k=2, quasi_identifiers=["age", "sex"], method=method)


def test_risk_refuses_inf_and_missing_values_stay_allowed(with_inf):
    with pytest.raises(InvalidParameterError, match="column 'age' has 10 infinite"):
        wb.assess_risk(with_inf, quasi_identifiers=["age", "sex"])
    missing = with_inf.replace(np.inf, np.nan)
    assert wb.assess_risk(missing, quasi_identifiers=["age", "sex"]).k >= 1
