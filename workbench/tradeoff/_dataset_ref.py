"""A picklable stand-in for a :class:`~workbench.datasets.Dataset`, rebuilt once per worker process."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.datasets import Dataset, Provenance
from workbench.roles import Role

__all__ = ["DatasetRef"]

_CACHE: dict[str, Dataset] = {}


@dataclass(frozen=True)
class DatasetRef:
    """Frame, split positions, roles and provenance as plain data; ``resolve()`` gives the Dataset back.

    ``Dataset`` holds a read-only mapping that does not pickle; this does, and a worker keeps the rebuilt
    Dataset per fingerprint so a sweep of many points sends and rebuilds it once per process.
    """

    key: str
    frame: pd.DataFrame
    train_positions: np.ndarray
    test_positions: np.ndarray
    roles: tuple[tuple[str, str], ...]
    target: str | None
    name: str
    description: str
    source: tuple[str, str, str, str]

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> DatasetRef:
        frame = dataset.frame
        return cls(
            key=dataset.fingerprint,
            frame=frame,
            train_positions=frame.index.get_indexer(dataset.train.index),
            test_positions=frame.index.get_indexer(dataset.test.index),
            roles=tuple((str(c), Role(r).value) for c, r in dataset.roles.items()),
            target=dataset.target,
            name=dataset.name,
            description=dataset.description,
            source=(dataset.source.origin, dataset.source.licence, dataset.source.citation, dataset.source.sha256),
        )

    def resolve(self) -> Dataset:
        """The Dataset (cached per process by content fingerprint)."""
        cached = _CACHE.get(self.key)
        if cached is None:
            cached = Dataset(
                frame=self.frame,
                train=self.frame.iloc[self.train_positions],
                test=self.frame.iloc[self.test_positions],
                roles={c: Role(r) for c, r in self.roles},
                target=self.target,
                name=self.name,
                description=self.description,
                source=Provenance(*self.source),
            )
            _CACHE.clear()  # keep one dataset per worker: sweeps run one dataset at a time
            _CACHE[self.key] = cached
        return cached
