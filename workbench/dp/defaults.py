"""The size-aware rule ("size-aware-v2"): batch size, epochs, learning rate and clipping norm a user left unset.

The rule takes only facts the workbench already treats as public: the number of training rows ``n`` (every DP
statement already publishes it through the sample rate ``batch_size / n``) and the model. It does not look at the
rows, the labels or the feature values, so choosing the hyperparameters costs no privacy budget.

Rule (measured on Adult subsets of 500 to 32,561 rows, the patients table and the diabetes table with a binned
target; see ``docs/guide/dp-defaults-and-tuning.md`` and ``tests/benchmarks/bench_dp_defaults.py``):

- **batch size** ``B = clip(2 ** round(log2(n / 128)), 32, 256)`` (and at most ``n / 4``): 256 on Adult's 32,561
  rows, 32 below about 5,800 rows. Small tables need small batches so that a run takes enough steps.
- **epochs** ``E = max(10, ceil(1000 / ceil(n / B)))``: at least 10 passes and about 1,000 noisy steps in all.
  With the former fixed defaults (batch 256, 10 epochs) 800 rows got 40 steps, too few for Adam to move from its
  initialisation once the noise is added; DP-SGD at a fixed ε pays for more steps with more noise per step, but the
  measurements show ~1,000 steps near the best on every size (ε = 1 and ε = 8 alike).
- **learning rate**: Adam 0.01 for logistic regression, 0.004 for the MLP and user modules (SGD: 0.5 / 0.2;
  :data:`workbench.dp.config.DEFAULT_LR`). v1 kept the MLP's former 0.002, never measured under DP: with the
  rule's batches and steps, 0.004 measured 0.4–6.2 points more accurate on tables of 500 to 3,344 rows at ε ≤ 2
  and within 0.2 points elsewhere (v2; ``docs/guide/dp-defaults-and-tuning.md``).
- **clipping norm** ``C = 1.0`` (Adam's steps do not depend on the scale of the gradient, so ``C`` only sets which
  examples are clipped; 1.0 clips most examples of a standardised table, as DP-SGD prefers).

ε is not an input of the rule: the noise is calibrated to ε for the steps the rule sets, and the measured optimum of
batch size and steps moved little between ε = 0.5 and ε = 8 (one rule for every ε also lets a sweep train its
ε grid together).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["RULE", "size_aware_defaults"]

#: name recorded in ``TrainConfig.defaults_rule`` and in the privacy statement
RULE = "size-aware-v2"

_TARGET_STEPS = 1000
_MIN_EPOCHS = 10
_MIN_BATCH, _MAX_BATCH = 32, 256
_CLIP = 1.0


def size_aware_defaults(
    n_rows: int, *, model: Any = "logreg", optimizer: str = "adam", batch_size: int | None = None
) -> dict[str, Any]:
    """Batch size, epochs, learning rate and clipping norm for ``n_rows`` training rows (rule ``size-aware-v2``).

    Parameters
    ----------
    n_rows : int
        Training rows (public in the sense of every DP statement: the sample rate is ``batch_size / n_rows``).
    model : {"logreg", "mlp"} or torch.nn.Module
        The model; user modules get the MLP's learning rate.
    optimizer : {"adam", "sgd"}
    batch_size : int, optional
        A batch size the user chose: the epochs then give about 1,000 steps at that batch size.

    Returns
    -------
    dict
        ``batch_size``, ``epochs``, ``lr``, ``max_grad_norm``.

    Examples
    --------
    >>> size_aware_defaults(32561)
    {'batch_size': 256, 'epochs': 10, 'lr': 0.01, 'max_grad_norm': 1.0}
    >>> size_aware_defaults(800, model="mlp")
    {'batch_size': 32, 'epochs': 40, 'lr': 0.004, 'max_grad_norm': 1.0}
    """
    from workbench.dp.config import DEFAULT_LR

    n = max(int(n_rows), 1)
    if batch_size is None:
        batch = 2 ** round(math.log2(max(n / 128, 1)))
        batch = min(max(batch, _MIN_BATCH), _MAX_BATCH, max(n // 4, 1))
    else:
        batch = int(batch_size)
    epochs = max(_MIN_EPOCHS, math.ceil(_TARGET_STEPS / math.ceil(n / batch)))
    kind = model if isinstance(model, str) and model in ("logreg", "mlp") else "mlp"
    return {"batch_size": batch, "epochs": epochs, "lr": DEFAULT_LR[(optimizer, kind)], "max_grad_norm": _CLIP}


def resolve_defaults(config: Any, n_rows: int) -> Any:
    """``config`` with every parameter left unset (None) filled by the rule, and the rule and those names recorded.

    A config with nothing unset is returned as it is.

    Examples
    --------
    >>> from workbench.dp import TrainConfig
    >>> cfg = resolve_defaults(TrainConfig(epsilon=1.0, epochs=5), n_rows=2000)
    >>> cfg.batch_size, cfg.epochs, cfg.defaults_rule, cfg.defaulted
    (32, 5, 'size-aware-v2', ('batch_size', 'lr', 'max_grad_norm'))
    """
    unset = tuple(name for name in ("batch_size", "epochs", "lr", "max_grad_norm") if getattr(config, name) is None)
    if not unset:
        return config
    chosen = size_aware_defaults(n_rows, model=config.model, optimizer=config.optimizer, batch_size=config.batch_size)
    return config.replace(**{name: chosen[name] for name in unset}, defaults_rule=RULE, defaulted=unset)
