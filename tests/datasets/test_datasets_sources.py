"""User data: CSV, Parquet and DataFrame sources, roles the user passes, splits."""

from __future__ import annotations

import http.server
import threading
from functools import partial

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench import Role


@pytest.fixture
def people():
    rng = np.random.default_rng(0)
    n = 200
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "zip": [f"{z:05d}" for z in rng.integers(10000, 99999, n)],
            "sex": rng.choice(["F", "M"], n),
            "diagnosis": rng.choice(["flu", "asthma", "diabetes"], n),
            "y": rng.choice([0, 1], n),
        }
    )


def test_dataframe_source_is_copied_never_mutated(people, digest):
    before = digest(people)
    ds = wb.load_dataset(people, target="y", quasi_identifiers=["age", "sex"], sensitive=["diagnosis"])
    ds.frame.loc[0, "age"] = -1
    assert digest(people) == before
    assert ds.name == "dataframe" and ds.source.origin == "DataFrame"


def test_user_roles_win_and_others_are_inferred(people):
    ds = wb.load_dataset(people, target="y", quasi_identifiers=["age", "sex"], sensitive=["diagnosis"])
    assert ds.roles["age"] is Role.QUASI_IDENTIFIER
    assert ds.roles["diagnosis"] is Role.SENSITIVE
    assert ds.roles["y"] is Role.TARGET
    assert ds.roles["zip"] is Role.IDENTIFIER  # inferred: a near-unique ZIP column
    assert isinstance(ds.frame["sex"].dtype, pd.CategoricalDtype)


def test_seeded_stratified_split(people):
    a = wb.load_dataset(people, target="y", seed=3)
    b = wb.load_dataset(people, target="y", seed=3)
    c = wb.load_dataset(people, target="y", seed=4)
    assert list(a.test.index) == list(b.test.index)
    assert list(a.test.index) != list(c.test.index)
    assert len(a.test) == 40 and len(a.train) == 160
    share = people["y"].mean()
    assert abs(a.test["y"].mean() - share) < 0.03


def test_rows_without_a_target_load_as_a_stratum_of_their_own(people):
    labelled = people.assign(y=people["y"].map({0: "no", 1: "yes"}))
    with_gaps = labelled.assign(y=labelled["y"].where(np.arange(len(people)) % 4 != 0))  # 50 rows without y
    ds = wb.load_dataset(with_gaps, target="y", seed=3)
    assert ds.train["y"].isna().sum() == 40 and ds.test["y"].isna().sum() == 10
    assert with_gaps["y"].isna().sum() == 50  # the caller's frame is untouched
    complete = wb.load_dataset(labelled, target="y", seed=3)
    assert list(complete.test.index) == list(wb.load_dataset(people, target="y", seed=3).test.index)


def test_csv_and_parquet_sources_round_trip(tmp_path, people):
    csv, parquet = tmp_path / "people.csv", tmp_path / "people.parquet"
    people.to_csv(csv, index=False)
    people.to_parquet(parquet)
    from_csv = wb.load_dataset(csv, target="y")
    from_parquet = wb.load_dataset(str(parquet), target="y")
    assert from_csv.name == "people" and len(from_csv.frame) == 200
    assert from_parquet.frame["age"].tolist() == people["age"].tolist()
    assert from_csv.source.sha256 and from_csv.source.origin == str(csv)


def test_csv_question_marks_are_missing(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("a,b,y\n1,x,0\n?,y,1\n3,?,0\n4,x,1\n5,y,0\n")
    ds = wb.load_dataset(path, target="y", test_size=0.4)
    assert ds.frame["a"].isna().sum() == 1 and ds.frame["b"].isna().sum() == 1


def test_url_source_is_downloaded_once_into_the_cache(tmp_path, people, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    people.to_csv(served / "people.csv", index=False)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    url = f"http://127.0.0.1:{server.server_address[1]}/people.csv"
    try:
        ds = wb.load_dataset(url, target="y")
        (served / "people.csv").unlink()  # the second load must come from the cache
        again = wb.load_dataset(url, target="y", sha256=ds.source.sha256)
    finally:
        server.shutdown()
    assert len(ds.frame) == 200 and again.fingerprint == ds.fingerprint
    assert len(list((tmp_path / "cache").iterdir())) == 1


def test_with_roles_returns_a_new_dataset(adult):
    changed = adult.with_roles(relationship="quasi_identifier")
    assert changed.roles["relationship"] is Role.QUASI_IDENTIFIER
    assert adult.roles["relationship"] is Role.INSENSITIVE
