"""The statistics behind the analytics reports, with numpy and the standard library only.

scipy does not fit in the Lambda layer, so the few formulas needed are written out here, each with its
source; the tests check them against scipy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

ArrayLike = Sequence[float] | npt.NDArray[np.floating[Any]]

_R_LIMIT = 1.0 - 1e-12  # keeps atanh finite for |r| = 1
PSI_EPSILON = 1e-4  # the share given to an empty bin so that the log stays finite


def _array(values: ArrayLike) -> npt.NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


def _clamp(r: float) -> float:
    return max(-1.0, min(1.0, float(r)))


# --- correlation --------------------------------------------------------------------------------------


def pearson(x: ArrayLike, y: ArrayLike) -> float | None:
    """Pearson's product-moment correlation; None when n < 3 or either variable does not vary."""
    a, b = _array(x), _array(y)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("pearson needs two one-dimensional sequences of the same length")
    if a.size < 3:
        return None
    da, db = a - a.mean(), b - b.mean()
    sa, sb = float(np.sqrt(da @ da)), float(np.sqrt(db @ db))
    if sa == 0.0 or sb == 0.0 or not math.isfinite(sa * sb):
        return None
    return _clamp(float(da @ db) / (sa * sb))


def ranks(values: ArrayLike) -> npt.NDArray[np.float64]:
    """Ranks 1..n, tied values getting the average of the ranks they span (as ``scipy.stats.rankdata``)."""
    a = _array(values)
    order = np.argsort(a, kind="mergesort")
    ordered = a[order]
    # start index of each run of equal values, and the run each sorted position belongs to
    new_run = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    starts = np.flatnonzero(new_run)
    run = np.cumsum(new_run) - 1
    ends = np.concatenate((starts[1:], [a.size]))
    average = (starts + ends + 1) / 2.0  # mean of the 1-based ranks start+1 .. end
    out = np.empty(a.size, dtype=np.float64)
    out[order] = average[run]
    return out


def spearman(x: ArrayLike, y: ArrayLike) -> float | None:
    """Spearman's rank correlation: Pearson's r of the average ranks (ties share their mean rank)."""
    a, b = _array(x), _array(y)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("spearman needs two one-dimensional sequences of the same length")
    if a.size < 3:
        return None
    return pearson(ranks(a), ranks(b))


