"""Attack-agnostic audit metrics: ROC, AUC, advantage, TPR at a low FPR, and an empirical epsilon lower bound.

Every function takes per-record attack ``scores`` (higher means "more likely a member") and boolean ``labels``
(``True`` for members). Nothing here knows about models or attacks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.errors import EmptyDataError, InvalidParameterError

__all__ = [
    "EpsilonBound",
    "advantage",
    "auc",
    "clopper_pearson",
    "epsilon_lower_bound",
    "roc_curve",
    "tpr_at_fpr",
]


def _check(scores: object, labels: object) -> tuple[np.ndarray, np.ndarray]:
    """Return float64 scores and bool labels, or raise a one-line error."""
    try:
        s = np.asarray(scores, dtype=np.float64).ravel()
        raw = np.asarray(labels).ravel()
    except (TypeError, ValueError):
        raise InvalidParameterError("Attack scores must be numbers and labels booleans (True = member).") from None
    if s.shape != raw.shape:
        raise InvalidParameterError(f"Got {s.size} scores but {raw.size} membership labels; give one label per score.")
    if raw.dtype != bool:
        if not np.isin(raw, (0, 1)).all():
            raise InvalidParameterError("Membership labels must be booleans or 0/1 (1 = member).")
        raw = raw.astype(bool)
    if np.isnan(s).any():
        raise InvalidParameterError("Attack scores contain NaN; the attack produced undefined scores for some records.")
    n_pos = int(raw.sum())
    if n_pos == 0 or n_pos == raw.size:
        raise EmptyDataError("An audit needs both members and non-members; one of the two groups is empty.")
    return s, raw


def _counts(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative true/false positive counts for "member if score ≥ t", one entry per distinct score, descending.

    The first entry is the threshold +inf (nobody flagged).
    """
    order = np.argsort(-scores, kind="mergesort")
    s = scores[order]
    y = labels[order]
    # last index of every run of equal scores: ties are flagged together
    distinct = np.flatnonzero(np.diff(s)) if s.size > 1 else np.array([], dtype=np.int64)
    ends = np.r_[distinct, s.size - 1]
    tp = np.r_[0, np.cumsum(y)[ends]]
    fp = np.r_[0, np.cumsum(~y)[ends]]
    thresholds = np.r_[np.inf, s[ends]]
    return thresholds, tp, fp


