"""Inputs for the hardening tests: a small people table, damaged result files, a key that must never be echoed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import workbench as wb

KEY = b"SUPERSECRETKEY-0123456789-abcdef"


def people_frame(rows: int = 200, seed: int = 0) -> pd.DataFrame:
    """A small table with an e-mail identifier, three quasi-identifiers, a sensitive column and a binary target."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "email": [f"person{i}@example.org" for i in range(rows)],
            "age": rng.integers(18, 80, rows).astype(float),
            "sex": rng.choice(["F", "M"], rows),
            "zip": rng.choice(["10115", "10117", "10119", "20095"], rows),
            "diagnosis": rng.choice(["flu", "asthma", "diabetes"], rows),
            "y": rng.integers(0, 2, rows),
        }
    )


@dataclass
class Inputs:
    """Everything a bad-input case may use; ``frames`` are checked unchanged after each case."""

    frame: pd.DataFrame
    dataset: wb.Dataset
    run: object
    tmp: Path
    files: dict[str, Path]

    @property
    def frames(self) -> list[pd.DataFrame]:
        return [self.frame, self.dataset.frame, self.dataset.train, self.dataset.test]


def damaged_files(folder: Path) -> dict[str, Path]:
    """Parquet files like ``tradeoff --out`` writes, with their sweep record damaged in different ways."""
    import pyarrow.parquet as pq

    from workbench.tradeoff import TradeoffPoint, TradeoffResult

    point = TradeoffPoint(technique="dp", parameter="epsilon", value=1.0, epsilon=1.0, utility={"accuracy": 0.8})
    good = TradeoffResult(points=(point,), technique="dp", parameter="epsilon", grid=(1.0,), spends_budget=True)
    path = good.to_parquet(folder / "good.parquet")
    table = pq.read_table(path)
    record = good.to_dict()
    variants = {
        "bad_json": b"{not json",
        "not_object": b"[1, 2]",
        "no_keys": json.dumps({"points": []}).encode(),
        "bad_point": json.dumps({**record, "points": [{"technique": "dp"}]}).encode(),
        "bad_value": json.dumps({**record, "points": [{**record["points"][0], "value": "high"}]}).encode(),
        "bad_grid": json.dumps({**record, "grid": ["x"]}).encode(),
        "bad_utility": json.dumps({**record, "points": [{**record["points"][0], "utility": [1]}]}).encode(),
    }
    files = {"good": path}
    for name, payload in variants.items():
        target = folder / f"{name}.parquet"
        pq.write_table(table.replace_schema_metadata({b"workbench.tradeoff": payload}), target)
        files[name] = target
    plain = folder / "plain.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(plain)
    files["plain"] = plain
    text = folder / "notparquet.parquet"
    text.write_text("hello")
    files["notparquet"] = text
    latin = folder / "latin.csv"
    latin.write_bytes(b"name,y\n" + "Jürgen,1\nZoë,0\n".encode("utf-16"))
    files["undecodable"] = latin
    lists = folder / "lists.parquet"
    pd.DataFrame({"tags": [[1, 2], [3]] * 10, "y": [0, 1] * 10}).to_parquet(lists)
    files["list_column"] = lists
    folder_path = folder / "a_folder.csv"
    folder_path.mkdir()
    files["folder"] = folder_path
    blocker = folder / "blocker"
    blocker.write_text("a file, not a folder")
    files["under_a_file"] = blocker / "out.html"
    return files