def fisher_ci(r: float, n: int, *, spearman: bool = False, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of a correlation by Fisher's z = atanh(r), back-transformed with tanh.

    The standard error of z is sqrt(1 / (n - 3)) for Pearson's r (Fisher 1921) and, for Spearman's
    rho, sqrt((1 + r²/2) / (n - 3)) (Bonett & Wright 2000, Psychometrika 65:23-28).
    """
    if n <= 3:
        raise ValueError("a Fisher confidence interval needs n > 3")
    if not 0.0 < level < 1.0:
        raise ValueError("level must be between 0 and 1")
    r = max(-_R_LIMIT, min(_R_LIMIT, float(r)))
    variance = (1.0 + r * r / 2.0) / (n - 3) if spearman else 1.0 / (n - 3)
    critical = NormalDist().inv_cdf(0.5 + level / 2.0)
    z = math.atanh(r)
    half = critical * math.sqrt(variance)
    return math.tanh(z - half), math.tanh(z + half)


# --- range restriction --------------------------------------------------------------------------------


def thorndike_case2(r: float, U: float) -> float:
    """Thorndike (1949) Case II: direct selection on the predictor itself.

    R = U·r / sqrt(1 + r²(U² - 1)), with U = SD_unrestricted / SD_restricted of the predictor.
    """
    if U <= 0:
        raise ValueError("U must be positive")
    return _clamp(U * r / math.sqrt(1.0 + r * r * (U * U - 1.0)))


def thorndike_case3(r_xy: float, r_xz: float, r_yz: float, U: float) -> float:
    """Thorndike (1949) Case III: x and y restricted through explicit selection on a third variable z.

    R = (r_xy + r_xz·r_yz·(U² - 1)) / sqrt((1 + r_xz²(U² - 1))(1 + r_yz²(U² - 1))), all correlations
    observed in the selected group and U = SD_unrestricted(z) / SD_restricted(z). With x = z
    (r_xz = 1, r_yz = r_xy) it reduces to Case II. R is increasing in r_xy, so CI bounds can be
    corrected with it.
    """
    if U <= 0:
        raise ValueError("U must be positive")
    k = U * U - 1.0
    numerator = r_xy + r_xz * r_yz * k
    denominator = math.sqrt((1.0 + r_xz * r_xz * k) * (1.0 + r_yz * r_yz * k))
    return _clamp(numerator / denominator)


# --- non-negative ridge -------------------------------------------------------------------------------


def nnls(
    A: npt.NDArray[np.float64], b: npt.NDArray[np.float64], max_iter: int | None = None
) -> npt.NDArray[np.float64]:
    """argmin ||A x - b||² subject to x >= 0, by the active-set method of Lawson & Hanson (1974, ch. 23)."""
    A, b = np.asarray(A, dtype=np.float64), np.asarray(b, dtype=np.float64)
    m, n = A.shape
    max_iter = max_iter if max_iter is not None else 30 * n + 30
    x: npt.NDArray[np.float64] = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    tol = 10.0 * np.finfo(np.float64).eps * float(np.abs(A).sum(axis=0).max(initial=0.0)) * max(m, n)
    gradient = A.T @ (b - A @ x)
    iterations = 0
    while not passive.all() and bool((gradient[~passive] > tol).any()):
        j = int(np.argmax(np.where(passive, -np.inf, gradient)))
        passive[j] = True
        while True:
            iterations += 1
            if iterations > max_iter:
                raise RuntimeError("nnls did not converge")
            s = np.zeros(n)
            s[passive] = np.linalg.lstsq(A[:, passive], b, rcond=None)[0]
            if bool((s[passive] > tol).all()):
                break
            # step from x towards s until the first passive coefficient reaches zero, then drop it
            blocking = passive & (s <= tol)
            step = float(np.min(x[blocking] / (x[blocking] - s[blocking])))
            x = x + step * (s - x)
            passive &= x > tol
            x[~passive] = 0.0
            if not passive.any():
                s = np.zeros(n)
                break
        x = s
        gradient = A.T @ (b - A @ x)
    return x


def nonneg_ridge(X: npt.NDArray[np.float64], y: ArrayLike, alpha: float) -> npt.NDArray[np.float64]:
    """argmin ||y - X b||² + alpha·||b||² subject to b >= 0; no intercept (the caller centres X and y).

    Solved exactly as the non-negative least squares problem of the augmented system
    [X; sqrt(alpha)·I] b ≈ [y; 0] (Lawson & Hanson 1974).
    """
    X = np.asarray(X, dtype=np.float64)
    target = _array(y)
    if X.ndim != 2 or target.shape != (X.shape[0],):
        raise ValueError("X must be n × p and y of length n")
    if alpha < 0:
        raise ValueError("alpha must be >= 0")
    p = X.shape[1]
    if alpha > 0:
        X = np.vstack((X, math.sqrt(alpha) * np.eye(p)))
        target = np.concatenate((target, np.zeros(p)))
    return nnls(X, target)


def kfold(n: int, k: int, seed: int) -> list[npt.NDArray[np.int64]]:
    """k test folds of a shuffled 0..n-1 (sizes differ by at most one); the same for the same seed."""
    if not 2 <= k <= n:
        raise ValueError(f"k-fold needs 2 <= k <= n, got k={k}, n={n}")
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(fold).astype(np.int64) for fold in np.array_split(order, k)]


# --- distributions ------------------------------------------------------------------------------------


def quantile(values: ArrayLike, q: float) -> float:
    """The q-quantile with linear interpolation between order statistics (Hyndman & Fan type 7)."""
    a = _array(values)
    if a.size == 0:
        raise ValueError("the quantile of no values is undefined")
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must be between 0 and 1")
    return float(np.quantile(a, q))


def psi(baseline: ArrayLike, current: ArrayLike, bins: int = 10) -> float:
    """Population stability index: Σ (c_i - b_i)·ln(c_i / b_i) over the baseline's quantile bins.

    b_i and c_i are the shares of the baseline and of the current values in bin i; the bins are cut at
    the baseline's 1/bins .. (bins-1)/bins quantiles (tied cut points merge bins) and an empty bin counts
    as a share of ``PSI_EPSILON``. Usual reading: < 0.1 stable, 0.1-0.25 moderate, > 0.25 a large shift.
    """
    base, cur = _array(baseline), _array(current)
    if base.size == 0 or cur.size == 0:
        raise ValueError("psi needs values in both samples")
    if bins < 2:
        raise ValueError("psi needs at least 2 bins")
    cuts = np.unique(np.quantile(base, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    count = cuts.size + 1
    b = np.bincount(np.searchsorted(cuts, base, side="right"), minlength=count) / base.size
    c = np.bincount(np.searchsorted(cuts, cur, side="right"), minlength=count) / cur.size
    b, c = np.maximum(b, PSI_EPSILON), np.maximum(c, PSI_EPSILON)
    return float(np.sum((c - b) * np.log(c / b)))


def kolmogorov_sf(lam: float) -> float:
    """P(K > lam) of the Kolmogorov distribution: 2 Σ_{j>=1} (-1)^(j-1) exp(-2 j² lam²).

    For small lam the equivalent theta-function series 1 - sqrt(2π)/lam · Σ exp(-(2j-1)² π² / (8 lam²))
    converges faster and is used instead.
    """
    if lam <= 0.0:
        return 1.0
    if lam < 1.0:
        total = sum(math.exp(-((2 * j - 1) ** 2) * math.pi**2 / (8.0 * lam * lam)) for j in range(1, 8))
        return max(0.0, min(1.0, 1.0 - math.sqrt(2.0 * math.pi) / lam * total))
    total = sum((-1) ** (j - 1) * math.exp(-2.0 * j * j * lam * lam) for j in range(1, 101))
    return max(0.0, min(1.0, 2.0 * total))


def ks_2samp(a: ArrayLike, b: ArrayLike) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov test: D = max |F_a - F_b| and its asymptotic two-sided p-value.

    p = Q_KS((sqrt(n_e) + 0.12 + 0.11 / sqrt(n_e)) · D) with the effective n_e = n_a·n_b / (n_a + n_b),
    Q_KS the Kolmogorov survival function and Stephens' (1970) small-sample adjustment of the argument
    (as in Numerical Recipes, §14.3).
    """
    x, y = np.sort(_array(a)), np.sort(_array(b))
    if x.size == 0 or y.size == 0:
        raise ValueError("ks_2samp needs values in both samples")
    pooled = np.concatenate((x, y))
    cdf_x = np.searchsorted(x, pooled, side="right") / x.size
    cdf_y = np.searchsorted(y, pooled, side="right") / y.size
    d = float(np.max(np.abs(cdf_x - cdf_y)))
    en = math.sqrt(x.size * y.size / (x.size + y.size))
    return d, kolmogorov_sf((en + 0.12 + 0.11 / en) * d)


# --- bootstrap ----------------------------------------------------------------------------------------


def case3_bootstrap_ci(
    x: ArrayLike,
    y: ArrayLike,
    z: ArrayLike,
    pool_sd: float,
    *,
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the Thorndike Case III corrected r (Efron & Tibshirani 1993, ch. 13).

    The selected rows (x, y, z) are resampled with replacement; each resample recomputes r_xy, r_xz, r_yz
    and U = pool_sd / SD(z), so the interval carries the sampling error of all four, which correcting the
    bounds of r_xy's Fisher interval alone does not (Mendoza, Hart & Powell 1991). Deterministic for a
    seed; None when fewer than half of the resamples give a defined value.
    """
    xs, ys, zs = _array(x), _array(y), _array(z)
    n = xs.size
    if n < 4 or pool_sd <= 0 or resamples < 10:
        return None
    rng = np.random.default_rng(seed)
    # Each resample is summarised by its counts of every row, so its moments are one matrix product.
    centred = np.column_stack((xs - xs.mean(), ys - ys.mean(), zs - zs.mean()))
    features = np.column_stack((centred, centred**2, centred[:, [0, 0, 1]] * centred[:, [1, 2, 2]]))
    values: list[npt.NDArray[np.float64]] = []
    block = max(1, 2_000_000 // n)  # bounds the memory of one block of resamples
    for first in range(0, resamples, block):
        size = min(block, resamples - first)
        index = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
        counts = np.bincount(index.ravel(), minlength=size * n).reshape(size, n).astype(np.float64)
        m = counts @ features / n
        mean_x, mean_y, mean_z = m[:, 0], m[:, 1], m[:, 2]
        var_x, var_y, var_z = m[:, 3] - mean_x**2, m[:, 4] - mean_y**2, m[:, 5] - mean_z**2
        with np.errstate(invalid="ignore", divide="ignore"):
            r_xy = (m[:, 6] - mean_x * mean_y) / np.sqrt(var_x * var_y)
            r_xz = (m[:, 7] - mean_x * mean_z) / np.sqrt(var_x * var_z)
            r_yz = (m[:, 8] - mean_y * mean_z) / np.sqrt(var_y * var_z)
            k = pool_sd**2 / (var_z * n / (n - 1)) - 1.0
            corrected = (r_xy + r_xz * r_yz * k) / np.sqrt((1.0 + r_xz * r_xz * k) * (1.0 + r_yz * r_yz * k))
        values.append(corrected)
    every = np.concatenate(values)
    every = every[np.isfinite(every)]
    if every.size < resamples / 2:
        return None
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(np.clip(every, -1.0, 1.0), [tail, 1.0 - tail])
    return float(low), float(high)
