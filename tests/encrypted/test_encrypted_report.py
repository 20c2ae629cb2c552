"""The report section and the figures of an encrypted-inference result: plain data only, no scores, no keys."""

from __future__ import annotations

import workbench as wb
from workbench.viz import figures_for


def test_report_section_and_figures(logreg_run, rows, tmp_path):
    enc = wb.encrypted_inference(logreg_run, rows.iloc[:64], progress=False)
    assert list(figures_for(enc)) == ["cost", "sizes", "precision"]
    text = wb.report(enc, path=tmp_path / "r.html").read_text()
    assert "<h2>Encrypted inference</h2>" in text and "ciphertexts only" in text and "NOT protected" in text
    assert "ms per row, end to end" in text and "data-figure='cost'" in text
    # no decrypted score appears in the report
    for score in enc.scores[:5, 0]:
        assert f"{score:.6f}" not in text