def roc_curve(scores: object, labels: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve of the attack "member if score ≥ threshold", with ties flagged together.

    Parameters
    ----------
    scores : array-like of float
        One score per record; higher means more likely a member.
    labels : array-like of bool
        ``True`` (or 1) for members.

    Returns
    -------
    fpr, tpr, thresholds : numpy.ndarray
        Starting at (0, 0) (threshold ``inf``) and ending at (1, 1); no interpolation, one point per distinct score.

    Examples
    --------
    >>> fpr, tpr, thr = roc_curve([0.9, 0.8, 0.3, 0.1], [True, False, True, False])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    s, y = _check(scores, labels)
    thresholds, tp, fp = _counts(s, y)
    return fp / (~y).sum(), tp / y.sum(), thresholds


def auc(scores: object, labels: object) -> float:
    """Area under the ROC curve: the chance that a random member scores above a random non-member (ties count ½).

    Examples
    --------
    >>> auc([0.9, 0.8, 0.3, 0.1], [True, False, True, False])
    0.75
    """
    fpr, tpr, _ = roc_curve(scores, labels)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def advantage(scores: object, labels: object) -> float:
    """Membership advantage (Yeom et al. 2018): the largest TPR − FPR over all thresholds, between 0 and 1.

    Examples
    --------
    >>> advantage([0.9, 0.8, 0.3, 0.1], [True, False, True, False])
    0.5
    """
    fpr, tpr, _ = roc_curve(scores, labels)
    return float(np.max(tpr - fpr))


def tpr_at_fpr(scores: object, labels: object, fpr: float) -> float:
    """The highest TPR among thresholds whose empirical FPR is at most ``fpr`` (no interpolation).

    With fewer than ``1 / fpr`` non-members the only such threshold may be one with zero false positives, so the
    value is then the TPR at zero false positives. Interpolating between ROC points would overstate the attack at
    low FPR; this definition never does.

    Examples
    --------
    >>> tpr_at_fpr([0.9, 0.8, 0.3, 0.1], [True, False, True, False], 0.0)
    0.5
    >>> tpr_at_fpr([0.9, 0.8, 0.3, 0.1], [True, False, True, False], 0.5)
    1.0
    """
    if isinstance(fpr, bool) or not isinstance(fpr, (int, float, np.floating)) or not 0.0 <= float(fpr) <= 1.0:
        raise InvalidParameterError(f"The 'fpr' parameter of tpr_at must be a number between 0 and 1; got {fpr!r}.")
    f, t, _ = roc_curve(scores, labels)
    return float(t[f <= float(fpr) + 1e-12].max())


# -- empirical epsilon lower bound ------------------------------------------------------------------------------
def clopper_pearson(k: object, n: object, alpha: float, side: str) -> np.ndarray:
    """One-sided Clopper-Pearson bound for a binomial proportion ``k / n`` that holds with probability 1 − ``alpha``.

    ``side="lower"`` or ``"upper"``. Works element-wise on arrays.

    Examples
    --------
    >>> round(float(clopper_pearson(0, 100, 0.05, "upper")), 4)
    0.0295
    >>> float(clopper_pearson(0, 100, 0.05, "lower"))
    0.0
    """
    from scipy.stats import beta

    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    if side == "lower":
        with np.errstate(invalid="ignore"):
            out = beta.ppf(alpha, k, n - k + 1)
        return np.where(k <= 0, 0.0, out)
    if side == "upper":
        with np.errstate(invalid="ignore"):
            out = beta.ppf(1.0 - alpha, k + 1, n - k)
        return np.where(k >= n, 1.0, out)
    raise InvalidParameterError(f"The 'side' parameter of clopper_pearson must be 'lower' or 'upper'; got {side!r}.")


def _eps_from_bounds(tpr_lo: np.ndarray, fpr_hi: np.ndarray, delta: float) -> np.ndarray:
    """max(log((TPR−δ)/FPR), log((1−FPR−δ)/(1−TPR))) from a lower TPR and an upper FPR bound; −inf when void."""
    with np.errstate(divide="ignore", invalid="ignore"):
        one = np.log(np.maximum(tpr_lo - delta, 0.0) / fpr_hi)
        two = np.log(np.maximum(1.0 - fpr_hi - delta, 0.0) / (1.0 - tpr_lo))
    both = np.fmax(np.nan_to_num(one, nan=-np.inf), np.nan_to_num(two, nan=-np.inf))
    return both


@dataclass(frozen=True)
class EpsilonBound:
    """An empirical epsilon lower bound and how it was obtained.

    Attributes
    ----------
    epsilon : float
        The lower bound (≥ 0); 0 means the attack showed no measurable leakage at this confidence.
    confidence : float
        Probability that the bound holds (both Clopper-Pearson bounds together, by a union bound).
    delta : float
        The delta of the (epsilon, delta) claim being tested.
    threshold : float
        Score threshold picked on the selection half.
    tp, fn, fp, tn : int
        Counts on the evaluation half at that threshold (attack: member if score ≥ threshold).
    tpr_lower, fpr_upper : float
        The Clopper-Pearson bounds used.
    """

    epsilon: float
    confidence: float
    delta: float
    threshold: float
    tp: int
    fn: int
    fp: int
    tn: int
    tpr_lower: float
    fpr_upper: float

    def to_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def epsilon_lower_bound(
    scores: object,
    labels: object,
    *,
    delta: float = 0.0,
    confidence: float = 0.95,
    seed: int = 0,
) -> EpsilonBound:
    """Empirical epsilon lower bound from an attack's TPR and FPR (Jagielski et al. 2020; Nasr et al. 2021).

    (epsilon, delta)-DP forces every test to satisfy TPR ≤ e^ε·FPR + δ and 1 − FPR ≤ e^ε·(1 − TPR) + δ, so

        ε ≥ max( log((TPR − δ) / FPR), log((1 − FPR − δ) / (1 − TPR)) ).

    TPR and FPR are replaced by a one-sided Clopper-Pearson lower bound on TPR and upper bound on FPR, each at level
    (1 − confidence) / 2, so both hold together with probability ≥ ``confidence`` (union bound).

    **Choice of threshold (multiple testing).** Picking the best of many thresholds on the same records would void
    the confidence level. We use a held-out choice: the records are split at random (by ``seed``, stratified by
    membership) into a selection half and an evaluation half; the threshold that maximises the bound on the
    selection half is then evaluated once on the evaluation half, so its Clopper-Pearson bounds are valid as stated.
    The price is half of the records per step; no Bonferroni factor is needed.

    Caveat: one trained model and many records are not independent trials of the DP experiment, so, as in most
    audits of this kind, the number is an estimate of a lower bound rather than a proof; it must still never
    exceed the claimed epsilon of a correctly accounted DP run, which the tests check.

    Parameters
    ----------
    scores, labels : array-like
        As for :func:`roc_curve`.
    delta : float, default=0.0
        The delta of the claim.
    confidence : float, default=0.95
        In (0, 1).
    seed : int, default=0
        Seed of the selection / evaluation split; same seed, same bound.

    Returns
    -------
    EpsilonBound

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> labels = np.r_[np.ones(2000, bool), np.zeros(2000, bool)]
    >>> perfect = epsilon_lower_bound(labels.astype(float) + rng.random(4000) * 0.1, labels)
    >>> round(perfect.epsilon, 2)
    5.6
    >>> epsilon_lower_bound(rng.random(4000), labels).epsilon
    0.0
    """
    if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not 0.0 <= delta < 1.0:
        raise InvalidParameterError(f"The 'delta' parameter of epsilon_lower_bound must be in [0, 1); got {delta!r}.")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0.0 < confidence < 1.0:
        raise InvalidParameterError(
            f"The 'confidence' parameter of epsilon_lower_bound must be a number in (0, 1); got {confidence!r}."
        )
    s, y = _check(scores, labels)
    alpha = (1.0 - float(confidence)) / 2.0
    rng = np.random.default_rng(seed)
    select = np.zeros(s.size, dtype=bool)
    for group in (np.flatnonzero(y), np.flatnonzero(~y)):
        select[rng.permutation(group)[: group.size // 2]] = True
    if min(y[select].sum(), (~y[select]).sum(), y[~select].sum(), (~y[~select]).sum()) == 0:
        raise EmptyDataError("The epsilon lower bound needs at least 2 members and 2 non-members.")

    # selection half: every distinct threshold, Clopper-Pearson at the same level
    thr, tp, fp = _counts(s[select], y[select])
    n_pos, n_neg = int(y[select].sum()), int((~y[select]).sum())
    eps_sel = _eps_from_bounds(
        clopper_pearson(tp, n_pos, alpha, "lower"), clopper_pearson(fp, n_neg, alpha, "upper"), float(delta)
    )
    best = int(np.argmax(eps_sel))
    threshold = float(thr[best])

    # evaluation half: one threshold, one pair of bounds
    s_ev, y_ev = s[~select], y[~select]
    flagged = s_ev >= threshold
    tp_e, fp_e = int((flagged & y_ev).sum()), int((flagged & ~y_ev).sum())
    n_pos_e, n_neg_e = int(y_ev.sum()), int((~y_ev).sum())
    tpr_lo = float(clopper_pearson(tp_e, n_pos_e, alpha, "lower"))
    fpr_hi = float(clopper_pearson(fp_e, n_neg_e, alpha, "upper"))
    eps = float(_eps_from_bounds(np.array(tpr_lo), np.array(fpr_hi), float(delta)))
    eps = max(0.0, eps)  # -inf (void bound) and negative values both mean "nothing shown"
    return EpsilonBound(
        epsilon=eps,
        confidence=float(confidence),
        delta=float(delta),
        threshold=threshold,
        tp=tp_e,
        fn=n_pos_e - tp_e,
        fp=fp_e,
        tn=n_neg_e - fp_e,
        tpr_lower=tpr_lo,
        fpr_upper=fpr_hi,
    )
