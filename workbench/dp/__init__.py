"""Differentially private training (DP-SGD with Opacus's accountants), privacy statements and a budget ledger.

Other families that run the DP-SGD loop themselves (federated clients) use the names of ``workbench.dp.loop``, exported
here too: :class:`~workbench.dp.LoopPlan`, :func:`~workbench.dp.train_local`, :func:`~workbench.dp.evaluate_model`,
:func:`~workbench.dp.torch_threads` and :func:`~workbench.dp.drop_missing_target`; never its private modules.
"""

from workbench.dp._stacked import can_train_together
from workbench.dp.accounting import (
    ACCOUNTANTS,
    calibrate_noise,
    compose_epsilon,
    compute_epsilon,
    default_delta,
    prv_eps_error,
)
from workbench.dp.config import TrainConfig
from workbench.dp.encoding import TabularEncoder, fit_encoder
from workbench.dp.ledger import LedgerEntry, PrivacyLedger, default_ledger, resolve_ledger
from workbench.dp.loop import LoopOutcome, LoopPlan, drop_missing_target, evaluate_model, torch_threads, train_local
from workbench.dp.models import MODELS, build_model, check_module
from workbench.dp.result import EncodedModelPredictions, TrainResult
from workbench.dp.statement import PrivacyStatement
from workbench.dp.training import (
    planned_epsilon,
    split_audit,
    train,
    train_config,
    train_many,
    train_on_frames,
    training_dataset,
)
from workbench.dp.tuning import SearchStatement, TuneResult

__all__ = [
    "ACCOUNTANTS",
    "MODELS",
    "EncodedModelPredictions",
    "LedgerEntry",
    "LoopOutcome",
    "LoopPlan",
    "PrivacyLedger",
    "PrivacyStatement",
    "SearchStatement",
    "TabularEncoder",
    "TrainConfig",
    "TrainResult",
    "TuneResult",
    "build_model",
    "calibrate_noise",
    "can_train_together",
    "check_module",
    "compose_epsilon",
    "compute_epsilon",
    "default_delta",
    "default_ledger",
    "drop_missing_target",
    "evaluate_model",
    "fit_encoder",
    "planned_epsilon",
    "prv_eps_error",
    "resolve_ledger",
    "split_audit",
    "torch_threads",
    "train",
    "train_config",
    "train_local",
    "train_many",
    "train_on_frames",
    "training_dataset",
]
