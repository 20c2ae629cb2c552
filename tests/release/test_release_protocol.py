"""Every result that leaves a technique is a ``workbench.Release`` whose statement is a ``workbench.Statement``;
a new result type plugs into figures and the report by registering, touching no if-chain."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
import pytest

import workbench as wb
from workbench import viz
from workbench.release import PlainStatement, Release, Statement


@pytest.fixture(scope="module")
def small(patients):
    frame = patients.frame.sample(n=600, random_state=3)
    return wb.load_dataset(frame, target="income", identifiers=patients.identifiers,
                           quasi_identifiers=["age", "sex", "race"], name="patients-600")  # fmt: skip


@pytest.fixture(scope="module")
def results(small):
    from workbench.audit import AuditResult, linkage_audit
    from workbench.dp import PrivacyLedger
    from workbench.risk import linkage_attack

    anon = wb.anonymise(small, k=5, method="mondrian")
    run = wb.train(small, epsilon=2.0, epochs=1, public_schema=True, ledger=False, progress=False)
    sweep = wb.tradeoff(small, "dp", epsilons=[2.0], epochs=1, executor="serial", ledger=PrivacyLedger(),
                        public_schema=True, audit=False)  # fmt: skip
    return {
        "anonymisation": anon,
        "pseudonymisation": wb.pseudonymise(small, key=bytes(range(32))),
        "training": run,
        "audit": AuditResult.from_scores(np.array([3.0, 2.0, 0.5]), np.array([1.0, 0.2, 0.1])),
        "risk": wb.assess_risk(small),
        "linkage": linkage_attack(anon, small.train[small.quasi_identifiers]),
        "linkage-audit": linkage_audit(anon, small.train),
        "tradeoff": sweep,
    }


KINDS = ["anonymisation", "pseudonymisation", "training", "audit", "risk", "linkage", "linkage-audit", "tradeoff"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_result_is_a_release_with_a_statement(results, kind):
    result = results[kind]
    assert isinstance(result, Release) and isinstance(result, wb.Release)
    statement = result.statement
    assert isinstance(statement, Statement)
    assert isinstance(result.technique, str) and result.technique
    assert isinstance(statement.technique, str) and statement.technique
    assert all(isinstance(v, float) for v in result.metrics.values()) and result.metrics
    assert isinstance(statement.epsilon, float) and statement.epsilon >= 0
    assert "\n" not in statement.guarantee and statement.guarantee
    assert statement.plain_language()
    json.dumps(result.summary(), default=str)
    json.dumps(statement.to_dict(), allow_nan=False)
    assert isinstance(dict(statement.parameters), dict)


def test_statements_say_what_they_guarantee(results):
    run = results["training"]
    assert run.statement.epsilon <= 2.0 and run.statement.technique == "dp-sgd"
    assert "DP" in run.statement.guarantee and "ε = " in run.statement.guarantee
    for kind in ("anonymisation", "pseudonymisation", "audit", "risk", "linkage"):
        assert math.isinf(results[kind].statement.epsilon), kind  # no formal DP guarantee: ε = ∞
    assert results["anonymisation"].statement.guarantee.startswith("k = ")
    assert results["tradeoff"].statement.epsilon == pytest.approx(results["tradeoff"].total_epsilon)
    assert "secret" not in repr(results["pseudonymisation"].statement.to_dict())


def test_one_linkage_result_class(results):
    from workbench.audit import LinkageAudit
    from workbench.risk import LinkageResult

    assert LinkageAudit is LinkageResult
    audit, attack = results["linkage-audit"], results["linkage"]
    assert audit.k == 5 and math.isnan(attack.k)
    assert audit.reidentification_rate == attack.reidentification_rate and audit.leakage == audit.advantage


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("anonymisation", ["risk", "class-sizes"]),
        ("training", ["training"]),
        ("audit", ["roc"]),
        ("risk", ["risk", "class-sizes"]),
        ("tradeoff", ["utility-vs-epsilon", "training"]),
        ("pseudonymisation", []),
    ],
)
def test_figures_for_is_the_one_dispatch(results, kind, names):
    figures = viz.figures_for(results[kind])
    assert list(figures) == names
    assert all(isinstance(f, go.Figure) for f in figures.values())


def test_tradeoff_figure_is_the_first_registered_figure(results):
    sweep = results["tradeoff"]
    assert sweep.figure().layout.title.text == viz.figures_for(sweep)["utility-vs-epsilon"].layout.title.text


def test_every_result_has_a_report_section(results, tmp_path):
    text = wb.report(*results.values(), path=tmp_path / "all.html").read_text(encoding="utf-8")
    for heading in ("Anonymised release", "Pseudonymisation", "DP training run", "Membership-inference audit",
                    "Risk assessment", "linkage-attack", "Trade-off sweep"):  # fmt: skip
        assert heading in text, heading
    assert "k" * 32 not in text


@dataclass(frozen=True)
class _Synthetic:
    """A new family's result: implements the protocols, registers figures and a section."""

    rows: int
    epsilon: float
    technique: str = "synthetic-demo"
    statement: PlainStatement = field(init=False)

    def __post_init__(self) -> None:
        statement = PlainStatement("synthetic-demo", {"rows": self.rows}, guarantee=f"ε = {self.epsilon}",
                                   epsilon=self.epsilon, delta=1e-6)  # fmt: skip
        object.__setattr__(self, "statement", statement)

    @property
    def metrics(self) -> dict[str, float]:
        return {"rows": float(self.rows)}

    def to_dict(self) -> dict:
        return {"technique": self.technique, "rows": self.rows, "statement": self.statement.to_dict()}

    def summary(self) -> dict:
        return {"rows": self.rows, "epsilon": self.epsilon}


def test_a_new_result_type_plugs_in_by_registering(tmp_path):
    from workbench.report import register_section

    result = _Synthetic(rows=10, epsilon=1.0)
    assert isinstance(result, Release)
    text = wb.report(result, path=tmp_path / "generic.html").read_text(encoding="utf-8")
    assert "synthetic-demo" in text and "ε = 1.0" in text  # a Release without a section gets the generic one

    viz.register_figures(_Synthetic, lambda r: {"rows": go.Figure(go.Bar(y=[r.rows]))}, replace=True)
    register_section(_Synthetic, lambda r, page: "<h2>Synthetic data</h2>" + page.figures(r), replace=True)
    assert list(viz.figures_for(result)) == ["rows"]
    text = wb.report(result, path=tmp_path / "own.html").read_text(encoding="utf-8")
    assert "<h2>Synthetic data</h2>" in text and "data-figure='rows'" in text


def test_registries_refuse_what_they_cannot_use():
    from workbench.errors import InvalidParameterError
    from workbench.report import register_section

    with pytest.raises(InvalidParameterError, match="qualified name"):
        viz.register_figures("NoModule", lambda r: {})
    with pytest.raises(InvalidParameterError, match="already registered"):
        viz.register_figures("workbench.dp.result.TrainResult", lambda r: {})
    with pytest.raises(InvalidParameterError, match="callable"):
        register_section(_Synthetic, "not a function", replace=True)
    assert viz.figures_for(object()) == {}
