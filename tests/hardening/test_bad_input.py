"""Table-driven bad inputs over the Python API, the ``%wb`` magics and the CLI.

Every case must end in a one-line :class:`~workbench.errors.WorkbenchError` of the expected class (a ``UsageError``
tagged with that class in the magics; exit code 2 and one line, no traceback, in the CLI), and must leave every
input table unchanged.
"""

from __future__ import annotations

import hashlib
import math
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hardening_inputs import KEY, Inputs, people_frame

import workbench as wb
from workbench import cli
from workbench.errors import (
    BudgetExceededError,
    DataSourceError,
    EmptyDataError,
    FileAccessError,
    InvalidParameterError,
    RoleError,
    UnknownColumnError,
    UnknownNameError,
    WorkbenchError,
)
from workbench.tradeoff import read_results


def _frame(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Inputs], pd.DataFrame]:
    return lambda i: change(i.frame.copy())


def _with(column: str, values: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = values if not callable(values) else values(frame)
        return frame

    return change


def _dupes(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = ["email", "age", "sex", "age", "diagnosis", "y"]
    return frame


def _inf_rows(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[:9, "age"] = np.inf
    return frame


def _huge(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[:2, "age"] = 1e300
    return frame


DICTS = _with("zip", lambda f: [{"zip": z} for z in f["zip"]])
LISTS = _with("sex", lambda f: [[s] for s in f["sex"]])
ARRAYS = _with("zip", lambda f: [np.array([1, 2]) for _ in f["zip"]])
DUPES = _frame(_dupes)
INF = _frame(_inf_rows)
HUGE = _frame(_huge)

# (id, call(inputs, table) -> Any, table(inputs) -> DataFrame or None, expected error class)
API_CASES: list[tuple[str, Callable, Callable | None, type[WorkbenchError]]] = [
    # -- load_dataset: sources
    ("load-folder", lambda i, t: wb.load_dataset(i.files["folder"]), None, DataSourceError),
    ("load-folder-str", lambda i, t: wb.load_dataset(str(i.tmp)), None, DataSourceError),
    ("load-missing", lambda i, t: wb.load_dataset(i.tmp / "nope.csv"), None, DataSourceError),
    ("load-unknown-name", lambda i, t: wb.load_dataset("adlt"), None, UnknownNameError),
    ("load-bad-ipv6-url", lambda i, t: wb.load_dataset("http://[::1/x.csv"), None, DataSourceError),
    ("load-bad-url-port", lambda i, t: wb.load_dataset("http://127.0.0.1:99999/x.csv"), None, DataSourceError),
    ("load-bad-url-space", lambda i, t: wb.load_dataset("http://exa mple.org/x.csv"), None, DataSourceError),
    ("load-url-no-host", lambda i, t: wb.load_dataset("http:///x.csv"), None, DataSourceError),
    ("load-sha256-int", lambda i, t: wb.load_dataset(i.files["good"], sha256=123), None, InvalidParameterError),
    ("load-sha256-short", lambda i, t: wb.load_dataset(i.files["good"], sha256="abc"), None, InvalidParameterError),
    ("load-sha256-bytes", lambda i, t: wb.load_dataset(i.files["good"], sha256=b"0" * 64), None, InvalidParameterError),
    ("load-sha256-wrong", lambda i, t: wb.load_dataset(i.files["good"], sha256="0" * 64), None, DataSourceError),
    ("load-not-parquet", lambda i, t: wb.load_dataset(i.files["notparquet"]), None, DataSourceError),
    ("load-undecodable", lambda i, t: wb.load_dataset(i.files["undecodable"]), None, DataSourceError),
    ("load-list-column-parquet", lambda i, t: wb.load_dataset(i.files["list_column"]), None, InvalidParameterError),
    ("load-source-int", lambda i, t: wb.load_dataset(123), None, InvalidParameterError),
    ("load-source-none", lambda i, t: wb.load_dataset(None), None, InvalidParameterError),
    ("load-source-list", lambda i, t: wb.load_dataset([1, 2]), None, InvalidParameterError),
    ("load-max-download-0", lambda i, t: wb.load_dataset(t, max_download_mb=0), lambda i: i.frame,
     InvalidParameterError),
    ("load-name-int", lambda i, t: wb.load_dataset(t, target="y", name=5), lambda i: i.frame, InvalidParameterError),
    # -- load_dataset: roles and tables
    ("load-qi-int", lambda i, t: wb.load_dataset(t, quasi_identifiers=5), lambda i: i.frame, InvalidParameterError),
    ("load-qi-float", lambda i, t: wb.load_dataset(t, quasi_identifiers=2.5), lambda i: i.frame, InvalidParameterError),
    ("load-qi-dict", lambda i, t: wb.load_dataset(t, quasi_identifiers={"age": 1}), lambda i: i.frame,
     InvalidParameterError),
    ("load-qi-nested", lambda i, t: wb.load_dataset(t, quasi_identifiers=[["age"]]), lambda i: i.frame,
     InvalidParameterError),
    ("load-identifiers-int", lambda i, t: wb.load_dataset(t, identifiers=7), lambda i: i.frame, InvalidParameterError),
    ("load-sensitive-bytes", lambda i, t: wb.load_dataset(t, sensitive=b"diagnosis"), lambda i: i.frame,
     InvalidParameterError),
    ("load-qi-unknown", lambda i, t: wb.load_dataset(t, quasi_identifiers=["agee"]), lambda i: i.frame,
     UnknownColumnError),
    ("load-target-unknown", lambda i, t: wb.load_dataset(t, target="income"), lambda i: i.frame, UnknownColumnError),
    ("load-target-int", lambda i, t: wb.load_dataset(t, target=5), lambda i: i.frame, UnknownColumnError),
    ("load-two-roles", lambda i, t: wb.load_dataset(t, quasi_identifiers=["age"], sensitive=["age"]),
     lambda i: i.frame, RoleError),
    ("load-one-class", lambda i, t: wb.load_dataset(t, target="y"), _frame(_with("y", 1)), RoleError),
    ("load-duplicate-columns", lambda i, t: wb.load_dataset(t), DUPES, InvalidParameterError),
    ("load-dict-column", lambda i, t: wb.load_dataset(t), _frame(DICTS), InvalidParameterError),
    ("load-list-column", lambda i, t: wb.load_dataset(t), _frame(LISTS), InvalidParameterError),
    ("load-array-column", lambda i, t: wb.load_dataset(t), _frame(ARRAYS), InvalidParameterError),
    ("load-empty", lambda i, t: wb.load_dataset(t), lambda i: i.frame.iloc[:0], EmptyDataError),
    ("load-test-size-1.5", lambda i, t: wb.load_dataset(t, test_size=1.5), lambda i: i.frame, InvalidParameterError),
    ("load-test-size-str", lambda i, t: wb.load_dataset(t, test_size="0.2"), lambda i: i.frame,
     InvalidParameterError),
    ("load-seed-negative", lambda i, t: wb.load_dataset(t, seed=-1), lambda i: i.frame, InvalidParameterError),
    # -- infer_roles
    ("roles-duplicate-columns", lambda i, t: wb.infer_roles(t), DUPES, InvalidParameterError),
    ("roles-dict-column", lambda i, t: wb.infer_roles(t), _frame(DICTS), InvalidParameterError),
    ("roles-list-column", lambda i, t: wb.infer_roles(t), _frame(LISTS), InvalidParameterError),
    ("roles-not-a-frame", lambda i, t: wb.infer_roles([1, 2, 3]), None, InvalidParameterError),
    ("roles-no-columns", lambda i, t: wb.infer_roles(pd.DataFrame(index=range(3))), None, EmptyDataError),
    # -- assess_risk
    ("risk-qi-int", lambda i, t: wb.assess_risk(t, quasi_identifiers=5), lambda i: i.frame, InvalidParameterError),
    ("risk-qi-unknown", lambda i, t: wb.assess_risk(t, quasi_identifiers=["ag"]), lambda i: i.frame,
     UnknownColumnError),
    ("risk-duplicate-columns", lambda i, t: wb.assess_risk(t, quasi_identifiers=["sex"]), DUPES,
     InvalidParameterError),
    ("risk-dict-column", lambda i, t: wb.assess_risk(t, quasi_identifiers=["zip"]), _frame(DICTS),
     InvalidParameterError),
    ("risk-inf-qi", lambda i, t: wb.assess_risk(t, quasi_identifiers=["age", "sex"]), INF, InvalidParameterError),
    ("risk-huge-qi", lambda i, t: wb.assess_risk(t, quasi_identifiers=["age", "sex"]), HUGE, InvalidParameterError),
    ("risk-threshold-2", lambda i, t: wb.assess_risk(t, quasi_identifiers=["age"], threshold=2), lambda i: i.frame,
     InvalidParameterError),
    ("risk-not-a-table", lambda i, t: wb.assess_risk("adult.csv"), None, InvalidParameterError),
    ("risk-population-int", lambda i, t: wb.assess_risk(t, quasi_identifiers=["age"], population=5),
     lambda i: i.frame, InvalidParameterError),
    # -- anonymise
    ("anon-qi-int", lambda i, t: wb.anonymise(t, k=2, quasi_identifiers=5), lambda i: i.frame, InvalidParameterError),
    ("anon-duplicate-columns", lambda i, t: wb.anonymise(t, k=2, quasi_identifiers=["sex"]), DUPES,
     InvalidParameterError),
    ("anon-dict-column", lambda i, t: wb.anonymise(t, k=2, quasi_identifiers=["zip"]), _frame(DICTS),
     InvalidParameterError),
    ("anon-list-column", lambda i, t: wb.anonymise(t, k=2, quasi_identifiers=["sex"]), _frame(LISTS),
     InvalidParameterError),
    ("anon-inf-qi", lambda i, t: wb.anonymise(t, k=2, quasi_identifiers=["age", "sex"]), INF, InvalidParameterError),
    ("anon-huge-qi", lambda i, t: wb.anonymise(t, k=2, quasi_identifiers=["age"], method="mondrian"), HUGE,
     InvalidParameterError),
    ("anon-inf-dataset", lambda i, t: wb.anonymise(wb.load_dataset(t, quasi_identifiers=["age", "sex"]), k=2), INF,
     InvalidParameterError),
    ("anon-k-0", lambda i, t: wb.anonymise(i.dataset, k=0), None, InvalidParameterError),
    ("anon-k-str", lambda i, t: wb.anonymise(i.dataset, k="5"), None, InvalidParameterError),
    ("anon-k-inf", lambda i, t: wb.anonymise(i.dataset, k=math.inf), None, InvalidParameterError),
    ("anon-k-too-big", lambda i, t: wb.anonymise(i.dataset, k=10_000), None, WorkbenchError),
    ("anon-method-unknown", lambda i, t: wb.anonymise(i.dataset, k=2, method="mondrain"), None, UnknownNameError),
    ("anon-suppression-2", lambda i, t: wb.anonymise(i.dataset, k=2, max_suppression=2), None, InvalidParameterError),
    ("anon-t-negative", lambda i, t: wb.anonymise(i.dataset, k=2, t=-1), None, InvalidParameterError),
    ("anon-hierarchies-int", lambda i, t: wb.anonymise(i.dataset, k=2, hierarchies=5), None, InvalidParameterError),
    ("anon-data-list", lambda i, t: wb.anonymise([1, 2], k=2), None, InvalidParameterError),
    ("interval-hierarchy-inf", lambda i, t: wb.anonymise.interval_hierarchy([1.0, math.inf]), None,
     InvalidParameterError),
    # -- pseudonymise
    ("pseudo-duplicate-columns", lambda i, t: wb.pseudonymise(t, columns=["email"], key=KEY), DUPES,
     InvalidParameterError),
    ("pseudo-dict-column", lambda i, t: wb.pseudonymise(t, columns=["zip"], key=KEY), _frame(DICTS),
     InvalidParameterError),
    ("pseudo-list-column", lambda i, t: wb.pseudonymise(t, columns=["sex"], method="mask"), _frame(LISTS),
     InvalidParameterError),
    ("pseudo-columns-int", lambda i, t: wb.pseudonymise(t, columns=5, key=KEY), lambda i: i.frame,
     InvalidParameterError),
    ("pseudo-columns-unknown", lambda i, t: wb.pseudonymise(t, columns=["mail"], key=KEY), lambda i: i.frame,
     UnknownColumnError),
    ("pseudo-key-bytearray", lambda i, t: wb.pseudonymise(t, key=bytearray(KEY)), lambda i: i.frame,
     InvalidParameterError),
    ("pseudo-key-list", lambda i, t: wb.pseudonymise(t, key=[KEY]), lambda i: i.frame, InvalidParameterError),
    ("pseudo-key-dict", lambda i, t: wb.pseudonymise(t, key={"k": KEY}), lambda i: i.frame, InvalidParameterError),
    ("pseudo-key-int", lambda i, t: wb.pseudonymise(t, key=12345678901234567890), lambda i: i.frame,
     InvalidParameterError),
    ("pseudo-key-a", lambda i, t: wb.pseudonymise(t, key="a"), lambda i: i.frame, InvalidParameterError),
    ("pseudo-key-password", lambda i, t: wb.pseudonymise(t, key="password"), lambda i: i.frame,
     InvalidParameterError),
    ("pseudo-key-zero-byte", lambda i, t: wb.pseudonymise(t, key=b"\x00"), lambda i: i.frame, InvalidParameterError),
    ("pseudo-key-repetitive", lambda i, t: wb.pseudonymise(t, key=b"\x00" * 32), lambda i: i.frame,
     InvalidParameterError),
    ("pseudo-key-empty", lambda i, t: wb.pseudonymise(t, key=""), lambda i: i.frame, InvalidParameterError),
    ("pseudo-key-surrogate", lambda i, t: wb.pseudonymise(t, key="secret-\ud800-0123456789abc"), lambda i: i.frame,
     InvalidParameterError),
    ("pseudo-method-unknown", lambda i, t: wb.pseudonymise(t, method="hash"), lambda i: i.frame, UnknownNameError),
    ("pseudo-token-length-4", lambda i, t: wb.pseudonymise(t, key=KEY, token_length=4), lambda i: i.frame,
     InvalidParameterError),
    ("pseudo-keep-negative", lambda i, t: wb.pseudonymise(t, method="mask", keep=-1), lambda i: i.frame,
     InvalidParameterError),
    ("pseudo-data-str", lambda i, t: wb.pseudonymise("people.csv"), None, InvalidParameterError),
    # -- train and predict
    ("train-inf-feature", lambda i, t: wb.train(wb.load_dataset(t, target="y"), epochs=1, batch_size=32), INF,
     InvalidParameterError),
    ("train-dp-inf-feature", lambda i, t: wb.train(wb.load_dataset(t, target="y"), epsilon=1, epochs=1,
                                                   batch_size=32, ledger=False), INF, InvalidParameterError),
    ("train-huge-feature", lambda i, t: wb.train(wb.load_dataset(t, target="y"), epochs=1, batch_size=32), HUGE,
     InvalidParameterError),
    ("train-epochs-0", lambda i, t: wb.train(i.dataset, epochs=0), None, InvalidParameterError),
    ("train-model-unknown", lambda i, t: wb.train(i.dataset, model="svm", batch_size=32), None, UnknownNameError),
    ("train-epsilon-negative", lambda i, t: wb.train(i.dataset, epsilon=-1), None, InvalidParameterError),
    ("train-epsilon-nan", lambda i, t: wb.train(i.dataset, epsilon=math.nan), None, InvalidParameterError),
    ("train-delta-2", lambda i, t: wb.train(i.dataset, epsilon=1, delta=2), None, InvalidParameterError),
    ("train-batch-0", lambda i, t: wb.train(i.dataset, batch_size=0), None, InvalidParameterError),
    ("train-lr-negative", lambda i, t: wb.train(i.dataset, lr=-0.1), None, InvalidParameterError),
    ("train-accountant-unknown", lambda i, t: wb.train(i.dataset, epsilon=1, accountant="moments"), None,
     UnknownNameError),
    ("train-not-a-dataset", lambda i, t: wb.train([1, 2, 3]), None, InvalidParameterError),
    ("predict-inf-rows", lambda i, t: i.run.predict_proba(t), INF, InvalidParameterError),
    ("predict-huge-rows", lambda i, t: i.run.predict_proba(t), HUGE, InvalidParameterError),
    ("predict-missing-column", lambda i, t: i.run.predict_proba(t.drop(columns=["age"])), lambda i: i.frame,
     UnknownColumnError),
    # -- results files and reports
    ("read-results-int", lambda i, t: read_results(123), None, InvalidParameterError),
    ("read-results-none", lambda i, t: read_results(None), None, InvalidParameterError),
    ("read-results-folder", lambda i, t: read_results(i.tmp), None, DataSourceError),
    ("read-results-missing", lambda i, t: read_results(i.tmp / "nope.parquet"), None, DataSourceError),
    ("read-results-not-parquet", lambda i, t: read_results(i.files["notparquet"]), None, DataSourceError),
    ("read-results-plain-parquet", lambda i, t: read_results(i.files["plain"]), None, DataSourceError),
    ("read-results-bad-json", lambda i, t: read_results(i.files["bad_json"]), None, DataSourceError),
    ("read-results-not-object", lambda i, t: read_results(i.files["not_object"]), None, DataSourceError),
    ("read-results-no-keys", lambda i, t: read_results(i.files["no_keys"]), None, DataSourceError),
    ("read-results-bad-point", lambda i, t: read_results(i.files["bad_point"]), None, DataSourceError),
    ("read-results-bad-value", lambda i, t: read_results(i.files["bad_value"]), None, DataSourceError),
    ("read-results-bad-grid", lambda i, t: read_results(i.files["bad_grid"]), None, DataSourceError),
    ("read-results-bad-utility", lambda i, t: read_results(i.files["bad_utility"]), None, DataSourceError),
    ("report-to-folder", lambda i, t: wb.report(i.dataset, path=i.tmp), None, FileAccessError),
    ("report-under-a-file", lambda i, t: wb.report(i.dataset, path=i.files["under_a_file"]), None, FileAccessError),
    ("report-path-surrogate", lambda i, t: wb.report(i.dataset, path=i.tmp / "r\ud800.html"), None, FileAccessError),
    ("report-title-int", lambda i, t: wb.report(i.dataset, path=i.tmp / "t.html", title=5), None,
     InvalidParameterError),
    ("report-path-int", lambda i, t: wb.report(i.dataset, path=123), None, InvalidParameterError),
    ("report-nothing", lambda i, t: wb.report(path=i.tmp / "r.html"), None, InvalidParameterError),
    ("report-a-frame", lambda i, t: wb.report(t, path=i.tmp / "r.html"), lambda i: i.frame, InvalidParameterError),
    ("parquet-to-folder", lambda i, t: read_results(i.files["good"]).to_parquet(i.tmp), None, FileAccessError),
    # -- trade-off
    ("tradeoff-technique-unknown", lambda i, t: wb.tradeoff(i.dataset, "dpp"), None, UnknownNameError),
    ("tradeoff-ks-0", lambda i, t: wb.tradeoff(i.dataset, "k-anonymity", ks=[0]), None, InvalidParameterError),
    ("tradeoff-ks-int", lambda i, t: wb.tradeoff(i.dataset, "k-anonymity", ks=5), None, InvalidParameterError),
    ("tradeoff-epsilons-negative", lambda i, t: wb.tradeoff(i.dataset, "dp", epsilons=[-1]), None,
     InvalidParameterError),
    # -- federated learning
    ("federate-inf-feature", lambda i, t: wb.federate(wb.load_dataset(t, target="y"), clients=2, rounds=1,
     ledger=False), INF, InvalidParameterError),
    ("federate-huge-feature", lambda i, t: wb.federate(wb.load_dataset(t, target="y"), clients=2, rounds=1,
     ledger=False), HUGE, InvalidParameterError),
    ("federate-clients-0", lambda i, t: wb.federate(i.dataset, clients=0), None, InvalidParameterError),
    ("federate-too-many-clients", lambda i, t: wb.federate(i.dataset, clients=5000), None, EmptyDataError),
    ("federate-partition-column", lambda i, t: wb.federate(i.dataset, partition="hospital"), None,
     UnknownColumnError),
    ("federate-dp-without-budget", lambda i, t: wb.federate(i.dataset, dp="client"), None, InvalidParameterError),
    ("federate-dp-unit", lambda i, t: wb.federate(i.dataset, dp="local", epsilon=1), None, UnknownNameError),
    ("federate-secagg-server-clipping", lambda i, t: wb.federate(i.dataset, dp="client", epsilon=1,
     secure_aggregation=True, clipping="server"), None, InvalidParameterError),
    ("federate-engine", lambda i, t: wb.federate(i.dataset, engine="cloud"), None, UnknownNameError),
    ("federate-a-list", lambda i, t: wb.federate([1, 2]), None, InvalidParameterError),
    # -- synthetic data and DP statistics
    ("synthesise-inf", lambda i, t: wb.synthesise(t, epsilon=1, ledger=False), INF, InvalidParameterError),
    ("synthesise-huge", lambda i, t: wb.synthesise(t, epsilon=1, ledger=False), HUGE, InvalidParameterError),
    ("synthesise-dicts", lambda i, t: wb.synthesise(t, epsilon=1, ledger=False), _frame(DICTS),
     InvalidParameterError),
    ("synthesise-epsilon-0", lambda i, t: wb.synthesise(i.dataset, epsilon=0), None, InvalidParameterError),
    ("synthesise-method", lambda i, t: wb.synthesise(i.dataset, epsilon=1, method="gan"), None,
     UnknownNameError),
    ("synthesise-bounds-column", lambda i, t: wb.synthesise(i.dataset, epsilon=1, bounds={"salary": (0, 1)}),
     None, UnknownColumnError),
    ("statistics-epsilon-0", lambda i, t: wb.dp_statistics(i.dataset, epsilon=0), None, InvalidParameterError),
    ("statistics-mean-column", lambda i, t: wb.dp_statistics(i.dataset, epsilon=1, ledger=False).mean(
     "salary", bounds=(0, 1)), None, UnknownColumnError),
    ("statistics-mean-text", lambda i, t: wb.dp_statistics(i.dataset, epsilon=1, ledger=False).mean(
     "sex", bounds=(0, 1)), None, InvalidParameterError),
    ("statistics-bounds-reversed", lambda i, t: wb.dp_statistics(i.dataset, epsilon=1, ledger=False).mean(
     "age", bounds=(90, 17)), None, InvalidParameterError),
    ("statistics-over-budget", lambda i, t: wb.dp_statistics(i.dataset, epsilon=1, ledger=False).count(
     epsilon=2), None, BudgetExceededError),
    # -- private tuning and encrypted inference
    ("tune-epsilon-0", lambda i, t: wb.tune(i.dataset, epsilon=0), None, InvalidParameterError),
    ("tune-inf-feature", lambda i, t: wb.tune(wb.load_dataset(t, target="y"), epsilon=2, ledger=False), INF,
     InvalidParameterError),
    ("tune-grid-word", lambda i, t: wb.tune(i.dataset, epsilon=2, grid="best"), None, InvalidParameterError),
    ("encrypt-not-a-run", lambda i, t: wb.encrypted_inference("model", i.dataset.test), None,
     InvalidParameterError),
    ("encrypt-inf-rows", lambda i, t: wb.encrypted_inference(i.run, t.drop(columns=["y"])), INF,
     InvalidParameterError),
    ("encrypt-scheme", lambda i, t: wb.encrypted_inference(i.run, i.dataset.test, scheme="rsa"), None,
     UnknownNameError),
]  # fmt: skip


def _one_line(text: str) -> None:
    assert text and "\n" not in text and "Traceback" not in text, text


def _digests(frames: list[pd.DataFrame]) -> list[str]:
    """Digests of values, index, columns and dtypes; pickled, since pandas cannot hash cells that are dicts."""
    return [hashlib.sha256(pickle.dumps((f.columns, f.dtypes, f.index, f.to_numpy()))).hexdigest() for f in frames]


@pytest.mark.parametrize(("call", "table", "expected"), [c[1:] for c in API_CASES], ids=[c[0] for c in API_CASES])
def test_api_bad_input(inputs, call, table, expected):
    frame = table(inputs) if table is not None else None
    watched = [*inputs.frames, *([frame] if frame is not None else [])]
    before = _digests(watched)
    with pytest.raises(WorkbenchError) as caught:
        call(inputs, frame)
    assert isinstance(caught.value, expected), f"{type(caught.value).__name__}: {caught.value}"
    _one_line(str(caught.value))
    assert KEY.decode() not in str(caught.value)  # a secret is never echoed
    assert _digests(watched) == before


# (id, %wb line, expected error class); `people` is the people table, BADKEY/LISTKEY/DICTKEY hold the key
MAGIC_CASES: list[tuple[str, str, type[WorkbenchError]]] = [
    ("load-folder", "load {tmp}", DataSourceError),
    ("load-missing", "load {tmp}/nope.csv", DataSourceError),
    ("load-bad-url", "load http://[::1/x.csv", DataSourceError),
    ("load-undecodable", "load {undecodable}", DataSourceError),
    ("load-list-column", "load {list_column}", InvalidParameterError),
    ("load-unknown-qi", "load people --qi agee", UnknownColumnError),
    ("load-unknown-target", "load people --target income", UnknownColumnError),
    ("risk-unknown-qi", "risk --qi nope", UnknownColumnError),
    ("anonymise-k-0", "anonymise --k 0", InvalidParameterError),
    ("anonymise-method", "anonymise --k 2 --method mondrain", UnknownNameError),
    ("pseudonymise-bytearray-key", "pseudonymise --key-var BADKEY", InvalidParameterError),
    ("pseudonymise-list-key", "pseudonymise --key-var LISTKEY", InvalidParameterError),
    ("pseudonymise-dict-key", "pseudonymise --key-var DICTKEY", InvalidParameterError),
    ("pseudonymise-short-key", "pseudonymise --key-var SHORT", InvalidParameterError),
    ("train-epochs-0", "train --epochs 0", InvalidParameterError),
    ("train-model", "train --model svm --batch-size 32", UnknownNameError),
    ("report-to-folder", "report --path {tmp}", FileAccessError),
    ("report-under-a-file", "report --path {under_a_file}", FileAccessError),
    ("tradeoff-ks-0", "tradeoff k-anonymity --ks 0", InvalidParameterError),
    ("federate-clients-0", "federate --clients 0", InvalidParameterError),
    ("federate-partition-column", "federate --partition hospital", UnknownColumnError),
    ("federate-clipping", "federate --dp client --epsilon 1 --clipping edge", UnknownNameError),
    ("synthesise-epsilon", "synthesise --epsilon -1", InvalidParameterError),
    ("synthesise-method", "synthesise --epsilon 1 --method gan", UnknownNameError),
    ("query-unknown-column", "query 'mean salary' --bounds 0,1 --epsilon 0.1", UnknownColumnError),
    ("query-bounds-reversed", "query 'mean age' --bounds 90,17 --epsilon 0.1", InvalidParameterError),
    ("tune-epsilon-0", "tune --epsilon 0", InvalidParameterError),
    ("tune-trials", "tune --epsilon 1 --trials 0.5", InvalidParameterError),
]


@pytest.mark.parametrize(("line", "expected"), [c[1:] for c in MAGIC_CASES], ids=[c[0] for c in MAGIC_CASES])
def test_magic_bad_input(shell, inputs, digest, line, expected):
    from IPython.core.error import UsageError

    shell.run_line_magic("wb", "load people --target y --qi age,sex,zip")
    shell.run_line_magic("wb", "risk")  # something to report
    before = digest(inputs.frame)
    paths = {name: str(path) for name, path in inputs.files.items()}
    with pytest.raises(UsageError) as caught:
        shell.run_line_magic("wb", line.format(tmp=inputs.tmp, **paths))
    assert caught.value.error_type == expected.__name__, str(caught.value)
    _one_line(str(caught.value))
    assert KEY.decode() not in str(caught.value) and "SUPERSECRET" not in str(caught.value)
    assert digest(inputs.frame) == before


# (id, argv) for `privacy-workbench`; every one must exit with status 2 and one line on stderr
CLI_CASES: list[tuple[str, list[str]]] = [
    ("report-missing-results", ["report", "--results", "{tmp}/nope.parquet"]),
    ("report-results-folder", ["report", "--results", "{tmp}"]),
    ("report-results-not-parquet", ["report", "--results", "{notparquet}"]),
    ("report-results-plain", ["report", "--results", "{plain}"]),
    ("report-results-bad-json", ["report", "--results", "{bad_json}"]),
    ("report-results-no-keys", ["report", "--results", "{no_keys}"]),
    ("report-results-bad-point", ["report", "--results", "{bad_point}"]),
    ("report-results-bad-value", ["report", "--results", "{bad_value}"]),
    ("report-out-folder", ["report", "--results", "{good}", "--out", "{tmp}"]),
    ("report-out-under-a-file", ["report", "--results", "{good}", "--out", "{under_a_file}"]),
    ("tradeoff-dataset-folder", ["tradeoff", "--dataset", "{tmp}", "--out", "{tmp}/o.parquet"]),
    ("tradeoff-dataset-bad-url", ["tradeoff", "--dataset", "http://[::1/x.csv", "--out", "{tmp}/o.parquet"]),
    ("tradeoff-dataset-undecodable", ["tradeoff", "--dataset", "{undecodable}", "--out", "{tmp}/o.parquet"]),
    ("tradeoff-no-output", ["tradeoff", "--dataset", "patients"]),
    ("tradeoff-ks-0", ["tradeoff", "--technique", "k-anonymity", "--ks", "0", "--out", "{tmp}/o.parquet"]),
    ("tradeoff-technique", ["tradeoff", "--technique", "dpp", "--out", "{tmp}/o.parquet"]),
    ("lab-dir-is-a-file", ["lab", "--dir", "{notparquet}"]),
]


@pytest.mark.parametrize("argv", [c[1] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_cli_bad_input(inputs, capsys, argv):
    paths = {name: str(path) for name, path in inputs.files.items()}
    status = cli.main([arg.format(tmp=inputs.tmp, **paths) for arg in argv])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    _one_line(err)
    assert err.startswith(f"privacy-workbench {argv[0]}: error: ")


def test_suite_has_at_least_100_cases():
    assert len(API_CASES) + len(MAGIC_CASES) + len(CLI_CASES) >= 100
    assert people_frame().shape == (200, 6)
