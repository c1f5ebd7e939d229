"""The analytics formulas (numpy only) against scipy, hand computations and their textbook identities."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from jiping.analytics.stats import (
    PSI_EPSILON,
    case3_bootstrap_ci,
    fisher_ci,
    kfold,
    kolmogorov_sf,
    ks_2samp,
    nonneg_ridge,
    pearson,
    psi,
    quantile,
    ranks,
    spearman,
    thorndike_case2,
    thorndike_case3,
)
from scipy import optimize, stats


def test_pearson_matches_scipy_pearsonr() -> None:
    rng = np.random.default_rng(1)
    for n in (3, 10, 250):
        x = rng.normal(size=n)
        y = 0.4 * x + rng.normal(size=n)
        assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y).statistic, abs=1e-12)


def test_pearson_is_none_below_three_values_or_without_variance() -> None:
    assert pearson([1.0, 2.0], [2.0, 1.0]) is None
    assert pearson([1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0]) is None
    assert pearson([1.0, 2.0, 3.0], [5.0, 5.0, 5.0]) is None


def test_ranks_give_ties_their_average_rank_like_scipy_rankdata() -> None:
    values = [3.0, 1.0, 3.0, 2.0, 3.0, 1.0]
    assert ranks(values).tolist() == stats.rankdata(values).tolist() == [5.0, 1.5, 5.0, 3.0, 5.0, 1.5]


def test_spearman_matches_scipy_spearmanr_with_many_ties() -> None:
    rng = np.random.default_rng(2)
    for _ in range(20):
        x = rng.integers(0, 5, size=60).astype(float)  # heavy ties, as on a 1-5 rating scale
        y = np.round(x + rng.normal(size=60))
        assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)


def test_fisher_ci_matches_the_hand_computed_interval() -> None:
    # r = 0.5, n = 103: z = atanh(0.5) = 0.549306, se = 1/sqrt(100) = 0.1, z_0.975 = 1.959964
    low, high = fisher_ci(0.5, 103)
    assert low == pytest.approx(math.tanh(0.5493061443 - 0.1959963985), abs=1e-9)
    assert (round(low, 6), round(high, 6)) == (0.339308, 0.632338)
    # Bonett-Wright for Spearman: se = sqrt((1 + 0.5²/2) / 100) = 0.106066
    assert tuple(round(b, 6) for b in fisher_ci(0.5, 103, spearman=True)) == (0.328745, 0.63942)


def test_fisher_ci_widens_with_the_level_and_stays_inside_minus_one_one() -> None:
    low95, high95 = fisher_ci(0.3, 50)
    low99, high99 = fisher_ci(0.3, 50, level=0.99)
    assert low99 < low95 < 0.3 < high95 < high99
    assert -1.0 <= fisher_ci(0.999, 5)[0] <= fisher_ci(0.999, 5)[1] <= 1.0
    with pytest.raises(ValueError):
        fisher_ci(0.3, 3)


def test_case3_with_x_equal_to_z_is_case2() -> None:
    for r in (-0.4, 0.0, 0.15, 0.3, 0.6, 0.9):
        for u in (0.7, 1.0, 1.5, 2.5):
            assert thorndike_case3(r, 1.0, r, u) == pytest.approx(thorndike_case2(r, u), abs=1e-12)


def test_case2_and_case3_with_u_1_return_the_observed_r() -> None:
    assert thorndike_case2(0.37, 1.0) == pytest.approx(0.37)
    assert thorndike_case3(0.21, 0.6, 0.3, 1.0) == pytest.approx(0.21)


def test_case2_matches_a_hand_computed_value_and_case3_is_monotone_in_r_xy() -> None:
    assert thorndike_case2(0.3, 2.0) == pytest.approx(0.6 / math.sqrt(1.27))  # 0.532414
    corrected = [thorndike_case3(r, 0.6, 0.3, 1.8) for r in (-0.2, 0.0, 0.1, 0.2, 0.4)]
    assert corrected == sorted(corrected)


def test_case3_clamps_an_impossible_combination_to_one() -> None:
    assert thorndike_case3(0.99, 0.9, 0.1, math.sqrt(0.1)) == 1.0


def test_nonneg_ridge_equals_scipy_nnls_on_the_augmented_system() -> None:
    rng = np.random.default_rng(3)
    for trial in range(60):
        n, p = int(rng.integers(6, 120)), int(rng.integers(1, 7))
        x = rng.normal(size=(n, p)) @ rng.normal(size=(p, p))  # correlated columns
        if trial % 5 == 0 and p > 1:
            x[:, -1] = x[:, 0]  # exactly collinear
        y = x @ rng.normal(size=p) + rng.normal(size=n)
        for alpha in (0.0, 0.1, 10.0, 1000.0):
            augmented = np.vstack((x, math.sqrt(alpha) * np.eye(p)))
            expected = optimize.nnls(augmented, np.concatenate((y, np.zeros(p))))[0]
            got = nonneg_ridge(x, y, alpha)
            assert (got >= 0).all()
            objective = float(np.sum((y - x @ got) ** 2) + alpha * got @ got)
            best = float(np.sum((y - x @ expected) ** 2) + alpha * expected @ expected)
            assert objective == pytest.approx(best, rel=1e-9, abs=1e-9)
            if not (trial % 5 == 0 and p > 1 and alpha == 0):  # the collinear OLS solution is not unique
                assert got == pytest.approx(expected, abs=1e-7)


def test_nonneg_ridge_without_penalty_is_ols_when_every_coefficient_is_positive() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 3))
    y = x @ np.array([1.0, 0.5, 2.0]) + 0.1 * rng.normal(size=200)
    assert nonneg_ridge(x, y, 0.0) == pytest.approx(np.linalg.lstsq(x, y, rcond=None)[0], abs=1e-10)
    with pytest.raises(ValueError):
        nonneg_ridge(x, y, -1.0)


def test_kfold_partitions_every_index_once_and_repeats_for_a_seed() -> None:
    folds = kfold(23, 5, seed=7)
    assert sorted(np.concatenate(folds).tolist()) == list(range(23))
    assert sorted(len(f) for f in folds) == [4, 4, 5, 5, 5]
    assert [f.tolist() for f in folds] == [f.tolist() for f in kfold(23, 5, seed=7)]
    assert [f.tolist() for f in folds] != [f.tolist() for f in kfold(23, 5, seed=8)]
    with pytest.raises(ValueError):
        kfold(3, 5, seed=0)


def test_psi_is_zero_for_the_same_sample_and_matches_a_hand_computation() -> None:
    baseline = np.arange(100.0)  # deciles: 10 values per bin
    assert psi(baseline, baseline) == pytest.approx(0.0, abs=1e-12)
    everything_in_the_first_bin = np.arange(10.0)
    expected = (1.0 - 0.1) * math.log(1.0 / 0.1) + 9 * (PSI_EPSILON - 0.1) * math.log(PSI_EPSILON / 0.1)
    assert psi(baseline, everything_in_the_first_bin) == pytest.approx(expected)


def test_psi_grows_with_a_shift() -> None:
    rng = np.random.default_rng(5)
    baseline = rng.normal(size=5000)
    values = [psi(baseline, rng.normal(loc=shift, size=5000)) for shift in (0.0, 0.25, 0.5, 1.0)]
    assert values == sorted(values)
    assert values[0] < 0.01 and values[-1] > 0.8


def test_kolmogorov_survival_function_matches_scipy_on_both_series() -> None:
    for lam in (0.2, 0.5, 0.99, 1.0, 1.36, 2.0, 3.0):
        assert kolmogorov_sf(lam) == pytest.approx(stats.kstwobign.sf(lam), abs=1e-10)
    assert kolmogorov_sf(0.0) == 1.0


def test_ks_2samp_statistic_equals_scipy_and_its_p_value_is_close() -> None:
    rng = np.random.default_rng(6)
    for _ in range(40):
        n1, n2 = (int(v) for v in rng.integers(100, 1200, size=2))
        a = rng.normal(size=n1)
        b = rng.normal(loc=float(rng.uniform(0, 0.4)), size=n2)
        statistic, p_value = ks_2samp(a, b)
        reference = stats.ks_2samp(a, b, method="asymp")
        assert statistic == pytest.approx(reference.statistic, abs=1e-12)
        assert p_value == pytest.approx(reference.pvalue, abs=0.02)
        if reference.pvalue < 0.05:
            assert p_value == pytest.approx(reference.pvalue, rel=0.15)


def test_quantile_is_the_linear_type_7_quantile() -> None:
    values = [7.0, 1.0, 3.0, 9.0, 4.0]
    assert [quantile(values, q) for q in (0.25, 0.5, 0.75)] == statistics.quantiles(
        values, n=4, method="inclusive"
    )
    assert quantile(values, 0.0) == 1.0 and quantile(values, 1.0) == 9.0
    with pytest.raises(ValueError):
        quantile([], 0.5)


def test_case3_bootstrap_interval_holds_the_estimate_and_repeats_for_a_seed() -> None:
    rng = np.random.default_rng(8)
    z_all = rng.normal(size=3000)
    x_all = 0.6 * z_all + 0.8 * rng.normal(size=3000)
    y_all = 0.5 * x_all + rng.normal(size=3000)
    selected = z_all > np.quantile(z_all, 0.65)
    x, y, z = x_all[selected], y_all[selected], z_all[selected]
    u = float(np.std(z_all, ddof=1) / np.std(z, ddof=1))
    estimate = thorndike_case3(pearson(x, y) or 0.0, pearson(x, z) or 0.0, pearson(y, z) or 0.0, u)
    interval = case3_bootstrap_ci(x, y, z, float(np.std(z_all, ddof=1)))
    assert interval is not None
    assert interval[0] < estimate < interval[1]
    assert interval[0] < pearson(x_all, y_all) < interval[1]
    assert interval == case3_bootstrap_ci(x, y, z, float(np.std(z_all, ddof=1)))
